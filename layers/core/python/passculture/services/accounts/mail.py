"""The emails of accounts and validation, sent after the data is committed.

Sending is best effort: the change is already saved, so a failure of SES is
logged rather than turned into an error that would make the client retry a
signup that actually worked (a new confirmation link can be asked for).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from passculture.config import get_settings

logger = logging.getLogger(__name__)


def _send(to: Iterable[str], subject: str, body: str) -> bool:
    from passculture.adapters.email import send_email

    recipients = [address for address in to if address]
    if not recipients:
        return False
    try:
        send_email(recipients, subject, body)
    except Exception:
        logger.exception("could not send %r to %s", subject, recipients)
        return False
    return True


def confirmation_link(token: str) -> str:
    return f"{get_settings().public_app_url.rstrip('/')}/validate/{token}"


def send_confirmation(email: str, token: str, first_name: str | None = None) -> bool:
    hours = get_settings().email_token_hours
    hello = f"Bonjour {first_name}," if first_name else "Bonjour,"
    body = (
        f"{hello}\n\n"
        "Pour confirmer votre adresse email sur le pass Culture, ouvrez ce lien :\n\n"
        f"{confirmation_link(token)}\n\n"
        f"Ce lien est valable {hours} heures et ne sert qu'une fois.\n"
        "Si vous n'êtes pas à l'origine de cette inscription, ignorez ce message.\n"
    )
    return _send([email], "Confirmez votre adresse email", body)


def send_new_structure_to_team(siren: str, name: str, signer_email: str, address: str | None = None) -> bool:
    lines = [
        "Une nouvelle structure attend sa validation.",
        "",
        f"SIREN : {siren}",
        f"Nom : {name}",
        f"Inscrite par : {signer_email}",
    ]
    if address:
        lines.append(f"Adresse : {address}")
    return _send(
        [get_settings().team_email], f"Nouvelle structure à valider : {name} (SIREN {siren})", "\n".join(lines) + "\n"
    )


def send_join_request(admin_emails: list[str], siren: str, name: str, member_email: str) -> bool:
    body = (
        f"{member_email} demande à rejoindre la structure {name} (SIREN {siren}).\n\n"
        "En tant qu'administrateur, vous pouvez accepter ou refuser cette demande "
        "depuis la page des membres de la structure.\n"
    )
    return _send(admin_emails, f"Nouvelle demande d'accès à {name}", body)


def send_membership_accepted(email: str, siren: str, name: str) -> bool:
    body = f"Votre accès à la structure {name} (SIREN {siren}) a été accepté.\n"
    return _send([email], f"Votre accès à {name} est accepté", body)


def send_structure_status(emails: list[str], siren: str, name: str, status: str, reason: str | None) -> bool:
    if status == "validated":
        subject = f"{name} est validée sur le pass Culture"
        body = f"La structure {name} (SIREN {siren}) est validée : ses offres sont publiées.\n"
    else:
        subject = f"{name} n'est pas validée sur le pass Culture"
        body = f"La structure {name} (SIREN {siren}) n'a pas été validée par l'équipe du pass Culture.\n"
        if reason:
            body += f"\nMotif : {reason}\n"
    return _send(emails, subject, body)

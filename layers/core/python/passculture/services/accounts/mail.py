"""The emails of accounts and validation, sent after the data is committed.

The change is already saved, so an SES failure does not turn into an error that
would make the client retry a signup that worked: the email is parked whole in
``failed_mails`` with its reason (``notifications.failed_mails.send_or_park``),
counted by the ``EmailsParked`` alarm, and resent by ``make resend-mail`` or the
notify function's ``resend-mail`` action (README "Failure modes"). Each
``*_email`` builds the message (any stored name gives a valid one); each
``send_*`` sends it and returns whether SES took it.
"""

from __future__ import annotations

from passculture.config import get_settings
from passculture.services.notifications.failed_mails import Email, send_or_park


def _recipients(addresses: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(a for a in addresses if a))


def confirmation_link(token: str) -> str:
    return f"{get_settings().public_app_url.rstrip('/')}/validate/{token}"


def confirmation_email(email: str, token: str, first_name: str | None = None, user_id: str = "") -> Email:
    hours = get_settings().email_token_hours
    hello = f"Bonjour {first_name}," if first_name else "Bonjour,"
    body = (
        f"{hello}\n\n"
        "Pour confirmer votre adresse email sur le pass Culture, ouvrez ce lien :\n\n"
        f"{confirmation_link(token)}\n\n"
        f"Ce lien est valable {hours} heures et ne sert qu'une fois.\n"
        "Si vous n'êtes pas à l'origine de cette inscription, ignorez ce message.\n"
    )
    return Email("confirmation", f"user:{user_id}", _recipients([email]), "Confirmez votre adresse email", body)


def new_structure_email(siren: str, name: str, signer_email: str, address: str | None = None) -> Email:
    lines = [
        "Une nouvelle structure attend sa validation.",
        "",
        f"SIREN : {siren}",
        f"Nom : {name}",
        f"Inscrite par : {signer_email}",
    ]
    if address:
        lines.append(f"Adresse : {address}")
    subject = f"Nouvelle structure à valider : {name} (SIREN {siren})"
    return Email(
        "new-structure", f"offerer:{siren}", _recipients([get_settings().team_email]), subject, "\n".join(lines) + "\n"
    )


def join_request_email(admin_emails: list[str], siren: str, name: str, member_email: str) -> Email:
    body = (
        f"{member_email} demande à rejoindre la structure {name} (SIREN {siren}).\n\n"
        "En tant qu'administrateur, vous pouvez accepter ou refuser cette demande "
        "depuis la page des membres de la structure.\n"
    )
    return Email(
        "join-request", f"offerer:{siren}", _recipients(admin_emails), f"Nouvelle demande d'accès à {name}", body
    )


def membership_accepted_email(email: str, siren: str, name: str) -> Email:
    body = f"Votre accès à la structure {name} (SIREN {siren}) a été accepté.\n"
    return Email("membership", f"offerer:{siren}", _recipients([email]), f"Votre accès à {name} est accepté", body)


def structure_status_email(emails: list[str], siren: str, name: str, status: str, reason: str | None) -> Email:
    if status == "validated":
        subject = f"{name} est validée sur le pass Culture"
        body = f"La structure {name} (SIREN {siren}) est validée : ses offres sont publiées.\n"
    else:
        subject = f"{name} n'est pas validée sur le pass Culture"
        body = f"La structure {name} (SIREN {siren}) n'a pas été validée par l'équipe du pass Culture.\n"
        if reason:
            body += f"\nMotif : {reason}\n"
    return Email("structure-status", f"offerer:{siren}", _recipients(emails), subject, body)


def send_confirmation(email: str, token: str, first_name: str | None = None, user_id: str = "") -> bool:
    return send_or_park(confirmation_email(email, token, first_name, user_id)) is not None


def send_new_structure_to_team(siren: str, name: str, signer_email: str, address: str | None = None) -> bool:
    return send_or_park(new_structure_email(siren, name, signer_email, address)) is not None


def send_join_request(admin_emails: list[str], siren: str, name: str, member_email: str) -> bool:
    return send_or_park(join_request_email(admin_emails, siren, name, member_email)) is not None


def send_membership_accepted(email: str, siren: str, name: str) -> bool:
    return send_or_park(membership_accepted_email(email, siren, name)) is not None


def send_structure_status(emails: list[str], siren: str, name: str, status: str, reason: str | None) -> bool:
    return send_or_park(structure_status_email(emails, siren, name, status, reason), function="validation") is not None

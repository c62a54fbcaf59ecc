"""Signups (pro and young), email confirmation, and what the signed-in user sees of themselves.

A signup is one transaction: the user, the guard of its email and its hashed
confirmation token (plus, for a pro, the structure or the membership; see
``services.offerers``). A confirmation token is a ``uniques`` item keyed by the
token's SHA-256, marked used by a conditional update, so a link works once;
its expiry is checked in code (moto never expires items, DynamoDB's TTL is lazy).
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from passculture.config import get_settings
from passculture.errors import Conflict, Gone, NotFound
from passculture.models.base import Transaction, commit_retrying, utcnow
from passculture.models.uniques import Unique, unique_key
from passculture.models.users import User

logger = logging.getLogger(__name__)

TOKEN_KIND = "email-token"


# -- confirmation tokens -----------------------------------------------------------


def _token_key(token: str) -> str:
    from passculture.services.accounts.auth import sha256_hex

    return unique_key(TOKEN_KIND, sha256_hex(token))


def new_email_token(user: User, now: datetime | None = None) -> tuple[str, Unique]:
    """(the token for the link, the item storing only its hash), not saved."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    item = Unique(
        _token_key(token),
        target=user.id,
        created_at=now,
        expires_at=now + timedelta(hours=get_settings().email_token_hours),
    )
    return token, item


def _signup_items(user: User, token_item: Unique) -> Any:
    from passculture.services.accounts.users import email_guard

    def add(tx: Transaction) -> None:
        tx.save("user", user, condition=User.id.does_not_exist())
        tx.save("email", email_guard(user), condition=Unique.key.does_not_exist())
        tx.save("token", token_item, condition=Unique.key.does_not_exist())

    return add


# -- signups -------------------------------------------------------------------


def signup_pro(
    email: str,
    password: str,
    siren: str,
    *,
    name: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    phone: str | None = None,
) -> dict[str, Any]:
    """A pro user and their structure (admin of a new SIREN, pending editor of a known one)."""
    from passculture.services.accounts import mail
    from passculture.services.accounts.offerers import announce, describe_membership, describe_offerer, join_or_create
    from passculture.services.accounts.users import describe_user, new_user

    user = new_user(email, password, {"pro"}, first_name=first_name, last_name=last_name, phone=phone)
    token, token_item = new_email_token(user, user.created_at)
    joined = join_or_create(user.id, siren, name, extras=_signup_items(user, token_item))
    mail.send_confirmation(user.email, token, user.first_name)
    announce(joined, user.email)
    return {
        "user": describe_user(user),
        "offerer": describe_offerer(joined.offerer),
        "membership": describe_membership(joined.membership),
    }


def signup_young(email: str, password: str, public_name: str, date_of_birth: str, department_code: str) -> dict:
    """A young user; the national credit comes with the email confirmation (if eligible that day)."""
    from passculture.services.accounts import mail
    from passculture.services.accounts.users import describe_user, new_user

    user = new_user(
        email,
        password,
        {"young"},
        public_name=public_name,
        date_of_birth=date_of_birth,
        department_code=department_code,
    )
    token, token_item = new_email_token(user, user.created_at)
    add = _signup_items(user, token_item)

    def build() -> Transaction:
        tx = Transaction()
        add(tx)
        return tx

    if commit_retrying(build):
        raise Conflict("This email address is already used", field="email")
    mail.send_confirmation(user.email, token)
    return {"user": describe_user(user)}


def resend_confirmation(user: User) -> None:
    """A new confirmation link for a user whose email is not confirmed yet (409 if it is)."""
    from passculture.services import ratelimit
    from passculture.services.accounts import mail

    if user.email_confirmed_at is not None:
        raise Conflict("This email address is already confirmed", field="email")
    settings = get_settings()
    ratelimit.hit(ratelimit.Limit("confirmation-resend", 5, settings.rate_limit_window_seconds), user.id)
    token, item = new_email_token(user)
    item.save(condition=Unique.key.does_not_exist())
    mail.send_confirmation(user.email, token, user.first_name)


# -- confirming ----------------------------------------------------------------


def confirm_email(token: str) -> dict[str, Any]:
    """Confirms the address the token was sent to; grants the national credit to an eligible young user.

    404 for an unknown token, 410 for a used or expired one. Marking the token
    used, confirming the user and granting the credit are one transaction: the
    token's condition makes a second, concurrent use fail as a whole.
    """
    from passculture.models.wallets import Wallet
    from passculture.services.booking.credits import is_eligible, national_credit

    try:
        item = Unique.get(_token_key(token), consistent_read=True)
    except Unique.DoesNotExist as exc:
        raise NotFound("This confirmation link is not valid", field="token") from exc
    now = utcnow()
    _check_usable(item, now)
    try:
        user = User.get(item.target, consistent_read=True)
    except User.DoesNotExist as exc:
        raise NotFound("This confirmation link is not valid", field="token") from exc

    grant = "young" in (user.roles or ()) and is_eligible(user.date_of_birth, now.date())
    for with_credit in (grant, False) if grant else (False,):

        def build(with_credit: bool = with_credit) -> Transaction:
            tx = Transaction()
            tx.update(
                "token",
                item,
                [Unique.used_at.set(now)],
                condition=Unique.key.exists() & Unique.used_at.does_not_exist() & (Unique.expires_at > now),
            )
            # Keep the first confirmation date if another link confirmed the address already.
            tx.update("user", user, [User.email_confirmed_at.set(User.email_confirmed_at | now)], User.id.exists())
            if with_credit:
                tx.save("credit", national_credit(user.id, now), condition=Wallet.user_id.does_not_exist())
            return tx

        failed = commit_retrying(build)
        if not failed:
            break
        if "token" in failed:
            try:
                item.refresh(consistent_read=True)
            except Unique.DoesNotExist as exc:
                raise NotFound("This confirmation link is not valid", field="token") from exc
            _check_usable(item, utcnow())
            raise Gone("This confirmation link was already used", field="token")
        if "credit" not in failed:
            raise NotFound("This confirmation link is not valid", field="token")
        # The national credit was granted already: confirm without granting it again.
    user.email_confirmed_at = user.email_confirmed_at or now
    if grant:
        _grant_local_credits(user)
    return current_user_view(user)


def _check_usable(item: Unique, now: datetime) -> None:
    if item.used_at is not None:
        raise Gone("This confirmation link was already used", field="token")
    if item.expires_at is None or item.expires_at <= now:
        raise Gone("This confirmation link has expired: ask for a new one", field="token")


def _grant_local_credits(user: User) -> None:
    """Local credits of the user's department, granted at confirmation when the territories service offers it."""
    try:
        from passculture.services.territories import grant_local_credits_at_confirmation  # type: ignore[import-not-found]
    except ImportError:  # no territories service (yet) in this build
        return
    try:
        grant_local_credits_at_confirmation(user)
    except Exception:
        # The confirmation is committed; a failing local grant must not turn it into an error.
        logger.exception("local credits not granted to %s", user.id)


# -- the current user ------------------------------------------------------------


def current_user_view(user: User) -> dict[str, Any]:
    """The user with roles, memberships (pros) and credits (young users)."""
    from passculture.services.accounts.offerers import describe_membership, offerers_by_siren
    from passculture.services.accounts.users import describe_user
    from passculture.services.booking.credits import credits_of

    view = describe_user(user)
    roles = user.roles or set()
    memberships: list[dict[str, Any]] = []
    if "pro" in roles:
        from passculture.models.memberships import Membership

        items = list(Membership.query(user.id, consistent_read=True))
        offerers = offerers_by_siren([m.siren for m in items])
        for m in items:
            offerer = offerers.get(m.siren)
            memberships.append(
                {
                    **describe_membership(m),
                    "offererName": offerer.name if offerer else None,
                    "offererStatus": offerer.status if offerer else None,
                }
            )
    view["memberships"] = memberships
    view["credits"] = credits_of(user.id) if "young" in roles else None
    return view

"""Signups (pro and young), email confirmation, and what the signed-in user sees of themselves.

A signup is one transaction: the user, the guard of its email and its hashed
confirmation token (plus, for a pro, the structure or the membership; see
``accounts.offerers``). Each costs a password hash, so signups (pro and young
together) are limited per source address, counted before the hash.

A confirmation token is a ``uniques`` item keyed by the token's SHA-256,
marked used by a conditional update, so a link works once; its expiry is
checked in code (moto never expires items, DynamoDB's TTL is lazy).
"""

from __future__ import annotations

import secrets
from dataclasses import field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from passculture.config import get_settings
from passculture.errors import Conflict, Gone, NotFound
from passculture.models.base import Transaction, commit_retrying, utcnow
from passculture.models.uniques import Unique, unique_key
from passculture.models.users import User
from passculture.records import record

if TYPE_CHECKING:
    from passculture.models.memberships import Membership
    from passculture.models.offerers import Offerer
    from passculture.models.wallets import Wallet


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


def count_signup(source_ip: str | None) -> None:
    """Counts a signup from ``source_ip``; 429 (with Retry-After) past the limit. None: not a request's."""
    from passculture.services import ratelimit

    if source_ip is None:
        return
    settings = get_settings()
    limit = ratelimit.Limit("signup-source", settings.signup_limit_per_source, settings.signup_window_seconds)
    ratelimit.hit(limit, f"ip:{source_ip or 'unknown'}")


@record(frozen=True)
class ProSignup:
    user: User
    offerer: Offerer
    membership: Membership


def signup_pro(
    email: str,
    password: str,
    siren: str,
    *,
    name: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    phone: str | None = None,
    source_ip: str | None = None,
) -> ProSignup:
    """A pro user and their structure (admin of a new SIREN, pending editor of a known one)."""
    from passculture.services.accounts import mail
    from passculture.services.accounts.offerers import announce, join_or_create
    from passculture.services.accounts.users import new_user

    count_signup(source_ip)
    user = new_user(email, password, {"pro"}, first_name=first_name, last_name=last_name, phone=phone)
    token, token_item = new_email_token(user, user.created_at)
    joined = join_or_create(user.id, siren, name, extras=_signup_items(user, token_item))
    mail.send_confirmation(user.email, token, user.first_name, user.id)
    announce(joined, user.email)
    return ProSignup(user, joined.offerer, joined.membership)


def signup_young(
    email: str,
    password: str,
    public_name: str,
    date_of_birth: str,
    department_code: str,
    source_ip: str | None = None,
) -> User:
    """A young user; the national credit comes with the email confirmation (if eligible that day)."""
    from passculture.services.accounts import mail
    from passculture.services.accounts.users import new_user

    count_signup(source_ip)
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
    mail.send_confirmation(user.email, token, user_id=user.id)
    return user


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
    mail.send_confirmation(user.email, token, user.first_name, user.id)


# -- confirming ----------------------------------------------------------------


def confirm_email(token: str) -> CurrentUser:
    """Confirms the address the token was sent to; grants the national credit to an eligible young user.

    An eligible young user is also granted the local credits running in their department.

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
        from passculture.services.territories.grants import grant_at_confirmation

        grant_at_confirmation(user, now)
    return current_user(user)


def _check_usable(item: Unique, now: datetime) -> None:
    if item.used_at is not None:
        raise Gone("This confirmation link was already used", field="token")
    if item.expires_at is None or item.expires_at <= now:
        raise Gone("This confirmation link has expired: ask for a new one", field="token")


# -- the current user ------------------------------------------------------------


@record(frozen=True)
class CurrentUser:
    """What a user sees of themselves: their memberships with each structure (pros), their credits (young users)."""

    user: User
    memberships: list[tuple[Membership, Offerer | None]] = field(default_factory=list)
    credits: list[Wallet] | None = None


def current_user(user: User) -> CurrentUser:
    """The user with memberships (pros) and credits, national first (young users)."""
    roles = user.roles or set()
    memberships: list[tuple[Membership, Offerer | None]] = []
    if "pro" in roles:
        from passculture.models.memberships import Membership
        from passculture.services.accounts.offerers import offerers_by_siren

        items = list(Membership.query(user.id, consistent_read=True))
        offerers = offerers_by_siren([m.siren for m in items])
        memberships = [(m, offerers.get(m.siren)) for m in items]
    credits = None
    if "young" in roles:
        from passculture.services.booking.credits import credits_national_first

        credits = credits_national_first(user.id)
    return CurrentUser(user, memberships, credits)

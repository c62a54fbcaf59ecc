"""Signing in with email and password, throttled per email and per source address.

Per email, each attempt is counted before the password is checked (an atomic
counter, so concurrent guesses at one account cannot slip past the limit) and a
success forgets the count. Per source, only failures count, so the many users
behind one address (a school, a NAT) are not locked out by their own
successes; there, parallel guesses can overshoot by the number in flight, which
the per-email limit bounds anyway. Unknown email and wrong password get the
same 401 and cost the same hash (``authenticate_password``, which the
countermark API's Basic credentials go through too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from passculture.config import get_settings
from passculture.errors import Unauthorized
from passculture.services import ratelimit
from passculture.services.accounts.users import normalise_email

if TYPE_CHECKING:
    from passculture.models.users import User

BAD_CREDENTIALS = "Wrong email or password"


def limits() -> tuple[ratelimit.Limit, ratelimit.Limit]:
    """(per email, per source address)."""
    settings = get_settings()
    window = settings.rate_limit_window_seconds
    return (
        ratelimit.Limit("signin-email", settings.signin_limit_per_window, window),
        ratelimit.Limit("signin-source", settings.signin_source_limit_per_window, window),
    )


def authenticate_password(email: str, password: str) -> User | None:
    """The user whose email and password match, else None; costs one hash either way."""
    from passculture.models.users import User
    from passculture.services.accounts.auth import dummy_hash, hash_password, verify_password
    from passculture.services.accounts.users import find_by_email

    user = find_by_email(email)
    if user is None:
        verify_password(dummy_hash(), password)
        return None
    ok, needs_rehash = verify_password(user.password_hash, password)
    if not ok or not user.is_active:
        return None
    if needs_rehash:
        user.update(actions=[User.password_hash.set(hash_password(password))])
    return user


@dataclass(frozen=True)
class SignedIn:
    access_token: str
    expires_at: datetime
    user: User


def signin(email: str, password: str, source: str) -> SignedIn:
    """An access token for matching credentials; 401 otherwise, 429 when throttled."""
    from passculture.services.accounts.auth import issue_access_token

    per_email, per_source = limits()
    subject = normalise_email(email)
    ratelimit.check(per_source, source)
    ratelimit.hit(per_email, subject)
    user = authenticate_password(subject, password)
    if user is None:
        ratelimit.hit(per_source, source)
        raise Unauthorized(BAD_CREDENTIALS)
    ratelimit.clear(per_email, subject)
    token, expires_at = issue_access_token(user.id)
    return SignedIn(token, expires_at, user)

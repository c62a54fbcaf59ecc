"""Signing in with email and password, and the password-failure counters it shares with HTTP Basic.

A wrong password is counted three ways (``PasswordGuard``), whether it came to
``POST /users/signin`` or to the countermark API's Basic credentials:

- per (email, source address): the guesser's own allowance on that account;
- per source address, all emails together: one address spraying many accounts;
- per email, all addresses together: once spent, only addresses that already
  failed for this email are refused, so a distributed guesser gets one try per
  new address while the owner, from an address without failures, still signs in.

Sign-in counts the attempt on the (email, source) counter before the hash (an
atomic counter: parallel guesses from one address cannot slip past it) and a
success forgets that counter; the other two count failures only, so the many
users behind one address (a school, a NAT) are not locked out by their own
successes. Basic, whose successes write nothing, counts all three after a
failure. Unknown email and wrong password get the same 401 and cost the same
hash (``authenticate_password``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from passculture.config import get_settings
from passculture.errors import RateLimited, Unauthorized
from passculture.services import ratelimit
from passculture.services.accounts.users import normalise_email

if TYPE_CHECKING:
    from passculture.models.rate_limits import RateLimit
    from passculture.models.users import User

BAD_CREDENTIALS = "Wrong email or password"


@dataclass(frozen=True)
class PasswordLimits:
    email_source: ratelimit.Limit
    email: ratelimit.Limit
    source: ratelimit.Limit


def password_limits() -> PasswordLimits:
    settings = get_settings()
    window = settings.rate_limit_window_seconds
    return PasswordLimits(
        email_source=ratelimit.Limit("signin-email-source", settings.signin_limit_per_window, window),
        email=ratelimit.Limit("signin-email", settings.signin_email_limit_per_window, window),
        source=ratelimit.Limit("signin-source", settings.signin_source_limit_per_window, window),
    )


@dataclass(frozen=True)
class PasswordGuard:
    """The failure counters of one password attempt: (email, source), email, source."""

    email: str  # normalised
    source: str  # "ip:<address>", as the countermark API names sources
    now: float
    limits: PasswordLimits

    @classmethod
    def of(cls, email: str, source_ip: str, now: float | None = None) -> PasswordGuard:
        return cls(
            normalise_email(email),
            f"ip:{source_ip or 'unknown'}",
            ratelimit.clock() if now is None else now,
            password_limits(),
        )

    @property
    def pair(self) -> str:
        return f"{self.email}|{self.source}"

    def _counted(self) -> list[tuple[ratelimit.Limit, str]]:
        limits = self.limits
        return [(limits.email_source, self.pair), (limits.email, self.email), (limits.source, self.source)]

    def keys(self) -> list[str]:
        """The counters' keys, for a caller that reads them in its own batch."""
        return [ratelimit.counter_key(limit, subject, self.now) for limit, subject in self._counted()]

    def refuse_if_locked(self, counters: dict[str, RateLimit]) -> None:
        """429 when this source or this (email, source) pair has spent its failures, or the
        email has and this source already failed for it. ``counters``: by key, as read."""
        pair, email, source = (counters.get(key) for key in self.keys())
        self._refuse_if_spent(self.limits.source, source)
        self._refuse_if_spent(self.limits.email_source, pair)
        if ratelimit.current_count(pair, self.now) > 0:
            self._refuse_if_spent(self.limits.email, email)

    def _refuse_if_spent(self, limit: ratelimit.Limit, counter: RateLimit | None) -> None:
        ratelimit.refuse_if_spent(limit, counter, self.now)

    def count_attempt(self, email_counter: RateLimit | None) -> None:
        """Sign-in: counts this attempt on the pair before the hash. 429 past the pair's limit, or
        when the email (``email_counter``, as read) is spent and this source had tried it already."""
        if ratelimit.hit(self.limits.email_source, self.pair, now=self.now) > 1:
            self._refuse_if_spent(self.limits.email, email_counter)

    def count_failure(self, *, pair_counted: bool = False) -> int:
        """Counts a wrong password; the seconds to wait when a counter went past its limit, else 0."""
        counted = self._counted()[1:] if pair_counted else self._counted()
        wait = 0
        for limit, subject in counted:
            try:
                ratelimit.hit(limit, subject, now=self.now)
            except RateLimited as limited:
                wait = max(wait, limited.retry_after)
        return wait

    def forget_pair(self) -> None:
        """After a right password at sign-in: this source's failures for this email are forgotten."""
        ratelimit.clear(self.limits.email_source, self.pair, now=self.now)


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

    guard = PasswordGuard.of(email, source)
    _, email_key, source_key = guard.keys()
    # The pair's count comes back from its own update below: only the shared counters are read first.
    counters = ratelimit.read([email_key, source_key])
    guard.refuse_if_locked(counters)
    guard.count_attempt(counters.get(email_key))
    user = authenticate_password(guard.email, password)
    if user is None:
        wait = guard.count_failure(pair_counted=True)
        if wait:
            raise RateLimited(retry_after=wait)
        raise Unauthorized(BAD_CREDENTIALS)
    guard.forget_pair()
    token, expires_at = issue_access_token(user.id)
    return SignedIn(token, expires_at, user)

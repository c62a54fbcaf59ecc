"""Fixed-window rate limits on DynamoDB: one counter item per (scope, subject, window).

``hit`` adds one and refuses (429) past the limit; ``check`` refuses without
counting, for callers that count only failures. A caller that reads counters
itself (the countermark API reads them in its one batch, sign-in with ``read``)
asks ``counter_key`` for the keys and ``is_spent`` / ``refuse_if_spent`` for the
verdict. moto never expires TTL items
and DynamoDB's TTL is lazy, so the window is also checked in code: the key
names the window, and old windows are simply never read again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from passculture.errors import RateLimited
from passculture.models.rate_limits import RateLimit


@dataclass(frozen=True)
class Limit:
    scope: str  # e.g. "signin-email"
    limit: int  # attempts allowed per window
    window_seconds: int


def clock() -> float:
    """The windows' clock (epoch seconds); tests move it to a later window."""
    return time.time()


def _window(limit: Limit, now: float) -> tuple[str, int]:
    start = int(now) // limit.window_seconds * limit.window_seconds
    return str(start), start + limit.window_seconds


def _key(limit: Limit, subject: str, start: str) -> str:
    return f"{limit.scope}#{subject}#{start}"


def counter_key(limit: Limit, subject: str, now: float) -> str:
    """The key of ``subject``'s counter in the window ``now`` falls in: what ``hit`` writes."""
    start, _ = _window(limit, now)
    return _key(limit, subject, start)


def current_count(counter: RateLimit | None, now: float) -> int:
    """What ``counter`` (this window's, or None: never hit) has counted so far in its window."""
    if counter is None or counter.window_ends <= now:
        return 0
    return int(counter.count)


def is_spent(limit: Limit, counter: RateLimit | None, now: float) -> bool:
    return current_count(counter, now) >= limit.limit


def retry_after(counter: RateLimit, now: float) -> int:
    """Seconds until ``counter``'s window ends."""
    return int(counter.window_ends - now) + 1


def refuse_if_spent(limit: Limit, counter: RateLimit | None, now: float) -> None:
    """Raises RateLimited when ``counter`` (this window's, or None: never hit) has used up the limit."""
    if counter is not None and is_spent(limit, counter, now):
        raise RateLimited(retry_after=retry_after(counter, now))


def refuse_if_spent_among(limit: Limit, subject: str, counters: dict[str, RateLimit], now: float) -> None:
    """``refuse_if_spent`` for ``subject``'s counter of this window, looked up in counters read by key."""
    refuse_if_spent(limit, counters.get(counter_key(limit, subject, now)), now)


def read(keys: list[str]) -> dict[str, RateLimit]:
    """The counters under ``keys`` that exist, by key, in one strongly consistent BatchGetItem."""
    from passculture.models.base import batch_get

    found = batch_get([(RateLimit, {"key": {"S": key}}) for key in dict.fromkeys(keys)])
    return {counter.key: counter for counter in found[RateLimit]}


def check(limit: Limit, subject: str, now: float | None = None) -> None:
    """Raises RateLimited when ``subject`` has used up this window (reads, never writes)."""
    now = clock() if now is None else now
    try:
        counter = RateLimit.get(counter_key(limit, subject, now), consistent_read=True)
    except RateLimit.DoesNotExist:
        counter = None
    refuse_if_spent(limit, counter, now)


def add(limit: Limit, subject: str, now: float, by: int = 1) -> RateLimit:
    """Adds ``by`` (an attempt, or -1 to take one back) to this window's counter; returns it as written."""
    start, ends = _window(limit, now)
    counter = RateLimit(_key(limit, subject, start))
    counter.update(
        actions=[
            RateLimit.count.add(by),
            RateLimit.window_ends.set(ends),
            RateLimit.expires.set(datetime.fromtimestamp(ends + 60, UTC)),  # TTLAttribute takes a datetime
        ]
    )
    return counter


def hit(limit: Limit, subject: str, now: float | None = None) -> int:
    """Counts one attempt; raises RateLimited once the count passes the limit. Returns the count."""
    now = clock() if now is None else now
    counter = add(limit, subject, now)
    if counter.count > limit.limit:
        raise RateLimited(retry_after=retry_after(counter, now))
    return int(counter.count)


def clear(limit: Limit, subject: str, now: float | None = None) -> None:
    """Forgets the current window's count (after a success, for example)."""
    now = clock() if now is None else now
    start, _ = _window(limit, now)
    RateLimit(_key(limit, subject, start)).delete()

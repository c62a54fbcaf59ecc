"""Date rules: how far ahead an event may be, who can be born when, which years a period may name.

No year 9999: a date that far is a typo, and arithmetic near ``datetime.max``
overflows. Each ``check_*`` returns the value or raises ValueError in words.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

EARLIEST_BIRTH_YEAR = 1900
# Periods of the booking history (``from`` / ``to``): the pass did not exist before 2000.
PERIOD_FIRST = datetime(2000, 1, 1, tzinfo=UTC)
PERIOD_END = datetime(2100, 1, 1, tzinfo=UTC)


def check_future_within(value: datetime, now: datetime, max_days: int) -> datetime:
    """An event's start or booking limit: after ``now`` and at most ``max_days`` days later."""
    if value <= now:
        raise ValueError("must be in the future")
    if value > now + timedelta(days=max_days):
        raise ValueError(f"must be within {max_days} days from now")
    return value


def check_birth_date(value: date, today: date) -> date:
    if value >= today or value.year < EARLIEST_BIRTH_YEAR:
        raise ValueError(f"A date of birth is a past date after {EARLIEST_BIRTH_YEAR} (YYYY-MM-DD)")
    return value


def check_period_bound(value: datetime) -> datetime:
    if not PERIOD_FIRST <= value < PERIOD_END:
        raise ValueError(f"must be between {PERIOD_FIRST.year} and {PERIOD_END.year - 1}")
    return value


# Overseas departments' time zones; every other department is Europe/Paris (venues' local time).
DEPARTMENT_TIMEZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
}

"""Young users: eligibility, the national credit, and their credits in the order they are shown."""

from __future__ import annotations

from datetime import date, datetime

from passculture.config import get_settings
from passculture.models.wallets import NATIONAL_CREDIT_ID, Wallet

NATIONAL_CREDIT_LABEL = "Pass Culture"


def age_on(birth: date, day: date) -> int:
    """Full years between ``birth`` and ``day`` (a 29 February birthday counts on 1 March)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def is_eligible(date_of_birth: str | None, day: date) -> bool:
    """True when the user is exactly the credit age (18 by default) on ``day``."""
    if not date_of_birth:
        return False
    try:
        birth = date.fromisoformat(date_of_birth)
    except ValueError:
        return False
    return age_on(birth, day) == get_settings().young_credit_age


def national_credit(user_id: str, now: datetime) -> Wallet:
    """The national credit item to grant (not saved): granted once, by a conditional put."""
    settings = get_settings()
    return Wallet(
        user_id,
        NATIONAL_CREDIT_ID,
        label=NATIONAL_CREDIT_LABEL,
        kind="national",
        initial_cents=settings.young_credit_cents,
        balance_cents=settings.young_credit_cents,
        physical_cap_cents=settings.physical_cap_cents,
        digital_cap_cents=settings.digital_cap_cents,
        granted_at=now,
    )


def credits_national_first(user_id: str) -> list[Wallet]:
    """Every credit of a young user, the national one first, then by grant date (what they are shown)."""
    from passculture.services.booking.wallets import wallets_of

    return sorted(wallets_of(user_id), key=lambda w: (w.credit_id != NATIONAL_CREDIT_ID, w.granted_at))

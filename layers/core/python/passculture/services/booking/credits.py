"""Young users: eligibility, the national credit and how credits are shown."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

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


def describe_credit(wallet: Wallet) -> dict[str, Any]:
    balance = int(wallet.balance_cents or 0)
    out: dict[str, Any] = {
        "id": wallet.credit_id,
        "label": wallet.label,
        "kind": wallet.kind,
        "balanceCents": balance,
        "initialCents": int(wallet.initial_cents or 0),
        "departmentCode": wallet.department_code,
        "perimeter": wallet.perimeter,
        "startsAt": wallet.starts_at,
        "endsAt": wallet.ends_at,
        "grantedAt": wallet.granted_at,
    }
    for kind in ("physical", "digital"):
        cap = getattr(wallet, f"{kind}_cap_cents")
        spent = int(getattr(wallet, f"{kind}_spent_cents") or 0)
        out[f"{kind}CapCents"] = None if cap is None else int(cap)
        out[f"{kind}SpentCents"] = spent
        # What can still be spent on that kind of offer: the lower of the cap and the balance.
        out[f"{kind}RemainingCents"] = balance if cap is None else max(0, min(balance, int(cap) - spent))
    return out


def credits_of(user_id: str) -> list[dict[str, Any]]:
    """Every credit of a young user, national first."""
    wallets = list(Wallet.query(user_id, consistent_read=True))
    wallets.sort(key=lambda w: (w.credit_id != NATIONAL_CREDIT_ID, w.granted_at))
    return [describe_credit(w) for w in wallets]

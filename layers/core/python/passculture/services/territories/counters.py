"""The local programmes' spent totals, written by the booking and cancellation transactions.

Every booking paid from a programme adds its debit to one of the programme's
``SPENT_SHARDS`` counter items (chosen at random), inside the booking's own
transaction: no extra call, and no single item that every booking of the
programme writes (DynamoDB makes concurrent transactions on one item conflict).
The booking records which counter it wrote (``Booking.local_counters``) and its
cancellation takes the amount back from that same item. The spent total is the
sum of the shards, read with the programme by one Query (``programmes.py``).
"""

from __future__ import annotations

import random
from typing import Any

from passculture.models.territories import SPENT_SHARDS, TerritoryItem, spent_key


def programme_of(credit_id: str) -> str | None:
    """The programme id of a local credit (``local#<programme id>``); None for the national credit."""
    return credit_id.removeprefix("local#") if credit_id.startswith("local#") else None


def spent_counters(plan: Any) -> dict[str, str]:
    """``{credit_id: "<department>#<counter key>"}``: the spent counter each local debit of ``plan`` adds to."""
    counters = {}
    for wallet, cents in plan.debits:
        programme = programme_of(wallet.credit_id)
        if programme is None or not wallet.department_code or cents <= 0:
            continue
        counters[wallet.credit_id] = f"{wallet.department_code}#{spent_key(programme, random.randrange(SPENT_SHARDS))}"
    return counters


def spent_update(department: str, key: str, cents: int) -> tuple[TerritoryItem, list[Any]]:
    """(item, actions) adding ``cents`` (negative: a refund) to one spent counter; the item is made if missing."""
    return TerritoryItem(department, key), [TerritoryItem.spent_cents.add(cents)]

"""A young user's credits and how a booking is paid from them.

A wallet is one item per credit: the national credit (``national``, with its
cap on physical goods and its cap on digital offers, ``models.wallets.CapKind``)
and labelled local credits
(``local#<programme id>``, with a perimeter and a validity period). A booking
is paid from the local credits whose perimeter contains the offer first (the
one that expires first, first), then from the national credit. The plan made
here becomes conditional updates in the booking transaction; the amounts are
recorded on the booking (``debits``) so a cancellation refunds each credit
exactly (``booking/cancellation.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from passculture.errors import Conflict
from passculture.models.wallets import NATIONAL_CREDIT_ID, Wallet
from passculture.rules.money import euros
from passculture.rules.territories import covers, is_label_only, is_running
from passculture.vocabulary import CapKind


def wallets_of(user_id: str) -> list[Wallet]:
    """Every credit of the user, in one strongly consistent Query (balances must be current)."""
    return list(Wallet.query(user_id, consistent_read=True))


def is_current(wallet: Wallet, now: datetime) -> bool:
    return is_running(wallet.starts_at, wallet.ends_at, now)


def in_perimeter(
    perimeter: Any,
    *,
    category: str,
    venue_id: str,
    department: str | None = None,
    programme_department: str | None = None,
) -> bool:
    """Whether a local credit's perimeter pays for an offer (``rules.territories``); a label-only one pays nothing."""
    if is_label_only(perimeter):
        return False
    return covers(perimeter, programme_department, category=category, venue_id=venue_id, department=department)


@dataclass
class DebitPlan:
    """How much each credit pays: ``[(wallet, cents)]`` in transaction order."""

    cap_kind: CapKind | None
    debits: list[tuple[Wallet, int]] = field(default_factory=list)

    def as_map(self) -> dict[str, int]:
        return {wallet.credit_id: cents for wallet, cents in self.debits}


def plan_debits(
    credits: list[Wallet],
    amount: int,
    *,
    category: str,
    venue_id: str,
    cap_kind: CapKind | None,
    now: datetime,
    department: str | None = None,
) -> DebitPlan:
    """Local credits in perimeter first, then the national one; Conflict when they cannot pay."""
    plan = DebitPlan(cap_kind=cap_kind)
    if amount <= 0:
        return plan
    remaining = amount
    locals_ = [
        w
        for w in credits
        if w.credit_id != NATIONAL_CREDIT_ID
        and is_current(w, now)
        and int(w.balance_cents or 0) > 0
        and in_perimeter(
            w.perimeter,
            category=category,
            venue_id=venue_id,
            department=department,
            programme_department=w.department_code,
        )
    ]
    # Spend what expires first, first; ties by id so concurrent plans agree.
    for wallet in sorted(locals_, key=lambda w: (w.ends_at is None, w.ends_at or now, w.credit_id)):
        take = min(remaining, int(wallet.balance_cents))
        plan.debits.append((wallet, take))
        remaining -= take
        if remaining == 0:
            return plan
    national = next((w for w in credits if w.credit_id == NATIONAL_CREDIT_ID), None)
    if national is None or not is_current(national, now):
        raise Conflict("Your Pass Culture credit has expired", field="global")
    balance = int(national.balance_cents or 0)
    if balance < remaining:
        raise Conflict(
            f"Not enough credit: this booking costs {euros(amount)}, "
            f"your credit has {euros(balance + amount - remaining)}",
            field="global",
        )
    room = national.cap_room(cap_kind)
    if cap_kind is not None and room is not None and room < remaining:
        raise Conflict(
            f"Not enough credit: {euros(room)} left of your {euros(national.cap(cap_kind) or 0)} "
            f"for {cap_kind.words}, this booking needs {euros(remaining)}",
            field="global",
        )
    plan.debits.append((national, remaining))
    return plan


def debit_update(wallet: Wallet, cents: int, cap_kind: CapKind | None) -> tuple[list[Any], Any]:
    """(actions, condition) of one debit: never below zero, never above the national cap."""
    actions = [Wallet.balance_cents.add(-cents)]
    condition = Wallet.balance_cents >= cents
    if wallet.credit_id == NATIONAL_CREDIT_ID and cap_kind is not None:
        spent = Wallet.spent_attribute(cap_kind)
        actions.append(spent.add(cents))
        cap = wallet.cap(cap_kind)
        if cap is not None:
            # Conditioned on the cap it was planned with: a changed cap fails and is replanned.
            condition &= (Wallet.cap_attribute(cap_kind) == cap) & (spent.does_not_exist() | (spent <= cap - cents))
    return actions, condition


def refund_update(credit_id: str, cents: int, cap_kind: CapKind | None) -> list[Any]:
    """The actions giving one credit back what a booking took (and the national cap's counter)."""
    actions = [Wallet.balance_cents.add(cents)]
    if credit_id == NATIONAL_CREDIT_ID and cap_kind is not None:
        actions.append(Wallet.spent_attribute(cap_kind).add(-cents))
    return actions

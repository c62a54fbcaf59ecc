"""Cancelling a booking: the mirror of the booking transaction.

One Transaction: the booking goes from ``booked`` to ``cancelled`` (conditioned
on its status, so two cancellations cannot both refund), the stock's ``booked``
count (or its shards', ``places.give_back``) goes down by the booking's quantity (unless the stock itself is being
deleted), each wallet credit gets back exactly what it paid (``debits``), the
national credit's cap counter is given back, each local programme's spent
counter is given back what the booking added to it, and the one-booking-per-stock guard
is removed so the user may book again. Emails follow from the bookings stream.
A ticketed booking's tickets are then cancelled at the partner (``ticketing.on_cancelled``).
A transaction conflict (another transaction on the same stock) is retried.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from passculture.adapters import metrics
from passculture.config import get_settings
from passculture.errors import Conflict, Gone
from passculture.models.base import Transaction, commit_retrying, utcnow
from passculture.models.bookings import Booking
from passculture.models.uniques import Unique, unique_key
from passculture.models.wallets import Wallet
from passculture.services.booking.places import give_back
from passculture.services.booking.wallets import refund_update
from passculture.services.territories.counters import spent_update
from passculture.vocabulary import CapKind


def booking_guard_key(user_id: str, stock_id: str) -> str:
    """The ``uniques`` key that allows one live booking per user per stock."""
    return unique_key("booking", f"{user_id}#{stock_id}")


def cancel_booking(
    booking: Booking,
    cancelled_by: str,
    *,
    free_place: bool = True,
    starts_after: datetime | None = None,
    refresh: bool = True,
) -> Booking:
    """Cancels a ``booked`` booking and refunds it; Gone if it is already cancelled,
    Conflict if it was used meanwhile (the caller maps these to its own contract).

    ``starts_after`` (the booker's own cancellation): the stock's date, as it is at the commit, must be
    after that instant (the deadline), checked by the transaction itself, else the 409 ``too_late``.
    ``refresh=False``: the caller refreshes the feed from a stock it read beside the transaction.

    A commit whose answer was lost is retried by botocore with the same
    ``ClientRequestToken``, so it is applied once and answered as done. A second
    request is not a retry: it finds the booking cancelled and gets Gone, which
    is the v2 API's "410 already cancelled" (so no token is derived across requests).
    """
    now = utcnow()
    failed = commit_retrying(partial(_cancellation, booking, cancelled_by, now, free_place, starts_after))
    if "booking" in failed:
        current = Booking.get(booking.token, consistent_read=True)
        if current.status == "cancelled":
            raise Gone("This booking is already cancelled", field="booking")
        raise Conflict(f"This booking is {current.status}", field="booking")
    if "stock" in failed and starts_after is not None:
        raise too_late()  # the date (moved meanwhile, perhaps) is within the deadline
    if failed:
        raise Conflict(f"The cancellation could not be applied ({', '.join(sorted(failed))})")
    # What the transaction wrote, without reading it back.
    booking.status, booking.cancelled_at, booking.cancelled_by = "cancelled", now, cancelled_by
    # Who: the booker (user:), a structure's key or member (key:, user: on the v2 route), a deleted stock.
    metrics.count("BookingsCancelled", by=cancelled_by.partition(":")[0] if free_place else "stock-deleted")
    if free_place and refresh:
        from passculture.services.catalogue.publication import refresh_if_places_changed

        refresh_if_places_changed(booking.offer_id, booking.stock_id, freed=booking.quantity)
    if booking.tickets:
        from passculture.services.booking.ticketing import on_cancelled

        on_cancelled(booking, free_place=free_place)  # the partner's tickets too: at once, else parked and retried
    return booking


def too_late() -> Conflict:
    """The booker's cancellation past the deadline before the event."""
    hours = get_settings().cancellation_deadline_hours
    return Conflict(f"Bookings can be cancelled until {hours} h before the event", field="booking")


def _cancellation(
    booking: Booking, cancelled_by: str, now: datetime, free_place: bool, starts_after: datetime | None
) -> Transaction:
    tx = Transaction()
    tx.update(
        "booking",
        booking,
        actions=[
            Booking.status.set("cancelled"),
            Booking.cancelled_at.set(now),
            Booking.cancelled_by.set(cancelled_by),
        ],
        condition=Booking.status == "booked",
    )
    if free_place:
        give_back(tx, booking, starts_after)  # to the stock's booked, or to the shard(s) the booking took from
    cap_kind = CapKind.of_booking(booking.cap_kind)
    for credit_id, cents in sorted(booking.debits_by_credit().items()):
        tx.update(
            f"wallet:{credit_id}",
            Wallet(booking.user_id, credit_id),
            actions=refund_update(credit_id, cents, cap_kind),
            condition=Wallet.user_id.exists(),
        )
    # Each local programme's spent total gets back what this booking added to it, on the same counter item.
    debited = booking.debits_by_credit()
    for credit_id, (department, key) in sorted(booking.counters_by_credit().items()):
        counter, actions = spent_update(department, key, -debited.get(credit_id, 0))
        tx.update(f"counter:{credit_id}", counter, actions)
    tx.delete("guard", Unique(booking_guard_key(booking.user_id, booking.stock_id)))
    return tx

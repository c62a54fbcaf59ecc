"""Cancelling the bookings of a deleted stock, each refunded exactly.

Each booking is cancelled by ``booking.cancellation.cancel_booking`` (one
Transaction: status ``booked`` -> ``cancelled`` under that condition, each
wallet credit gets back what it paid, the national cap counter too), with
``free_place=False`` because the stock itself is gone. The bookers are emailed
by ``notify``, which sees the cancellation on the bookings stream
(``cancelled_by`` says it was the structure: ``offerer:<user id>``).
"""

from __future__ import annotations

import logging
import time

from passculture.errors import Conflict, Gone
from passculture.models.bookings import Booking
from passculture.models.stocks import Stock

logger = logging.getLogger(__name__)

# The stock index is eventually consistent: a booking made just before the
# deletion may take a moment to appear there.
INDEX_ATTEMPTS = 5
INDEX_DELAY_SECONDS = 0.2


def bookings_of(stock: Stock) -> list[Booking]:
    """The stock's bookings (a Query on the stock index, no Scan)."""
    return list(Booking.stock_index.query(stock.id))


def cancel_stock_bookings(stock: Stock, cancelled_by: str) -> int:
    """Cancels and refunds every live booking of a stock just marked deleted; returns how many."""
    from passculture.services.booking.cancellation import cancel_booking

    # ``booked`` counts the places of every booking not cancelled: wait until the index shows them all.
    expected = int(stock.booked or 0)
    bookings = bookings_of(stock)
    for _ in range(INDEX_ATTEMPTS - 1):
        if sum(int(b.quantity) for b in bookings if b.status != "cancelled") >= expected:
            break
        time.sleep(INDEX_DELAY_SECONDS)
        bookings = bookings_of(stock)
    cancelled = 0
    for booking in bookings:
        if booking.status != "booked":
            continue
        try:
            cancel_booking(booking, cancelled_by, free_place=False)
        except (Gone, Conflict):
            # Cancelled by its user or used at the door meanwhile: nothing to refund here.
            logger.info("booking %s changed while its stock was deleted", booking.token)
            continue
        cancelled += 1
    return cancelled

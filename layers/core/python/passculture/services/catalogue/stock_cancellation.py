"""Cancelling the bookings of a deleted stock, each refunded exactly, in the background.

``stocks.delete_stock`` marks the stock deleted (no booking can land on it any
more) and starts the ``stock-bookings`` job (``services.jobs``); its pages go
through the stock's bookings on the stock index. Each booking is cancelled by
``booking.cancellation.cancel_booking`` (one Transaction: status ``booked`` ->
``cancelled`` under that condition, each wallet credit gets back what it paid,
the national cap counter too), with ``free_place=False`` because the stock
itself is gone; one already cancelled or used is skipped, so a page run twice
refunds nobody twice. The bookers are emailed by ``notify``, which sees the
cancellation on the bookings stream (``cancelled_by`` says it was the
structure: ``offerer:<user id>``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from passculture.errors import Conflict, Gone
from passculture.models.bookings import Booking
from passculture.models.stocks import Stock
from passculture.services.jobs import Progress

logger = logging.getLogger(__name__)

PAGE_SIZE = 100

# The stock index is eventually consistent: a booking made just before the deletion may take
# a moment to appear there. Once through, the job checks it saw every booked place, and goes
# through again (after a pause) until it has, at most this many times.
INDEX_PASSES = 5
INDEX_DELAY_SECONDS = 0.2


def _counted(booking: Booking, cancelled_by: str) -> int:
    """The places of ``booking`` that the stock's ``booked`` still counts."""
    if booking.status != "cancelled" or booking.cancelled_by == cancelled_by:
        return int(booking.quantity)
    return 0  # cancelled by its booker before: ``booked`` went down then


def cancel_bookings_page(args: dict[str, Any], cursor: Any) -> Progress:
    """One page of the ``stock-bookings`` job: ``args`` are the stock's id and who deleted it.

    The cursor is ``{"key": <the index key to go on from>, "places": <booked places
    seen so far>, "pass": n}``. A stock that is not deleted (restored because the
    job could not be started) keeps its bookings.
    """
    from passculture.services.booking.cancellation import cancel_booking

    stock_id, cancelled_by = args["stock_id"], args["cancelled_by"]
    stock = Stock.get(stock_id, consistent_read=True)
    if stock.shard_count > 1:  # the places its bookings took are counted on its shards
        from passculture.services.booking.places import read_shards

        stock.booked = sum(int(shard.booked or 0) for shard in read_shards(stock))
    if not stock.is_deleted:
        # Restored because this job could not be started (it was after all), or an old event replayed.
        logger.warning("stock %s is not deleted: its bookings stay", stock_id)
        return Progress(0, done=True)

    def cancel(booking: Booking) -> int:
        if booking.status == "booked":
            try:
                cancel_booking(booking, cancelled_by, free_place=False)
            except Gone:
                # Cancelled by its booker meanwhile: refunded then, and no longer counted in ``booked``.
                return 0
            except Conflict:
                # Used at the door meanwhile: nothing to refund, the place stays counted.
                logger.warning("booking %s changed while its stock was deleted", booking.token)
        return _counted(booking, cancelled_by)

    return stock_bookings_page(stock, cursor, cancel, page_size=PAGE_SIZE, delay=INDEX_DELAY_SECONDS)


def stock_bookings_page(
    stock: Stock, cursor: Any, visit: Callable[[Booking], int], *, page_size: int, delay: float
) -> Progress:
    """One page of ``stock``'s bookings on the stock index, each given to ``visit`` (the places it still counts).

    The cursor is ``{"key", "places", "pass"}``. At the end, fewer places seen than
    the stock's ``booked`` means the index lagged: another pass after ``delay``, at
    most ``INDEX_PASSES``. The deleted and the withdrawn stocks' jobs both page so.
    """
    from passculture.services.pagination import key_page

    state = cursor or {"key": None, "places": 0, "pass": 1}
    bookings, next_key = key_page(partial(Booking.stock_index.query, stock.id), page_size, state["key"])
    places = int(state["places"]) + sum(visit(booking) for booking in bookings)
    if next_key is not None:
        return Progress(len(bookings), {"key": next_key, "places": places, "pass": state["pass"]})
    booked = int(stock.booked or 0)
    if places >= booked or state["pass"] >= INDEX_PASSES:
        if places < booked:
            logger.error("stock %s: %d booked places, %d found on the index", stock.id, booked, places)
        return Progress(len(bookings), done=True)
    time.sleep(delay)
    return Progress(len(bookings), {"key": None, "places": 0, "pass": state["pass"] + 1})

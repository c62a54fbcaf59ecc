"""A date withdrawn by an agenda import: its stock soft-deleted, its bookings kept and marked.

An import that no longer finds a future date in a complete feed calls
``catalogue.stocks.withdraw_stock`` (there, so the openagenda function reaches no
bookings table): one conditional ``UpdateItem`` sets ``is_deleted`` and
``withdrawn_at`` (no booking lands on it any more; it leaves the offer's dates
and the feed). Its bookings are not cancelled: the ``withdrawn-bookings`` job
(``services.jobs``) goes through the stock's bookings index a page at a time and
marks each ``booked`` one with ``date_withdrawn_at``, a conditional update that
applies once (a page run again writes nothing more). ``notify`` sees the mark
appear on the bookings stream and emails the holder once, with its lease and
parking like every booking email. The booking stays valid at the door, and its
holder may cancel it (refunded as usual) until it is used, the deadline aside.

A date the feed gives again is restored by ``stocks.restore_stock`` (only one the
import withdrew: a pro's deletion is final), and the same job removes the marks.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from passculture.models.bookings import Booking
from passculture.models.stocks import Stock
from passculture.services.catalogue.stock_cancellation import stock_bookings_page
from passculture.services.jobs import Progress

logger = logging.getLogger(__name__)

PAGE_SIZE = 100
# The stock index lags (``stock_cancellation.stock_bookings_page`` passes again after this pause).
INDEX_DELAY_SECONDS = 0.2


def _conditional(update: Any) -> bool:
    """Runs ``update``; False when its condition did not hold."""
    from pynamodb.exceptions import UpdateError

    try:
        update()
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _mark(booking: Booking, at: Any) -> None:
    if booking.status != "booked" or booking.date_withdrawn_at is not None:
        return
    condition = (Booking.status == "booked") & Booking.date_withdrawn_at.does_not_exist()
    _conditional(partial(booking.update, actions=[Booking.date_withdrawn_at.set(at)], condition=condition))


def _unmark(booking: Booking) -> None:
    if booking.date_withdrawn_at is None:
        return
    condition = Booking.date_withdrawn_at.exists()
    _conditional(partial(booking.update, actions=[Booking.date_withdrawn_at.remove()], condition=condition))


def withdrawn_bookings_page(args: dict[str, Any], cursor: Any) -> Progress:
    """One page of the ``withdrawn-bookings`` job: ``args`` are the stock's id and ``withdrawn`` (mark or unmark).

    The cursor is ``{"key": <the index key to go on from>, "places": <places seen
    so far>, "pass": n}``. A stock no longer in the state the job was started for
    (restored meanwhile, or withdrawn again) stops it: the later job does the rest.
    """
    stock_id, withdrawn = args["stock_id"], bool(args.get("withdrawn", True))
    stock = Stock.get(stock_id, consistent_read=True)
    if stock.shard_count > 1:  # the places its bookings took are counted on its shards
        from passculture.services.booking.places import read_shards

        stock.booked = sum(int(shard.booked or 0) for shard in read_shards(stock))
    if bool(stock.is_deleted and stock.withdrawn_at is not None) != withdrawn:
        logger.info("stock %s changed since its withdrawal job started: it stops", stock_id)
        return Progress(0, done=True)

    def visit(booking: Booking) -> int:
        if withdrawn:
            _mark(booking, stock.withdrawn_at)
        else:
            _unmark(booking)
        return 0 if booking.status == "cancelled" else int(booking.quantity)  # what ``booked`` counts

    return stock_bookings_page(stock, cursor, visit, page_size=PAGE_SIZE, delay=INDEX_DELAY_SECONDS)

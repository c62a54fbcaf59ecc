"""Stocks: the dates of an event offer, or the single stock of a thing.

Many dates are written with BatchWriteItem (25 per call), not one round trip
each. A thing's single stock is guarded by a ``uniques`` item
``thing-stock#<offer id>`` in its own transaction, so two clicks cannot give a
thing two stocks. ``booked`` is never written here: lowering ``quantity`` is a
conditional update on ``booked <= quantity`` (409 otherwise), and deleting a
stock cancels and refunds its bookings in the background (``catalogue.stock_cancellation``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from passculture.errors import Conflict, InvalidInput, NotFound
from passculture.models.base import Transaction, new_id, utcnow
from passculture.models.offers import Offer
from passculture.models.stocks import Stock
from passculture.models.uniques import Unique, unique_key
from passculture.schemas.stocks import StockIn, StockPatch
from passculture.services.accounts.auth import Principal
from passculture.services.catalogue.offers import offer_for
from passculture.services.catalogue.publication import begins_key, live_stocks, refresh_offer

DEFAULT_LIMIT_BEFORE = timedelta(days=1)


def thing_guard_key(offer_id: str) -> str:
    return unique_key("thing-stock", offer_id)


def default_booking_limit(begins_at: datetime, now: datetime) -> datetime:
    """The day before the event; its start when that day is already past."""
    limit = begins_at - DEFAULT_LIMIT_BEFORE
    return limit if limit > now else begins_at


def _not_deleted() -> Any:
    return Stock.id.exists() & (Stock.is_deleted.does_not_exist() | (Stock.is_deleted == False))  # noqa: E712


def stock_for(principal: Principal, stock_id: str) -> tuple[Stock, Offer]:
    """A live stock and its offer, if the caller may see them; 404 otherwise."""
    try:
        stock = Stock.get(stock_id, consistent_read=True)
    except Stock.DoesNotExist as exc:
        raise NotFound("No such stock") from exc
    if stock.is_deleted:
        raise NotFound("No such stock")
    try:
        offer = offer_for(principal, stock.offer_id)
    except NotFound as exc:
        raise NotFound("No such stock") from exc
    return stock, offer


def _new_stock(offer_id: str, data: StockIn, now: datetime) -> Stock:
    limit = data.booking_limit_at
    if limit is None and data.begins_at is not None:
        limit = default_booking_limit(data.begins_at, now)
    return Stock(
        new_id(),
        offer_id=offer_id,
        begins_key=begins_key(data.begins_at),
        begins_at=data.begins_at,
        price_cents=data.price_cents,
        quantity=data.quantity,
        booked=0,
        booking_limit_at=limit,
        is_deleted=False,
        created_at=now,
    )


def create_stocks(principal: Principal, offer_id: str, items: list[StockIn]) -> list[Stock]:
    """Adds dates to an event offer, or the stock of a thing; returns the new stocks."""
    offer = offer_for(principal, offer_id)
    things = [item for item in items if item.begins_at is None]
    if things and len(items) > 1:
        raise InvalidInput("A thing has one stock without a date; an event has dates (beginsAt)", field="stocks")
    existing = live_stocks(offer.id)
    if things and existing:
        raise Conflict("This offer already has its stock or dates: change them instead", field="beginsAt")
    if not things and any(s.begins_at is None for s in existing):
        raise Conflict("This offer is a thing with a single stock: it has no dates", field="beginsAt")
    now = utcnow()
    stocks = [_new_stock(offer.id, item, now) for item in items]
    if things:
        tx = Transaction()
        tx.save("stock", stocks[0], condition=Stock.id.does_not_exist())
        guard = Unique(thing_guard_key(offer.id), target=stocks[0].id, created_at=now)
        tx.save("thing", guard, condition=Unique.key.does_not_exist())
        if tx.commit():
            raise Conflict("This offer already has its stock", field="beginsAt")
    else:
        # BatchWriteItem, 25 items per call; unprocessed items are retried by pynamodb.
        with Stock.batch_write() as batch:
            for stock in stocks:
                batch.save(stock)
    refresh_offer(offer, stocks=existing + stocks)
    return stocks


def update_stock(principal: Principal, stock_id: str, patch: StockPatch) -> Stock:
    """Changes price, quantity, date or booking limit (409 when the quantity goes below what is booked)."""
    stock, offer = stock_for(principal, stock_id)
    given = patch.model_fields_set
    if stock.begins_at is None and patch.begins_at is not None:
        raise InvalidInput("A thing's stock has no date", field="beginsAt")
    begins_at = patch.begins_at if patch.begins_at is not None else stock.begins_at
    actions: list[Any] = []
    if begins_at != stock.begins_at:
        actions += [Stock.begins_at.set(begins_at), Stock.begins_key.set(begins_key(begins_at))]
    if "booking_limit_at" in given:
        limit = patch.booking_limit_at
        if limit is None and begins_at is not None:
            limit = default_booking_limit(begins_at, utcnow())  # null asks for the default again
    elif begins_at != stock.begins_at:
        limit = default_booking_limit(begins_at, utcnow())  # a moved event gets the default limit again
    else:
        limit = stock.booking_limit_at
    moved_or_limited = begins_at != stock.begins_at or limit != stock.booking_limit_at
    if moved_or_limited and begins_at is not None and limit is not None and limit > begins_at:
        raise InvalidInput("The booking limit cannot be after the event's start", field="bookingLimitAt")
    if limit != stock.booking_limit_at:
        actions.append(Stock.booking_limit_at.set(limit) if limit is not None else Stock.booking_limit_at.remove())
    condition = _not_deleted()
    if patch.price_cents is not None and patch.price_cents != stock.price_cents:
        actions.append(Stock.price_cents.set(patch.price_cents))
    if "quantity" in given:
        if patch.quantity is None:
            actions.append(Stock.quantity.remove())
        else:
            actions.append(Stock.quantity.set(patch.quantity))
            # On the stored value, so a booking landing meanwhile is counted.
            condition &= Stock.booked <= patch.quantity
    if {"price_cents", "quantity"} & given:
        actions.append(Stock.edited_by_pro.set(True))
    if not actions:
        return stock
    actions.append(Stock.updated_at.set(utcnow()))
    from pynamodb.exceptions import UpdateError

    try:
        stock.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        current = Stock.get(stock.id, consistent_read=True)
        if current.is_deleted:
            raise NotFound("No such stock") from exc
        raise Conflict(
            f"{int(current.booked)} places are already booked: the quantity cannot be lower", field="quantity"
        ) from exc
    others = [s for s in live_stocks(offer.id) if s.id != stock.id]
    refresh_offer(offer, stocks=[*others, stock])
    return stock


def delete_stock(principal: Principal, stock_id: str) -> None:
    """Deletes a stock (kept, marked deleted, for the bookings' history); its bookings are cancelled after.

    The deletion is written here, so no booking lands on the stock any more; the
    cancellations and refunds run as the ``stock-bookings`` job, however many
    bookings there are. If that job cannot be started, the stock is restored and
    the error raised: nothing is left deleted with bookings nobody will refund.
    """
    from pynamodb.exceptions import UpdateError

    from passculture.services.jobs import start_job

    stock, offer = stock_for(principal, stock_id)
    try:
        stock.update(actions=[Stock.is_deleted.set(True), Stock.updated_at.set(utcnow())], condition=_not_deleted())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise NotFound("No such stock") from exc
        raise
    try:
        start_job("stock-bookings", {"stock_id": stock.id, "cancelled_by": f"offerer:{principal.user_id}"})
    except Exception:
        stock.update(actions=[Stock.is_deleted.set(False)], condition=Stock.is_deleted == True)  # noqa: E712
        raise
    if stock.begins_at is None:
        # The offer may get a new stock for its thing.
        from pynamodb.exceptions import DeleteError

        try:
            Unique(thing_guard_key(offer.id)).delete(condition=Unique.target == stock.id)
        except DeleteError as exc:
            # No guard (a stock from an import) or another stock's: nothing of ours to remove.
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
    others = [s for s in live_stocks(offer.id) if s.id != stock.id]
    refresh_offer(offer, stocks=others)

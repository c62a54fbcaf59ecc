"""Stocks: the dates of an event offer, or the single stock of a thing.

The dates of one request (up to 100, ``schemas.stocks.MAX_BATCH``) are one
``TransactWriteItems``, each stock put under ``attribute_not_exists(id)``:
all of them or none, whatever fails. With an ``Idempotency-Key`` the stock ids
are derived from (offer, caller, key, position) and the transaction's
``ClientRequestToken`` from the same, so a retry creates nothing twice and
answers the stocks the first request created. A thing's single stock is
guarded by a ``uniques`` item ``thing-stock#<offer id>`` in the same
transaction, so two clicks cannot give a thing two stocks. A big stock's places are
spread over shard items (``booking.places``): written before the stocks, moved in one transaction with the
stock when its quantity or date changes, and marked deleted with it.
``booked`` is never written here: lowering ``quantity`` is a conditional update on
``booked <= quantity`` (409 otherwise), and deleting a
stock cancels and refunds its bookings in the background (``catalogue.stock_cancellation``),
while an agenda import withdrawing a date keeps them (``withdraw_stock``, ``catalogue.stock_withdrawal``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from passculture.errors import Conflict, InvalidInput, NotFound
from passculture.models.base import AlreadyCommitted, Transaction, commit_retrying, derived_id, utcnow
from passculture.models.offers import Offer
from passculture.models.stock_shards import StockShard
from passculture.models.stocks import Stock
from passculture.models.uniques import Unique, unique_key
from passculture.models.venues import Venue
from passculture.services.accounts.auth import Principal
from passculture.services.booking import copies, places
from passculture.services.catalogue.offers import offer_for
from passculture.services.catalogue.publication import begins_key, live_stocks, refresh_offer
from passculture.services.idempotency import check_idempotency_key

if TYPE_CHECKING:
    # Annotations only: pydantic stays out of a cold read.
    from passculture.schemas.stocks import StockIn, StockPatch

logger = logging.getLogger(__name__)

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
    places.count_booked([stock])
    return stock, offer


def _new_stock(stock_id: str, offer_id: str, data: StockIn, now: datetime, category: Any = None) -> Stock:
    limit = data.booking_limit_at
    if limit is None and data.begins_at is not None:
        limit = default_booking_limit(data.begins_at, now)
    return Stock(
        stock_id,
        offer_id=offer_id,
        begins_key=begins_key(data.begins_at),
        begins_at=data.begins_at,
        price_cents=int(category.price_cents) if category is not None else data.price_cents,
        price_category_id=int(category.id) if category is not None else None,
        price_category_label=category.label if category is not None else None,
        price_category_id_at_provider=category.id_at_provider if category is not None else None,
        quantity=data.quantity,
        booked=0,
        shards=None if (k := places.shard_count_for(data.quantity, data.shards)) == 1 else k,
        booking_limit_at=limit,
        is_deleted=False,
        created_at=now,
    )


@dataclass
class StocksCreated:
    stocks: list[Stock]
    created: bool  # False when an Idempotency-Key replayed an earlier request's stocks
    offer: Offer | None = None


def _stock_ids(principal: Principal, offer: Offer, count: int, key: str | None) -> list[str]:
    """Ids naming the structure (``stock_ids``): its booking reads the structure beside the stock."""
    from passculture.services.stock_ids import new_stock_id

    if key is None:
        return [new_stock_id(offer.siren) for _ in range(count)]
    return [
        new_stock_id(offer.siren, derived_id("stock", offer.id, principal.user_id, key, str(n))) for n in range(count)
    ]


def create_stocks(
    principal: Principal, offer_id: str, items: list[StockIn], idempotency_key: str | None = None
) -> StocksCreated:
    """Adds dates to an event offer, or the stock of a thing, all at once or not at all.

    With an ``idempotency_key``, a retry answers the stocks the first request
    created (``created`` False); the key with other dates is a 409.
    """
    key = check_idempotency_key(idempotency_key)
    offer = offer_for(principal, offer_id)
    things = [item for item in items if item.begins_at is None]
    if things and len(items) > 1:
        raise InvalidInput("A thing has one stock without a date; an event has dates (beginsAt)", field="stocks")
    ids = _stock_ids(principal, offer, len(items), key)
    existing = live_stocks(offer.id)
    if key is not None:
        replayed = _replayed(items, ids, {s.id: s for s in existing})
        if replayed is not None:
            return _done(offer, existing, replayed, created=False)
    if things and existing:
        raise Conflict("This offer already has its stock or dates: change them instead", field="beginsAt")
    if not things and any(s.begins_at is None for s in existing):
        raise Conflict("This offer is a thing with a single stock: it has no dates", field="beginsAt")
    now = utcnow()
    chosen = categories_of_items(offer, items, many=len(items) > 1)
    stocks = [
        _new_stock(stock_id, offer.id, item, now, category)
        for stock_id, item, category in zip(ids, items, chosen, strict=True)
    ]
    venue = _venue_of(offer)
    for stock in stocks:  # what a booking needs of the offer and venue (booking.copies)
        copies.stamp(stock, offer, venue, copies.expected_status(offer))
    _create_shards(stocks)

    def build() -> Transaction:
        tx = Transaction()
        for n, stock in enumerate(stocks):
            tx.save(f"stock:{n}", stock, condition=Stock.id.does_not_exist())
        if things:
            guard = Unique(thing_guard_key(offer.id), target=stocks[0].id, created_at=now)
            tx.save("thing", guard, condition=Unique.key.does_not_exist())
        return tx

    intent = ("stocks", offer.id, principal.user_id, key) if key is not None else None
    try:
        failed = commit_retrying(build, intent=intent)
    except AlreadyCommitted:
        failed = {"token": "IdempotentParameterMismatch"}
    if failed and key is not None and set(failed) - {"thing"}:
        # Another request with this key wrote these ids: answer what it created.
        replayed = _replayed(items, ids, _read_stocks(ids))
        if replayed is not None:
            return _done(offer, existing, replayed, created=False)
        raise Conflict("This Idempotency-Key was used for other dates", field="Idempotency-Key")
    if failed:
        raise Conflict("This offer already has its stock", field="beginsAt")
    return _done(offer, existing, stocks, created=True)


def _venue_of(offer: Offer) -> Venue | None:
    try:
        return Venue.get(offer.venue_id)
    except Venue.DoesNotExist:
        return None


def _create_shards(stocks: list[Stock]) -> None:
    """The shards of the big stocks, before the stocks (a stock is never bookable without them).

    In transactions of up to 100 shards, each put only if absent: a retry with the
    same Idempotency-Key (the same stock ids) finds them written and leaves them be.
    """
    shards = [shard for stock in stocks for shard in places.new_shards(stock)]
    for start in range(0, len(shards), 100):
        chunk = shards[start : start + 100]

        def build(chunk: list[Any] = chunk) -> Transaction:
            tx = Transaction()
            for shard in chunk:
                tx.save(f"shard:{shard.id}", shard, condition=StockShard.id.does_not_exist())
            return tx

        commit_retrying(build)  # a condition failed: an earlier attempt with this key wrote them


def _done(offer: Offer, existing: list[Stock], stocks: list[Stock], *, created: bool) -> StocksCreated:
    # A replay refreshes too: the first request may have failed between its stocks and this.
    known = {s.id for s in existing}
    refresh_offer(offer, stocks=existing + [s for s in stocks if s.id not in known])
    return StocksCreated(stocks, created, offer)


def categories_of_items(offer: Offer, items: list[StockIn], *, many: bool, field: str = "stocks") -> list[Any]:
    """Each item's price category (None without one); 400 naming each unknown one, or one on a thing."""
    from passculture.services.catalogue.price_categories import NOT_FOUND, find

    found, errors = [], {}
    for n, item in enumerate(items):
        name = f"{field}.{n}.priceCategoryId" if many else "priceCategoryId"
        category = find(offer, item.price_category_id)
        if item.price_category_id is not None and category is None:
            errors[name] = [NOT_FOUND]
        elif category is not None and item.begins_at is None:
            errors[name] = ["A thing's stock has no price category: only an event's dates have one"]
        found.append(category)
    if errors:
        raise InvalidInput(errors)
    return found


def _read_stocks(ids: list[str]) -> dict[str, Stock]:
    return {stock.id: stock for stock in Stock.batch_get(ids, consistent_read=True)}


def _replayed(items: list[StockIn], ids: list[str], found: dict[str, Stock]) -> list[Stock] | None:
    """The stocks an earlier request with the same key created, when every id is there; None otherwise.

    The dates must be the ones asked for (prices and quantities may have been edited since).
    """
    stocks = [found.get(stock_id) for stock_id in ids]
    if any(stock is None for stock in stocks):
        return None
    if [stock.begins_at for stock in stocks] != [item.begins_at for item in items]:  # type: ignore[union-attr]
        raise Conflict("This Idempotency-Key was used for other dates", field="Idempotency-Key")
    return stocks  # type: ignore[return-value]


def update_stock(principal: Principal, stock_id: str, patch: StockPatch) -> Stock:
    """Changes price, quantity, date or booking limit (409 when the quantity goes below what is booked)."""
    return update_stock_of(principal, stock_id, patch)[0]


def update_stock_of(principal: Principal, stock_id: str, patch: StockPatch) -> tuple[Stock, Offer]:
    """``update_stock``, with the stock's offer (its price categories, for the answer)."""
    stock, offer = stock_for(principal, stock_id)
    return change_stock(stock, offer, patch), offer


def change_stock(stock: Stock, offer: Offer, patch: StockPatch) -> Stock:
    """``update_stock`` once the caller may: the changes of ``patch`` on ``stock``, the offer refreshed."""
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
    price_cents = patch.price_cents
    if patch.price_category_id is not None:
        from passculture.services.catalogue.price_categories import NOT_FOUND, category_actions, find

        category = find(offer, patch.price_category_id)
        if category is None:
            raise InvalidInput(NOT_FOUND, field="priceCategoryId")
        if stock.begins_at is None:
            raise InvalidInput("A thing's stock has no price category", field="priceCategoryId")
        price_cents = int(category.price_cents)
        if stock.price_category_id is None or int(stock.price_category_id) != int(category.id):
            actions.extend(category_actions(category, with_price=False))  # the price follows below
            stock.price_category_id = int(category.id)
            stock.price_category_label, stock.price_category_id_at_provider = category.label, category.id_at_provider
    elif patch.price_cents is not None and stock.price_category_id is not None:
        raise InvalidInput(
            "This date takes its price category's price: change the category's price, or give another category",
            field="priceCents",
        )
    if price_cents is not None and price_cents != stock.price_cents:
        actions.append(Stock.price_cents.set(price_cents))
    sharded = places.is_sharded(stock)
    if sharded and "quantity" in given and patch.quantity is None:
        raise InvalidInput("A stock split in shards keeps a quantity: it cannot become unlimited", field="quantity")
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
    if sharded:
        stock = _update_sharded(stock, actions, patch.quantity if "quantity" in given else None, begins_at)
        others = [s for s in live_stocks(offer.id) if s.id != stock.id]
        refresh_offer(offer, stocks=[*others, stock])
        return stock
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


def _update_sharded(stock: Stock, actions: list[Any], quantity: int | None, begins_at: datetime | None) -> Stock:
    """One transaction: the stock's changes and its shards' quantities (and date), each on its booked as read.

    A booking landing between the read of the shards and the commit fails that
    shard's condition: read again and retry. Below what is booked: 409.
    """
    new_key = begins_key(begins_at)
    redistributes = quantity is not None or new_key != stock.begins_key
    for _ in range(6):
        shards = places.read_shards(stock) if redistributes else []
        target = int(quantity if quantity is not None else stock.quantity)
        booked = sum(int(shard.booked or 0) for shard in shards)
        if target < booked:
            raise Conflict(f"{booked} places are already booked: the quantity cannot be lower", field="quantity")

        def build(shards: list[StockShard] = shards, target: int = target) -> Transaction:
            tx = Transaction()
            tx.update("stock", Stock(stock.id), actions, _not_deleted())
            if shards:
                places.redistribute(tx, stock, target, shards, new_key)
            return tx

        failed = commit_retrying(build)
        if "stock" in failed:
            raise NotFound("No such stock")
        if not failed:
            current = Stock.get(stock.id, consistent_read=True)
            return places.count_booked([current])[0]
    raise Conflict("Too many bookings of this date at once; please try again", field="quantity")


def delete_stock(principal: Principal, stock_id: str) -> None:
    """Deletes a stock (kept, marked deleted, for the bookings' history); its bookings are cancelled after."""
    stock, offer = stock_for(principal, stock_id)
    if not retire_stock(stock, offer, cancelled_by=f"offerer:{principal.user_id}"):
        raise NotFound("No such stock")


def retire_stock(stock: Stock, offer: Offer, *, cancelled_by: str) -> bool:
    """Marks ``stock`` deleted and starts the cancellation of its bookings; False when it was deleted already.

    The deletion is written here, so no booking lands on the stock any more; the
    cancellations and refunds run as the ``stock-bookings`` job, however many
    bookings there are. If that job cannot be started, the stock is restored and
    the error raised: nothing is left deleted with bookings nobody will refund.
    A pro deleting a date goes through here; an agenda import withdraws one instead (``withdraw_stock``).
    """
    from pynamodb.exceptions import UpdateError

    from passculture.services.jobs import start_job

    deletion = [Stock.is_deleted.set(True), Stock.updated_at.set(utcnow())]
    if places.is_sharded(stock):
        if not _mark(stock, deletion, _not_deleted(), deleted=True):
            return False
    else:
        try:
            stock.update(actions=deletion, condition=_not_deleted())
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
    try:
        start_job("stock-bookings", {"stock_id": stock.id, "cancelled_by": cancelled_by})
    except Exception:
        restored = Stock.is_deleted == True  # noqa: E712
        if places.is_sharded(stock):
            _mark(stock, [Stock.is_deleted.set(False)], restored, deleted=False)
        else:
            stock.update(actions=[Stock.is_deleted.set(False)], condition=restored)
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
    return True


def _mark(stock: Stock, actions: list[Any], condition: Any, *, deleted: bool) -> bool:
    """A sharded stock's deletion, withdrawal or restoration, its shards following, in one transaction.

    False when the stock's condition did not hold. ``stock.booked`` is then the sum of its shards.
    """

    def build() -> Transaction:
        tx = Transaction()
        tx.update("stock", Stock(stock.id), actions, condition)
        places.mark_shards(tx, stock, deleted=deleted)
        return tx

    if commit_retrying(build):
        return False
    stock.is_deleted = deleted
    stock.booked = sum(int(shard.booked or 0) for shard in places.read_shards(stock))
    return True


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


def withdraw_stock(stock: Stock) -> bool:
    """Soft-deletes an imported date and starts the marking of its bookings; False if it was deleted already.

    Its bookings are kept (``catalogue.stock_withdrawal``): an agenda import withdraws, a pro deletes.

    If the job cannot be started, the stock is put back and the error raised: the
    import fails and the next one withdraws it again, so no holder goes untold.
    """
    from passculture.services.jobs import start_job

    now = utcnow()
    actions = [Stock.is_deleted.set(True), Stock.withdrawn_at.set(now), Stock.updated_at.set(now)]
    if places.is_sharded(stock):
        if not _mark(stock, actions, _not_deleted(), deleted=True):
            return False
    elif not _conditional(partial(stock.update, actions=actions, condition=_not_deleted())):
        return False
    if int(stock.booked or 0) > 0:  # as written: the update read the item back (a sharded one: its shards)
        try:
            start_job("withdrawn-bookings", {"stock_id": stock.id, "withdrawn": True})
        except Exception:
            back = [Stock.is_deleted.set(False), Stock.withdrawn_at.remove()]
            if places.is_sharded(stock):
                _mark(stock, back, Stock.withdrawn_at == now, deleted=False)
            else:
                stock.update(actions=back, condition=Stock.withdrawn_at == now)
            raise
    return True


def restore_stock(stock: Stock) -> bool:
    """Puts back a date the import withdrew and the feed gives again; False when it was not (or is no longer) one."""
    from passculture.services.jobs import start_job

    withdrawn = (Stock.is_deleted == True) & Stock.withdrawn_at.exists()  # noqa: E712
    actions = [Stock.is_deleted.set(False), Stock.withdrawn_at.remove(), Stock.updated_at.set(utcnow())]
    if places.is_sharded(stock):
        if not _mark(stock, actions, withdrawn, deleted=False):
            return False
    elif not _conditional(partial(stock.update, actions=actions, condition=withdrawn)):
        return False
    if int(stock.booked or 0) > 0:
        # The marks stay until the job removes them: a failure here is logged, the date is back regardless.
        try:
            start_job("withdrawn-bookings", {"stock_id": stock.id, "withdrawn": False})
        except Exception:
            logger.exception("stock %s restored; its bookings keep their withdrawal mark", stock.id)
    return True

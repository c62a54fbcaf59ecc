"""``/public/offers/v1/events/{event_id}``: an event's price categories and dates, the pro side's rules reused.

Price categories are the catalogue's (``catalogue.price_categories``: at most
50, unique by (label, price) and ``idAtProvider``, written whole under the
offer's version). A date is a stock (``catalogue.stocks``): written with its
copies of the offer and venue (``booking.copies``) and its shards when big,
edited by ``change_stock`` and deleted by ``retire_stock`` (its bookings
cancelled and refunded by the ``stock-bookings`` job), as the pro routes do.
What the partner API adds: each date gets its integer id (its guard
``public-id#<n>`` in the date's own transaction) and, when given, the guard of
its ``idAtProvider`` within the offer (``date-at-provider#<offer>#<id>``), so
two requests racing with one id cannot both take it. A PATCH's ``quantity`` is
what is still available: the stored total is that plus what is booked.

Up to 2,500 dates an offer; a request's dates are written 33 a transaction
(a date, its id's guard, its ``idAtProvider``'s guard: 99 items), after
every date was checked, so only a failure of the store itself (or a race on
an ``idAtProvider``) can leave a request's first transactions written.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from passculture.errors import Conflict, InvalidInput, NotFound
from passculture.models.base import Transaction, TransactionConflict, commit_retrying, utcnow
from passculture.models.offers import Offer, PriceCategory
from passculture.models.stocks import Stock
from passculture.models.uniques import Unique, unique_key
from passculture.rules.partners import new_public_id
from passculture.services.accounts.auth import Credentials
from passculture.services.catalogue import price_categories as categories_service
from passculture.services.partners import ids
from passculture.services.partners.bookings import Call, _open
from passculture.services.partners.events import EVENT_NOT_FOUND, ids_at_provider, own_offer, refuse_nulls

MAX_DATES = 2500
TOO_MANY_DATES = f"The maximum number of stock entries allowed per offer is {MAX_DATES}"
STOCK_NOT_FOUND = "The stock could not be found"
PRICE_CATEGORY_NOT_FOUND = categories_service.NOT_FOUND
LIMIT_AFTER_START = "The booking limit cannot be after the beginning of the event"
DATES_PER_TX = 33  # a date, its id's guard, its idAtProvider's guard: 99 items of 100


def _event(route: str, credentials: Credentials, event_id: str, source_ip: str) -> tuple[Call, Offer]:
    call = _open(route, credentials, "", source_ip)
    return call, own_offer(call, event_id, event=True, field="event_id", message=EVENT_NOT_FOUND)


def date_at_provider_key(offer_id: str, id_at_provider: str) -> str:
    return unique_key("date-at-provider", f"{offer_id}#{id_at_provider}")


def date_taken(id_at_provider: str) -> str:
    return f"`{id_at_provider}` is already taken by another date of this offer"


# -- price categories ------------------------------------------------------------


def add_price_categories(credentials: Credentials, event_id: str, body: Any, source_ip: str) -> list[PriceCategory]:
    """``POST .../price_categories``: the new categories (all or none), with their ids."""
    from passculture.services.catalogue.price_categories import New

    _, offer = _event("v1-price-categories", credentials, event_id, source_ip)
    items = [New(c.label, c.price, c.id_at_provider) for c in body.price_categories]
    return categories_service.add(offer, items)


def list_price_categories(credentials: Credentials, event_id: str, query: Any, source_ip: str) -> list[PriceCategory]:
    """``GET .../price_categories?idsAtProvider=``: the event's categories, those ids only when filtered."""
    wanted = ids_at_provider(query.ids_at_provider)
    _, offer = _event("v1-price-categories", credentials, event_id, source_ip)
    found = categories_service.categories(offer)
    return found if wanted is None else [c for c in found if c.id_at_provider in wanted]


def update_price_category(
    credentials: Credentials, event_id: str, category_id: str, patch: Any, source_ip: str
) -> PriceCategory:
    """``PATCH .../price_categories/{id}``: the fields sent; a new price is copied onto the category's dates."""
    _, offer = _event("v1-price-category", credentials, event_id, source_ip)
    if not category_id.isdigit() or len(category_id) > 16:
        raise NotFound({"price_category_id": [PRICE_CATEGORY_NOT_FOUND]})
    refuse_nulls(patch, ("label", "price"))
    given = patch.model_fields_set
    changes: dict[str, Any] = {}
    if "label" in given:
        changes["label"] = patch.label
    if "price" in given:
        changes["price_cents"] = patch.price
    if "id_at_provider" in given:
        changes["id_at_provider"] = patch.id_at_provider
    return categories_service.update(offer, int(category_id), changes, field="price_category_id")


# -- writing new stocks ------------------------------------------------------------


def new_stock(
    offer: Offer, *, begins_at: datetime | None, limit: datetime | None, price_cents: int, **fields: Any
) -> Stock:
    """A stock built as the pro side builds one (``stocks._new_stock``), with a partner's fields."""
    from passculture.services.catalogue.stocks import _new_stock
    from passculture.services.stock_ids import new_stock_id

    category = fields.pop("category", None)
    data = SimpleNamespace(
        begins_at=begins_at,
        booking_limit_at=limit,
        price_cents=price_cents,
        quantity=fields.pop("quantity", None),
        shards=None,
    )
    stock = _new_stock(new_stock_id(offer.siren), offer.id, data, utcnow(), category)  # type: ignore[arg-type]
    stock.booking_limit_at = limit  # a partner's default is the start itself (none for a thing)
    stock.id_at_provider = fields.pop("id_at_provider", None)
    return stock


def write_stocks(
    offer: Offer,
    stocks: list[Stock],
    existing: list[Stock],
    *,
    thing: bool = False,
    venue: Any = None,
    offerer_status: str | None = None,
) -> list[Stock]:
    """Writes new ``stocks`` of ``offer`` with their copies, shards, integer ids and guards; the offer refreshed.

    ``thing``: the product's single stock, with the catalogue's guard ``thing-stock#<offer>`` (409 if it has one);
    ``venue`` and ``offerer_status``: the offer's venue and its structure's status, when the caller read them.
    """
    from passculture.services.booking import copies
    from passculture.services.catalogue.publication import refresh_offer
    from passculture.services.catalogue.stocks import _create_shards, _venue_of, thing_guard_key

    venue = venue if venue is not None else _venue_of(offer)
    for stock in stocks:  # what a booking needs of the offer and venue
        copies.stamp(stock, offer, venue, copies.expected_status(offer))
    _create_shards(stocks)
    now = utcnow()
    for start in range(0, len(stocks), DATES_PER_TX):
        chunk = stocks[start : start + DATES_PER_TX]
        for stock in chunk:
            stock.public_id = new_public_id()
        for _ in range(5):

            def build(chunk: list[Stock] = chunk) -> Transaction:
                tx = Transaction()
                for stock in chunk:
                    tx.save(f"stock:{stock.id}", stock, condition=Stock.id.does_not_exist())
                    guard = ids.guard("stock", stock.id, int(stock.public_id))
                    tx.save(f"id:{stock.id}", guard, condition=Unique.key.does_not_exist())
                    if stock.id_at_provider is not None:
                        at = Unique(
                            date_at_provider_key(offer.id, stock.id_at_provider), target=stock.id, created_at=now
                        )
                        tx.save(f"at:{stock.id}", at, condition=Unique.key.does_not_exist())
                if thing:
                    tx.save(
                        "thing",
                        Unique(thing_guard_key(offer.id), target=chunk[0].id, created_at=now),
                        condition=Unique.key.does_not_exist(),
                    )
                return tx

            failed = commit_retrying(build)
            if not failed:
                break
            if "thing" in failed:
                raise Conflict("This product already has its stock", field="stock")
            taken = [s for s in chunk if f"at:{s.id}" in failed]
            if taken:
                raise InvalidInput({"idAtProvider": [date_taken(taken[0].id_at_provider or "")]})
            for stock in chunk:  # an integer id was taken (a collision): draw those again
                if f"id:{stock.id}" in failed:
                    stock.public_id = new_public_id()
        else:
            raise Conflict("Could not create the dates; try again", field="dates")
    refresh_offer(offer, offerer_status, stocks=existing + stocks)
    return stocks


# -- dates ---------------------------------------------------------------------


def create_dates(credentials: Credentials, event_id: str, body: Any, source_ip: str) -> tuple[list[Stock], Offer]:
    """``POST .../dates``: every date checked (each bad one named by its index), then written."""
    from passculture.services.catalogue.publication import live_stocks

    _, offer = _event("v1-dates", credentials, event_id, source_ip)
    existing = live_stocks(offer.id)
    if len(existing) + len(body.dates) > MAX_DATES:
        raise InvalidInput({"dates": [TOO_MANY_DATES]})
    taken = {s.id_at_provider for s in existing if s.id_at_provider is not None}
    errors: dict[str, list[str]] = {}
    stocks = []
    for n, item in enumerate(body.dates):
        category = categories_service.find(offer, item.price_category_id)
        if category is None:
            errors[f"dates.{n}.priceCategoryId"] = [PRICE_CATEGORY_NOT_FOUND]
        limit = item.booking_limit_datetime or item.beginning_datetime
        if limit > item.beginning_datetime:
            errors[f"dates.{n}.bookingLimitDatetime"] = [LIMIT_AFTER_START]
        if item.id_at_provider is not None:
            if item.id_at_provider in taken:
                errors[f"dates.{n}.idAtProvider"] = [date_taken(item.id_at_provider)]
            taken.add(item.id_at_provider)
        if category is not None:
            stocks.append(
                new_stock(
                    offer,
                    begins_at=item.beginning_datetime,
                    limit=limit,
                    price_cents=int(category.price_cents),
                    category=category,
                    quantity=None if item.quantity == "unlimited" else item.quantity,
                    id_at_provider=item.id_at_provider,
                )
            )
    if errors:
        raise InvalidInput(errors)
    return write_stocks(offer, stocks, existing), offer


def list_dates(credentials: Credentials, event_id: str, query: Any, source_ip: str) -> tuple[list[Stock], Offer]:
    """``GET .../dates``: the live dates with ``id >= firstIndex``, by id, at most ``limit``, filtered."""
    from passculture.services.catalogue.publication import live_stocks

    wanted = ids_at_provider(query.ids_at_provider)
    _, offer = _event("v1-dates", credentials, event_id, source_ip)
    stocks = [s for s in live_stocks(offer.id) if s.begins_at is not None]
    if wanted is not None:
        stocks = [s for s in stocks if s.id_at_provider in wanted]
    for stock in stocks:
        ids.ensure(stock, "stock")  # a date the pro added has none until a partner sees it
    stocks = sorted((s for s in stocks if int(s.public_id) >= query.first_index), key=lambda s: int(s.public_id))
    return stocks[: query.limit], offer


def own_stock(offer: Offer, raw_id: str, *, field: str = "stock_id") -> Stock:
    """A live stock of ``offer`` by its integer id (its booked places counted); 404 otherwise."""
    from passculture.services.booking.places import count_booked

    stock_id = ids.lookup("stock", int(raw_id)) if raw_id.isdigit() and len(raw_id) <= 16 else None
    stock = None
    if stock_id is not None:
        try:
            stock = Stock.get(stock_id, consistent_read=True)
        except Stock.DoesNotExist:
            stock = None
    if stock is None or stock.offer_id != offer.id or stock.is_deleted:
        raise NotFound({field: [STOCK_NOT_FOUND]})
    return count_booked([stock])[0]


def change(stock: Stock, offer: Offer, changes: dict[str, Any]) -> Stock:
    """``change_stock`` (the pro side's) with ``changes`` of ``StockPatch``'s fields; ``quantity`` a total."""
    from passculture.schemas.stocks import StockPatch
    from passculture.services.catalogue.stocks import change_stock

    if not changes:
        return stock
    patch = StockPatch.model_construct(_fields_set=set(changes), **changes)
    return change_stock(stock, offer, patch)


def total_of(stock: Stock, available: int | str) -> int | None:
    """The stored total for a partner's ``quantity`` (what is still available): that plus what is booked."""
    return None if available == "unlimited" else int(available) + int(stock.booked or 0)


def update_date(
    credentials: Credentials, event_id: str, stock_id: str, patch: Any, source_ip: str
) -> tuple[Stock, Offer]:
    """``PATCH .../dates/{stock_id}``: the fields sent; ``quantity`` is what is still available."""
    from passculture.schemas.partner_events import DATE_NOT_NULL

    _, offer = _event("v1-date", credentials, event_id, source_ip)
    stock = own_stock(offer, stock_id)
    refuse_nulls(patch, DATE_NOT_NULL)
    given = patch.model_fields_set
    changes: dict[str, Any] = {}
    begins_at = stock.begins_at
    if "beginning_datetime" in given:
        begins_at = patch.beginning_datetime
        changes["begins_at"] = begins_at
    if "booking_limit_datetime" in given or "beginning_datetime" in given:
        limit = patch.booking_limit_datetime if "booking_limit_datetime" in given else stock.booking_limit_at
        if limit is None or ("booking_limit_datetime" not in given and limit > begins_at):
            limit = begins_at  # the default, or a limit the new start came before
        if limit > begins_at:
            raise InvalidInput({"bookingLimitDatetime": [LIMIT_AFTER_START]})
        changes["booking_limit_at"] = limit
    if "price_category_id" in given:
        if categories_service.find(offer, patch.price_category_id) is None:
            raise InvalidInput({"priceCategoryId": [PRICE_CATEGORY_NOT_FOUND]})
        changes["price_category_id"] = patch.price_category_id
    if "quantity" in given:
        changes["quantity"] = total_of(stock, patch.quantity)
    if "id_at_provider" in given and patch.id_at_provider != stock.id_at_provider:
        taken = {s.id_at_provider for s in _others(offer, stock)}
        if patch.id_at_provider is not None and patch.id_at_provider in taken:
            raise InvalidInput({"idAtProvider": [date_taken(patch.id_at_provider)]})
        move_id_at_provider(offer, stock, patch.id_at_provider)
    return change(stock, offer, changes), offer


def _others(offer: Offer, stock: Stock) -> list[Stock]:
    from passculture.services.catalogue.publication import live_stocks

    return [s for s in live_stocks(offer.id) if s.id != stock.id]


def move_id_at_provider(offer: Offer, stock: Stock, new: str | None) -> None:
    """The date's ``idAtProvider`` changes: the old guard released, the new one taken, the date updated, at once."""
    old = stock.id_at_provider
    now = utcnow()
    tx = Transaction()
    if old is not None:
        tx.delete("old", Unique(date_at_provider_key(offer.id, old)), condition=Unique.target == stock.id)
    if new is not None:
        tx.save(
            "new",
            Unique(date_at_provider_key(offer.id, new), target=stock.id, created_at=now),
            condition=Unique.key.does_not_exist(),
        )
    action = Stock.id_at_provider.set(new) if new is not None else Stock.id_at_provider.remove()
    same = Stock.id_at_provider == old if old is not None else Stock.id_at_provider.does_not_exist()
    tx.update("stock", stock, actions=[action, Stock.updated_at.set(now)], condition=same)
    try:
        failed = tx.commit()
    except TransactionConflict:
        failed = {"stock": "conflict"}
    if "new" in failed:
        raise InvalidInput({"idAtProvider": [date_taken(new or "")]})
    if "old" in failed and not set(failed) - {"old"}:
        raise Conflict("The date's idAtProvider guard is not its own; try again", field="idAtProvider")
    if failed:
        raise Conflict("The date is changing right now; try again", field="idAtProvider")
    stock.id_at_provider = new


def release_id_at_provider(offer: Offer, stock: Stock) -> None:
    """A deleted date's ``idAtProvider`` may be used again."""
    from pynamodb.exceptions import DeleteError

    if stock.id_at_provider is None:
        return
    try:
        Unique(date_at_provider_key(offer.id, stock.id_at_provider)).delete(condition=Unique.target == stock.id)
    except DeleteError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def retire(call: Call, offer: Offer, stock: Stock, field: str = "stock_id") -> None:
    """The pro side's deletion (``retire_stock``: its cancellable bookings cancelled and refunded after)."""
    from passculture.services.catalogue.stocks import retire_stock

    if not retire_stock(stock, offer, cancelled_by=call.actor):
        raise NotFound({field: [STOCK_NOT_FOUND]})
    release_id_at_provider(offer, stock)


def delete_date(credentials: Credentials, event_id: str, stock_id: str, source_ip: str) -> None:
    """``DELETE .../dates/{stock_id}``: the date deleted, its cancellable bookings cancelled and refunded."""
    call, offer = _event("v1-date", credentials, event_id, source_ip)
    retire(call, offer, own_stock(offer, stock_id))

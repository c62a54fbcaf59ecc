"""``/public/offers/v1/products``: a provider's products (things) and their single stock.

A product is an offer as an event is (``partners.events``: ``new_offer``
and ``edit`` for the fields both share, the channel rules, ``insert`` with
its integer id and ``idAtProvider`` guard) in one of pass Culture's product
categories. Its stock is the catalogue's thing stock (``thing-stock#<offer>``
guard, copies, integer id), written with ``dates.write_stocks``; a PATCH's
``stock.quantity`` is what is still available, as for dates; ``stock: null``
deletes it with ``retire_stock`` (its bookings not yet used cancelled and
refunded by the ``stock-bookings`` job). Lists read the provider's offers
index from ``firstIndex`` and their stocks by key (their thing guards, then
the stocks: two ``BatchGetItem``), never a Scan.
"""

from __future__ import annotations

from typing import Any

from passculture.errors import InvalidInput
from passculture.models.base import batch_get
from passculture.models.offers import Offer
from passculture.models.stocks import Stock
from passculture.models.uniques import Unique
from passculture.rules import partner_categories
from passculture.services.accounts.auth import Credentials
from passculture.services.partners import dates
from passculture.services.partners.bookings import Call, _open
from passculture.services.partners.events import (
    PartnerOffer,
    channel_of,
    edit,
    insert,
    list_own,
    new_offer,
    own_offer,
    refuse_nulls,
    view,
)
from passculture.services.partners.offers import granted_venue

PRODUCT_NOT_FOUND = "The product offer could not be found"


def _own(call: Call, product_id: str | int) -> Offer:
    return own_offer(call, product_id, event=False, field="product_id", message=PRODUCT_NOT_FOUND)


def _live_stock(offer: Offer) -> tuple[Stock | None, list[Stock]]:
    from passculture.services.catalogue.publication import live_stocks

    stocks = live_stocks(offer.id)
    return next((s for s in stocks if s.begins_at is None), None), stocks


def _thing_stock(offer: Offer, stock: Any) -> Stock:
    quantity = None if stock.quantity in (None, "unlimited") else stock.quantity
    return dates.new_stock(
        offer, begins_at=None, limit=stock.booking_limit_datetime, price_cents=stock.price, quantity=quantity
    )


def create_product(credentials: Credentials, body: Any, source_ip: str) -> tuple[PartnerOffer, Stock | None]:
    """``POST /public/offers/v1/products``: the product on a granted venue, with its stock when given."""
    from passculture.services.catalogue.venues import open_offerer

    call = _open("v1-products", credentials, "", source_ip)
    venue = granted_venue(call, body.location.venue_id, field="location.venueId")
    category = partner_categories.product_category(body.category_related_fields.category)
    if category is None:
        raise InvalidInput({"categoryRelatedFields.category": [partner_categories.UNKNOWN]})
    kind = partner_categories.PRODUCT_CATEGORIES[body.category_related_fields.category].location_type
    if kind.lower() != body.location.type:
        raise InvalidInput(
            {"categoryRelatedFields.category": [f"A product of this category is {kind.lower()}: its location too"]}
        )
    errors = channel_of(venue, body.location, category)
    if errors:
        raise InvalidInput(errors)
    offerer = open_offerer(venue.siren)
    offer = new_offer(venue, offerer.status, body, category)
    insert(call, offer, venue, body.image)
    stock = None
    if body.stock is not None:
        stock = _thing_stock(offer, body.stock)
        dates.write_stocks(offer, [stock], [], thing=True, venue=venue, offerer_status=offerer.status)
    return view(offer, stocks=[stock] if stock else []), stock


def get_product(credentials: Credentials, product_id: str, source_ip: str) -> tuple[PartnerOffer, Stock | None]:
    """``GET /public/offers/v1/products/{product_id}``."""
    call = _open("v1-product", credentials, "", source_ip)
    offer = _own(call, product_id)
    stock, stocks = _live_stock(offer)
    return view(offer, stocks=stocks), stock


def list_products(credentials: Credentials, query: Any, source_ip: str) -> list[tuple[PartnerOffer, Stock | None]]:
    """``GET /public/offers/v1/products?venueId=&idsAtProvider=``: by id from ``firstIndex``, with their stocks."""
    from passculture.services.booking.places import count_booked
    from passculture.services.catalogue.stocks import thing_guard_key

    call = _open("v1-products", credentials, "", source_ip)
    views = list_own(call, query, event=False)
    if not views:
        return []
    keys = {v.offer.id: thing_guard_key(v.offer.id) for v in views}
    guards = batch_get([(Unique, {"key": {"S": key}}) for key in keys.values()])[Unique]
    stock_of = {g.key: g.target for g in guards}
    wanted = sorted({stock_of[k] for k in keys.values() if k in stock_of})
    stocks = batch_get([(Stock, {"id": {"S": s}}) for s in wanted])[Stock] if wanted else []
    live = {s.id: s for s in count_booked([s for s in stocks if not s.is_deleted])}
    return [(v, live.get(stock_of.get(keys[v.offer.id], ""))) for v in views]


def update_product(credentials: Credentials, patch: Any, source_ip: str) -> tuple[PartnerOffer, Stock | None]:
    """``PATCH /public/offers/v1/products``: the fields sent on the product ``offerId`` names, then its stock."""
    from passculture.schemas.partner_events import PRODUCT_NOT_NULL

    call = _open("v1-product", credentials, "", source_ip)
    offer = _own(call, patch.offer_id)
    refuse_nulls(patch, PRODUCT_NOT_NULL)
    given = patch.model_fields_set
    stock, stocks = _live_stock(offer)
    if "stock" in given and patch.stock is not None and stock is None and patch.stock.price is None:
        raise InvalidInput({"stock.price": ["A new stock needs its price"]})
    edit(call, offer, patch, {})
    if "stock" in given:
        stock = _change_stock(call, offer, stock, stocks, patch.stock)
        stocks = [s for s in stocks if s.begins_at is not None] + ([stock] if stock is not None else [])
    return view(offer, stocks=stocks), stock


def _change_stock(call: Call, offer: Offer, stock: Stock | None, stocks: list[Stock], wanted: Any) -> Stock | None:
    """``stock: null`` deletes it; a stock creates one or changes the fields sent (quantity: what is left)."""
    if wanted is None:
        if stock is not None:
            dates.retire(call, offer, stock, field="stock")
        return None
    if stock is None:
        fields = wanted.model_fields_set
        new = dates.new_stock(
            offer,
            begins_at=None,
            limit=wanted.booking_limit_datetime,
            price_cents=wanted.price,
            quantity=None if "quantity" not in fields or wanted.quantity in (None, "unlimited") else wanted.quantity,
        )
        return dates.write_stocks(offer, [new], stocks, thing=True)[0]
    given = wanted.model_fields_set
    changes: dict[str, Any] = {}
    if "price" in given:
        if wanted.price is None:
            raise InvalidInput({"stock.price": ["This field cannot be null"]})
        changes["price_cents"] = wanted.price
    if "quantity" in given:
        changes["quantity"] = dates.total_of(stock, "unlimited" if wanted.quantity is None else wanted.quantity)
    if "booking_limit_datetime" in given:
        changes["booking_limit_at"] = wanted.booking_limit_datetime
    return dates.change(stock, offer, changes)

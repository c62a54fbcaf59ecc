"""Bench operations of the partners function: the partner API's token routes and list, with a provider key."""

from __future__ import annotations

from datetime import timedelta

from bench.registry import Operation, Request
from passculture.models.base import utcnow
from tests.factories import bearer, make_offer, make_offerer, make_stock, make_venue, make_young


def _scene():
    """A provider granted a venue whose event starts in 2 hours (so past its booker's period), booked once."""
    from passculture.services.accounts.auth import load_principal
    from passculture.services.booking.bookings import book
    from passculture.services.partners import ids
    from tests.api.partners_support import make_provider

    offerer = make_offerer()
    venue = make_venue(offerer)
    offer = make_offer(venue)
    stock = make_stock(offer, begins_at=utcnow() + timedelta(hours=2))
    provider = make_provider(venue)
    ids.ensure(offer, "offer")
    ids.ensure(stock, "stock")
    booking = book(load_principal(make_young().id), stock.id, 1).booking
    from passculture.models.venues import Venue

    return provider, booking, int(Venue.get(venue.id).public_id)


def check_token(api) -> Request:
    provider, booking, _ = _scene()
    return Request("GET", f"/public/bookings/v1/token/{booking.token}", headers=bearer(provider.key))


def use_token(api) -> Request:
    provider, booking, _ = _scene()
    return Request("PATCH", f"/public/bookings/v1/use/token/{booking.token}", headers=bearer(provider.key))


def unknown_token(api) -> Request:
    provider, _, _ = _scene()
    return Request("GET", "/public/bookings/v1/token/ZZZZZZ", headers=bearer(provider.key))


def list_by_venue(api) -> Request:
    provider, _, venue_id = _scene()
    return Request("GET", "/public/bookings/v1/bookings", query={"venueId": venue_id}, headers=bearer(provider.key))


def _venue_scene():
    """A provider granted one venue (with a SIRET) of a structure that already has its integer id."""
    from passculture.models.offerers import Offerer
    from passculture.services.partners import ids
    from tests.api.partners_support import make_provider

    offerer = make_offerer()
    venue = make_venue(offerer, siret=offerer.siren + "00017")
    provider = make_provider(venue)
    ids.ensure(Offerer.get(offerer.siren), "offerer")
    return provider, offerer, venue


def offerer_venues(api) -> Request:
    provider, offerer, _ = _venue_scene()
    return Request(
        "GET", "/public/offers/v1/offerer_venues", query={"siren": offerer.siren}, headers=bearer(provider.key)
    )


def venue_by_siret(api) -> Request:
    provider, _, venue = _venue_scene()
    return Request("GET", f"/public/offers/v1/venues/{venue.siret}", headers=bearer(provider.key))


def event_categories(api) -> Request:
    provider, _, _ = _venue_scene()
    return Request("GET", "/public/offers/v1/events/categories", headers=bearer(provider.key))


def _event_scene():
    """A provider granted one venue, with one event of its own there (two price categories)."""
    from passculture.models.venues import Venue
    from passculture.services.partners import events
    from tests.api.partners_support import make_provider

    offerer = make_offerer()
    venue = make_venue(offerer)
    provider = make_provider(venue)
    return provider, int(Venue.get(venue.id).public_id), events


def _event_body(venue_id: int) -> dict:
    from passculture.schemas.partner_events import AN_EVENT

    return {**AN_EVENT, "location": {"type": "physical", "venueId": venue_id}}


def _made_event(api, provider, venue_id: int) -> int:
    answer = api.send(
        Request("POST", "/public/offers/v1/events", headers=bearer(provider.key), json=_event_body(venue_id))
    )
    assert answer.status == 200, answer.body
    return int(answer.json()["id"])


def create_event(api) -> Request:
    provider, venue_id, _ = _event_scene()
    return Request("POST", "/public/offers/v1/events", headers=bearer(provider.key), json=_event_body(venue_id))


def get_event(api) -> Request:
    provider, venue_id, _ = _event_scene()
    event_id = _made_event(api, provider, venue_id)
    return Request("GET", f"/public/offers/v1/events/{event_id}", headers=bearer(provider.key))


def list_events(api) -> Request:
    provider, venue_id, _ = _event_scene()
    _made_event(api, provider, venue_id)
    return Request("GET", "/public/offers/v1/events", query={"venueId": venue_id}, headers=bearer(provider.key))


def patch_event(api) -> Request:
    provider, venue_id, _ = _event_scene()
    event_id = _made_event(api, provider, venue_id)
    return Request(
        "PATCH", f"/public/offers/v1/events/{event_id}", headers=bearer(provider.key), json={"name": "Tartuffe"}
    )


def _made_dates(api, provider, event_id: int, category_id: int, count: int = 1) -> list[int]:
    from datetime import UTC, datetime

    start = (datetime.now(UTC) + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    dates = [{"beginningDatetime": start, "priceCategoryId": category_id, "quantity": 20} for _ in range(count)]
    answer = api.send(
        Request(
            "POST", f"/public/offers/v1/events/{event_id}/dates", headers=bearer(provider.key), json={"dates": dates}
        )
    )
    assert answer.status == 200, answer.body
    return [int(d["id"]) for d in answer.json()["dates"]]


def _event_with_categories(api) -> tuple:
    provider, venue_id, _ = _event_scene()
    event_id = _made_event(api, provider, venue_id)
    answer = api.send(Request("GET", f"/public/offers/v1/events/{event_id}", headers=bearer(provider.key)))
    category_id = int(answer.json()["priceCategories"][0]["id"])
    return provider, event_id, category_id


def add_price_categories(api) -> Request:
    provider, event_id, _ = _event_with_categories(api)
    body = {"priceCategories": [{"label": "Fosse", "price": 2500}]}
    return Request(
        "POST", f"/public/offers/v1/events/{event_id}/price_categories", headers=bearer(provider.key), json=body
    )


def list_price_categories(api) -> Request:
    provider, event_id, _ = _event_with_categories(api)
    return Request("GET", f"/public/offers/v1/events/{event_id}/price_categories", headers=bearer(provider.key))


def patch_price_category(api) -> Request:
    provider, event_id, category_id = _event_with_categories(api)
    _made_dates(api, provider, event_id, category_id)
    return Request(
        "PATCH",
        f"/public/offers/v1/events/{event_id}/price_categories/{category_id}",
        headers=bearer(provider.key),
        json={"price": 3000},
    )


def add_dates(api) -> Request:
    from datetime import UTC, datetime

    provider, event_id, category_id = _event_with_categories(api)
    start = (datetime.now(UTC) + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {
        "dates": [{"beginningDatetime": start, "priceCategoryId": category_id, "quantity": 20, "idAtProvider": "d"}]
    }
    return Request("POST", f"/public/offers/v1/events/{event_id}/dates", headers=bearer(provider.key), json=body)


def list_dates(api) -> Request:
    provider, event_id, category_id = _event_with_categories(api)
    _made_dates(api, provider, event_id, category_id, count=3)
    return Request("GET", f"/public/offers/v1/events/{event_id}/dates", headers=bearer(provider.key))


def patch_date(api) -> Request:
    provider, event_id, category_id = _event_with_categories(api)
    [date_id] = _made_dates(api, provider, event_id, category_id)
    return Request(
        "PATCH",
        f"/public/offers/v1/events/{event_id}/dates/{date_id}",
        headers=bearer(provider.key),
        json={"quantity": 5},
    )


def delete_date(api) -> Request:
    provider, event_id, category_id = _event_with_categories(api)
    [date_id] = _made_dates(api, provider, event_id, category_id)
    return Request("DELETE", f"/public/offers/v1/events/{event_id}/dates/{date_id}", headers=bearer(provider.key))


def _product_body(venue_id: int) -> dict:
    from passculture.schemas.partner_events import A_PRODUCT

    return {**A_PRODUCT, "location": {"type": "physical", "venueId": venue_id}}


def _made_product(api, provider, venue_id: int, id_at_provider: str = "9782070612758") -> int:
    body = {**_product_body(venue_id), "idAtProvider": id_at_provider}
    answer = api.send(Request("POST", "/public/offers/v1/products", headers=bearer(provider.key), json=body))
    assert answer.status == 201, answer.body
    return int(answer.json()["id"])


def create_product(api) -> Request:
    provider, venue_id, _ = _event_scene()
    return Request("POST", "/public/offers/v1/products", headers=bearer(provider.key), json=_product_body(venue_id))


def get_product(api) -> Request:
    provider, venue_id, _ = _event_scene()
    product_id = _made_product(api, provider, venue_id)
    return Request("GET", f"/public/offers/v1/products/{product_id}", headers=bearer(provider.key))


def list_products(api) -> Request:
    provider, venue_id, _ = _event_scene()
    for n in range(3):
        _made_product(api, provider, venue_id, f"isbn-{n}")
    return Request("GET", "/public/offers/v1/products", query={"venueId": venue_id}, headers=bearer(provider.key))


def patch_product(api) -> Request:
    provider, venue_id, _ = _event_scene()
    product_id = _made_product(api, provider, venue_id)
    body = {"offerId": product_id, "stock": {"quantity": 5}}
    return Request("PATCH", "/public/offers/v1/products", headers=bearer(provider.key), json=body)


OPERATIONS = [
    # /public/offers/v1/events: the key's batch (and its minute) first, always. A creation looks the venue's
    # integer id up, reads the venue and its structure, then one transaction: the offer, its id's guard.
    Operation(
        "POST /public/offers/v1/events",
        create_event,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 1, "GetItem": 3, "TransactWriteItems": 1},
    ),
    # The id looked up, the offer read (its status from its feed summary: its dates are read only when
    # it is published but not bookable, to tell SOLD_OUT from EXPIRED).
    Operation(
        "GET /public/offers/v1/events/{event_id}",
        get_event,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 1, "GetItem": 2},
    ),
    # The venue's id looked up, one Query of the provider's offers by id (the sparse partner index).
    Operation(
        "GET /public/offers/v1/events?venueId=",
        list_events,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 1, "GetItem": 1, "Query": 1},
    ),
    # The event read as GET does, then one UpdateItem of the offer (its refresh reads its dates: a Query).
    Operation(
        "PATCH /public/offers/v1/events/{event_id}",
        patch_event,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 2, "GetItem": 3, "Query": 1},
    ),
    # Price categories and dates: the key's batch (and its minute), the event's id looked up and the event read
    # (2 GetItem), then the route's own. Adding categories: one conditional UpdateItem of the offer's list.
    Operation(
        "POST /public/offers/v1/events/{event_id}/price_categories",
        add_price_categories,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 2, "GetItem": 2},
    ),
    Operation(
        "GET /public/offers/v1/events/{event_id}/price_categories",
        list_price_categories,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 1, "GetItem": 2},
    ),
    # A new price: the list's UpdateItem, the dates of the category (a Query) moved in one transaction, the
    # offer refreshed (its structure's status read: a GetItem; one UpdateItem).
    Operation(
        "PATCH /public/offers/v1/events/{event_id}/price_categories/{id}",
        patch_price_category,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 3, "GetItem": 3, "Query": 1, "TransactWriteItems": 1},
    ),
    # The event's live dates (a Query: the 2,500 rule and idAtProvider), its venue for the copies, one
    # transaction (the date, its id's guard, its idAtProvider's guard), the offer refreshed.
    Operation(
        "POST /public/offers/v1/events/{event_id}/dates (one)",
        add_dates,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 2, "GetItem": 4, "Query": 1, "TransactWriteItems": 1},
    ),
    # One Query of the event's dates, however many.
    Operation(
        "GET /public/offers/v1/events/{event_id}/dates (three)",
        list_dates,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 1, "GetItem": 2, "Query": 1},
    ),
    # The date's id looked up and the date read, then change_stock: one conditional UpdateItem, the offer
    # refreshed (its dates: a Query; its structure's status: a GetItem).
    Operation(
        "PATCH /public/offers/v1/events/{event_id}/dates/{stock_id}",
        patch_date,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 2, "GetItem": 5, "Query": 1},
    ),
    # retire_stock: the deletion (UpdateItem), the cancellations' job started, the offer refreshed.
    Operation(
        "DELETE /public/offers/v1/events/{event_id}/dates/{stock_id}",
        delete_date,
        expect_status=204,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 3, "GetItem": 5, "Query": 1},
    ),
    # The venue's id looked up, the venue and its structure read; one transaction for the offer (its id's and
    # idAtProvider's guards), one for its stock (its id's guard, the thing guard); the offer refreshed.
    Operation(
        "POST /public/offers/v1/products",
        create_product,
        expect_status=201,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 2, "GetItem": 3, "TransactWriteItems": 2},
    ),
    # The product's id looked up and the product read; its stock by a Query of its stocks.
    Operation(
        "GET /public/offers/v1/products/{product_id}",
        get_product,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 1, "GetItem": 2, "Query": 1},
    ),
    # One Query of the provider's offers; their stocks by key (their thing guards, then the stocks: two
    # BatchGetItem whatever the number of products).
    Operation(
        "GET /public/offers/v1/products?venueId= (three)",
        list_products,
        expect_calls={"BatchGetItem": 3, "UpdateItem": 1, "GetItem": 1, "Query": 1},
    ),
    # The product and its stock read (a Query), then change_stock (one UpdateItem; the refresh's Query).
    Operation(
        "PATCH /public/offers/v1/products (stock quantity)",
        patch_product,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 2, "GetItem": 3, "Query": 2},
    ),
    # /public/offers/v1: the key's batch (and its minute), then the provider's granted venues with their grants
    # in one BatchGetItem, their structures in another; never a Scan.
    Operation(
        "GET /public/offers/v1/offerer_venues?siren=",
        offerer_venues,
        expect_calls={"BatchGetItem": 3, "UpdateItem": 1},
    ),
    Operation(
        "GET /public/offers/v1/venues/{siret}",
        venue_by_siret,
        expect_calls={"BatchGetItem": 3, "UpdateItem": 1},
    ),
    # The table is in the code: the key's batch and its minute only.
    Operation(
        "GET /public/offers/v1/events/categories",
        event_categories,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 1},
    ),
    # The key, its provider (with its grants), the booking and the failure counters in one
    # BatchGetItem; beside it, the key's request of the minute is counted (one UpdateItem).
    Operation(
        "GET /public/bookings/v1/token/{token}",
        check_token,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 1},
    ),
    # The same read, then one conditional UpdateItem (status = booked).
    Operation(
        "PATCH /public/bookings/v1/use/token/{token}",
        use_token,
        expect_status=204,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 2},
    ),
    # A miss also counts against the key and the source address.
    Operation(
        "GET /public/bookings/v1/token/{token} unknown",
        unknown_token,
        expect_status=404,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 3},
    ),
    # The batch, the venue's integer id looked up, one Query of the venue's bookings by id.
    Operation(
        "GET /public/bookings/v1/bookings?venueId=",
        list_by_venue,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 1, "GetItem": 1, "Query": 1},
    ),
]

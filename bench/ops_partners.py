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

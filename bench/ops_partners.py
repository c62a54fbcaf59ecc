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


OPERATIONS = [
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

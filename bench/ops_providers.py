"""Bench operations of the partners function's ``/public/providers/v1`` routes (a provider's URLs)."""

from __future__ import annotations

from bench.registry import Operation, Request
from tests.factories import bearer, make_offerer, make_venue


def _scene():
    """A provider granted one venue; (its helper, the venue's integer id)."""
    from passculture.models.venues import Venue
    from tests.api.partners_support import make_provider

    venue = make_venue(make_offerer())
    provider = make_provider(venue)
    return provider, int(Venue.get(venue.id).public_id)


def get_provider(api) -> Request:
    provider, _ = _scene()
    return Request("GET", "/public/providers/v1/provider", headers=bearer(provider.key))


def patch_provider(api) -> Request:
    provider, _ = _scene()
    body = {"notificationUrl": "https://partner.example.org/notify"}
    return Request("PATCH", "/public/providers/v1/provider", json=body, headers=bearer(provider.key))


def patch_venue(api) -> Request:
    provider, venue_id = _scene()
    body = {"bookingUrl": "https://partner.example.org/book", "cancelUrl": "https://partner.example.org/cancel"}
    return Request("PATCH", f"/public/providers/v1/venues/{venue_id}", json=body, headers=bearer(provider.key))


OPERATIONS = [
    # The key and its provider in one BatchGetItem (the booking-less batch of /public/bookings/v1),
    # the key's minute counted beside it.
    Operation("GET /public/providers/v1/provider", get_provider, expect_calls={"BatchGetItem": 1, "UpdateItem": 1}),
    # Then one conditional UpdateItem of the provider.
    Operation("PATCH /public/providers/v1/provider", patch_provider, expect_calls={"BatchGetItem": 1, "UpdateItem": 2}),
    # The venue's integer id looked up (its uniques item), then one conditional UpdateItem of the grant.
    Operation(
        "PATCH /public/providers/v1/venues/{venue_id}",
        patch_venue,
        expect_status=204,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 2, "GetItem": 1},
    ),
]

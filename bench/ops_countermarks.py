"""Bench operations of the countermarks function: the v2 API with an API key, the pro list."""

from __future__ import annotations

from datetime import timedelta

from bench.registry import Operation, Request
from passculture.models.base import utcnow
from tests.factories import (
    auth,
    bearer,
    make_api_key,
    make_booking,
    make_member,
    make_offer,
    make_offerer,
    make_stock,
    make_venue,
    make_young,
)


def _booking(begins_in: timedelta = timedelta(hours=2)):
    offerer = make_offerer()
    venue = make_venue(offerer)
    offer = make_offer(venue)
    stock = make_stock(offer, begins_at=utcnow() + begins_in)
    booking = make_booking(
        stock,
        offer,
        venue,
        make_young(),
        venue_name=venue.name,
        venue_address=venue.address,
        venue_department_code=venue.department_code,
        user_date_of_birth="2008-01-01",
    )
    key, key_item = make_api_key(offerer)
    # The key was used within the hour: no last-used write on the measured call.
    key_item.update(actions=[key_item.__class__.last_used_at.set(utcnow())])
    return offerer, booking, key


def check_with_key(api) -> Request:
    _, booking, key = _booking()
    return Request("GET", f"/v2/bookings/token/{booking.token}", headers=bearer(key))


def use_with_key(api) -> Request:
    _, booking, key = _booking()
    return Request("PATCH", f"/v2/bookings/use/token/{booking.token}", headers=bearer(key))


def unknown_token_with_key(api) -> Request:
    _, _, key = _booking()
    return Request("GET", "/v2/bookings/token/ZZZZZZ", headers=bearer(key))


def pro_transactions(api) -> Request:
    offerer, _, _ = _booking()
    return Request("GET", "/bookings/pro", query={"siren": offerer.siren}, headers=auth(make_member(offerer)))


OPERATIONS = [
    # The key, the booking and the failure counters (caller, source, the key's structure) in one
    # BatchGetItem across tables; beside it, in a thread, the key's request of the minute is counted
    # (one UpdateItem: the per-key limit, 200 a minute).
    Operation(
        "GET /v2/bookings/token/{token} (API key)",
        check_with_key,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 1},
    ),
    # The same, then one conditional UpdateItem (status = booked).
    Operation(
        "PATCH /v2/bookings/use/token/{token} (API key)",
        use_with_key,
        expect_status=204,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 2},
    ),
    # A failure also counts against the caller, the source address and the caller's structure.
    Operation(
        "GET /v2/bookings/token/{token} unknown (API key)",
        unknown_token_with_key,
        expect_status=404,
        expect_calls={"BatchGetItem": 1, "UpdateItem": 4},
    ),
    Operation("GET /bookings/pro?siren=", pro_transactions, expect_calls={"BatchGetItem": 1, "Query": 1}),
]

"""Bench operations of the offers function: venues, offers, dates, lists."""

from __future__ import annotations

from datetime import timedelta

from bench.registry import Operation, Request
from passculture.models.base import utcnow
from tests.factories import auth, make_member, make_offer, make_offerer, make_stock, make_venue


def _scene():
    offerer = make_offerer()
    return offerer, make_member(offerer), make_venue(offerer)


def create_venue(api) -> Request:
    offerer, admin, _ = _scene()
    body = {
        "name": "Salle des fêtes",
        "address": "1 place de la Mairie",
        "postalCode": "20200",
        "city": "Bastia",
        "latitude": 42.7,
        "longitude": 9.45,
        "bookingEmail": "salle@example.org",
    }
    return Request("POST", f"/offerers/{offerer.siren}/venues", json=body, headers=auth(admin))


def create_offer(api) -> Request:
    _, admin, venue = _scene()
    body = {"venueId": venue.id, "name": "Le Misanthrope", "category": "LIVE_SHOW"}
    return Request("POST", "/offers", json=body, headers=auth(admin))


def ten_dates(api) -> Request:
    _, admin, venue = _scene()
    offer = make_offer(venue, status="draft")
    start = utcnow().replace(microsecond=0) + timedelta(days=30)
    dates = [
        {"beginsAt": (start + timedelta(days=n)).isoformat(), "priceCents": 1000, "quantity": 50} for n in range(10)
    ]
    return Request("POST", f"/offers/{offer.id}/stocks", json={"stocks": dates}, headers=auth(admin))


def structure_offers(api) -> Request:
    offerer, admin, venue = _scene()
    for _ in range(5):
        make_offer(venue)
    return Request("GET", "/offers", query={"siren": offerer.siren}, headers=auth(admin))


def one_offer(api) -> Request:
    _, admin, venue = _scene()
    offer = make_offer(venue)
    for _ in range(3):
        make_stock(offer)
    return Request("GET", f"/offers/{offer.id}", headers=auth(admin))


OPERATIONS = [
    # The caller, the membership, the structure; the SIRET-less venue and its structure check in one transaction.
    Operation(
        "POST /offerers/{siren}/venues",
        create_venue,
        expect_status=201,
        expect_calls={"GetItem": 3, "TransactWriteItems": 1},
    ),
    # The caller, the venue, the membership, the structure's status; one conditional put.
    Operation("POST /offers", create_offer, expect_status=201, expect_calls={"GetItem": 4, "PutItem": 1}),
    # Ten dates are one TransactWriteItems (all or none), not ten round trips; the offer's stocks are
    # read once (Query), and its new status written once; the venue is read for the stocks' copy of it.
    Operation(
        "POST /offers/{id}/stocks with ten dates",
        ten_dates,
        expect_status=201,
        expect_calls={"GetItem": 5, "Query": 1, "TransactWriteItems": 1, "UpdateItem": 1},
    ),
    # One Query on the offers' siren index, after the caller and the membership.
    Operation("GET /offers?siren= (5 offers)", structure_offers, expect_calls={"BatchGetItem": 1, "Query": 1}),
    # The caller, the offer, the membership; its stocks by the offer index.
    Operation("GET /offers/{id} with 3 dates", one_offer, expect_calls={"GetItem": 3, "Query": 1}),
]

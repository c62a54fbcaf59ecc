"""Bench operations of a department's referents: their offers, a decision, programmes.

A decision is one UpdateItem after reading the offer; the department's offers
are one Query of the offers' department index and one BatchGetItem of the
decisions on that page; the programmes and their sharded spent counters are one Query.
"""

from __future__ import annotations

from datetime import timedelta

from bench.registry import Operation, Request
from passculture.models.base import utcnow
from tests.factories import auth, make_offer, make_offerer, make_user, make_venue

LYON = {"postal_code": "69001", "city": "Lyon", "department_code": "69", "latitude": 45.7676, "longitude": 4.827}


def _referent():
    return make_user({"territory:69"})


def _programme(starts_in_days: float = 5) -> dict:
    now = utcnow()
    return {
        "label": "30 € de la Métropole",
        "amountCents": 3_000,
        "perimeter": {"categories": ["BOOK"]},
        "startsAt": (now + timedelta(days=starts_in_days)).isoformat(),
        "endsAt": (now + timedelta(days=100)).isoformat(),
    }


def territory_offers(api) -> Request:
    venue = make_venue(make_offerer(), **LYON)
    for _ in range(3):
        make_offer(venue)
    return Request("GET", "/territories/69/offers", headers=auth(_referent()))


def decide(api) -> Request:
    offer = make_offer(make_venue(make_offerer(), **LYON))
    body = {"localValidation": "validated", "highlighted": True}
    return Request("PATCH", f"/territories/69/offers/{offer.id}", json=body, headers=auth(_referent()))


def create_future_programme(api) -> Request:
    return Request("POST", "/territories/69/credits", json=_programme(), headers=auth(_referent()))


def list_programmes(api) -> Request:
    referent = _referent()
    for _ in range(2):
        assert api.send(create_future_programme(api)).status == 201
    return Request("GET", "/territories/69/credits", headers=auth(referent))


def offerers_while_off(api) -> Request:
    return Request("GET", "/territories/69/offerers", headers=auth(_referent()))


OPERATIONS = [
    Operation(
        "GET /territories/{department}/offers", territory_offers, 200, {"GetItem": 1, "Query": 1, "BatchGetItem": 1}
    ),
    Operation("PATCH /territories/{department}/offers/{offerId}", decide, 200, {"GetItem": 2, "UpdateItem": 1}),
    # A programme starting later: its grant waits for the schedule (no job, no user read).
    Operation(
        "POST /territories/{department}/credits (future)", create_future_programme, 201, {"GetItem": 1, "PutItem": 1}
    ),
    Operation("GET /territories/{department}/credits", list_programmes, 200, {"GetItem": 1, "Query": 1}),
    # TERRITORY_VALIDATES_STRUCTURES off: refused before any read but the caller's.
    Operation("GET /territories/{department}/offerers (setting off)", offerers_while_off, 403, {"GetItem": 1}),
]

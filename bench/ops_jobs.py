"""Bench operations whose work grows with a structure's size: the request's own part, the rest being a job.

Validating a structure and deleting a stock cost the same whatever the number
of offers or bookings: their pages run in the offers function's background job
(``services.jobs``), measured by ``bench/jobs.py``.
"""

from __future__ import annotations

from bench.registry import Operation, Request
from tests.factories import (
    auth,
    make_booking,
    make_member,
    make_offer,
    make_offerer,
    make_stock,
    make_team_user,
    make_venue,
    make_young,
)


def validate_structure(api) -> Request:
    offerer = make_offerer(status="pending")
    make_member(offerer)
    venue = make_venue(offerer)
    for _ in range(20):
        make_stock(make_offer(venue, status="pending"))
    team = make_team_user()
    return Request("PATCH", f"/admin/offerers/{offerer.siren}", json={"status": "validated"}, headers=auth(team))


def delete_booked_stock(api) -> Request:
    offerer = make_offerer()
    admin = make_member(offerer)
    venue = make_venue(offerer)
    offer = make_offer(venue)
    stock = make_stock(offer, quantity=None)
    for _ in range(20):
        make_booking(stock, offer, venue, make_young())
    return Request("DELETE", f"/stocks/{stock.id}", headers=auth(admin))


OPERATIONS = [
    # The team member; the structure read, its status written; its admins for the email. No offer is read.
    Operation(
        "PATCH /admin/offerers/{siren} 20 offers",
        validate_structure,
        expect_calls={"GetItem": 2, "UpdateItem": 1, "Query": 1, "BatchGetItem": 1},
    ),
    # The caller, the stock and its offer; the deletion; the offer's other dates and its refresh. No booking is read.
    Operation(
        "DELETE /stocks/{id} 20 bookings",
        delete_booked_stock,
        expect_status=204,
        expect_calls={"GetItem": 5, "UpdateItem": 2, "Query": 1},
    ),
]

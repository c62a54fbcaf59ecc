"""Rules that must hold when two callers act at once, on a real moto server with real threads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from functions.countermarks.routes import make_blueprint
from passculture.models.base import utcnow
from passculture.models.bookings import Booking
from passculture.services.accounts.auth import load_principal
from passculture.services.countermarks import v2 as countermarks
from passculture.web import create_app
from passculture.web.entry import make_handler
from tests.api.countermarks_support import invoke, v2_event
from tests.factories import (
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

pytestmark = pytest.mark.timeout(120)


def cashier() -> object:
    """One Lambda container: its own app (a Chalice app serves one request at a time)."""
    return make_handler(create_app("countermarks", make_blueprint))


def test_two_cashiers_validating_one_code_get_one_204_and_one_410(moto_server, monkeypatch):
    offerer = make_offerer()
    venue = make_venue(offerer)
    offer = make_offer(venue)
    booking = make_booking(make_stock(offer, begins_at=utcnow() + timedelta(hours=2)), offer, venue, make_young())
    key, key_item = make_api_key(offerer)
    countermarks.batch_get([(Booking, {"token": {"S": booking.token}})])  # clients created before the threads

    # Both have read the booking as "booked" before either writes: the worst interleaving.
    both_read = threading.Barrier(2, timeout=20)
    original = countermarks.batch_get

    def read_then_wait(wanted):
        found = original(wanted)
        both_read.wait()
        return found

    monkeypatch.setattr(countermarks, "batch_get", read_then_wait)
    handlers = [cashier(), cashier()]
    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(
                lambda n: invoke(handlers[n], v2_event("use", booking.token, bearer(key), f"192.0.2.{n}")),
                range(2),
            )
        )
    assert sorted(status for status, _, _ in results) == [204, 410]
    refused = next(body for status, body, _ in results if status == 410)
    stored = Booking.get(booking.token, consistent_read=True)
    assert refused == {"booking": ["Cette réservation a déjà été validée"], "usedAt": [stored.used_at.isoformat()]}
    assert (stored.status, stored.used_by) == ("used", f"key:{key_item.prefix}")


def test_concurrent_key_creations_never_pass_the_limit(moto_server):
    from passculture.errors import Conflict
    from passculture.services.countermarks.api_keys import create_api_key, list_api_keys

    offerer = make_offerer()
    principal = load_principal(make_member(offerer).id)

    def create(_):
        try:
            return create_api_key(principal, offerer.siren).prefix
        except Conflict:
            return None

    with ThreadPoolExecutor(8) as pool:
        created = [prefix for prefix in pool.map(create, range(8)) if prefix]
    assert len(created) == 5
    assert sorted(k.prefix for k in list_api_keys(principal, offerer.siren)) == sorted(created)

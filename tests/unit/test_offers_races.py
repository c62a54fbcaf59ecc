"""The rules that must hold under concurrency are decided by DynamoDB conditions, not by the reads before them.

Each test lets the read see the world as it was, changes the world behind its
back (what a concurrent request would do), and checks the write still refuses.
"""

from __future__ import annotations

import pytest

import passculture.services.catalogue.stocks as stocks_service
from passculture.errors import Conflict
from passculture.models.base import utcnow
from passculture.models.stocks import Stock
from passculture.models.uniques import Unique
from passculture.models.venues import Venue
from passculture.schemas.stocks import StockIn, StockPatch
from passculture.schemas.venues import VenueIn
from passculture.services.accounts.auth import load_principal
from passculture.services.catalogue.stocks import create_stocks, thing_guard_key, update_stock
from passculture.services.catalogue.venues import create_venue, virtual_guard_key
from tests.factories import luhn_complete, make_member, make_offer, make_offerer, make_stock, make_venue


def test_a_siret_taken_meanwhile_is_a_conflict(aws):
    offerer = make_offerer()
    principal = load_principal(make_member(offerer).id)
    siret = luhn_complete(offerer.siren + "0001")
    Unique(f"siret#{siret}", target="another-venue", created_at=utcnow()).save()
    body = VenueIn(
        name="Salle",
        siret=siret,
        address="1 rue",
        postal_code="75001",
        city="Paris",
        latitude=48.86,
        longitude=2.34,
        booking_email="salle@example.org",
    )
    with pytest.raises(Conflict) as err:
        create_venue(principal, offerer.siren, body)
    assert "siret" in err.value.errors
    assert list(Venue.siren_index.query(offerer.siren)) == []


def test_a_virtual_venue_created_meanwhile_is_a_conflict(aws):
    offerer = make_offerer()
    principal = load_principal(make_member(offerer).id)
    # The read finds no virtual venue; a concurrent request has already written its guard.
    Unique(virtual_guard_key(offerer.siren), target="the-other-one", created_at=utcnow()).save()
    with pytest.raises(Conflict):
        create_venue(principal, offerer.siren, VenueIn(name="Numérique", is_virtual=True))
    assert list(Venue.siren_index.query(offerer.siren)) == []


def test_a_things_stock_created_meanwhile_is_a_conflict(aws):
    offerer = make_offerer()
    principal = load_principal(make_member(offerer).id)
    offer = make_offer(make_venue(offerer), category="BOOK")
    Unique(thing_guard_key(offer.id), target="the-other-stock", created_at=utcnow()).save()
    with pytest.raises(Conflict):
        create_stocks(principal, offer.id, [StockIn(price_cents=500)])
    assert list(Stock.offer_index.query(offer.id)) == []


def test_places_booked_meanwhile_still_stop_a_lower_quantity(aws, monkeypatch):
    offerer = make_offerer()
    principal = load_principal(make_member(offerer).id)
    stock = make_stock(make_offer(make_venue(offerer)), quantity=10, booked=2)
    read = stocks_service.stock_for

    def read_then_book(principal, stock_id):
        seen = read(principal, stock_id)
        Stock(stock_id).update(actions=[Stock.booked.add(3)])  # bookings landing after the read
        return seen

    monkeypatch.setattr(stocks_service, "stock_for", read_then_book)
    with pytest.raises(Conflict) as err:
        update_stock(principal, stock.id, StockPatch(quantity=4))
    assert "5 places" in err.value.errors["quantity"][0]
    assert Stock.get(stock.id).quantity == 10

"""A date's exact edges: bookable until the instant it starts or closes, and its last place, to the step.

The booking's clock (``bookings.utcnow``) is set to the edge itself and to one
microsecond before it; the last place of a one-place date is taken from a stock
that nobody booked yet (``booked`` 0, as the portal and imports write it).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from passculture.errors import Conflict
from passculture.models.base import utcnow
from passculture.models.stocks import Stock
from passculture.services.accounts.auth import Principal
from passculture.services.booking import bookings
from tests.factories import make_offer, make_offerer, make_stock, make_venue, make_young, publish

JUST_BEFORE = timedelta(microseconds=1)


def booker(young):
    return Principal(user=young, roles=frozenset(young.roles))


@pytest.fixture
def venue(aws):
    return make_venue(make_offerer())


def date_of(venue, *, is_duo=False, **stock):
    offer = make_offer(venue, is_duo=is_duo)
    made = make_stock(offer, **stock)
    publish(offer)
    return made


def at(monkeypatch, instant):
    monkeypatch.setattr(bookings, "utcnow", lambda: instant)


def test_an_event_is_bookable_until_its_start_and_not_at_it(venue, monkeypatch):
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    stock = date_of(venue, begins_at=start)
    at(monkeypatch, start)
    with pytest.raises(Conflict, match="already taken place"):
        bookings.book(booker(make_young()), stock.id, 1)
    at(monkeypatch, start - JUST_BEFORE)
    assert bookings.book(booker(make_young()), stock.id, 1).created


def test_bookings_close_at_the_limit_itself(venue, monkeypatch):
    limit = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    stock = date_of(venue, begins_at=limit + timedelta(days=1), booking_limit_at=limit)
    at(monkeypatch, limit)
    with pytest.raises(Conflict, match="closed"):
        bookings.book(booker(make_young()), stock.id, 1)
    at(monkeypatch, limit - JUST_BEFORE)
    assert bookings.book(booker(make_young()), stock.id, 1).created


def test_the_only_place_of_a_date_nobody_booked_books_once(venue):
    stock = date_of(venue, quantity=1, booked=0)
    assert bookings.book(booker(make_young()), stock.id, 1).created
    with pytest.raises(Conflict, match="Sold out"):
        bookings.book(booker(make_young()), stock.id, 1)
    assert Stock.get(stock.id, consistent_read=True).booked == 1


def test_a_duo_on_the_only_place_of_a_date_is_told_one_place_is_left(venue):
    stock = date_of(venue, is_duo=True, quantity=1, booked=0)
    with pytest.raises(Conflict) as refused:
        bookings.book(booker(make_young()), stock.id, 2)
    assert refused.value.errors == {"quantity": ["Only 1 place left"]}
    assert Stock.get(stock.id, consistent_read=True).booked == 0

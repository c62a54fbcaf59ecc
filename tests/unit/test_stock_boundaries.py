"""A date's exact edges: bookable until it starts or closes, its last place, cancellable until its deadline.

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


def test_a_booking_can_be_cancelled_until_its_deadline_and_not_at_it(venue, monkeypatch):
    from passculture.config import get_settings

    start = (utcnow() + timedelta(days=5)).replace(microsecond=0)
    deadline = start - timedelta(hours=get_settings().cancellation_deadline_hours)
    stock = date_of(venue, begins_at=start)
    late, early = booker(make_young()), booker(make_young())
    late_token = bookings.book(late, stock.id, 1).booking.token
    early_token = bookings.book(early, stock.id, 1).booking.token
    at(monkeypatch, deadline)
    with pytest.raises(Conflict, match="can be cancelled until"):
        bookings.cancel_my_booking(late, late_token)
    at(monkeypatch, deadline - JUST_BEFORE)
    assert bookings.cancel_my_booking(early, early_token).booking.status == "cancelled"
    assert Stock.get(stock.id, consistent_read=True).booked == 1


def test_a_date_opens_to_bookings_at_its_opening_itself(venue, monkeypatch):
    opens = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    offer = make_offer(venue, booking_opens_at=opens)  # a partner's bookingAllowedDatetime
    stock = make_stock(offer, begins_at=opens + timedelta(days=5))
    publish(offer)  # copies the opening onto its dates
    assert Stock.get(stock.id).bookable_from == opens
    at(monkeypatch, opens - JUST_BEFORE)
    with pytest.raises(Conflict, match="open at"):
        bookings.book(booker(make_young()), stock.id, 1)
    at(monkeypatch, opens)
    assert bookings.book(booker(make_young()), stock.id, 1).created


def test_a_booking_paid_by_a_local_credit_counts_in_its_programmes_spent_total_at_once(venue):
    from passculture.models.territories import TerritoryItem
    from tests.factories import make_local_credit

    young = make_young()
    make_local_credit(young, amount_cents=3_000, programme="region-livres", perimeter={"categories": ["LIVE_SHOW"]})
    stock = date_of(venue, begins_at=utcnow() + timedelta(days=9), price_cents=1_200)
    result = bookings.book(booker(young), stock.id, 1)
    assert result.booking.debits.as_dict() == {"local#region-livres": 1_200}
    counters = TerritoryItem.query(young.department_code, TerritoryItem.id.startswith("credit#region-livres#spent#"))
    assert sum(int(item.spent_cents or 0) for item in counters) == 1_200

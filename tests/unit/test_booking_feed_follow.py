"""When a booking or a refusal makes the feed look at its date again (``refresh_if_places_changed``).

A booking that leaves 5 places or fewer (``NEARLY_FULL``) may have taken the last ones: its offer's feed
entry is checked. One that leaves more, or an unlimited date, costs nothing more. A sharded date is checked
when a booking found a shard empty.
"""

from __future__ import annotations

import pytest

from passculture.errors import Conflict
from passculture.services.accounts.auth import Principal
from passculture.services.booking import bookings
from tests.factories import make_offer, make_offerer, make_stock, make_venue, make_young, publish


@pytest.fixture
def looked_at(aws, monkeypatch):
    """The stocks whose feed entry a booking asked to check, in order."""
    seen: list[str] = []
    monkeypatch.setattr(bookings, "refresh_if_places_changed", lambda offer_id, stock_id, **_: seen.append(stock_id))
    return seen


def book_one(stock):
    young = make_young()
    return bookings.book(Principal(user=young, roles=frozenset(young.roles)), stock.id, 1)


def published_stock(**fields):
    offer = make_offer(make_venue(make_offerer()))
    stock = make_stock(offer, price_cents=0, **fields)
    publish(offer)
    return stock


@pytest.mark.parametrize(
    ("quantity", "booked", "checked"),
    [(6, 0, True), (7, 1, True), (7, 0, False), (40, 3, False), (None, 0, False)],
)
def test_a_booking_checks_the_feed_when_it_leaves_five_places_or_fewer(looked_at, quantity, booked, checked):
    stock = published_stock(quantity=quantity, booked=booked)
    book_one(stock)
    assert looked_at == ([stock.id] if checked else [])


def test_a_sharded_date_is_checked_once_a_booking_finds_a_shard_empty(looked_at):
    stock = published_stock(quantity=2, shards=2)
    book_one(stock)
    book_one(stock)
    before = looked_at.count(stock.id)
    assert before <= 1  # the second booking may have met the first one's empty shard
    with pytest.raises(Conflict):
        book_one(stock)
    assert looked_at.count(stock.id) == before + 1  # the refused booker tells the feed the date is full


def test_a_sold_out_unsharded_date_refuses_without_checking_the_feed_again(looked_at):
    stock = published_stock(quantity=1, booked=1)
    with pytest.raises(Conflict):
        book_one(stock)
    assert looked_at == []

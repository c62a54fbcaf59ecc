"""Exact amounts: a user with exactly the price left (balance, physical cap, digital cap) books; one cent less does not.

Each case twice: with the amount left as the booking reads it (the plan
refuses), and with the amount left by the user's other booking landing between
the booking's read and its transaction (``tests.windows``: only the wallet's
condition can refuse). Moving any of those comparisons by one step fails a test.
"""

from __future__ import annotations

from functools import partial

import pytest

from passculture.errors import Conflict
from passculture.models.bookings import Booking
from passculture.models.stocks import Stock
from passculture.models.wallets import Wallet
from passculture.services.accounts.auth import Principal
from passculture.services.booking.bookings import book
from tests.factories import make_offer, make_offerer, make_stock, make_venue, make_young, publish
from tests.windows import before_next_commit

# What limits the booking: the user's credit, and how a stock of that kind is made.
KINDS = {
    # Events count against no cap: the balance is the limit.
    "balance": {"credit": 5_000, "virtual": False, "event": True},
    "physical cap": {"credit": 50_000, "virtual": False, "event": False},
    "digital cap": {"credit": 50_000, "virtual": True, "event": False},
}
# What the user may spend on that kind of offer.
ROOM = {"balance": 5_000, "physical cap": 20_000, "digital cap": 20_000}


def booker(young):
    return Principal(user=young, roles=frozenset(young.roles))


def stock_of(kind, price, venue):
    spec = KINDS[kind]
    category = "LIVE_SHOW" if spec["event"] else ("AUDIOVISUAL" if spec["virtual"] else "BOOK")
    offer = make_offer(venue, category=category)
    stock = make_stock(offer, price_cents=price, quantity=None, event=spec["event"])
    publish(offer)
    return stock


@pytest.fixture
def scene(aws):
    """A young user and, per kind, a venue to make stocks in: ``(young, venue_of(kind))``."""
    offerer = make_offerer()
    venues = {False: make_venue(offerer), True: make_venue(offerer, virtual=True)}

    def make(kind):
        young = make_young(credit_cents=KINDS[kind]["credit"])
        return young, venues[KINDS[kind]["virtual"]]

    return make


def national(young):
    return Wallet.get(young.id, "national", consistent_read=True)


def spent_on(kind, wallet):
    if kind == "balance":
        return int(wallet.initial_cents) - int(wallet.balance_cents)
    return int(wallet.digital_spent_cents if kind == "digital cap" else wallet.physical_spent_cents)


@pytest.mark.parametrize("kind", list(KINDS))
def test_exactly_what_is_left_books(scene, kind):
    young, venue = scene(kind)
    first = book(booker(young), stock_of(kind, ROOM[kind] - 1_234, venue).id, 1)
    stock = stock_of(kind, 1_234, venue)

    result = book(booker(young), stock.id, 1)

    assert result.created and first.created
    assert result.booking.amount_cents == 1_234
    assert spent_on(kind, national(young)) == ROOM[kind]
    # Only its own cap counts it: an event counts against neither.
    untouched = {"physical cap", "digital cap"} - {kind}
    assert {other: spent_on(other, national(young)) for other in untouched} == dict.fromkeys(untouched, 0)
    assert Stock.get(stock.id, consistent_read=True).booked == 1


@pytest.mark.parametrize("kind", list(KINDS))
def test_one_cent_more_than_what_is_left_is_refused(scene, kind):
    young, venue = scene(kind)
    book(booker(young), stock_of(kind, ROOM[kind] - 1_234, venue).id, 1)
    stock = stock_of(kind, 1_235, venue)

    with pytest.raises(Conflict) as err:
        book(booker(young), stock.id, 1)

    (message,) = err.value.errors["global"]
    assert message.startswith("Not enough credit")
    assert ("12,34" in message) and ("12,35" in message)
    assert spent_on(kind, national(young)) == ROOM[kind] - 1_234
    assert list(Booking.stock_index.query(stock.id)) == []
    assert Stock.get(stock.id, consistent_read=True).booked == 0


@pytest.mark.parametrize("kind", list(KINDS))
def test_exactly_what_another_booking_left_meanwhile_books(scene, kind, monkeypatch):
    young, venue = scene(kind)
    stock = stock_of(kind, 1_234, venue)
    other = stock_of(kind, ROOM[kind] - 1_234, venue)

    with before_next_commit(monkeypatch, partial(book, booker(young), other.id, 1)) as ran:
        result = book(booker(young), stock.id, 1)

    assert ran and ran[0].created
    assert result.created
    assert spent_on(kind, national(young)) == ROOM[kind]


@pytest.mark.parametrize("kind", list(KINDS))
def test_one_cent_less_than_the_price_left_meanwhile_is_refused(scene, kind, monkeypatch):
    young, venue = scene(kind)
    stock = stock_of(kind, 1_234, venue)
    other = stock_of(kind, ROOM[kind] - 1_233, venue)

    other_booking = partial(book, booker(young), other.id, 1)
    with before_next_commit(monkeypatch, other_booking) as ran, pytest.raises(Conflict) as err:
        book(booker(young), stock.id, 1)

    assert ran and ran[0].created
    assert err.value.errors["global"][0].startswith("Not enough credit")
    assert spent_on(kind, national(young)) == ROOM[kind] - 1_233
    assert list(Booking.stock_index.query(stock.id)) == []

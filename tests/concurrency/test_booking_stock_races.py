"""A pro edits the stock between the booking's read and its transaction: each part of the stock condition holds.

On moto's server twin. The seam is ``Transaction.commit`` (``tests.windows``):
the first transaction sent once ``before_next_commit`` is armed is the
booking's, and the pro's edit goes through the real stock service just before
it is sent. So the booking has read the stock as it was and its transaction
meets the stock as the pro left it: only the condition on the stock item can
refuse it. Each test fails when its part of ``stock_condition`` is removed.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest

from infra.invocation import InProcessInvoker
from passculture.adapters.invocations import install
from passculture.errors import Conflict, NotFound
from passculture.models.base import utcnow
from passculture.models.bookings import Booking
from passculture.models.stocks import Stock
from passculture.models.wallets import Wallet
from passculture.schemas.stocks import StockPatch
from passculture.services.accounts.auth import Principal, load_principal
from passculture.services.booking.bookings import book
from passculture.services.catalogue.stocks import delete_stock, update_stock
from tests.factories import make_member, make_offer, make_offerer, make_stock, make_venue, make_young, publish
from tests.windows import before_next_commit


@pytest.fixture
def scene(moto_server):
    """A published event with a pro member, and a young user with 500 EUR; jobs run in this process."""
    previous = install(InProcessInvoker())
    offerer = make_offerer()
    pro = load_principal(make_member(offerer).id)
    offer = make_offer(make_venue(offerer))
    young = make_young()
    try:
        yield offer, pro, young
    finally:
        install(previous)


def booker(young):
    return Principal(user=young, roles=frozenset(young.roles))


def assert_nothing_booked(stock, young, booked):
    assert list(Booking.stock_index.query(stock.id)) == []
    assert Stock.get(stock.id, consistent_read=True).booked == booked
    assert Wallet.get(young.id, "national", consistent_read=True).balance_cents == 50_000


def test_a_stock_deleted_meanwhile_is_not_booked(scene, monkeypatch):
    offer, pro, young = scene
    stock = make_stock(offer, quantity=10, price_cents=1_500)
    publish(offer)

    delete = partial(delete_stock, pro, stock.id)
    with before_next_commit(monkeypatch, delete) as ran, pytest.raises(NotFound) as err:
        book(booker(young), stock.id, 1)

    assert ran
    assert err.value.errors == {"stockId": ["No such stock"]}
    assert Stock.get(stock.id, consistent_read=True).is_deleted
    assert_nothing_booked(stock, young, booked=0)


def test_a_quantity_lowered_to_what_is_booked_meanwhile_is_sold_out(scene, monkeypatch):
    offer, pro, young = scene
    stock = make_stock(offer, quantity=10, booked=6, price_cents=1_500)
    publish(offer)

    lower = partial(update_stock, pro, stock.id, StockPatch(quantity=6))
    with before_next_commit(monkeypatch, lower) as ran, pytest.raises(Conflict) as err:
        book(booker(young), stock.id, 1)

    assert ran
    assert err.value.errors == {"stockId": ["Sold out: no place left"]}
    assert Stock.get(stock.id, consistent_read=True).quantity == 6
    assert_nothing_booked(stock, young, booked=6)


def test_an_unlimited_stock_limited_to_what_is_booked_meanwhile_is_sold_out(scene, monkeypatch):
    offer, pro, young = scene
    stock = make_stock(offer, quantity=None, booked=4, price_cents=1_500)
    publish(offer)

    limit = partial(update_stock, pro, stock.id, StockPatch(quantity=4))
    with before_next_commit(monkeypatch, limit) as ran, pytest.raises(Conflict) as err:
        book(booker(young), stock.id, 1)

    assert ran
    assert err.value.errors == {"stockId": ["Sold out: no place left"]}
    assert Stock.get(stock.id, consistent_read=True).quantity == 4
    assert_nothing_booked(stock, young, booked=4)


def test_a_date_moved_meanwhile_is_booked_on_the_new_date_never_the_old_one(scene, monkeypatch):
    # The new date is still bookable, so the booking lands after it reads the stock again: on the new date.
    offer, pro, young = scene
    old = (utcnow() + timedelta(days=10)).replace(microsecond=0)
    new = old + timedelta(days=7)
    stock = make_stock(offer, begins_at=old, quantity=10, price_cents=1_500)
    publish(offer)

    move = partial(update_stock, pro, stock.id, StockPatch(begins_at=new))
    with before_next_commit(monkeypatch, move) as ran:
        result = book(booker(young), stock.id, 1)

    assert ran
    assert result.booking.begins_at == new
    assert result.view.cancellable_until == new - timedelta(hours=48)
    (stored,) = Booking.stock_index.query(stock.id)
    assert stored.begins_at == new
    assert Stock.get(stock.id, consistent_read=True).booked == 1
    assert Wallet.get(young.id, "national", consistent_read=True).balance_cents == 48_500


def test_an_offer_deactivated_meanwhile_is_not_booked(scene, monkeypatch):
    from passculture.services.catalogue.offers import deactivate_offer

    offer, pro, young = scene
    stock = make_stock(offer, quantity=10, price_cents=1_500, copied=True)  # booked from its copy of the offer
    publish(offer)

    deactivate = partial(deactivate_offer, pro, offer.id)
    with before_next_commit(monkeypatch, deactivate) as ran, pytest.raises(NotFound) as err:
        book(booker(young), stock.id, 1)

    assert ran
    assert err.value.errors == {"stockId": ["No such stock"]}
    assert_nothing_booked(stock, young, booked=0)


def test_a_retry_whose_first_request_commits_meanwhile_is_answered_with_that_booking(scene, monkeypatch):
    # The same user and Idempotency-Key: the first request commits between the retry's read and its transaction.
    offer, _, young = scene
    stock = make_stock(offer, quantity=10, price_cents=1_500)
    publish(offer)

    first = partial(book, booker(young), stock.id, 1, "tap-1")
    with before_next_commit(monkeypatch, first) as ran:
        retry = book(booker(young), stock.id, 1, "tap-1")

    (original,) = ran
    assert original.created and not retry.created
    assert retry.booking.token == original.booking.token
    assert [b.token for b in Booking.stock_index.query(stock.id)] == [original.booking.token]
    assert Wallet.get(young.id, "national", consistent_read=True).balance_cents == 50_000 - 1_500


def test_a_booking_whose_transaction_met_another_one_is_tried_again_and_booked(scene, monkeypatch):
    # DynamoDB cancels a transaction that meets another on one of its items (TransactionConflict): nothing
    # was written, so the booking is built again and sent again, and the user never sees that conflict.
    from passculture.models.base import Transaction, TransactionConflict

    offer, _, young = scene
    stock = make_stock(offer, quantity=10, price_cents=1_500)
    publish(offer)
    original, conflicts = Transaction.commit, []

    def commit(self):
        if not conflicts:
            conflicts.append(self)
            raise TransactionConflict("another transaction held the stock")
        return original(self)

    monkeypatch.setattr(Transaction, "commit", commit)
    result = book(booker(young), stock.id, 1)
    assert len(conflicts) == 1 and result.created
    assert [b.token for b in Booking.stock_index.query(stock.id)] == [result.booking.token]
    assert Stock.get(stock.id, consistent_read=True).booked == 1

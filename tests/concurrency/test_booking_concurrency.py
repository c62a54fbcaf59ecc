"""Booking under real concurrency, against moto's server: never overbooks, never overspends, never books twice."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from passculture.errors import DomainError
from passculture.models.bookings import Booking
from passculture.models.stocks import Stock
from passculture.models.wallets import Wallet
from passculture.services.accounts.auth import Principal
from passculture.services.booking.bookings import book
from tests.factories import make_offer, make_offerer, make_stock, make_venue, make_young, publish

WORKERS = 50


def race(calls):
    """Runs the calls on WORKERS threads released together; returns each result or DomainError."""
    start = threading.Event()

    def run(call):
        start.wait()
        try:
            return call()
        except DomainError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(run, call) for call in calls]
        start.set()
        return [f.result(timeout=120) for f in futures]


def principal(user):
    return Principal(user=user, roles=frozenset(user.roles))


def bookings_of_stock(stock_id):
    return list(Booking.stock_index.query(stock_id))


def test_200_young_users_racing_for_10_places_get_exactly_10_bookings(moto_server):
    offer = make_offer(make_venue(make_offerer()))
    stock = make_stock(offer, quantity=10, price_cents=1_000)
    publish(offer)
    with ThreadPoolExecutor(max_workers=8) as pool:
        users = list(pool.map(lambda _: make_young(), range(200)))

    results = race([lambda u=u: book(principal(u), stock.id, 1) for u in users])

    won = [r for r in results if not isinstance(r, DomainError)]
    lost = [r for r in results if isinstance(r, DomainError)]
    assert len(won) == 10
    assert {(type(e).__name__, next(iter(e.errors))) for e in lost} == {("Conflict", "stockId")}
    assert Stock.get(stock.id, consistent_read=True).booked == 10
    booked_users = {b.user_id for b in bookings_of_stock(stock.id)}
    assert len(booked_users) == 10 == len(bookings_of_stock(stock.id))
    balances = Counter()
    for user in users:
        wallet = Wallet.get(user.id, "national", consistent_read=True)
        expected = 49_000 if user.id in booked_users else 50_000
        assert wallet.balance_cents == expected, user.id
        balances[wallet.balance_cents] += 1
    assert balances == {49_000: 10, 50_000: 190}


def test_one_user_retrying_with_one_idempotency_key_gets_one_booking(moto_server):
    offer = make_offer(make_venue(make_offerer()))
    stock = make_stock(offer, quantity=10, price_cents=1_000)
    publish(offer)
    young = make_young()

    results = race([lambda: book(principal(young), stock.id, 1, "retry-7c1d") for _ in range(200)])

    assert not [r for r in results if isinstance(r, DomainError)]
    assert len({r.booking.token for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert Stock.get(stock.id, consistent_read=True).booked == 1
    assert len(bookings_of_stock(stock.id)) == 1
    assert Wallet.get(young.id, "national", consistent_read=True).balance_cents == 49_000


def test_one_user_booking_one_stock_many_times_at_once_books_it_once(moto_server):
    offer = make_offer(make_venue(make_offerer()))
    stock = make_stock(offer, quantity=10, price_cents=1_000)
    publish(offer)
    young = make_young()

    results = race([lambda: book(principal(young), stock.id, 1) for _ in range(50)])

    assert sum(not isinstance(r, DomainError) for r in results) == 1
    assert {e.errors["stockId"][0] for e in results if isinstance(e, DomainError)} == {
        "You have already booked this date"
    }
    assert Stock.get(stock.id, consistent_read=True).booked == 1
    assert Wallet.get(young.id, "national", consistent_read=True).balance_cents == 49_000


def test_one_wallet_racing_for_many_offers_never_goes_below_zero(moto_server):
    venue = make_venue(make_offerer())
    stocks = []
    for _ in range(20):
        offer = make_offer(venue)
        stocks.append(make_stock(offer, quantity=None, price_cents=1_000))
        publish(offer)
    young = make_young(credit_cents=2_500)

    results = race([lambda s=s: book(principal(young), s.id, 1) for s in stocks])

    assert sum(not isinstance(r, DomainError) for r in results) == 2
    assert Wallet.get(young.id, "national", consistent_read=True).balance_cents == 500
    assert sum(Stock.get(s.id, consistent_read=True).booked for s in stocks) == 2

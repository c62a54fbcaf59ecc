"""The ``withdrawn-bookings`` job: the bookings of a date an import withdrew, marked once, page by page."""

from __future__ import annotations

from collections import Counter

import pytest

import passculture.services.catalogue.stock_withdrawal as stock_withdrawal
from bench.counting import count_dynamodb_calls
from passculture.config import get_settings
from passculture.models.base import utcnow
from passculture.models.bookings import Booking
from passculture.models.offers import Offer
from passculture.models.stocks import Stock
from passculture.models.venues import Venue
from passculture.models.wallets import Wallet
from passculture.services.catalogue.stocks import restore_stock, withdraw_stock
from tests.factories import make_offer, make_offerer, make_stock, make_venue
from tests.unit.test_jobs import booked


@pytest.fixture
def max_pages(monkeypatch):
    def setting(pages: int) -> None:
        monkeypatch.setenv("JOB_MAX_PAGES", str(pages))
        get_settings.cache_clear()

    yield setting
    get_settings.cache_clear()


def stock_with(count):
    venue = make_venue(make_offerer())
    offer = make_offer(venue)
    stock = make_stock(offer, price_cents=1500, quantity=None)
    bookings = [booked(stock, offer, venue) for _ in range(count)]
    return Stock.get(stock.id), bookings


def booking_writes(calls):
    return sum(n for (op, table), n in calls.tables.items() if op == "UpdateItem" and table.endswith("-bookings"))


def test_the_bookings_of_a_withdrawn_date_are_marked_across_invocations_and_a_replay_writes_nothing(
    jobs, max_pages, monkeypatch
):
    monkeypatch.setattr(stock_withdrawal, "PAGE_SIZE", 10)
    max_pages(2)
    stock, bookings = stock_with(45)
    assert withdraw_stock(stock)
    jobs.run()
    # Pages of 10 (the fifth of 5), 2 an invocation: it stopped and went on from its cursor twice.
    assert len(jobs.invocations) == 3 and jobs.results[-1]["done"] is True
    assert [event["cursor"] is None for _, event in jobs.invocations] == [True, False, False]
    marks = {Booking.get(b.token).date_withdrawn_at for b in bookings}
    assert marks == {Stock.get(stock.id).withdrawn_at}
    assert {Booking.get(b.token).status for b in bookings} == {"booked"}
    assert {Wallet.get(b.user_id, "national").balance_cents for b in bookings} == {50_000 - 1500}
    with count_dynamodb_calls() as calls:
        jobs(*jobs.invocations[1])  # the second invocation replayed from its cursor
        jobs.run()
    assert booking_writes(calls) == 0


def test_a_booking_marked_meanwhile_is_not_marked_twice(jobs):
    stock, bookings = stock_with(2)
    withdraw_stock(stock)
    first = Booking.get(bookings[0].token)
    first.update(actions=[Booking.date_withdrawn_at.set(Stock.get(stock.id).withdrawn_at)])
    with count_dynamodb_calls() as calls:
        jobs.run()
    assert booking_writes(calls) == 1
    assert Booking.get(bookings[1].token).date_withdrawn_at is not None


def test_cancelled_and_used_bookings_are_not_marked(jobs):
    stock, bookings = stock_with(3)
    bookings[0].update(actions=[Booking.status.set("cancelled")])
    bookings[1].update(actions=[Booking.status.set("used")])
    withdraw_stock(stock)
    jobs.run()
    assert [Booking.get(b.token).date_withdrawn_at is not None for b in bookings] == [False, False, True]


def test_a_booking_the_index_shows_late_is_marked_on_a_second_pass(jobs, monkeypatch):
    from passculture.services import pagination

    stock, bookings = stock_with(3)
    hidden = booked(stock, Offer.get(stock.offer_id), Venue.get(bookings[0].venue_id))
    stock = Stock.get(stock.id)
    original, queries = pagination.key_page, Counter()

    def index_lags(query, size, key):
        items, following = original(query, size, key)
        if queries["n"] == 0:
            items = [b for b in items if b.token != hidden.token]
        queries["n"] += 1
        return items, following

    monkeypatch.setattr(pagination, "key_page", index_lags)
    monkeypatch.setattr(stock_withdrawal, "INDEX_DELAY_SECONDS", 0)
    withdraw_stock(stock)
    jobs.run()
    assert queries["n"] == 2
    assert Booking.get(hidden.token).date_withdrawn_at is not None


def test_a_date_without_bookings_starts_no_job_and_one_withdrawn_twice_once(jobs):
    stock, _ = stock_with(0)
    assert withdraw_stock(stock)
    assert not withdraw_stock(Stock.get(stock.id))
    assert jobs.invocations == []


def test_a_restored_date_stops_its_marking_and_its_marks_are_removed(jobs):
    stock, bookings = stock_with(2)
    withdraw_stock(stock)
    assert restore_stock(Stock.get(stock.id))  # before the marking job ran
    jobs.run()
    assert [event["args"]["withdrawn"] for _, event in jobs.invocations] == [True, False]
    assert {Booking.get(b.token).date_withdrawn_at for b in bookings} == {None}
    restored = Stock.get(stock.id)
    assert (restored.is_deleted, restored.withdrawn_at) == (False, None)


def test_a_date_the_pro_deleted_is_not_restored(jobs):
    stock, _ = stock_with(1)
    stock.update(actions=[Stock.is_deleted.set(True)])
    assert not restore_stock(Stock.get(stock.id))
    assert Stock.get(stock.id).is_deleted


def test_a_withdrawal_whose_job_cannot_start_puts_the_date_back(aws, monkeypatch):
    from passculture.services import jobs as jobs_module

    def refused(kind, args):
        raise RuntimeError("Lambda is unreachable")

    monkeypatch.setattr(jobs_module, "start_job", refused)
    stock, _ = stock_with(1)
    with pytest.raises(RuntimeError):
        withdraw_stock(stock)
    again = Stock.get(stock.id)
    assert (again.is_deleted, again.withdrawn_at) == (False, None)


def test_the_job_is_started_for_the_offers_function(jobs):
    stock, _ = stock_with(1)
    withdraw_stock(stock)
    assert [(function, event["job"]) for function, event in jobs.invocations] == [("offers", "withdrawn-bookings")]


def test_notify_tells_the_holder_once_when_the_mark_appears_and_never_for_another_change(aws):
    from passculture.services.notifications.booking_emails import emails_for, kind_of
    from tests.api.test_notify import Stream

    _, (booking,) = stock_with(1)
    stream = Stream()
    stream.capture(booking.token)
    stream.records()  # the INSERT: the booking emails, not looked at here
    booking.update(actions=[Booking.date_withdrawn_at.set(utcnow())])
    stream.capture(booking.token)
    booking.update(actions=[Booking.used_at.set(utcnow())])  # a later change of the marked booking
    stream.capture(booking.token)
    gained, later = stream.records()
    venue = Venue.get(booking.venue_id)
    (email,) = emails_for(gained, {})
    role, to, subject, body = email
    assert (role, to, kind_of(gained)) == ("booker", booking.user_email, "withdrawal")
    assert booking.token in subject and "Date retirée" in subject
    assert venue.name in body and venue.booking_email in body and "15 €" in body
    assert emails_for(later, {}) == []

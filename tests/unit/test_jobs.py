"""Background jobs: pages until time is short, the rest handed to a new invocation, resumable and idempotent."""

from __future__ import annotations

import math
from collections import Counter

import pytest

import passculture.services.catalogue.publication as publication
import passculture.services.catalogue.stock_cancellation as stock_cancellation
from infra.catalog import load_handler
from infra.events import LambdaContext, schedule_event
from passculture.config import get_settings
from passculture.models.base import utcnow
from passculture.models.bookings import Booking
from passculture.models.offerers import Offerer
from passculture.models.offers import Offer
from passculture.models.stocks import Stock
from passculture.models.uniques import Unique
from passculture.models.wallets import Wallet
from passculture.services.booking.cancellation import booking_guard_key
from passculture.services.jobs import MAX_INVOCATIONS, Job, Progress, run_job, start_job
from tests.factories import (
    cells_at,
    feed_cells_of,
    make_booking,
    make_offer,
    make_offerer,
    make_stock,
    make_venue,
    make_young,
)


@pytest.fixture
def max_pages(monkeypatch):
    """``JOB_MAX_PAGES``: how many pages an invocation runs before it hands over."""

    def setting(pages: int) -> None:
        monkeypatch.setenv("JOB_MAX_PAGES", str(pages))
        get_settings.cache_clear()

    yield setting
    get_settings.cache_clear()


class Recorder:
    """An invoker that keeps what it is handed, run by the test itself."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict]] = []

    def __call__(self, function, event):
        self.events.append((function, event))


@pytest.fixture
def handed_over():
    from passculture.adapters.invocations import install

    recorder = Recorder()
    previous = install(recorder)
    yield recorder.events
    install(previous)


def counting_step(seen, total=10):
    """A job over the numbers 0..total-1, two per page; the cursor is the next number."""

    def step(args, cursor):
        start = cursor or 0
        page = list(range(start, min(start + 2, total)))
        seen.extend(page)
        following = start + 2 if start + 2 < total else None
        return Progress.next(following, len(page))

    return step


class Clock:
    """A Lambda context whose remaining time drops by ``per_call`` ms each time it is asked."""

    def __init__(self, remaining_ms, per_call=0):
        self.remaining_ms, self.per_call = remaining_ms, per_call

    def get_remaining_time_in_millis(self):
        self.remaining_ms -= self.per_call
        return self.remaining_ms


# -- the runner ------------------------------------------------------------------------


def test_a_job_hands_the_rest_over_with_its_cursor_and_the_chain_ends(handed_over, max_pages):
    max_pages(2)
    seen = []
    steps = {"published-offers": counting_step(seen)}
    result = run_job(Job("published-offers").event(), None, steps)
    assert result == {"job": "published-offers", "pages": 2, "items": 4, "done": False}
    # Each following invocation starts where the last one stopped, until the job is done.
    while not result["done"]:
        function, event = handed_over.pop(0)
        assert function == "offers"
        result = run_job(event, None, steps)
    assert handed_over == []
    assert seen == list(range(10))


def test_the_next_invocation_carries_the_cursor_and_its_number(handed_over, max_pages):
    max_pages(1)
    run_job(Job("published-offers", {"a": 1}).event(), None, {"published-offers": counting_step([])})
    [(_, event)] = handed_over
    assert event == {"job": "published-offers", "args": {"a": 1}, "cursor": 2, "attempt": 2}


def test_a_job_hands_over_once_little_time_is_left_and_always_runs_a_page(handed_over):
    margin_ms = get_settings().job_margin_seconds * 1000
    seen = []
    steps = {"published-offers": counting_step(seen)}
    # Three pages' worth of time above the margin: three pages, then the hand-over.
    run_job(Job("published-offers").event(), Clock(margin_ms + 2_500, per_call=1_000), steps)
    assert seen == [0, 1, 2, 3, 4, 5] and len(handed_over) == 1
    # Already within the margin: one page all the same, so a chain always moves on.
    run_job(handed_over.pop()[1], Clock(margin_ms - 1), steps)
    assert seen[6:] == [6, 7] and handed_over[0][1]["cursor"] == 8


def test_without_a_deadline_a_job_runs_to_its_end(handed_over):
    seen = []
    assert run_job(Job("published-offers").event(), None, {"published-offers": counting_step(seen, 50)})["done"]
    assert seen == list(range(50)) and handed_over == []


def test_an_unknown_kind_or_a_runaway_chain_fails_so_its_event_is_kept():
    with pytest.raises(ValueError, match="no such job"):
        run_job({"job": "nothing", "args": {}, "cursor": None, "attempt": 1}, None, {})
    runaway = Job("published-offers", {}, 4, MAX_INVOCATIONS + 1).event()
    with pytest.raises(RuntimeError, match="stopped after"):
        run_job(runaway, None, {"published-offers": counting_step([])})


def test_a_job_event_is_what_the_handler_of_its_function_takes(aws):
    from passculture.web.entry import event_kind

    event = Job("offerer-offers", {"siren": "123456782"}).event()
    assert event_kind(event) == "job"
    assert load_handler("offers")(event, LambdaContext("offers"))["done"] is True


# -- the publication jobs over a few hundred offers ------------------------------------


def make_offers(count, venue, status):
    """``count`` offers of ``venue``, each with one future date."""
    offers = [make_offer(venue, status=status) for _ in range(count)]
    for offer in offers:
        make_stock(offer, price_cents=0, quantity=None)
    return offers


@pytest.fixture
def counted_refreshes(monkeypatch):
    """How many times each offer was refreshed."""
    counts: Counter[str] = Counter()
    real = publication.refresh_offer

    def counting(offer, *args, **kwargs):
        counts[offer.id] += 1
        return real(offer, *args, **kwargs)

    monkeypatch.setattr(publication, "refresh_offer", counting)
    return counts


def test_validating_a_structure_of_hundreds_of_offers_publishes_each_once_in_a_chain(
    jobs, max_pages, monkeypatch, counted_refreshes
):
    monkeypatch.setattr(publication, "JOB_PAGE_SIZE", 10)
    max_pages(3)
    offerer = make_offerer(status="pending")
    offers = make_offers(260, make_venue(offerer, geohash="u09tvny1w"), status="pending")
    offerer.update(actions=[Offerer.status.set("validated")])

    start_job("offerer-offers", {"siren": offerer.siren})
    jobs.run()

    # 26 pages of 10 (and the empty Query after the last full one), 3 per invocation.
    assert len(jobs.invocations) == math.ceil(27 / 3) == 9
    assert [e["attempt"] for _, e in jobs.invocations] == list(range(1, 10))
    assert jobs.results[-1]["done"] is True and not any(r["done"] for r in jobs.results[:-1])
    assert jobs.pending == []
    assert counted_refreshes == Counter({offer.id: 1 for offer in offers})
    stored = [Offer.get(o.id) for o in offers]
    assert {(o.status, tuple(feed_cells_of(o).values())) for o in stored} == {
        ("published", tuple(cells_at(48.8606, 2.3376).values()))
    }


def test_the_hourly_refresh_goes_through_every_published_offer_once_and_ends(
    jobs, max_pages, monkeypatch, counted_refreshes
):
    monkeypatch.setattr(publication, "JOB_PAGE_SIZE", 10)
    max_pages(3)
    offers = make_offers(200, make_venue(make_offerer(), geohash="u09tvny1w"), status="published")
    for offer in offers:
        publication.refresh_offer(offer)
    counted_refreshes.clear()
    past = offers[::7]  # their only date has passed since
    for offer in past:
        (stock,) = Stock.offer_index.query(offer.id)
        stock.update(actions=[Stock.begins_at.set(utcnow().replace(year=2020))])

    result = load_handler("offers")(schedule_event(), LambdaContext("offers"))
    assert result["done"] is False and result["pages"] == 3  # the schedule's invocation is the job's first
    jobs.run()
    assert jobs.results[-1]["done"] is True and jobs.pending == []
    assert counted_refreshes == Counter({offer.id: 1 for offer in offers})
    assert {o.id for o in offers if not Offer.get(o.id).in_feed} == {o.id for o in past}


def test_an_invocation_that_fails_is_retried_from_its_cursor_and_nothing_is_lost(jobs, max_pages, monkeypatch):
    monkeypatch.setattr(publication, "JOB_PAGE_SIZE", 10)
    max_pages(2)
    offerer = make_offerer(status="pending")
    offers = make_offers(60, make_venue(offerer, geohash="u09tvny1w"), status="pending")
    offerer.update(actions=[Offerer.status.set("validated")])
    real, calls = publication.refresh_offer, Counter()

    def dies_once(offer, *args, **kwargs):
        calls["all"] += 1
        if calls["all"] == 35:  # in the second invocation's second page: Lambda's timeout, say
            raise TimeoutError("Task timed out")
        return real(offer, *args, **kwargs)

    monkeypatch.setattr(publication, "refresh_offer", dies_once)
    start_job("offerer-offers", {"siren": offerer.siren})
    with pytest.raises(TimeoutError):
        jobs.run()
    failed = jobs.invocations[1][1]
    assert failed["attempt"] == 2 and failed["cursor"] is not None
    # Lambda's retry: the same event again, from the same cursor; pages already done are harmless to redo.
    jobs(*jobs.invocations[1])
    jobs.run()
    assert jobs.results[-1]["done"] is True
    assert {Offer.get(o.id).status for o in offers} == {"published"}


def test_rerunning_a_page_of_offers_changes_nothing(jobs, monkeypatch):
    monkeypatch.setattr(publication, "JOB_PAGE_SIZE", 10)
    offerer = make_offerer(status="validated")
    offers = make_offers(15, make_venue(offerer, geohash="u09tvny1w"), status="pending")
    first = Job("offerer-offers", {"siren": offerer.siren}).event()
    load_handler("offers")(first, LambdaContext("offers"))
    before = {o.id: Offer.get(o.id).attribute_values for o in offers}
    load_handler("offers")(first, LambdaContext("offers"))
    assert {o.id: Offer.get(o.id).attribute_values for o in offers} == before


def test_a_status_changed_during_a_page_runs_the_page_again_with_the_new_one(aws, monkeypatch):
    offerer = make_offerer(status="validated")
    venue = make_venue(offerer, geohash="u09tvny1w")
    offers = make_offers(5, venue, status="pending")
    real, calls = publication.refresh_offer, Counter()

    def team_rejects_meanwhile(offer, *args, **kwargs):
        calls["all"] += 1
        if calls["all"] == 3:  # a second PATCH lands while this chain works with "validated"
            Offerer.get(offerer.siren).update(actions=[Offerer.status.set("rejected")])
        return real(offer, *args, **kwargs)

    monkeypatch.setattr(publication, "refresh_offer", team_rejects_meanwhile)
    start_job("offerer-offers", {"siren": offerer.siren})
    assert {(Offer.get(o.id).status, Offer.get(o.id).in_feed) for o in offers} == {("inactive", False)}


# -- a deleted stock's bookings --------------------------------------------------------


def booked(stock, offer, venue):
    """A booking as the booking transaction leaves it: place taken, national credit debited, guard written."""
    young = make_young()
    price = int(stock.price_cents)
    Wallet.get(young.id, "national").update(
        actions=[Wallet.balance_cents.add(-price), Wallet.physical_spent_cents.add(price)]
    )
    stock.update(actions=[Stock.booked.add(1)])
    booking = make_booking(stock, offer, venue, young, debits={"national": price}, cap_kind="physical")
    Unique(booking_guard_key(young.id, stock.id), target=booking.token, created_at=utcnow()).save()
    return booking


def deleted_stock_with(count):
    venue = make_venue(make_offerer())
    offer = make_offer(venue)
    stock = make_stock(offer, price_cents=1500, quantity=None)
    bookings = [booked(stock, offer, venue) for _ in range(count)]
    stock.update(actions=[Stock.is_deleted.set(True)])
    return stock, bookings


def test_a_deleted_stocks_bookings_are_each_cancelled_and_refunded_once_across_invocations(
    jobs, max_pages, monkeypatch
):
    monkeypatch.setattr(stock_cancellation, "PAGE_SIZE", 10)
    max_pages(2)
    stock, bookings = deleted_stock_with(45)
    start_job("stock-bookings", {"stock_id": stock.id, "cancelled_by": "offerer:u1"})
    jobs.run()
    assert len(jobs.invocations) == 3 and jobs.results[-1]["done"] is True
    assert {Booking.get(b.token).status for b in bookings} == {"cancelled"}
    assert {Wallet.get(b.user_id, "national").balance_cents for b in bookings} == {50_000}
    # Every page again (a replay of the first event): nobody is refunded twice.
    jobs(*jobs.invocations[0])
    jobs.run()
    assert {Wallet.get(b.user_id, "national").balance_cents for b in bookings} == {50_000}
    assert {Wallet.get(b.user_id, "national").physical_spent_cents for b in bookings} == {0}


def test_a_booking_the_index_shows_late_is_cancelled_on_a_second_pass(jobs, monkeypatch):
    from passculture.models.venues import Venue
    from passculture.services import pagination

    stock, bookings = deleted_stock_with(3)
    hidden = booked(Stock.get(stock.id), Offer.get(stock.offer_id), Venue.get(bookings[0].venue_id))  # in ``booked``...
    original, passes = pagination.key_page, Counter()

    def index_lags(query, size, key):
        items, following = original(query, size, key)
        if passes["queries"] == 0:
            items = [b for b in items if b.token != hidden.token]  # ...but not on the index yet
        passes["queries"] += 1
        return items, following

    monkeypatch.setattr(pagination, "key_page", index_lags)
    monkeypatch.setattr(stock_cancellation, "INDEX_DELAY_SECONDS", 0)
    start_job("stock-bookings", {"stock_id": stock.id, "cancelled_by": "offerer:u1"})
    jobs.run()
    assert passes["queries"] == 2
    assert {Booking.get(b.token).status for b in [*bookings, hidden]} == {"cancelled"}
    assert Wallet.get(hidden.user_id, "national").balance_cents == 50_000


def test_a_restored_stock_keeps_its_bookings_whatever_event_arrives(jobs):
    stock, bookings = deleted_stock_with(2)
    stock.update(actions=[Stock.is_deleted.set(False)])
    start_job("stock-bookings", {"stock_id": stock.id, "cancelled_by": "offerer:u1"})
    jobs.run()
    assert {Booking.get(b.token).status for b in bookings} == {"booked"}

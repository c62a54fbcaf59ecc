"""A throttled, slow or unreachable data store is a 503 with Retry-After, within the request's deadline.

Faults are injected between botocore and moto (``tests/faults.py``) on a
simulated clock: a 5 s read timeout costs no real time, and the deadline
(``REQUEST_DEADLINE_SECONDS``, 25 s) is measured on the same clock.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from chalice.test import Client

from infra.catalog import load_app
from infra.events import LambdaContext
from infra.local import proxy_event
from passculture.models.base import utcnow
from passculture.models.bookings import Booking
from passculture.models.stocks import Stock
from passculture.models.wallets import Wallet
from tests.factories import (
    auth,
    make_api_key,
    make_offer,
    make_offerer,
    make_stock,
    make_user,
    make_venue,
    make_young,
    publish,
)
from tests.faults import injected, read_timeout, simulated_clock, throttled, timing_out, transaction_cancelled

DEADLINE = 25.0


@pytest.fixture
def clock(aws, monkeypatch):
    # Production's 5 s read timeout (the tests' own is a patient 30 s).
    with read_timeout(monkeypatch, 5.0), simulated_clock(monkeypatch) as clock:
        yield clock


@pytest.fixture
def faults(aws):
    with injected() as faults:
        yield faults


def client(function: str) -> Client:
    return Client(load_app(function))


def assert_503(response, v2: bool = False) -> None:
    assert response.status_code == 503, response.body
    assert int(response.headers["Retry-After"]) >= 1
    body = json.loads(response.body)
    assert list(body if v2 else body["errors"]) == ["global"], body


def test_a_throttled_read_is_a_503_with_retry_after_after_botocores_retries(clock, faults):
    user = make_user()
    calls = faults.add("GetItem", throttled())
    with client("accounts") as c:
        response = c.http.get("/users/current", headers=auth(user))
    assert_503(response)
    assert len(calls) == 4  # the first attempt and DYNAMODB_MAX_RETRIES (3) retries


def test_the_countermark_api_answers_503_in_its_own_error_shape(clock, faults):
    offerer = make_offerer()
    secret, _ = make_api_key(offerer)
    faults.add("*", throttled())
    with client("countermarks") as c:
        response = c.http.get("/v2/bookings/token/ABCDEF", headers={"Authorization": f"Bearer {secret}"})
    assert_503(response, v2=True)


def test_a_slow_store_is_cut_at_the_deadline_instead_of_running_past_the_gateway(clock, faults):
    # Each call succeeds on its 4th attempt, after three 5 s timeouts: the signed-in user's
    # two reads would take 30 s, past API Gateway's 29 s. The deadline answers 503 by 25 s.
    user = make_user()
    calls = faults.add("*", timing_out(clock, succeed_on=4))
    start = clock()
    with client("accounts") as c:
        response = c.http.get("/users/current", headers=auth(user))
    assert_503(response)
    assert clock() - start <= DEADLINE
    assert all(at - start < DEADLINE for at in calls.started_at)
    # Each attempt got at most what was left as its read timeout.
    for at, timeout in zip(calls.started_at, calls.read_timeouts, strict=True):
        assert timeout is not None and timeout <= DEADLINE - (at - start) + 1e-6
    assert min(t for t in calls.read_timeouts if t is not None) < 5  # the last one was cut short


def test_a_working_but_slow_store_still_answers_within_the_deadline(clock, faults):
    user = make_user()
    faults.add("*", timing_out(clock, succeed_on=2))  # one 5 s timeout per call: 10 s in all
    with client("accounts") as c:
        response = c.http.get("/users/current", headers=auth(user))
    assert response.status_code == 200, response.body


def test_a_lambda_with_little_time_left_gives_the_store_less_than_that(clock, faults):
    user = make_user()
    calls = faults.add("*", timing_out(clock))
    event = proxy_event("GET", "/users/current", "/users/current", {}, "", auth(user), b"", "203.0.113.7")
    response = load_app("accounts")(event, LambdaContext("accounts", timeout=3))
    assert response["statusCode"] == 503
    assert calls.read_timeouts[0] is not None and calls.read_timeouts[0] <= 2.0  # 3 s left, 1 s kept to answer


def test_the_feeds_parallel_queries_share_the_deadline(clock, faults):
    offerer = make_offerer()
    venue = make_venue(offerer, latitude=48.8566, longitude=2.3522)
    offer = make_offer(venue)
    make_stock(offer)
    publish(offer)
    young = make_young()
    # The first cell's Query answers; the others, run in threads, time out on every attempt.
    calls = faults.add("Query", timing_out(clock, spare=1))
    start = clock()
    with client("bookings") as c:
        response = c.http.get("/feed?latitude=48.8566&longitude=2.3522&radiusKm=60", headers=auth(young))
    assert_503(response)
    assert len(calls) > 1
    assert clock() - start <= DEADLINE


def test_a_booking_throttled_in_its_transaction_is_a_503_and_spends_nothing(clock, faults):
    offer = make_offer(make_venue(make_offerer()))
    stock = make_stock(offer, quantity=5, price_cents=1500, begins_at=utcnow() + timedelta(days=5))
    publish(offer)
    young = make_young()
    faults.add("TransactWriteItems", transaction_cancelled("ThrottlingError"))
    with client("bookings") as c:
        response = c.http.post(
            "/bookings",
            headers={**auth(young), "Content-Type": "application/json"},
            body=json.dumps({"stockId": stock.id, "quantity": 1}),
        )
    assert_503(response)
    assert Stock.get(stock.id).booked == 0
    assert Wallet.get(young.id, "national").balance_cents == 50_000
    assert list(Booking.user_index.query(young.id)) == []


def test_a_booking_that_keeps_conflicting_is_refused_without_a_pause_after_its_last_attempt(aws, faults, monkeypatch):
    from passculture.services.booking import bookings

    pauses = []
    monkeypatch.setattr(bookings, "backoff", pauses.append)
    offer = make_offer(make_venue(make_offerer()))
    stock = make_stock(offer, quantity=5, begins_at=utcnow() + timedelta(days=5))
    publish(offer)
    young = make_young()
    calls = faults.add("TransactWriteItems", transaction_cancelled("TransactionConflict"))
    with client("bookings") as c:
        response = c.http.post(
            "/bookings",
            headers={**auth(young), "Content-Type": "application/json"},
            body=json.dumps({"stockId": stock.id, "quantity": 1}),
        )
    assert response.status_code == 409, response.body
    assert len(calls) == bookings.MAX_ATTEMPTS
    assert pauses == list(range(bookings.MAX_ATTEMPTS - 1))  # between attempts, none after the last

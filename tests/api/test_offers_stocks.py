"""Stocks: dates of events and the single stock of a thing, batches, changes, and deletion with refunds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bench.counting import count_dynamodb_calls
from passculture.models.base import utcnow
from passculture.models.bookings import Booking
from passculture.models.stocks import Stock
from passculture.models.uniques import Unique
from passculture.models.wallets import Wallet
from passculture.services.booking.cancellation import booking_guard_key
from passculture.services.catalogue import stocks as stocks_service
from tests.api.offers_support import build_scene, later, offers_api
from tests.factories import make_booking, make_offer, make_stock, make_young
from tests.faults import injected, simulated_clock, throttled


@pytest.fixture
def api(aws):
    yield from offers_api()


@pytest.fixture
def scene(aws):
    return build_scene()


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def book(stock, offer, venue, young=None, *, cap_kind="physical", status="booked", credits=None):
    """A booking as the booking transaction leaves it: place taken, wallet debited, guard written."""
    young = young or make_young()
    debits = credits or {"national": int(stock.price_cents)}
    for credit_id, cents in debits.items():
        if credit_id != "national":
            Wallet(young.id, credit_id, label="100 € de la Région", kind="local", granted_at=utcnow()).save()
        wallet = Wallet.get(young.id, credit_id)
        actions = [Wallet.balance_cents.add(-cents)]
        if credit_id == "national":
            actions.append(
                (Wallet.physical_spent_cents if cap_kind == "physical" else Wallet.digital_spent_cents).add(cents)
            )
        wallet.update(actions=actions)
    stock.update(actions=[Stock.booked.add(1)])
    booking = make_booking(stock, offer, venue, young, status=status, debits=debits, cap_kind=cap_kind)
    Unique(booking_guard_key(young.id, stock.id), target=booking.token, created_at=utcnow()).save()
    return booking


# -- creation --------------------------------------------------------------------


def test_a_date_is_created_with_the_default_booking_limit_the_day_before(api, scene):
    offer = make_offer(scene.venue, status="draft")
    begins = later(days=12)
    answer = api.post(
        f"/offers/{offer.id}/stocks", as_=scene.editor, json={"beginsAt": begins, "priceCents": 1500, "quantity": 80}
    )
    assert answer.status == 201, answer.body
    stock = answer.body
    assert at(stock["beginsAt"]) == at(begins)
    assert at(stock["bookingLimitAt"]) == at(begins) - timedelta(days=1)
    assert (stock["priceCents"], stock["quantity"], stock["booked"], stock["remainingQuantity"]) == (1500, 80, 0, 80)
    assert Stock.get(stock["id"]).begins_at == at(begins)


def test_an_event_within_a_day_can_be_booked_until_it_starts(api, scene):
    offer = make_offer(scene.venue)
    begins = later(days=0, hours=5)
    answer = api.post(f"/offers/{offer.id}/stocks", as_=scene.admin, json={"beginsAt": begins, "priceCents": 0})
    assert answer.status == 201 and at(answer.body["bookingLimitAt"]) == at(begins)


def test_a_booking_limit_after_the_start_or_a_past_date_is_a_400(api, scene):
    offer = make_offer(scene.venue)
    path = f"/offers/{offer.id}/stocks"
    late = api.post(path, as_=scene.admin, json={"beginsAt": later(3), "bookingLimitAt": later(4), "priceCents": 0})
    assert late.status == 400 and list(late.body["errors"]) == ["bookingLimitAt"]
    past = api.post(path, as_=scene.admin, json={"beginsAt": later(-1), "priceCents": 0})
    assert past.status == 400 and list(past.body["errors"]) == ["beginsAt"]
    naive = api.post(path, as_=scene.admin, json={"beginsAt": "2031-05-01T20:00:00", "priceCents": 0})
    assert naive.status == 400 and list(naive.body["errors"]) == ["beginsAt"]


@pytest.mark.parametrize(
    ("body", "bad"),
    [
        ({"priceCents": -1}, {"priceCents"}),
        ({"priceCents": 30_001}, {"priceCents"}),
        ({"priceCents": 100, "quantity": -2}, {"quantity"}),
        ({}, {"priceCents"}),
        ({"priceCents": "free"}, {"priceCents"}),
    ],
)
def test_bad_prices_and_quantities_are_400s(api, scene, body, bad):
    offer = make_offer(scene.venue)
    answer = api.post(f"/offers/{offer.id}/stocks", as_=scene.admin, json={"beginsAt": later(), **body})
    assert answer.status == 400 and set(answer.body["errors"]) == bad


def test_a_thing_has_one_unlimited_stock_without_a_date(api, scene):
    offer = make_offer(scene.venue, category="BOOK")
    answer = api.post(f"/offers/{offer.id}/stocks", as_=scene.admin, json={"priceCents": 1290})
    assert answer.status == 201, answer.body
    assert answer.body["beginsAt"] is None and answer.body["bookingLimitAt"] is None
    assert answer.body["quantity"] is None and answer.body["remainingQuantity"] is None
    again = api.post(f"/offers/{offer.id}/stocks", as_=scene.admin, json={"priceCents": 990})
    assert again.status == 409
    dated = api.post(f"/offers/{offer.id}/stocks", as_=scene.admin, json={"beginsAt": later(), "priceCents": 990})
    assert dated.status == 409


def test_an_event_with_dates_gets_no_dateless_stock(api, scene):
    offer = make_offer(scene.venue)
    make_stock(offer)
    assert api.post(f"/offers/{offer.id}/stocks", as_=scene.admin, json={"priceCents": 0}).status == 409


def test_ten_dates_are_created_at_once(api, scene):
    offer = make_offer(scene.venue, status="draft")
    dates = [{"beginsAt": later(20 + n), "priceCents": 1000 + n, "quantity": 100} for n in range(10)]
    answer = api.post(f"/offers/{offer.id}/stocks", as_=scene.admin, json={"stocks": dates})
    assert answer.status == 201, answer.body
    assert [s["priceCents"] for s in answer.body["stocks"]] == [1000 + n for n in range(10)]
    listed = api.get(f"/offers/{offer.id}/stocks", as_=scene.admin)
    assert listed.status == 200 and len(listed.body["stocks"]) == 10
    assert [at(s["beginsAt"]) for s in listed.body["stocks"]] == sorted(at(d["beginsAt"]) for d in dates)
    assert api.get(f"/offers/{offer.id}", as_=scene.admin).body["status"] == "published"


def test_a_batch_names_the_bad_item_and_writes_nothing(api, scene):
    offer = make_offer(scene.venue)
    dates = [{"beginsAt": later(20), "priceCents": 100}, {"beginsAt": later(21), "priceCents": -5}]
    answer = api.post(f"/offers/{offer.id}/stocks", as_=scene.admin, json={"stocks": dates})
    assert answer.status == 400 and list(answer.body["errors"]) == ["stocks.1.priceCents"]
    assert api.get(f"/offers/{offer.id}/stocks", as_=scene.admin).body["stocks"] == []


def test_a_batch_holds_1_to_100_dates_and_no_dateless_stock(api, scene):
    offer = make_offer(scene.venue)
    path = f"/offers/{offer.id}/stocks"
    assert api.post(path, as_=scene.admin, json={"stocks": []}).status == 400
    too_many = [{"beginsAt": later(20), "priceCents": 0}] * 101
    assert api.post(path, as_=scene.admin, json={"stocks": too_many}).status == 400
    mixed = [{"beginsAt": later(20), "priceCents": 0}, {"priceCents": 0}]
    answer = api.post(path, as_=scene.admin, json={"stocks": mixed})
    assert answer.status == 400 and list(answer.body["errors"]) == ["stocks"]


# -- a batch is all or nothing, and its retry adds nothing ---------------------------


@pytest.fixture
def faults(aws):
    with injected() as faults:
        yield faults


@pytest.fixture
def clock(aws, monkeypatch):
    with simulated_clock(monkeypatch) as clock:
        yield clock


def dates(count: int, first_day: int = 20) -> list[dict]:
    return [{"beginsAt": later(first_day + n), "priceCents": 500, "quantity": 10} for n in range(count)]


def live_ids(api, scene, offer) -> list[str]:
    return sorted(s["id"] for s in api.get(f"/offers/{offer.id}/stocks", as_=scene.admin).body["stocks"])


def test_a_hundred_dates_are_one_transaction(api, scene):
    offer = make_offer(scene.venue, status="draft")
    with count_dynamodb_calls() as calls:
        answer = api.post(f"/offers/{offer.id}/stocks", as_=scene.admin, json={"stocks": dates(100)})
    assert answer.status == 201, answer.body
    assert len(answer.body["stocks"]) == 100 and len(live_ids(api, scene, offer)) == 100
    assert calls["TransactWriteItems"] == 1 and calls["BatchWriteItem"] == 0


@pytest.mark.parametrize("key", [None, "6b0c2f4e-batch"])
def test_throttled_dates_are_a_503_and_none_of_them_is_saved(api, scene, faults, clock, key):
    offer = make_offer(scene.venue, status="draft")
    calls = faults.add("TransactWriteItems", throttled())
    headers = {"Idempotency-Key": key} if key else None
    answer = api.post(f"/offers/{offer.id}/stocks", as_=scene.admin, json={"stocks": dates(100)}, headers=headers)
    assert answer.status == 503 and int(answer.headers["Retry-After"]) >= 1
    assert len(calls) == 4  # botocore's retries, each the whole batch
    assert live_ids(api, scene, offer) == []


def test_a_retry_with_the_same_key_creates_each_date_once(api, scene, faults, clock):
    offer = make_offer(scene.venue, status="draft")
    path, body, key = f"/offers/{offer.id}/stocks", {"stocks": dates(100)}, {"Idempotency-Key": "0f9e-retry"}
    faults.add("TransactWriteItems", throttled(), times=4)
    assert api.post(path, as_=scene.admin, json=body, headers=key).status == 503
    created = api.post(path, as_=scene.admin, json=body, headers=key)
    assert created.status == 201 and "Idempotent-Replayed" not in created.headers
    again = api.post(path, as_=scene.admin, json=body, headers=key)
    assert again.status == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert [s["id"] for s in again.body["stocks"]] == [s["id"] for s in created.body["stocks"]]
    assert live_ids(api, scene, offer) == sorted(s["id"] for s in created.body["stocks"])
    assert api.get(f"/offers/{offer.id}", as_=scene.admin).body["status"] == "published"


def test_a_retry_the_offer_index_does_not_show_yet_is_answered_from_the_table(api, scene, monkeypatch):
    offer = make_offer(scene.venue, status="draft")
    path, body, key = f"/offers/{offer.id}/stocks", {"stocks": dates(10)}, {"Idempotency-Key": "lagging-index"}
    created = api.post(path, as_=scene.admin, json=body, headers=key)
    assert created.status == 201
    # The offer index is eventually consistent: right after the first request it may show nothing.
    monkeypatch.setattr(stocks_service, "live_stocks", lambda offer_id: [])
    again = api.post(path, as_=scene.admin, json=body, headers=key)
    monkeypatch.undo()
    assert again.status == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert [s["id"] for s in again.body["stocks"]] == [s["id"] for s in created.body["stocks"]]
    assert len(live_ids(api, scene, offer)) == 10


def test_the_same_key_for_other_dates_is_a_409_and_adds_nothing(api, scene):
    offer = make_offer(scene.venue, status="draft")
    path, key = f"/offers/{offer.id}/stocks", {"Idempotency-Key": "reused"}
    assert api.post(path, as_=scene.admin, json={"stocks": dates(3)}, headers=key).status == 201
    other = api.post(path, as_=scene.admin, json={"stocks": dates(3, first_day=40)}, headers=key)
    assert other.status == 409 and list(other.body["errors"]) == ["Idempotency-Key"]
    assert len(live_ids(api, scene, offer)) == 3
    # Another member's same key is another intent.
    assert api.post(path, as_=scene.editor, json={"stocks": dates(3, first_day=40)}, headers=key).status == 201


def test_a_things_stock_retried_with_its_key_is_answered_again(api, scene):
    offer = make_offer(scene.venue, category="BOOK", status="draft")
    path, key = f"/offers/{offer.id}/stocks", {"Idempotency-Key": "one-thing"}
    created = api.post(path, as_=scene.admin, json={"priceCents": 800}, headers=key)
    assert created.status == 201
    again = api.post(path, as_=scene.admin, json={"priceCents": 800}, headers=key)
    assert again.status == 200 and again.body["id"] == created.body["id"]
    assert api.post(path, as_=scene.admin, json={"priceCents": 800}).status == 409  # without the key: a second stock


def test_a_malformed_idempotency_key_is_a_400_naming_it(api, scene):
    offer = make_offer(scene.venue)
    answer = api.post(
        f"/offers/{offer.id}/stocks", as_=scene.admin, json={"stocks": dates(2)}, headers={"Idempotency-Key": "é" * 3}
    )
    assert answer.status == 400 and list(answer.body["errors"]) == ["Idempotency-Key"]
    assert live_ids(api, scene, offer) == []


def test_creating_stocks_needs_a_member(api, scene):
    offer = make_offer(scene.venue)
    body = {"beginsAt": later(), "priceCents": 0}
    assert api.post(f"/offers/{offer.id}/stocks", json=body).status == 401
    assert api.post(f"/offers/{offer.id}/stocks", as_=scene.outsider, json=body).status == 404
    assert api.get(f"/offers/{offer.id}/stocks", as_=scene.outsider).status == 404
    assert api.get(f"/offers/{offer.id}/stocks").status == 401
    assert api.post("/offers/nope/stocks", as_=scene.admin, json=body).status == 404


# -- changes ---------------------------------------------------------------------


def test_a_member_changes_price_and_quantity(api, scene):
    stock = make_stock(make_offer(scene.venue), price_cents=1000, quantity=10, booked=4)
    answer = api.patch(f"/stocks/{stock.id}", as_=scene.editor, json={"priceCents": 0, "quantity": 4})
    assert answer.status == 200, answer.body
    assert (answer.body["priceCents"], answer.body["quantity"], answer.body["remainingQuantity"]) == (0, 4, 0)
    stored = Stock.get(stock.id)
    assert stored.edited_by_pro is True and stored.booked == 4


def test_a_quantity_below_what_is_booked_is_a_409(api, scene):
    stock = make_stock(make_offer(scene.venue), quantity=10, booked=4)
    answer = api.patch(f"/stocks/{stock.id}", as_=scene.admin, json={"quantity": 3})
    assert answer.status == 409 and list(answer.body["errors"]) == ["quantity"]
    assert "4 places" in answer.body["errors"]["quantity"][0]
    assert Stock.get(stock.id).quantity == 10


def test_a_stock_becomes_unlimited_with_a_null_quantity(api, scene):
    stock = make_stock(make_offer(scene.venue), quantity=10, booked=4)
    answer = api.patch(f"/stocks/{stock.id}", as_=scene.admin, json={"quantity": None})
    assert answer.status == 200 and answer.body["quantity"] is None and answer.body["remainingQuantity"] is None


def test_a_moved_date_gets_its_default_booking_limit_again(api, scene):
    stock = make_stock(make_offer(scene.venue), booking_limit_at=utcnow() + timedelta(days=2))
    begins = later(30)
    answer = api.patch(f"/stocks/{stock.id}", as_=scene.admin, json={"beginsAt": begins})
    assert answer.status == 200
    assert at(answer.body["bookingLimitAt"]) == at(begins) - timedelta(days=1)
    assert Stock.get(stock.id).begins_key == at(begins).astimezone(UTC).isoformat()  # the index sorts in UTC


def test_changes_that_break_the_dates_are_400s(api, scene):
    stock = make_stock(make_offer(scene.venue), begins_at=utcnow() + timedelta(days=5))
    late = api.patch(f"/stocks/{stock.id}", as_=scene.admin, json={"bookingLimitAt": later(6)})
    assert late.status == 400 and list(late.body["errors"]) == ["bookingLimitAt"]
    cleared = api.patch(f"/stocks/{stock.id}", as_=scene.admin, json={"beginsAt": None, "priceCents": None})
    assert cleared.status == 400 and set(cleared.body["errors"]) == {"beginsAt", "priceCents"}
    thing = make_stock(make_offer(scene.venue, category="BOOK"), event=False)
    dated = api.patch(f"/stocks/{thing.id}", as_=scene.admin, json={"beginsAt": later()})
    assert dated.status == 400 and list(dated.body["errors"]) == ["beginsAt"]


def test_changing_a_stock_needs_a_member(api, scene):
    stock = make_stock(make_offer(scene.venue))
    assert api.patch(f"/stocks/{stock.id}", json={"priceCents": 0}).status == 401
    assert api.patch(f"/stocks/{stock.id}", as_=scene.outsider, json={"priceCents": 0}).status == 404
    assert api.patch("/stocks/nope", as_=scene.admin, json={"priceCents": 0}).status == 404
    assert Stock.get(stock.id).price_cents == 1000


# -- deletion --------------------------------------------------------------------


def test_deleting_a_stock_without_bookings(api, scene):
    offer = make_offer(scene.venue)
    stock = make_stock(offer)
    api.post(f"/offers/{offer.id}/stocks", as_=scene.admin, json={"beginsAt": later(40), "priceCents": 0})
    assert api.delete(f"/stocks/{stock.id}", as_=scene.editor).status == 204
    assert Stock.get(stock.id).is_deleted is True
    shown = api.get(f"/offers/{offer.id}", as_=scene.admin).body
    assert stock.id not in [s["id"] for s in shown["stocks"]] and len(shown["stocks"]) == 1
    assert api.delete(f"/stocks/{stock.id}", as_=scene.editor).status == 404
    assert api.patch(f"/stocks/{stock.id}", as_=scene.editor, json={"priceCents": 1}).status == 404


def test_deleting_the_last_date_takes_the_offer_back_to_draft(api, scene):
    offer = make_offer(scene.venue, status="draft")
    created = api.post(f"/offers/{offer.id}/stocks", as_=scene.admin, json={"beginsAt": later(), "priceCents": 0})
    assert api.get(f"/offers/{offer.id}", as_=scene.admin).body["isVisibleInApp"] is True
    api.delete(f"/stocks/{created.body['id']}", as_=scene.admin)
    shown = api.get(f"/offers/{offer.id}", as_=scene.admin).body
    assert (shown["status"], shown["isVisibleInApp"]) == ("draft", False)


def test_deleting_a_stock_cancels_its_bookings_and_refunds_each_credit_exactly(api, scene):
    offer = make_offer(scene.venue)
    stock = make_stock(offer, price_cents=2500, quantity=10)
    other = make_stock(offer, price_cents=2500, quantity=10)
    first = book(stock, offer, scene.venue)
    split = book(stock, offer, scene.venue, credits={"local#region": 1000, "national": 1500})
    used = book(stock, offer, scene.venue, status="used")
    untouched = book(other, offer, scene.venue)

    assert api.delete(f"/stocks/{stock.id}", as_=scene.admin).status == 204

    assert Booking.get(first.token).status == "cancelled"
    assert Booking.get(first.token).cancelled_by == f"offerer:{scene.admin.id}"
    assert Booking.get(split.token).status == "cancelled"
    assert Booking.get(used.token).status == "used"
    assert Booking.get(untouched.token).status == "booked"
    national = Wallet.get(first.user_id, "national")
    assert (national.balance_cents, national.physical_spent_cents) == (50_000, 0)
    assert Wallet.get(split.user_id, "national").balance_cents == 50_000
    assert Wallet.get(split.user_id, "local#region").balance_cents == 0  # the 1000 it paid, given back
    assert Wallet.get(used.user_id, "national").balance_cents == 47_500
    assert Wallet.get(untouched.user_id, "national").balance_cents == 47_500
    # The stock is gone: its count is not given back to anybody.
    assert Stock.get(stock.id).booked == 3


def test_deleting_a_stock_answers_at_once_and_its_bookings_are_cancelled_by_a_job(api, scene, jobs):
    offer = make_offer(scene.venue)
    stock = make_stock(offer, price_cents=2500, quantity=10)
    bookings = [book(stock, offer, scene.venue) for _ in range(3)]
    assert api.delete(f"/stocks/{stock.id}", as_=scene.admin).status == 204
    # Deleted at once: nobody can book it any more; the bookings wait for the job.
    assert Stock.get(stock.id).is_deleted is True
    assert {Booking.get(b.token).status for b in bookings} == {"booked"}
    [(function, event)] = jobs.pending
    assert (function, event["job"], event["args"]["stock_id"]) == ("offers", "stock-bookings", stock.id)
    jobs.run()
    assert {Booking.get(b.token).status for b in bookings} == {"cancelled"}
    assert {Wallet.get(b.user_id, "national").balance_cents for b in bookings} == {50_000}


def test_a_stock_whose_cancellations_cannot_be_started_is_not_deleted(api, scene, jobs):
    from passculture.adapters.invocations import install

    offer = make_offer(scene.venue)
    stock = make_stock(offer)
    booking = book(stock, offer, scene.venue)

    def lambda_unavailable(function, event):
        raise ConnectionError("Lambda did not answer")

    install(lambda_unavailable)
    assert api.delete(f"/stocks/{stock.id}", as_=scene.admin).status == 500
    # Nothing half done: the stock is back, its booking kept; the pro tries again.
    assert Stock.get(stock.id).is_deleted is False
    assert Booking.get(booking.token).status == "booked"
    install(jobs)
    assert api.delete(f"/stocks/{stock.id}", as_=scene.admin).status == 204
    jobs.run()
    assert Booking.get(booking.token).status == "cancelled"


def test_deleting_a_things_stock_lets_the_offer_have_a_new_one(api, scene):
    offer = make_offer(scene.venue, category="BOOK")
    first = api.post(f"/offers/{offer.id}/stocks", as_=scene.admin, json={"priceCents": 1200})
    assert api.delete(f"/stocks/{first.body['id']}", as_=scene.admin).status == 204
    assert api.post(f"/offers/{offer.id}/stocks", as_=scene.admin, json={"priceCents": 900}).status == 201


def test_deleting_a_stock_needs_a_member(api, scene):
    offer = make_offer(scene.venue)
    stock = make_stock(offer)
    booking = book(stock, offer, scene.venue)
    assert api.delete(f"/stocks/{stock.id}").status == 401
    assert api.delete(f"/stocks/{stock.id}", as_=scene.outsider).status == 404
    assert Stock.get(stock.id).is_deleted is False
    assert Booking.get(booking.token).status == "booked"


def test_changing_the_price_leaves_the_booking_limit_alone(api, scene):
    stock = make_stock(make_offer(scene.venue), booking_limit_at=None)  # as an import may leave it
    answer = api.patch(f"/stocks/{stock.id}", as_=scene.admin, json={"priceCents": 700})
    assert answer.status == 200 and answer.body["bookingLimitAt"] is None


def test_moving_a_date_before_its_booking_limit_is_a_400(api, scene):
    stock = make_stock(make_offer(scene.venue), begins_at=utcnow() + timedelta(days=20))
    limit = api.patch(f"/stocks/{stock.id}", as_=scene.admin, json={"bookingLimitAt": later(15)}).body
    answer = api.patch(
        f"/stocks/{stock.id}", as_=scene.admin, json={"beginsAt": later(10), "bookingLimitAt": limit["bookingLimitAt"]}
    )
    assert answer.status == 400 and list(answer.body["errors"]) == ["bookingLimitAt"]

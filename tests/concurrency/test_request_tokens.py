"""Transactions carry a ClientRequestToken: a commit whose answer was lost is retried without effect.

On the moto server twin, which honours the token as DynamoDB does
(``infra/moto_twin.py``; moto itself ignores it). "The answer was lost" is a
botocore hook that delivers the first ``TransactWriteItems`` to the twin, then
raises a read timeout, so botocore sends it again (``tests/faults.py``).
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import boto3
import pytest
from botocore.exceptions import ClientError
from chalice.test import Client

from infra import moto_twin
from infra.catalog import load_app
from passculture.models.base import utcnow
from passculture.models.bookings import Booking
from passculture.models.stocks import Stock
from passculture.models.wallets import Wallet
from tests.factories import auth, make_offer, make_offerer, make_stock, make_venue, make_young, publish
from tests.faults import answer_lost, injected


@pytest.fixture
def faults(moto_server):
    with injected() as faults:
        yield faults


@pytest.fixture
def counter(moto_server):
    """A scratch table, and a transaction that adds one to an item (applying it twice shows)."""
    dynamodb = boto3.client("dynamodb", endpoint_url=moto_server, region_name="eu-west-3")
    name = f"tokens-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

    def add(key: str, token: str, n: int = 1):
        update = {
            "TableName": name,
            "Key": {"k": {"S": key}},
            "UpdateExpression": "ADD n :n",
            "ExpressionAttributeValues": {":n": {"N": str(n)}},
        }
        return dynamodb.transact_write_items(TransactItems=[{"Update": update}], ClientRequestToken=token)

    def value(key: str) -> int:
        return int(dynamodb.get_item(TableName=name, Key={"k": {"S": key}}, ConsistentRead=True)["Item"]["n"]["N"])

    yield add, value
    dynamodb.delete_table(TableName=name)


# -- the twin keeps DynamoDB's promise ------------------------------------------------


def test_the_same_token_and_request_is_applied_once(counter):
    add, value = counter
    token = str(uuid.uuid4())
    add("a", token)
    add("a", token)
    assert value("a") == 1
    add("a", str(uuid.uuid4()))
    assert value("a") == 2


def test_the_same_token_with_other_items_is_a_mismatch(counter):
    add, value = counter
    token = str(uuid.uuid4())
    add("a", token)
    with pytest.raises(ClientError) as err:
        add("a", token, n=5)
    assert err.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    assert value("a") == 1


def test_a_token_is_forgotten_after_ten_minutes(counter, monkeypatch):
    add, value = counter
    token = str(uuid.uuid4())
    add("a", token)
    now = moto_twin._clock()
    monkeypatch.setattr(moto_twin, "_clock", lambda: now + moto_twin.REQUEST_TOKEN_SECONDS + 1)
    add("a", token)
    assert value("a") == 2


# -- lost answers ---------------------------------------------------------------------


def booking_scene():
    offer = make_offer(make_venue(make_offerer()))
    stock = make_stock(offer, quantity=10, price_cents=1_200, begins_at=utcnow() + timedelta(days=6))
    publish(offer)
    return stock, make_young()


def post(client, path, user, body=None, headers=None):
    sent = {**auth(user), "Content-Type": "application/json", **(headers or {})}
    return client.http.post(path, headers=sent, body=json.dumps(body or {}))


@pytest.mark.parametrize("key", [None, "4d1e-lost"])
def test_a_booking_whose_answer_was_lost_is_booked_once_and_answered_201(faults, key):
    stock, young = booking_scene()
    calls = faults.add("TransactWriteItems", answer_lost())
    with Client(load_app("bookings")) as client:
        headers = {"Idempotency-Key": key} if key else None
        answer = post(client, "/bookings", young, {"stockId": stock.id, "quantity": 1}, headers)
    assert answer.status_code == 201, answer.body
    assert len(calls) == 2  # delivered, then sent again by botocore
    assert [b.token for b in Booking.user_index.query(young.id)] == [answer.json_body["token"]]
    assert Stock.get(stock.id, consistent_read=True).booked == 1
    assert Wallet.get(young.id, "national", consistent_read=True).balance_cents == 50_000 - 1_200


def test_a_cancellation_whose_answer_was_lost_is_answered_200(faults):
    stock, young = booking_scene()
    with Client(load_app("bookings")) as client:
        token = post(client, "/bookings", young, {"stockId": stock.id, "quantity": 1}).json_body["token"]
        faults.add("TransactWriteItems", answer_lost())
        answer = post(client, f"/bookings/{token}/cancel", young)
    assert answer.status_code == 200, answer.body
    assert answer.json_body["status"] == "cancelled"
    assert Stock.get(stock.id, consistent_read=True).booked == 0
    assert Wallet.get(young.id, "national", consistent_read=True).balance_cents == 50_000


def test_a_retried_booking_request_with_its_key_is_answered_with_the_first_booking(moto_server):
    # The second request's transaction carries the first one's token with other items
    # (a new countermark): the twin refuses it as a mismatch, which means "already done".
    stock, young = booking_scene()
    with Client(load_app("bookings")) as client:
        body, key = {"stockId": stock.id, "quantity": 1}, {"Idempotency-Key": "8a2c-twice"}
        first = post(client, "/bookings", young, body, key)
        again = post(client, "/bookings", young, body, key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json_body["token"] == first.json_body["token"]
    assert Stock.get(stock.id, consistent_read=True).booked == 1


def test_dates_whose_answer_was_lost_are_created_once(faults):
    from tests.factories import make_member

    offerer = make_offerer()
    admin = make_member(offerer)
    offer = make_offer(make_venue(offerer), status="draft")
    begins = utcnow() + timedelta(days=30)
    body = {"stocks": [{"beginsAt": (begins + timedelta(days=n)).isoformat(), "priceCents": 0} for n in range(20)]}
    calls = faults.add("TransactWriteItems", answer_lost())
    with Client(load_app("offers")) as client:
        answer = post(client, f"/offers/{offer.id}/stocks", admin, body)
    assert answer.status_code == 201, answer.body
    assert len(calls) == 2
    assert len(list(Stock.offer_index.query(offer.id))) == 20


# -- another request retrying the same intent -----------------------------------------


def test_dates_retried_before_the_index_shows_them_are_answered_with_the_first_ones(moto_server, monkeypatch):
    from passculture.services.catalogue import stocks as stocks_service
    from tests.factories import make_member

    offerer = make_offerer()
    admin = make_member(offerer)
    offer = make_offer(make_venue(offerer), status="draft")
    begins = utcnow() + timedelta(days=30)
    body = {"stocks": [{"beginsAt": (begins + timedelta(days=n)).isoformat(), "priceCents": 0} for n in range(5)]}
    key = {"Idempotency-Key": "c3d4-dates"}
    with Client(load_app("offers")) as client:
        first = post(client, f"/offers/{offer.id}/stocks", admin, body, key)
        # The index lags: the retry's transaction reuses the first one's token with other items (a mismatch).
        monkeypatch.setattr(stocks_service, "live_stocks", lambda offer_id: [])
        again = post(client, f"/offers/{offer.id}/stocks", admin, body, key)
    assert (first.status_code, again.status_code) == (201, 200), again.body
    assert [s["id"] for s in again.json_body["stocks"]] == [s["id"] for s in first.json_body["stocks"]]
    monkeypatch.undo()
    assert len(list(Stock.offer_index.query(offer.id))) == 5


def test_a_second_cancellation_that_raced_past_the_status_check_is_refused_as_already_cancelled(moto_server):
    from passculture.errors import Gone
    from passculture.services.booking.cancellation import cancel_booking

    stock, young = booking_scene()
    with Client(load_app("bookings")) as client:
        token = post(client, "/bookings", young, {"stockId": stock.id, "quantity": 1}).json_body["token"]
    read_by_both = Booking.get(token, consistent_read=True)
    cancel_booking(Booking.get(token, consistent_read=True), f"user:{young.id}")
    # Same booking, same canceller, read while still booked: a second request, not a retry (v2: 410).
    with pytest.raises(Gone):
        cancel_booking(read_by_both, f"user:{young.id}")
    assert Wallet.get(young.id, "national", consistent_read=True).balance_cents == 50_000
    assert Stock.get(stock.id, consistent_read=True).booked == 0

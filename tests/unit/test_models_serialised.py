"""``models.base.serialised`` writes what pynamodb's ``serialize()`` writes, item for item (the import's batches)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pynamodb.exceptions import AttributeNullError

from passculture.models.base import serialised
from passculture.models.offers import Offer, PriceCategory
from passculture.models.stocks import Stock

START = datetime(2027, 3, 1, 18, 0, tzinfo=UTC)

times = st.one_of(
    st.none(),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    st.just(START.astimezone(timezone(timedelta(hours=2)))),  # the same instant in another zone
)
numbers = st.one_of(st.none(), st.integers(-(10**12), 10**12), st.floats(allow_nan=False, allow_infinity=False))
texts = st.one_of(st.none(), st.text(max_size=20))


@settings(max_examples=200, deadline=None)
@given(
    begins_at=times,
    limit=times,
    quantity=numbers,
    price=st.integers(0, 10**6),
    deleted=st.booleans(),
    external_id=texts,
)
def test_a_stock_serialises_as_pynamodb_does(begins_at, limit, quantity, price, deleted, external_id):
    stock = Stock(
        "s1",
        offer_id="o1",
        begins_key=begins_at.isoformat() if begins_at else "thing",
        begins_at=begins_at,
        price_cents=price,
        quantity=quantity,
        booking_limit_at=limit,
        is_deleted=deleted,
        external_id=external_id,
        created_at=START,
    )
    # Twice in one call: a time formatted once is reused, and must come out the same.
    assert serialised([stock, stock]) == [stock.serialize(), stock.serialize()]


def test_an_offer_with_lists_and_maps_serialises_as_pynamodb_does():
    offer = Offer(
        "o1",
        venue_id="v1",
        siren="123456789",
        name="Concert",
        category="MUSIC",
        latitude=48.8566,
        longitude=2.3522,
        next_dates=[START, START + timedelta(days=1)],
        min_price_cents=0,
        price_categories=[PriceCategory(id=1, label="Plein tarif", price_cents=1500)],
        is_duo=False,
        created_at=START,
    )
    bare = Offer("o2", venue_id="v1", siren="123456789", name="Atelier", category="ART_CLASS", created_at=START)
    assert serialised([offer, bare]) == [offer.serialize(), bare.serialize()]


def test_a_missing_required_attribute_is_refused_like_pynamodb():
    stock = Stock("s1", offer_id="o1", begins_key="thing")  # no created_at
    with pytest.raises(AttributeNullError) as pynamodb_error:
        stock.serialize()
    with pytest.raises(AttributeNullError) as ours:
        serialised([stock])
    assert str(ours.value) == str(pynamodb_error.value)


def test_new_item_makes_the_item_the_constructor_makes():
    from passculture.models.base import new_item

    values = {
        "offer_id": "o1",
        "begins_key": START.isoformat(),
        "begins_at": START,
        "price_cents": 1500,
        "quantity": None,
        "booking_limit_at": START - timedelta(days=1),
        "external_id": "uid|20270301T180000Z",
        "offer_copy": {"name": "Concert", "is_duo": False, "public_id": 12},
        "created_at": START,
    }
    built, made = Stock("s1", **values), new_item(Stock, id="s1", **values)
    assert type(made) is Stock and made.serialize() == built.serialize()
    assert serialised([made]) == [built.serialize()]
    # Defaults for new items are set as the constructor sets them; attributes read through the descriptors.
    assert made.booked == built.booked == 0 and made.is_deleted is built.is_deleted is False
    assert made.offer_copy.as_dict() == built.offer_copy.as_dict() and made.quantity is None
    with pytest.raises(ValueError, match="nope"):
        new_item(Stock, id="s2", nope=1)


def test_copies_shared_by_new_items_serialise_as_each_item_alone():
    from passculture.models.base import assign_shared, new_item

    stocks = [new_item(Stock, id=f"s{n}", offer_id="o1", begins_key="thing", created_at=START) for n in range(3)]
    assign_shared(stocks, offer_copy={"name": "Concert"}, venue_copy={"city": "Montreuil"}, siren="123456789")
    alone = Stock("s0", offer_id="o1", begins_key="thing", created_at=START, siren="123456789")
    alone.offer_copy, alone.venue_copy = {"name": "Concert"}, {"city": "Montreuil"}
    assert stocks[0].offer_copy is stocks[2].offer_copy  # one map for all
    assert serialised(stocks)[0] == alone.serialize()
    assert [s.serialize() for s in stocks] == serialised(stocks)


def test_plain_request_items_make_the_body_botocores_walk_makes(aws):
    from passculture.adapters.aws import plain_request_items

    stock = Stock("s1", offer_id="o1", begins_key=START.isoformat(), begins_at=START, created_at=START)
    stock.offer_copy, stock.quantity = {"name": "Concert", "is_duo": False, "public_id": 12}, 30
    offer = Offer("o1", venue_id="v1", siren="1", name="Concert", category="MUSIC", created_at=START)
    offer.next_dates, offer.latitude = [START], 48.85
    items = {"t": [{"PutRequest": {"Item": raw}} for raw in serialised([stock, offer])]}
    client = Stock._get_connection().connection.client
    operation = client.meta.service_model.operation_model("BatchWriteItem")
    params = {"RequestItems": items, "ReturnConsumedCapacity": "TOTAL"}
    walked = client._serializer._inner.serialize_to_request(params, operation)
    with plain_request_items(items):
        plain = client._serializer.serialize_to_request(params, operation)
    assert plain["body"] == walked["body"] and plain["headers"] == walked["headers"]
    assert client._serializer.serialize_to_request(params, operation)["body"] == walked["body"], "unmarked: walked"
    # Binary is not plain JSON: botocore's walk encodes it, as without the marker.
    binary = {"t": [{"PutRequest": {"Item": {"id": {"S": "x"}, "b": {"B": b"\x00\x01"}}}}]}
    with plain_request_items(binary):
        marked = client._serializer.serialize_to_request({"RequestItems": binary}, operation)
    assert marked["body"] == client._serializer._inner.serialize_to_request({"RequestItems": binary}, operation)["body"]


def test_batch_put_sends_what_dynamodb_left_unprocessed_again(aws, monkeypatch):
    from pynamodb.exceptions import PutError

    from passculture.models import base

    sent = []
    table = Stock.Meta.table_name

    def dispatch(operation, kwargs):
        puts = kwargs["RequestItems"][table]
        sent.append(len(puts))
        left = puts[1:] if len(sent) < 3 else []  # one item processed per call, then all
        return {"UnprocessedItems": {table: left} if left else {}}

    monkeypatch.setattr(Stock._get_connection().connection, "dispatch", dispatch)
    monkeypatch.setattr(base, "backoff", lambda attempt: None)
    raw = serialised([Stock(f"s{n}", offer_id="o1", begins_key="thing", created_at=START) for n in range(5)])
    base.batch_put(Stock, raw)
    assert sent == [5, 4, 3]
    sent.clear()
    monkeypatch.setattr(Stock.Meta, "max_retry_attempts", 2)
    with pytest.raises(PutError, match="max_retry_attempts"):
        base.batch_put(Stock, raw)
    with pytest.raises(ValueError, match="at most 25"):
        base.batch_put(Stock, raw * 6)

"""A big stock split over shards: created by the stock routes, booked, sold out, changed, cancelled, deleted."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

from infra.catalog import load_app
from passculture.models.bookings import Booking
from passculture.models.offers import Offer
from passculture.models.stocks import Stock
from passculture.services.booking.places import read_shards, shard_count_for
from tests.api.offers_support import build_scene, later, offers_api
from tests.factories import auth, make_offer, make_stock, make_young, publish


@pytest.fixture
def api(aws):
    yield from offers_api()


@pytest.fixture
def scene(aws):
    return build_scene()


@pytest.fixture
def bookings(aws):
    with Client(load_app("bookings")) as c:
        yield c


def post_booking(client, user, stock_id, quantity=1):
    return client.http.post(
        "/bookings",
        body=json.dumps({"stockId": stock_id, "quantity": quantity}),
        headers={"Content-Type": "application/json", **auth(user)},
    )


def shards_of(stock_id):
    return {int(s.n): s for s in read_shards(Stock.get(stock_id))}


def test_the_number_of_shards_follows_the_quantity_up_to_64():
    assert [shard_count_for(q) for q in (None, 0, 199, 200, 1_000, 6_399, 6_400, 1_000_000)] == [
        1, 1, 1, 2, 10, 63, 64, 64,
    ]  # fmt: skip
    assert shard_count_for(1_000, asked=64) == 64 and shard_count_for(3, asked=10) == 3
    assert shard_count_for(None, asked=8) == 1


def test_a_big_date_is_created_split_over_shards(api, scene):
    offer = make_offer(scene.venue)
    big = api.post(
        f"/offers/{offer.id}/stocks", as_=scene.admin, json={"beginsAt": later(), "priceCents": 0, "quantity": 1_005}
    )
    assert big.status == 201, big.body
    assert (big.body["shards"], big.body["remainingQuantity"]) == (10, 1_005)
    shards = shards_of(big.body["id"])
    assert sorted(shards) == list(range(10))
    assert [int(s.quantity) for s in shards.values()] == [101] * 5 + [100] * 5
    assert all(int(s.left) == int(s.quantity) and int(s.booked) == 0 for s in shards.values())

    small = api.post(
        f"/offers/{offer.id}/stocks", as_=scene.admin, json={"beginsAt": later(9), "priceCents": 0, "quantity": 150}
    )
    assert small.body["shards"] == 1 and shards_of(small.body["id"]) == {}
    chosen = api.post(
        f"/offers/{offer.id}/stocks",
        as_=scene.admin,
        json={"beginsAt": later(8), "priceCents": 0, "quantity": 40, "shards": 4},
    )
    assert chosen.body["shards"] == 4 and len(shards_of(chosen.body["id"])) == 4


@pytest.mark.parametrize("bad", [0, 65, "many"])
def test_a_bad_number_of_shards_is_a_400_naming_it(api, scene, bad):
    offer = make_offer(scene.venue)
    answer = api.post(
        f"/offers/{offer.id}/stocks",
        as_=scene.admin,
        json={"beginsAt": later(), "priceCents": 0, "quantity": 400, "shards": bad},
    )
    assert answer.status == 400 and list(answer.body["errors"]) == ["shards"]


def test_a_booking_takes_its_place_from_one_shard_and_its_cancellation_gives_it_back(api, scene, bookings):
    offer = make_offer(scene.venue, is_duo=True)
    stock = make_stock(offer, quantity=1_000, price_cents=500, shards=10)
    publish(offer)
    young = make_young()
    answer = post_booking(bookings, young, stock.id, quantity=2)
    assert answer.status_code == 201, answer.json_body
    booking = Booking.get(answer.json_body["token"])
    taken = booking.shards.as_dict()
    assert sum(taken.values()) == 2
    for n, places in taken.items():
        assert int(shards_of(stock.id)[int(n)].booked) == places
    assert Stock.get(stock.id).booked == 0  # the hot item is not written
    shown = api.get(f"/offers/{offer.id}", as_=scene.admin).body["stocks"][0]
    assert (shown["booked"], shown["remainingQuantity"]) == (2, 998)

    assert bookings.http.post(f"/bookings/{booking.token}/cancel", headers=auth(young)).status_code == 200
    assert all(int(s.booked) == 0 and int(s.left) == int(s.quantity) for s in shards_of(stock.id).values())


def test_the_last_places_spread_over_shards_sell_exactly_and_then_it_is_sold_out(bookings, scene):
    offer = make_offer(scene.venue, is_duo=True)
    stock = make_stock(offer, quantity=3, price_cents=0, shards=3)  # one place per shard
    publish(offer)
    duo = post_booking(bookings, make_young(), stock.id, quantity=2)
    assert duo.status_code == 201, duo.json_body  # no shard has two: it takes one from two shards
    assert len(Booking.get(duo.json_body["token"]).shards.as_dict()) == 2
    second_duo = post_booking(bookings, make_young(), stock.id, quantity=2)
    assert second_duo.status_code == 409
    assert second_duo.json_body["errors"] == {"quantity": ["Only 1 place left"]}
    assert post_booking(bookings, make_young(), stock.id).status_code == 201
    refused = post_booking(bookings, make_young(), stock.id)
    assert refused.status_code == 409 and refused.json_body["errors"] == {"stockId": ["Sold out: no place left"]}
    assert sum(int(s.booked) for s in shards_of(stock.id).values()) == 3
    assert not Offer.get(offer.id).in_feed  # the date is full: the offer left the feed


def test_the_quantity_is_redistributed_and_never_lowered_below_what_is_booked(api, scene, bookings):
    offer = make_offer(scene.venue)
    stock = make_stock(offer, quantity=400, price_cents=0, shards=4)
    publish(offer)
    for _ in range(3):
        assert post_booking(bookings, make_young(), stock.id).status_code == 201

    lowered = api.patch(f"/stocks/{stock.id}", as_=scene.editor, json={"quantity": 2})
    assert lowered.status == 409 and "3 places" in lowered.body["errors"]["quantity"][0]
    raised = api.patch(f"/stocks/{stock.id}", as_=scene.editor, json={"quantity": 10})
    assert raised.status == 200, raised.body
    assert (raised.body["quantity"], raised.body["booked"], raised.body["remainingQuantity"]) == (10, 3, 7)
    shards = shards_of(stock.id).values()
    assert sum(int(s.quantity) for s in shards) == 10 and sum(int(s.left) for s in shards) == 7
    assert all(int(s.quantity) == int(s.booked) + int(s.left) for s in shards)
    exact = api.patch(f"/stocks/{stock.id}", as_=scene.editor, json={"quantity": 3})
    assert exact.status == 200 and exact.body["remainingQuantity"] == 0
    assert post_booking(bookings, make_young(), stock.id).status_code == 409
    unlimited = api.patch(f"/stocks/{stock.id}", as_=scene.editor, json={"quantity": None})
    assert unlimited.status == 400 and list(unlimited.body["errors"]) == ["quantity"]


def test_a_moved_date_moves_its_shards_and_a_deleted_one_takes_no_booking(api, scene, bookings):
    offer = make_offer(scene.venue)
    stock = make_stock(offer, quantity=400, price_cents=0, shards=4)
    publish(offer)
    moved = api.patch(f"/stocks/{stock.id}", as_=scene.editor, json={"beginsAt": later(20)})
    assert moved.status == 200, moved.body
    key = Stock.get(stock.id).begins_key
    assert {s.begins_key for s in shards_of(stock.id).values()} == {key}
    assert post_booking(bookings, make_young(), stock.id).status_code == 201

    assert api.delete(f"/stocks/{stock.id}", as_=scene.editor).status == 204
    assert all(s.is_deleted for s in shards_of(stock.id).values())
    assert post_booking(bookings, make_young(), stock.id).status_code == 404

"""POST /bookings in two round trips: the user, the stock (with its copies) and the structure in one batch."""

from __future__ import annotations

import pytest

from bench.counting import count_dynamodb_calls, count_round_trips
from passculture.models.bookings import Booking
from passculture.models.offerers import Offerer
from passculture.models.offers import Offer
from passculture.models.stocks import Stock
from passculture.models.users import User
from passculture.models.wallets import Wallet
from passculture.services.stock_ids import new_stock_id, siren_of
from tests.api.bookings_support import bookings_client, post_booking
from tests.factories import auth, make_offer, make_offerer, make_stock, make_user, make_venue, make_young, publish


@pytest.fixture
def client(aws):
    yield from bookings_client()


@pytest.fixture
def venue(aws):
    return make_venue(make_offerer())


@pytest.fixture
def young(aws):
    return make_young()


def copied_scene(venue, **stock):
    offer = make_offer(venue, **{name: stock.pop(name) for name in ("is_duo",) if name in stock})
    made = make_stock(offer, copied=True, **stock)
    publish(offer)
    return offer, made


def test_a_booking_reads_one_batch_beside_the_wallets_then_commits(client, venue, young):
    offer, stock = copied_scene(venue, price_cents=1200)
    assert siren_of(stock.id) == venue.siren
    with count_dynamodb_calls() as calls:
        answer = post_booking(client, young, stock.id)
    assert answer.status_code == 201, answer.json_body
    assert calls == {"BatchGetItem": 1, "Query": 1, "TransactWriteItems": 1}
    assert count_round_trips(calls) == 2
    booking = answer.json_body["booking"]
    assert booking["offer"] == {"id": offer.id, "name": offer.name, "category": "LIVE_SHOW"}
    assert booking["venue"]["id"] == venue.id and booking["venue"]["address"] == venue.address
    assert booking["venue"]["city"] == venue.city
    stored = Booking.get(answer.json_body["token"])
    assert (stored.venue_name, stored.venue_department_code, stored.siren) == (venue.name, "75", venue.siren)
    assert stored.offer_public_id == offer.public_id and stored.venue_public_id == venue.public_id
    assert Stock.get(stock.id).booked == 1


def test_a_cancellation_reads_one_batch_then_commits_beside_the_stock_and_venue(client, venue, young):
    _, stock = copied_scene(venue, price_cents=1200)
    token = post_booking(client, young, stock.id).json_body["token"]
    with count_dynamodb_calls() as calls:
        answer = client.http.post(f"/bookings/{token}/cancel", headers=auth(young))
    assert answer.status_code == 200, answer.json_body
    assert calls == {"BatchGetItem": 2, "TransactWriteItems": 1}
    assert count_round_trips(calls) == 2
    assert answer.json_body["status"] == "cancelled" and answer.json_body["venue"]["city"] == venue.city
    assert Stock.get(stock.id).booked == 0 and Wallet.get(young.id, "national").balance_cents == 50_000


def test_a_deleted_or_disabled_account_is_401_and_a_pro_403(client, venue):
    _, stock = copied_scene(venue)
    gone, disabled = make_young(), make_young()
    User(gone.id).delete()
    User(disabled.id).update(actions=[User.is_active.set(False)])
    assert post_booking(client, gone, stock.id).status_code == 401
    assert post_booking(client, disabled, stock.id).status_code == 401
    pro = post_booking(client, make_user({"pro"}), stock.id)
    assert pro.status_code == 403 and "global" in pro.json_body["errors"]
    unconfirmed = post_booking(client, make_young(confirmed=False), stock.id)
    assert unconfirmed.status_code == 403 and "email" in unconfirmed.json_body["errors"]
    assert Stock.get(stock.id).booked == 0


def test_a_structure_set_aside_is_read_in_the_batch_and_refused(client, venue, young):
    _, stock = copied_scene(venue)
    Offerer(venue.siren).update(actions=[Offerer.status.set("rejected")])  # its refresh never ran
    with count_dynamodb_calls() as calls:
        answer = post_booking(client, young, stock.id)
    assert answer.status_code == 404 and answer.json_body["errors"] == {"stockId": ["No such stock"]}
    assert calls == {"BatchGetItem": 1, "Query": 1}


def test_an_id_naming_another_structure_is_404(client, venue, young):
    _, stock = copied_scene(venue)
    other = make_offerer()
    forged = Stock.get(stock.id)
    forged.id = new_stock_id(other.siren, stock.id[7:])
    forged.save()  # the same stock under an id that names another structure
    assert post_booking(client, young, forged.id).status_code == 404


def test_an_offer_unpublished_after_the_read_is_refused_by_the_condition(client, venue, young, monkeypatch):
    from passculture.services.booking import bookings

    _, stock = copied_scene(venue)
    real = bookings._commit

    def unpublished_meanwhile(*args, **kwargs):
        Stock(stock.id).update(actions=[Stock.offer_state.set("inactive")])
        return real(*args, **kwargs)

    monkeypatch.setattr(bookings, "_commit", unpublished_meanwhile)
    answer = post_booking(client, young, stock.id)
    assert answer.status_code == 404 and answer.json_body["errors"] == {"stockId": ["No such stock"]}
    assert Stock.get(stock.id).booked == 0
    assert Wallet.get(young.id, "national").balance_cents == 50_000


def test_an_unpublished_copy_is_404_without_reading_the_offer(client, venue, young):
    offer, stock = copied_scene(venue)
    Offer(offer.id).update(actions=[Offer.status.set("inactive")])
    Stock(stock.id).update(actions=[Stock.offer_state.set("inactive")])
    with count_dynamodb_calls() as calls:
        assert post_booking(client, young, stock.id).status_code == 404
    assert calls == {"BatchGetItem": 1, "Query": 1}


def test_a_duo_and_the_sold_out_refusals_come_from_the_copy(client, venue, young):
    _, solo = copied_scene(venue)
    answer = post_booking(client, young, solo.id, quantity=2)
    assert answer.status_code == 400 and "quantity" in answer.json_body["errors"]
    _, duo = copied_scene(venue, is_duo=True, quantity=3, booked=2)
    answer = post_booking(client, young, duo.id, quantity=2)
    assert answer.status_code == 409 and "quantity" in answer.json_body["errors"]
    _, full = copied_scene(venue, quantity=2, booked=2)
    answer = post_booking(client, young, full.id)
    assert answer.status_code == 409 and "stockId" in answer.json_body["errors"]


def test_a_stock_made_before_copies_is_booked_as_before(client, venue, young):
    offer = make_offer(venue)
    stock = make_stock(offer, price_cents=700)  # a bare uuid, no copies, never refreshed
    with count_dynamodb_calls() as calls:
        answer = post_booking(client, young, stock.id)
    assert answer.status_code == 201, answer.json_body
    assert calls == {"BatchGetItem": 1, "Query": 1, "GetItem": 3, "TransactWriteItems": 1}
    assert answer.json_body["booking"]["venue"]["address"] == venue.address
    assert Booking.get(answer.json_body["token"]).venue_name == venue.name


def test_in_the_free_only_phase_a_priced_stock_made_before_copies_is_not_bookable(client, venue, young, monkeypatch):
    from passculture.config import get_settings

    stock = make_stock(make_offer(venue), price_cents=700)  # read through its offer, as before copies
    free = make_stock(make_offer(venue), price_cents=0)
    monkeypatch.setenv("FREE_OFFERS_ONLY", "true")
    get_settings.cache_clear()
    try:
        assert post_booking(client, young, stock.id).status_code == 404
        assert post_booking(client, young, free.id).status_code == 201
    finally:
        monkeypatch.delenv("FREE_OFFERS_ONLY")
        get_settings.cache_clear()


def test_my_bookings_are_one_query_then_one_batch_of_the_venues_and_the_user(client, venue, young):
    _, stock = copied_scene(venue)
    other_venue = make_venue(make_offerer())
    _, other = copied_scene(other_venue)
    for made in (stock, other):
        assert post_booking(client, young, made.id).status_code == 201
    with count_dynamodb_calls() as calls:
        answer = client.http.get("/bookings", headers=auth(young))
    assert answer.status_code == 200, answer.json_body
    assert calls == {"Query": 1, "BatchGetItem": 1}
    assert count_round_trips(calls) == 2
    cities = {item["venue"]["id"]: item["venue"]["city"] for item in answer.json_body["items"]}
    assert cities == {venue.id: venue.city, other_venue.id: other_venue.city}


def test_my_bookings_are_refused_to_a_deleted_or_disabled_account_even_with_no_booking(client, venue):
    _, stock = copied_scene(venue)
    booker, disabled, gone = make_young(), make_young(), make_young()
    assert post_booking(client, booker, stock.id).status_code == 201
    User(gone.id).delete()
    User(disabled.id).update(actions=[User.is_active.set(False)])
    booker_headers = auth(booker)
    User(booker.id).update(actions=[User.is_active.set(False)])  # disabled after its booking
    for headers, message in (
        (auth(gone), "The access token is invalid"),
        (auth(disabled), "This account is disabled"),
        (booker_headers, "This account is disabled"),
    ):
        answer = client.http.get("/bookings", headers=headers)
        assert answer.status_code == 401
        assert answer.json_body == {"errors": {"global": [message]}}


def test_a_keyed_retry_is_answered_with_its_first_booking_and_the_venue_the_stock_copied(client, venue, young):
    _, stock = copied_scene(venue, price_cents=800)
    key = {"Idempotency-Key": "tap-42"}
    first = post_booking(client, young, stock.id, headers=key)
    assert first.status_code == 201
    with count_dynamodb_calls() as calls:
        again = post_booking(client, young, stock.id, headers=key)
    assert again.status_code == 200 and again.json_body["token"] == first.json_body["token"]
    assert again.json_body["booking"]["venue"]["city"] == venue.city
    # The first batch, the transaction its key refuses, then the key's guard and its booking: no venue read.
    assert calls == {"BatchGetItem": 1, "Query": 1, "TransactWriteItems": 1, "GetItem": 2}
    assert Stock.get(stock.id).booked == 1 and Wallet.get(young.id, "national").balance_cents == 50_000 - 800

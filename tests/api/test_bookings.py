"""POST /bookings: each booking rule, one by one, through the bookings function."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from chalice.test import Client

from infra.catalog import load_app
from passculture.models.base import utcnow
from passculture.models.bookings import Booking
from passculture.models.stocks import Stock
from passculture.models.uniques import Unique
from passculture.models.wallets import Wallet
from passculture.rules.countermark import ALPHABET
from passculture.services.booking.cancellation import booking_guard_key
from tests.api.bookings_support import bookings_client, post_booking
from tests.factories import (
    auth,
    make_local_credit,
    make_offer,
    make_offerer,
    make_stock,
    make_team_user,
    make_user,
    make_venue,
    make_young,
    publish,
)


@pytest.fixture
def client(aws):
    yield from bookings_client()


@pytest.fixture
def venue(aws):
    return make_venue(make_offerer())


@pytest.fixture
def young(aws):
    return make_young()


def scene(venue, *, category="LIVE_SHOW", is_duo=False, **stock):
    offer = make_offer(venue, category=category, is_duo=is_duo)
    made = make_stock(offer, **stock)
    publish(offer)
    return offer, made


def national(user):
    return Wallet.get(user.id, "national")


def test_a_young_user_books_and_gets_a_countermark(client, venue, young):
    offer, stock = scene(venue, price_cents=1200)
    answer = post_booking(client, young, stock.id)
    assert answer.status_code == 201, answer.json_body
    token = answer.json_body["token"]
    assert len(token) == 6 and set(token) <= set(ALPHABET)
    booking = answer.json_body["booking"]
    assert booking["token"] == token and booking["status"] == "booked"
    assert booking["offer"] == {"id": offer.id, "name": offer.name, "category": "LIVE_SHOW"}
    assert booking["venue"]["address"] == venue.address and booking["amountCents"] == 1200
    assert booking["debits"] == {"national": 1200}
    assert Stock.get(stock.id).booked == 1
    assert national(young).balance_cents == 50_000 - 1200
    stored = Booking.get(token)
    assert (stored.user_email, stored.user_public_name, stored.cap_kind) == (young.email, young.public_name, None)
    # What the countermark API shows, copied so that it needs no venue or user read.
    assert (stored.venue_name, stored.venue_address, stored.venue_department_code, stored.user_date_of_birth) == (
        venue.name,
        venue.address,
        venue.department_code,
        young.date_of_birth,
    )


def test_anonymous_gets_401(client, venue):
    _, stock = scene(venue)
    assert post_booking(client, None, stock.id).status_code == 401


def test_a_pro_is_not_eligible(client, venue):
    _, stock = scene(venue)
    answer = post_booking(client, make_user({"pro"}), stock.id)
    assert answer.status_code == 403
    assert "global" in answer.json_body["errors"]


def test_email_not_confirmed_is_403_on_email(client, venue):
    _, stock = scene(venue)
    answer = post_booking(client, make_young(confirmed=False), stock.id)
    assert answer.status_code == 403
    assert "email" in answer.json_body["errors"]


def test_a_young_user_without_credit_is_not_eligible(client, venue):
    _, stock = scene(venue)
    answer = post_booking(client, make_young(credit_cents=None), stock.id)
    assert answer.status_code == 403
    assert "credit" in answer.json_body["errors"]["global"][0]


def test_unknown_stock_is_404(client, young):
    answer = post_booking(client, young, "no-such-stock")
    assert answer.status_code == 404
    assert "stockId" in answer.json_body["errors"]


def test_a_stock_of_an_offer_not_published_is_404(client, venue, young):
    offer = make_offer(venue, status="pending")
    stock = make_stock(offer)
    assert post_booking(client, young, stock.id).status_code == 404


def test_a_deleted_stock_is_404(client, venue, young):
    _, stock = scene(venue, is_deleted=True)
    assert post_booking(client, young, stock.id).status_code == 404


@pytest.mark.parametrize("status", ["rejected", "deleted"])
def test_a_structure_the_team_set_aside_is_not_bookable_though_its_refresh_failed(client, young, status, monkeypatch):
    offerer = make_offerer(status="validated")
    _, stock = scene(make_venue(offerer))
    assert post_booking(client, make_young(), stock.id).status_code == 201

    def refresh_down(kind, args):
        raise TimeoutError("the offers' job could not start")

    monkeypatch.setattr("passculture.services.jobs.start_job", refresh_down)
    with Client(load_app("validation")) as validation:
        answer = validation.http.patch(
            f"/admin/offerers/{offerer.siren}",
            body=json.dumps({"status": status}),
            headers={"Content-Type": "application/json", **auth(make_team_user())},
        )
    assert answer.status_code == 500  # the status is saved; the offers still look published
    refused = post_booking(client, young, stock.id)
    assert refused.status_code == 404
    assert refused.json_body == {"errors": {"stockId": ["No such stock"]}}
    assert Stock.get(stock.id).booked == 1
    assert national(young).balance_cents == 50_000


def test_bad_input_is_400_naming_the_fields(client, young):
    answer = client.http.post(
        "/bookings",
        body=json.dumps({"quantity": 3}),
        headers={"Content-Type": "application/json", **auth(young)},
    )
    assert answer.status_code == 400
    assert set(answer.json_body["errors"]) == {"stockId", "quantity"}


def test_two_places_only_on_duo_offers(client, venue, young):
    _, solo = scene(venue, price_cents=1000)
    answer = post_booking(client, young, solo.id, quantity=2)
    assert answer.status_code == 400
    assert "quantity" in answer.json_body["errors"]
    _, duo = scene(venue, is_duo=True, price_cents=1000)
    answer = post_booking(client, young, duo.id, quantity=2)
    assert answer.status_code == 201
    assert answer.json_body["booking"]["amountCents"] == 2000
    assert Stock.get(duo.id).booked == 2


def test_sold_out_is_409_on_stock_id(client, venue, young):
    _, stock = scene(venue, quantity=3, booked=3)
    answer = post_booking(client, young, stock.id)
    assert answer.status_code == 409
    assert "stockId" in answer.json_body["errors"]
    assert national(young).balance_cents == 50_000


def test_one_place_left_for_a_duo_is_409_on_quantity(client, venue, young):
    _, stock = scene(venue, is_duo=True, quantity=3, booked=2)
    answer = post_booking(client, young, stock.id, quantity=2)
    assert answer.status_code == 409
    assert "quantity" in answer.json_body["errors"]
    assert Stock.get(stock.id).booked == 2


def test_unlimited_stocks_never_sell_out(client, venue):
    _, stock = scene(venue, quantity=None, booked=10_000)
    assert post_booking(client, make_young(), stock.id).status_code == 201
    assert Stock.get(stock.id).booked == 10_001


def test_booking_closed_is_409(client, venue, young):
    _, stock = scene(venue, booking_limit_at=utcnow() - timedelta(minutes=1))
    answer = post_booking(client, young, stock.id)
    assert answer.status_code == 409
    assert "closed" in answer.json_body["errors"]["stockId"][0]


def test_event_past_is_409(client, venue, young):
    offer = make_offer(venue)
    make_stock(offer)  # keeps the offer published
    past = make_stock(offer, begins_at=utcnow() - timedelta(hours=1))
    publish(offer)
    answer = post_booking(client, young, past.id)
    assert answer.status_code == 409
    assert "already taken place" in answer.json_body["errors"]["stockId"][0]


def test_already_booked_is_409_and_debits_once(client, venue, young):
    _, stock = scene(venue, price_cents=1000)
    assert post_booking(client, young, stock.id).status_code == 201
    answer = post_booking(client, young, stock.id)
    assert answer.status_code == 409
    assert "already booked" in answer.json_body["errors"]["stockId"][0]
    assert Stock.get(stock.id).booked == 1
    assert national(young).balance_cents == 49_000


def test_not_enough_credit_is_409(client, venue):
    poor = make_young(credit_cents=500)
    _, stock = scene(venue, price_cents=1000)
    answer = post_booking(client, poor, stock.id)
    assert answer.status_code == 409
    assert "Not enough credit" in answer.json_body["errors"]["global"][0]
    assert Stock.get(stock.id).booked == 0
    assert national(poor).balance_cents == 500


def test_the_physical_cap_limits_things_but_not_events(client, venue, young):
    _, book = scene(venue, category="BOOK", event=False, price_cents=25_000)
    answer = post_booking(client, young, book.id)
    assert answer.status_code == 409
    assert "physical goods" in answer.json_body["errors"]["global"][0]
    _, show = scene(venue, price_cents=25_000)
    assert post_booking(client, young, show.id).status_code == 201
    wallet = national(young)
    assert (wallet.balance_cents, wallet.physical_spent_cents) == (25_000, 0)


def test_things_count_against_the_physical_cap_digital_offers_against_the_digital_one(client, venue, young):
    _, book = scene(venue, category="BOOK", event=False, price_cents=1500)
    digital_venue = make_venue(make_offerer(), virtual=True)
    _, press = scene(digital_venue, category="PRESS", event=False, price_cents=700)
    assert post_booking(client, young, book.id).status_code == 201
    assert post_booking(client, young, press.id).status_code == 201
    wallet = national(young)
    assert (wallet.physical_spent_cents, wallet.digital_spent_cents) == (1500, 700)
    assert Booking.get(token_of(young, press.id)).cap_kind == "digital"


def token_of(user, stock_id):
    guard = Unique.get(booking_guard_key(user.id, stock_id))
    return guard.target


def test_a_free_offer_debits_nothing(client, venue):
    broke = make_young(credit_cents=0)
    _, stock = scene(venue, price_cents=0)
    answer = post_booking(client, broke, stock.id)
    assert answer.status_code == 201
    assert answer.json_body["booking"]["debits"] == {}
    assert answer.json_body["booking"]["amountCents"] == 0
    assert national(broke).balance_cents == 0


def test_a_local_credit_in_perimeter_pays_first(client, venue, young):
    credit = make_local_credit(young, amount_cents=3_000, perimeter={"categories": ["BOOK"]})
    _, book = scene(venue, category="BOOK", event=False, price_cents=5_000)
    answer = post_booking(client, young, book.id)
    assert answer.status_code == 201
    assert answer.json_body["booking"]["debits"] == {credit.credit_id: 3_000, "national": 2_000}
    assert Wallet.get(young.id, credit.credit_id).balance_cents == 0
    wallet = national(young)
    assert (wallet.balance_cents, wallet.physical_spent_cents) == (48_000, 2_000)


def test_a_local_credit_outside_its_perimeter_pays_nothing(client, venue, young):
    credit = make_local_credit(young, perimeter={"venueIds": ["another-venue"]})
    _, show = scene(venue, price_cents=1_000)
    answer = post_booking(client, young, show.id)
    assert answer.json_body["booking"]["debits"] == {"national": 1_000}
    assert Wallet.get(young.id, credit.credit_id).balance_cents == 3_000


def test_paid_offers_are_not_bookable_while_free_offers_only(client, venue, young, monkeypatch):
    from dataclasses import replace

    from passculture.config import get_settings

    _, stock = scene(venue, price_cents=1000)
    free_only = replace(get_settings(), free_offers_only=True)
    monkeypatch.setattr("passculture.services.booking.bookings.get_settings", lambda: free_only)
    assert post_booking(client, young, stock.id).status_code == 404


# -- idempotency ---------------------------------------------------------------


def test_a_retry_with_the_same_idempotency_key_answers_the_first_booking(client, venue, young):
    _, stock = scene(venue, price_cents=1000, quantity=1)
    key = {"Idempotency-Key": "6f1c1a36-3f3c-4b7e-9f0e-1c2d3e4f5a6b"}
    first = post_booking(client, young, stock.id, headers=key)
    again = post_booking(client, young, stock.id, headers=key)
    assert first.status_code == 201
    # The retry comes after the last place went to the first request: still its booking, not "sold out".
    assert again.status_code == 200, again.json_body
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json_body["token"] == first.json_body["token"]
    assert Stock.get(stock.id).booked == 1
    assert national(young).balance_cents == 49_000


def test_an_idempotency_key_reused_for_another_stock_is_409(client, venue, young):
    _, one = scene(venue)
    _, other = scene(venue)
    key = {"Idempotency-Key": "key-1"}
    assert post_booking(client, young, one.id, headers=key).status_code == 201
    answer = post_booking(client, young, other.id, headers=key)
    assert answer.status_code == 409
    assert "Idempotency-Key" in answer.json_body["errors"]


def test_a_malformed_idempotency_key_is_400(client, venue, young):
    _, stock = scene(venue)
    answer = post_booking(client, young, stock.id, headers={"Idempotency-Key": "x" * 200})
    assert answer.status_code == 400
    assert "Idempotency-Key" in answer.json_body["errors"]


# -- races decided by the transaction's conditions -----------------------------


def test_a_countermark_collision_draws_a_new_code(client, venue, young, monkeypatch):
    _, taken = scene(venue, price_cents=0)
    first = post_booking(client, make_young(), taken.id).json_body["token"]
    _, stock = scene(venue, price_cents=1000)
    codes = iter([first, "ZZZZ22"])
    monkeypatch.setattr("passculture.services.booking.bookings.new_countermark", lambda: next(codes))
    answer = post_booking(client, young, stock.id)
    assert answer.status_code == 201
    assert answer.json_body["token"] == "ZZZZ22"
    assert Stock.get(stock.id).booked == 1
    assert national(young).balance_cents == 49_000
    assert Booking.get(first).user_id != young.id


def test_a_stock_sold_out_after_it_was_read_is_refused_by_the_condition(client, venue, young, monkeypatch):
    from passculture.services.booking import bookings

    _, stock = scene(venue, quantity=2, booked=0)
    stale = Stock.get(stock.id)
    Stock(stock.id).update(actions=[Stock.booked.set(2)])
    reads = iter([stale])
    real = bookings._find_stock
    monkeypatch.setattr(bookings, "_find_stock", lambda sid: next(reads, None) or real(sid))
    answer = post_booking(client, young, stock.id)
    assert answer.status_code == 409
    assert "Sold out" in answer.json_body["errors"]["stockId"][0]
    assert Stock.get(stock.id).booked == 2
    assert national(young).balance_cents == 50_000


def test_a_wallet_spent_after_it_was_read_is_refused_by_the_condition(client, venue, young, monkeypatch):
    from passculture.services.booking import bookings

    _, stock = scene(venue, price_cents=1000)
    stale = list(Wallet.query(young.id))
    Wallet(young.id, "national").update(actions=[Wallet.balance_cents.set(100)])
    reads = iter([stale])
    real = bookings.wallets_of
    monkeypatch.setattr(bookings, "wallets_of", lambda uid: next(reads, None) or real(uid))
    answer = post_booking(client, young, stock.id)
    assert answer.status_code == 409
    assert "Not enough credit" in answer.json_body["errors"]["global"][0]
    assert Stock.get(stock.id).booked == 0
    assert national(young).balance_cents == 100


def test_a_cap_reached_after_it_was_read_is_refused_by_the_condition(client, venue, young, monkeypatch):
    from passculture.services.booking import bookings

    _, stock = scene(venue, category="BOOK", event=False, price_cents=1000)
    stale = list(Wallet.query(young.id))
    Wallet(young.id, "national").update(actions=[Wallet.physical_spent_cents.set(19_500)])
    reads = iter([stale])
    real = bookings.wallets_of
    monkeypatch.setattr(bookings, "wallets_of", lambda uid: next(reads, None) or real(uid))
    answer = post_booking(client, young, stock.id)
    assert answer.status_code == 409
    assert "physical goods" in answer.json_body["errors"]["global"][0]
    assert national(young).balance_cents == 50_000


def test_the_last_place_takes_the_offer_out_of_the_feed_and_a_cancellation_brings_it_back(client, venue, young):
    from passculture.models.offers import Offer

    offer, stock = scene(venue, quantity=1)
    assert Offer.get(offer.id).in_feed
    answer = post_booking(client, young, stock.id)
    assert answer.status_code == 201
    assert not Offer.get(offer.id).in_feed  # sold out: nothing left to book from the feed

    token = answer.json_body["token"]
    cancelled = client.http.post(f"/bookings/{token}/cancel", headers=auth(young))
    assert cancelled.status_code == 200
    assert Offer.get(offer.id).in_feed


def test_a_booking_that_leaves_places_keeps_the_offer_in_the_feed(client, venue, young):
    from passculture.models.offers import Offer

    offer, stock = scene(venue, quantity=3)
    assert post_booking(client, young, stock.id).status_code == 201
    assert Offer.get(offer.id).in_feed

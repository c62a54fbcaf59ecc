"""GET /bookings and POST /bookings/{token}/cancel: my bookings, and cancelling them until the deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from passculture.models.base import utcnow
from passculture.models.stocks import Stock
from passculture.models.wallets import Wallet
from tests.api.bookings_support import bookings_client, post_booking
from tests.factories import (
    auth,
    make_booking,
    make_local_credit,
    make_offer,
    make_offerer,
    make_stock,
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


def book(client, user, stock, quantity=1):
    answer = post_booking(client, user, stock.id, quantity)
    assert answer.status_code == 201, answer.json_body
    return answer.json_body["token"]


def cancel(client, user, token):
    return client.http.post(f"/bookings/{token}/cancel", headers=auth(user))


def published(venue, **stock):
    offer = make_offer(venue, category=stock.pop("category", "LIVE_SHOW"))
    made = make_stock(offer, **stock)
    publish(offer)
    return made


def test_my_bookings_show_countermark_status_offer_date_and_venue_address(client, venue):
    young, other = make_young(), make_young()
    first = published(venue, begins_at=utcnow() + timedelta(days=5))
    second = published(venue, category="BOOK", event=False)
    t1, t2 = book(client, young, first), book(client, young, second)
    book(client, other, first)
    answer = client.http.get("/bookings", headers=auth(young))
    assert answer.status_code == 200
    items = answer.json_body["items"]
    assert [i["token"] for i in items] == [t2, t1]  # newest first, and only mine
    show = items[1]
    assert show["status"] == "booked"
    assert show["beginsAt"].startswith(first.begins_at.isoformat()[:16])
    assert show["venue"]["address"] == venue.address and show["venue"]["city"] == venue.city
    assert show["offer"]["name"]
    deadline = first.begins_at - timedelta(hours=48)
    assert show["cancellableUntil"].startswith(deadline.isoformat()[:16])
    assert items[0]["beginsAt"] is None and items[0]["cancellableUntil"] is None
    assert answer.json_body["nextCursor"] is None


def test_my_bookings_are_paginated(client, venue):
    young = make_young()
    tokens = [book(client, young, published(venue)) for _ in range(3)]
    page = client.http.get("/bookings?limit=2", headers=auth(young)).json_body
    rest = client.http.get(f"/bookings?limit=2&cursor={page['nextCursor']}", headers=auth(young)).json_body
    assert [i["token"] for i in page["items"] + rest["items"]] == tokens[::-1]
    assert rest["nextCursor"] is None


def test_listing_needs_a_signed_in_user(client):
    assert client.http.get("/bookings").status_code == 401


def test_cancelling_frees_the_place_and_refunds_every_credit_exactly(client, venue):
    young = make_young()
    credit = make_local_credit(young, amount_cents=1_000, perimeter={"categories": ["BOOK"]})
    stock = published(venue, category="BOOK", event=False, price_cents=2_500)
    token = book(client, young, stock)
    answer = cancel(client, young, token.lower())  # tokens are matched case-insensitively
    assert answer.status_code == 200, answer.json_body
    assert answer.json_body["status"] == "cancelled"
    assert Stock.get(stock.id).booked == 0
    national = Wallet.get(young.id, "national")
    assert (national.balance_cents, national.physical_spent_cents) == (50_000, 0)
    assert Wallet.get(young.id, credit.credit_id).balance_cents == 1_000
    # The one-booking-per-stock guard went with it: booking again works.
    book(client, young, stock)


def test_a_thing_can_be_cancelled_any_time_before_use(client, venue):
    young = make_young()
    token = book(client, young, published(venue, category="BOOK", event=False))
    assert cancel(client, young, token).status_code == 200


def test_an_event_cannot_be_cancelled_after_the_deadline(client, venue):
    young = make_young()
    stock = published(venue, begins_at=utcnow() + timedelta(hours=47))
    token = book(client, young, stock)
    answer = cancel(client, young, token)
    assert answer.status_code == 409
    assert "48 h" in answer.json_body["errors"]["booking"][0]
    assert Stock.get(stock.id).booked == 1


def test_the_deadline_follows_a_date_moved_by_the_venue(client, venue):
    young = make_young()
    stock = published(venue, begins_at=utcnow() + timedelta(days=10))
    token = book(client, young, stock)
    Stock(stock.id).update(actions=[Stock.begins_at.set(utcnow() + timedelta(hours=20))])
    assert cancel(client, young, token).status_code == 409


def test_a_date_moved_later_reopens_the_cancellation_the_booking_date_had_closed(client, venue):
    young = make_young()
    stock = published(venue, begins_at=utcnow() + timedelta(hours=30))
    token = book(client, young, stock)
    Stock(stock.id).update(actions=[Stock.begins_at.set(utcnow() + timedelta(days=10))])
    answer = cancel(client, young, token)
    assert answer.status_code == 200, answer.json_body
    assert Stock.get(stock.id).booked == 0


def test_a_sharded_date_past_the_deadline_keeps_its_place_and_the_credit_spent(client, venue):
    from passculture.services.booking.places import count_booked, read_shards

    young = make_young()
    stock = published(venue, begins_at=utcnow() + timedelta(days=10), quantity=40, shards=4)
    token = book(client, young, stock)
    Stock(stock.id).update(actions=[Stock.begins_at.set(utcnow() + timedelta(hours=20))])
    answer = cancel(client, young, token)
    assert answer.status_code == 409 and "48 h" in answer.json_body["errors"]["booking"][0]
    assert sum(int(shard.booked or 0) for shard in read_shards(Stock.get(stock.id))) == 1
    assert Wallet.get(young.id, "national").balance_cents == 50_000 - 1_000
    Stock(stock.id).update(actions=[Stock.begins_at.set(utcnow() + timedelta(days=5))])
    assert cancel(client, young, token).status_code == 200
    again = Stock.get(stock.id)
    count_booked([again])
    assert again.booked == 0 and Wallet.get(young.id, "national").balance_cents == 50_000


def test_a_disabled_account_cannot_cancel_with_its_old_token(client, venue):
    from passculture.models.users import User

    young = make_young()
    stock = published(venue)
    token = book(client, young, stock)
    User(young.id).update(actions=[User.is_active.set(False)])
    answer = cancel(client, young, token)
    assert answer.status_code == 401
    assert Stock.get(stock.id).booked == 1


def test_another_users_booking_is_404(client, venue):
    young, other = make_young(), make_young()
    token = book(client, young, published(venue))
    assert cancel(client, other, token).status_code == 404
    assert cancel(client, other, "ZZZZZZ").status_code == 404
    assert cancel(client, other, "not-a-token").status_code == 404


def test_anonymous_cancel_is_401(client):
    assert client.http.post("/bookings/ABCDEF/cancel").status_code == 401


def test_cancelling_twice_is_410_and_refunds_once(client, venue):
    young = make_young()
    token = book(client, young, published(venue, price_cents=1_000))
    assert cancel(client, young, token).status_code == 200
    assert cancel(client, young, token).status_code == 410
    assert Wallet.get(young.id, "national").balance_cents == 50_000


def test_a_used_booking_cannot_be_cancelled(client, venue):
    young = make_young()
    offer = make_offer(venue)
    stock = make_stock(offer)
    booking = make_booking(stock, offer, venue, young, status="used")
    answer = cancel(client, young, booking.token)
    assert answer.status_code == 409
    assert "used" in answer.json_body["errors"]["booking"][0]

"""Cancelling a booking gives back the place and exactly what each credit paid."""

from __future__ import annotations

import pytest

from passculture.errors import Gone
from passculture.models.stocks import Stock
from passculture.models.uniques import Unique
from passculture.models.wallets import Wallet
from passculture.services.booking.cancellation import booking_guard_key, cancel_booking
from tests.factories import make_booking, make_offer, make_offerer, make_stock, make_venue, make_young


@pytest.fixture
def booked(aws):
    venue = make_venue(make_offerer())
    offer = make_offer(venue, category="BOOK")
    stock = make_stock(offer, event=False, price_cents=1500, quantity=5, booked=1)
    young = make_young(credit_cents=50_000)
    wallet = Wallet.get(young.id, "national")
    wallet.update(actions=[Wallet.balance_cents.add(-1500), Wallet.physical_spent_cents.add(1500)])
    booking = make_booking(stock, offer, venue, young, debits={"national": 1500}, cap_kind="physical")
    Unique(booking_guard_key(young.id, stock.id), target=booking.token, created_at=booking.created_at).save()
    return booking


def test_cancelling_frees_the_place_refunds_and_allows_booking_again(booked):
    cancel_booking(booked, "user:" + booked.user_id)
    wallet = Wallet.get(booked.user_id, "national")
    assert (wallet.balance_cents, wallet.physical_spent_cents) == (50_000, 0)
    assert Stock.get(booked.stock_id).booked == 0
    assert booked.status == "cancelled"
    with pytest.raises(Unique.DoesNotExist):
        Unique.get(booking_guard_key(booked.user_id, booked.stock_id))


def test_a_second_cancellation_refunds_nothing(booked):
    cancel_booking(booked, "user")
    with pytest.raises(Gone):
        cancel_booking(booked, "user")
    assert Wallet.get(booked.user_id, "national").balance_cents == 50_000
    assert Stock.get(booked.stock_id).booked == 0


def test_cancelling_an_event_refunds_the_balance_and_touches_no_cap(aws):
    # An event counts against no cap: its refund must not give room under one either.
    venue = make_venue(make_offerer())
    offer = make_offer(venue, category="LIVE_SHOW")
    stock = make_stock(offer, price_cents=1500, quantity=5, booked=1)
    young = make_young(credit_cents=50_000)
    Wallet.get(young.id, "national").update(actions=[Wallet.balance_cents.add(-1500)])
    booking = make_booking(stock, offer, venue, young, debits={"national": 1500}, cap_kind=None)

    cancel_booking(booking, "user:" + young.id)

    wallet = Wallet.get(young.id, "national")
    assert (wallet.balance_cents, wallet.physical_spent_cents, wallet.digital_spent_cents) == (50_000, 0, 0)


@pytest.mark.parametrize(
    ("cancelled_by", "free_place", "counted_as"),
    [("user:someone", True, "user"), ("offerer:someone", True, "offerer"), ("offerer:someone", False, "stock-deleted")],
)
def test_each_cancellation_is_counted_by_who_cancelled_it(booked, capsys, cancelled_by, free_place, counted_as):
    import json

    capsys.readouterr()
    cancel_booking(booked, cancelled_by, free_place=free_place)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert [(p["BookingsCancelled"], p["by"]) for p in lines if "BookingsCancelled" in p] == [(1, counted_as)]


@pytest.mark.parametrize("by", ["key:1", "partner:7"])
def test_a_cancellation_of_the_last_place_brings_its_offer_back_to_the_feed(aws, by):
    # The v2 and partner routes cancel through cancel_booking alone: the feed follows the freed place.
    from passculture.models.offers import Offer
    from tests.factories import publish

    venue = make_venue(make_offerer())
    offer = make_offer(venue, category="BOOK")
    stock = make_stock(offer, event=False, price_cents=0, quantity=1, booked=1)
    publish(offer)
    assert not Offer.get(offer.id).in_feed  # sold out
    booking = make_booking(stock, offer, venue, make_young(), debits={})
    cancel_booking(booking, by)
    assert Stock.get(stock.id).booked == 0
    assert Offer.get(offer.id).in_feed


def test_a_date_deleted_by_its_venue_cancels_without_giving_a_place_back(booked):
    cancel_booking(booked, "stock-deleted", free_place=False)
    assert Stock.get(booked.stock_id).booked == 1  # the stock is gone: its count stays as it was
    assert Wallet.get(booked.user_id, "national").balance_cents == 50_000

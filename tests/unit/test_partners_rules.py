"""The partner API's pure rules and integer ids: the booker's cancellation period, keys, ids."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from threading import Barrier, Thread

from hypothesis import given
from hypothesis import strategies as st

from passculture.rules.partners import (
    MAX_PUBLIC_ID,
    cancellation_period_end,
    is_key_prefix,
    key_env,
    new_provider_key,
    new_public_id,
    parse_provider_key,
)

moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC))
H48 = timedelta(hours=48)


@given(created=moments, lead=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)))
def test_the_cancellation_period_is_the_contract_s_formula(created, lead):
    start = created + lead
    ends = cancellation_period_end(created, start)
    assert ends == max(min(start - H48, created + H48), created)
    # Never before the booking, never past 48 h after it, never later than 48 h before the start
    # unless that is already before the booking.
    assert created <= ends <= created + H48
    assert ends <= start - H48 or ends == created


@given(created=moments)
def test_the_period_s_three_regimes(created):
    assert cancellation_period_end(created, created + timedelta(days=10)) == created + H48  # far: 48 h after booking
    assert cancellation_period_end(created, created + timedelta(hours=60)) == created + timedelta(hours=12)  # near
    assert cancellation_period_end(created, created + timedelta(hours=2)) == created  # within 48 h: none
    assert cancellation_period_end(created, None) is None  # a thing


@given(
    provider_id=st.integers(min_value=1, max_value=MAX_PUBLIC_ID), stage=st.sampled_from(["prod", "test", "Local-2"])
)
def test_a_key_names_its_prefix_and_provider(provider_id, stage):
    env = key_env(stage)
    key, prefix = new_provider_key(env, provider_id)
    assert re.fullmatch(r"[a-z0-9]+_[0-9a-f]{12}_[0-9a-f]{64}", key)
    assert parse_provider_key(key) == (prefix, provider_id)
    assert is_key_prefix(prefix) and key.startswith(prefix + "_")


def test_malformed_keys_are_none():
    good, _ = new_provider_key("test", 42)
    for bad in ("", good.upper(), good + "0", good[:-1], "pck_abcdef12_123456789.x", f"test_{'0' * 12}_{'0' * 64}"):
        assert parse_provider_key(bad) is None, bad


def test_public_ids_are_53_bit_safe_and_not_sequential():
    drawn = [new_public_id() for _ in range(2000)]
    assert all(1 <= n <= MAX_PUBLIC_ID for n in drawn)
    assert len(set(drawn)) == len(drawn)
    assert sum(1 for a, b in itertools.pairwise(drawn) if b == a + 1) == 0
    assert max(drawn) > 2**50  # spread over the whole range, not counting up


def test_ensure_gives_one_id_guarded_in_uniques_and_looks_it_back_up(aws):
    from passculture.models.uniques import Unique
    from passculture.models.venues import Venue
    from passculture.services.partners import ids
    from tests.factories import make_offerer, make_venue

    venue = make_venue(make_offerer())
    public_id = ids.ensure(venue, "venue")
    assert Venue.get(venue.id).public_id == public_id
    assert Unique.get(ids.guard_key(public_id)).target == f"venue:{venue.id}"
    assert ids.ensure(Venue.get(venue.id), "venue") == public_id  # kept
    assert ids.lookup("venue", public_id) == venue.id
    assert ids.lookup("offer", public_id) is None  # another kind's id is nothing
    assert ids.lookup("venue", public_id + 1) is None and ids.lookup("venue", 0) is None


def test_ensure_retries_a_taken_integer(aws, monkeypatch):
    from passculture.services.partners import ids
    from tests.factories import make_offer, make_offerer, make_venue

    venue = make_venue(make_offerer())
    offer = make_offer(venue)
    taken = ids.ensure(venue, "venue")
    draws = iter([taken, taken + 1])
    monkeypatch.setattr(ids, "new_public_id", lambda: next(draws))
    assert ids.ensure(offer, "offer") == taken + 1
    assert ids.lookup("venue", taken) == venue.id and ids.lookup("offer", taken + 1) == offer.id


def test_two_requests_giving_one_item_an_id_agree(moto_server):
    from passculture.models.venues import Venue
    from passculture.services.partners import ids
    from tests.factories import make_offerer, make_venue

    venue = make_venue(make_offerer())
    barrier, got = Barrier(4), []

    def give():
        copy = Venue.get(venue.id, consistent_read=True)
        barrier.wait()
        got.append(ids.ensure(copy, "venue"))

    threads = [Thread(target=give) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(got)) == 1 and Venue.get(venue.id, consistent_read=True).public_id == got[0]


def test_a_booking_gets_its_integer_id_in_the_booking_transaction(aws):
    from passculture.models.uniques import Unique
    from passculture.services.accounts.auth import load_principal
    from passculture.services.booking.bookings import book
    from passculture.services.partners import ids
    from tests.factories import make_offer, make_offerer, make_stock, make_venue, make_young

    venue = make_venue(make_offerer())
    offer = make_offer(venue)
    stock = make_stock(offer)
    offer_id = ids.ensure(offer, "offer")
    booking = book(load_principal(make_young().id), stock.id, 1).booking
    assert 1 <= booking.public_id <= MAX_PUBLIC_ID
    assert Unique.get(ids.guard_key(int(booking.public_id))).target == f"booking:{booking.token}"
    assert booking.offer_public_id == offer_id and booking.stock_public_id is None  # copied when known


# -- messages to partners ----------------------------------------------------------


def test_a_message_is_a_json_string_holding_sorted_compact_json_signed_over_that_text():
    import hashlib
    import hmac
    import json

    from passculture.rules.partners import message_body, message_text, signature

    text = message_text({"venue_name": "Théâtre", "action": "BOOK", "offer_price": 1250})
    assert text == '{"action":"BOOK","offer_price":1250,"venue_name":"Théâtre"}'
    body = message_body(text)
    assert json.loads(body) == text  # partners parse it twice
    assert json.loads(json.loads(body))["venue_name"] == "Théâtre"
    key = "00ff" * 16
    assert signature(key, text) == hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()
    assert signature(key, text) != signature(key, text.replace("1250", "1251"))


def test_notification_fields_of_a_thing_and_of_an_older_item():
    from datetime import UTC, datetime, timedelta

    from passculture.rules.partners import notification_fields

    created = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    booking = {"quantity": 2, "amount_cents": 3001, "user_public_name": "Camille", "venue_public_id": 7}
    fields = notification_fields(
        booking, "CANCEL", created, None, {"name": "Lieu", "address": "1 rue", "department_code": "13"}
    )
    assert fields["booking_confirmation_date"] is None  # a thing has no cancellation period
    assert (fields["booking_creation_date"], fields["offer_price"]) == ("2026-05-01T10:00:00Z", 1500)
    assert (fields["user_first_name"], fields["venue_name"], fields["venue_department_code"]) == (
        "Camille",
        "Lieu",
        "13",
    )
    assert (fields["venue_id"], fields["offer_id"], fields["action"]) == (7, None, "CANCEL")
    event = notification_fields(booking, "BOOK", created, created + timedelta(days=10), {})
    assert event["booking_confirmation_date"] == "2026-05-03T10:00:00Z"  # created + 48 h

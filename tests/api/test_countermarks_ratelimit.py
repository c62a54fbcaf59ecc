"""Failed countermark attempts are limited per caller and per source address (429 with Retry-After)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from infra.catalog import load_handler
from passculture.config import get_settings
from passculture.models.base import utcnow
from passculture.models.rate_limits import RateLimit
from passculture.services.countermarks import v2 as countermarks
from tests.api.countermarks_support import invoke, v2_event
from tests.factories import (
    auth,
    basic_auth,
    bearer,
    make_api_key,
    make_booking,
    make_member,
    make_offer,
    make_offerer,
    make_stock,
    make_venue,
    make_young,
)

CALLER_LIMIT, SOURCE_LIMIT, WINDOW = 3, 5, 900


@pytest.fixture(autouse=True)
def small_limits(monkeypatch):
    settings = dataclasses.replace(
        get_settings(),
        countermark_caller_failures=CALLER_LIMIT,
        countermark_source_failures=SOURCE_LIMIT,
        countermark_failure_window_seconds=WINDOW,
    )
    monkeypatch.setattr(countermarks, "get_settings", lambda: settings)


@pytest.fixture
def handler(aws):
    return load_handler("countermarks")


def structure():
    """(API key, member, a live booking's token) of a new structure."""
    offerer = make_offerer()
    venue = make_venue(offerer)
    offer = make_offer(venue)
    booking = make_booking(make_stock(offer, begins_at=utcnow() + timedelta(hours=5)), offer, venue, make_young())
    key, _ = make_api_key(offerer)
    return key, make_member(offerer), booking.token


def check(handler, token, headers, ip="203.0.113.1"):
    return invoke(handler, v2_event("check", token, headers, source_ip=ip))


def test_guesses_past_the_caller_limit_get_429_even_for_a_real_code(handler):
    key, _, token = structure()
    for n in range(CALLER_LIMIT):
        status, _, _ = check(handler, f"ZZZZZ{'ABC'[n]}", bearer(key), ip=f"203.0.113.{n}")
        assert status == 404
    status, body, headers = check(handler, "ZZZZZZ", bearer(key), ip="203.0.113.9")
    assert status == 429
    assert set(body) == {"global"}
    assert 0 < int(headers["Retry-After"]) <= WINDOW + 1
    # Spent means spent: a real code would otherwise tell a guesser it hit.
    status, _, _ = check(handler, token, bearer(key), ip="203.0.113.10")
    assert status == 429


def test_the_limit_ends_with_its_window(handler, monkeypatch):
    key, _, token = structure()
    for _ in range(CALLER_LIMIT + 1):
        check(handler, "ZZZZZZ", bearer(key))
    assert check(handler, token, bearer(key))[0] == 429
    later = countermarks._now() + WINDOW
    monkeypatch.setattr(countermarks, "_now", lambda: later)
    assert check(handler, token, bearer(key))[0] == 200


def test_failures_from_one_address_add_up_across_callers(handler):
    key_a, _, _ = structure()
    key_b, _, token_b = structure()
    for _ in range(CALLER_LIMIT):
        assert check(handler, "ZZZZZZ", bearer(key_a), ip="192.0.2.1")[0] == 404
    for _ in range(SOURCE_LIMIT - CALLER_LIMIT):
        assert check(handler, "ZZZZZZ", bearer(key_b), ip="192.0.2.1")[0] == 404
    assert check(handler, token_b, bearer(key_b), ip="192.0.2.1")[0] == 429
    assert check(handler, token_b, bearer(key_b), ip="192.0.2.2")[0] == 200


def test_bad_keys_count_against_the_address_not_the_key_they_name(handler):
    key, _, token = structure()
    wrong = key[: -len("x" * 10)] + "x" * 10
    statuses = [check(handler, token, bearer(wrong), ip="192.0.2.7")[0] for _ in range(SOURCE_LIMIT + 1)]
    assert statuses == [401] * SOURCE_LIMIT + [429]
    assert check(handler, token, bearer(key), ip="192.0.2.7")[0] == 429
    # Whoever knows a key's prefix cannot lock its structure out.
    assert check(handler, token, bearer(key), ip="192.0.2.8")[0] == 200


def test_wrong_passwords_count_against_the_email_from_any_address(handler):
    _, member, token = structure()
    for n in range(CALLER_LIMIT):
        status, _, _ = check(handler, token, basic_auth(member.email, "Wrong-password-1"), ip=f"198.51.100.{n}")
        assert status == 401
    status, _, headers = check(handler, token, basic_auth(member.email), ip="198.51.100.99")
    assert status == 429
    assert "Retry-After" in headers
    # The access token of the same person is another caller.
    assert check(handler, token, auth(member), ip="198.51.100.99")[0] == 200


def test_garbage_bearers_count_against_the_address(handler):
    _, _, token = structure()
    statuses = [check(handler, token, bearer(f"garbage-{n}"), ip="192.0.2.20")[0] for n in range(SOURCE_LIMIT + 1)]
    assert statuses == [401] * SOURCE_LIMIT + [429]


def test_refusals_about_own_bookings_do_not_count(handler):
    key, _, token = structure()
    assert invoke(handler, v2_event("use", token, bearer(key)))[0] == 204
    for _ in range(CALLER_LIMIT + 2):
        assert invoke(handler, v2_event("use", token, bearer(key)))[0] == 410
    assert invoke(handler, v2_event("keep", token, bearer(key)))[0] == 204


def test_successes_never_write_a_counter(handler):
    key, member, token = structure()
    for headers in (bearer(key), auth(member), basic_auth(member.email)):
        for _ in range(3):
            assert check(handler, token, headers)[0] == 200
    assert invoke(handler, v2_event("use", token, bearer(key)))[0] == 204
    assert list(RateLimit.scan()) == []


def test_a_basic_caller_gets_no_more_password_tries_than_sign_in_gives(handler, monkeypatch):
    settings = dataclasses.replace(
        get_settings(), countermark_caller_failures=30, countermark_source_failures=100, signin_limit_per_window=4
    )
    monkeypatch.setattr(countermarks, "get_settings", lambda: settings)
    key, member, token = structure()
    wrong = basic_auth(member.email, "Wrong-password-1")
    assert [check(handler, token, wrong)[0] for _ in range(5)] == [401] * 4 + [429]
    # An API key's allowance is the countermark one.
    assert [check(handler, "ZZZZZZ", bearer(key))[0] for _ in range(5)] == [404] * 5

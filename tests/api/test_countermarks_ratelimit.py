"""Failed countermark attempts are limited per caller and per source address (429 with Retry-After)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from infra.catalog import load_handler
from passculture.config import get_settings
from passculture.models.base import utcnow
from passculture.models.rate_limits import RateLimit
from passculture.services.accounts import signin as signin_service
from passculture.services.countermarks import v2 as countermarks
from tests.api.countermarks_support import invoke, signin_event, v2_event
from tests.factories import (
    PASSWORD,
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

CALLER_LIMIT, SOURCE_LIMIT, STRUCTURE_LIMIT, WINDOW = 3, 5, 6, 900
KEY_LIMIT = 12  # requests of one API key per minute (200 in production)
# Wrong passwords, shared with sign-in: per (email, source), per email, per source.
PAIR_LIMIT, EMAIL_LIMIT, PASSWORD_SOURCE_LIMIT = 3, 8, 4


@pytest.fixture(autouse=True)
def small_limits(monkeypatch):
    settings = dataclasses.replace(
        get_settings(),
        countermark_caller_failures=CALLER_LIMIT,
        countermark_source_failures=SOURCE_LIMIT,
        countermark_structure_failures=STRUCTURE_LIMIT,
        countermark_failure_window_seconds=WINDOW,
        countermark_key_requests_per_minute=KEY_LIMIT,
        signin_limit_per_window=PAIR_LIMIT,
        signin_email_limit_per_window=EMAIL_LIMIT,
        signin_source_limit_per_window=PASSWORD_SOURCE_LIMIT,
        rate_limit_window_seconds=WINDOW,
    )
    monkeypatch.setattr(countermarks, "get_settings", lambda: settings)
    monkeypatch.setattr(signin_service, "get_settings", lambda: settings)


@pytest.fixture
def handler(aws):
    return load_handler("countermarks")


@pytest.fixture
def accounts(aws):
    return load_handler("accounts")


def structure(with_offerer=False):
    """(API key, member, a live booking's token) of a new structure (and the structure)."""
    offerer = make_offerer()
    venue = make_venue(offerer)
    offer = make_offer(venue)
    booking = make_booking(make_stock(offer, begins_at=utcnow() + timedelta(hours=5)), offer, venue, make_young())
    key, _ = make_api_key(offerer)
    made = key, make_member(offerer), booking.token
    return (*made, offerer) if with_offerer else made


def check(handler, token, headers, ip="203.0.113.1"):
    return invoke(handler, v2_event("check", token, headers, source_ip=ip))


def signin(accounts, email, password=PASSWORD, ip="203.0.113.1"):
    return invoke(accounts, signin_event(email, password, source_ip=ip))[0]


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


def test_wrong_passwords_lock_their_source_out_of_the_account_not_the_owner(handler):
    _, member, token = structure()
    wrong = basic_auth(member.email, "Wrong-password-1")
    assert [check(handler, token, wrong, ip="198.51.100.1")[0] for _ in range(PAIR_LIMIT)] == [401] * PAIR_LIMIT
    status, _, headers = check(handler, token, basic_auth(member.email), ip="198.51.100.1")
    assert status == 429
    assert 0 < int(headers["Retry-After"]) <= WINDOW + 1
    # The owner, from an address without failures; and the same person's access token is another credential.
    assert check(handler, token, basic_auth(member.email), ip="198.51.100.2")[0] == 200
    assert check(handler, token, auth(member), ip="198.51.100.1")[0] == 200


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


def test_successes_write_no_failure_counter_only_the_key_s_requests(handler, monkeypatch):
    key, member, token = structure()
    monkeypatch.setattr(countermarks, "_now", lambda: 1_800_000_010)  # one minute's window
    for headers in (bearer(key), auth(member), basic_auth(member.email)):
        for _ in range(3):
            assert check(handler, token, headers)[0] == 200
    assert invoke(handler, v2_event("use", token, bearer(key)))[0] == 204
    assert [(c.key.split("#")[0], c.count) for c in RateLimit.scan()] == [("countermark-key", 4)]


def test_an_api_key_gets_its_requests_of_the_minute_then_429_with_retry_after(handler, monkeypatch):
    key, member, token = structure()
    other_key, _ = make_api_key(make_offerer())
    minute = 1_800_000_000  # a window's start
    monkeypatch.setattr(countermarks, "_now", lambda: minute + 10)
    for _ in range(KEY_LIMIT):
        assert check(handler, token, bearer(key))[0] == 200
    status, _, headers = check(handler, token, bearer(key))
    assert status == 429 and 1 <= int(headers["Retry-After"]) <= 51
    # Another key, and the same structure's members, are not held back.
    assert check(handler, token, bearer(other_key))[0] == 404
    assert check(handler, token, auth(member))[0] == 200
    monkeypatch.setattr(countermarks, "_now", lambda: minute + 60)  # the next minute
    assert check(handler, token, bearer(key))[0] == 200


def test_a_key_s_prefix_with_a_wrong_secret_spends_nothing_of_its_allowance(handler, monkeypatch):
    key, _, token = structure()
    monkeypatch.setattr(countermarks, "_now", lambda: 1_800_000_010)
    forged = key[: key.rindex("_") + 1] + "not-the-secret"
    for n in range(KEY_LIMIT + 2):
        assert check(handler, token, bearer(forged), ip=f"198.51.100.{n}")[0] == 401
    for _ in range(KEY_LIMIT):
        assert check(handler, token, bearer(key))[0] == 200


def test_basic_and_sign_in_share_the_password_counters(handler, accounts):
    _, member, token = structure()
    wrong = basic_auth(member.email, "Wrong-password-1")
    # Basic, then sign-in, from one address: one allowance for both.
    assert check(handler, token, wrong, ip="198.51.100.10")[0] == 401
    assert signin(accounts, member.email, "Wrong-password-1", ip="198.51.100.10") == 401
    assert check(handler, token, wrong, ip="198.51.100.10")[0] == 401
    assert signin(accounts, member.email, ip="198.51.100.10") == 429
    assert check(handler, token, basic_auth(member.email), ip="198.51.100.10")[0] == 429
    # Sign-in's failures close Basic too.
    for _ in range(PAIR_LIMIT):
        assert signin(accounts, member.email, "Wrong-password-1", ip="198.51.100.11") == 401
    assert check(handler, token, basic_auth(member.email), ip="198.51.100.11")[0] == 429
    assert check(handler, token, basic_auth(member.email), ip="198.51.100.12")[0] == 200


def test_basic_wrong_passwords_across_emails_spend_the_sign_in_source_limit(handler, accounts):
    _, member, token = structure()
    for n in range(PASSWORD_SOURCE_LIMIT):
        assert check(handler, token, basic_auth(f"guess{n}@example.org"), ip="198.51.100.20")[0] == 401
    assert signin(accounts, member.email, ip="198.51.100.20") == 429
    assert check(handler, token, basic_auth(member.email), ip="198.51.100.20")[0] == 429
    assert signin(accounts, member.email, ip="198.51.100.21") == 200


def test_a_disabled_members_token_spends_its_addresss_allowance(handler):
    from passculture.models.users import User

    _, member, token = structure()
    User(member.id).update(actions=[User.is_active.set(False)])
    statuses = [check(handler, token, auth(member), ip="192.0.2.30")[0] for _ in range(SOURCE_LIMIT + 1)]
    assert statuses == [401] * SOURCE_LIMIT + [429]
    assert check(handler, token, auth(member), ip="192.0.2.31")[0] == 401  # another address: its own allowance


def test_wrong_basic_passwords_spend_the_countermark_allowance_of_their_address(handler, monkeypatch):
    # The sign-in counters roomy: what refuses is the countermark API's own allowance of the address.
    roomy = dataclasses.replace(
        countermarks.get_settings(),
        countermark_source_failures=2,
        signin_limit_per_window=50,
        signin_email_limit_per_window=50,
        signin_source_limit_per_window=50,
    )
    monkeypatch.setattr(countermarks, "get_settings", lambda: roomy)
    monkeypatch.setattr(signin_service, "get_settings", lambda: roomy)
    key, _, token = structure()
    ip = "198.51.100.40"
    assert [check(handler, token, basic_auth(f"nobody{n}@example.org"), ip=ip)[0] for n in range(2)] == [401, 401]
    assert check(handler, token, basic_auth("nobody9@example.org"), ip=ip)[0] == 429
    assert check(handler, token, bearer(f"{key}x"), ip=ip)[0] == 429  # the same allowance, whatever comes next


def test_a_basic_callers_code_guesses_are_not_password_tries(handler, monkeypatch):
    roomy = dataclasses.replace(
        countermarks.get_settings(),
        countermark_caller_failures=30,
        countermark_source_failures=100,
        countermark_structure_failures=100,
    )
    monkeypatch.setattr(countermarks, "get_settings", lambda: roomy)
    _, member, token = structure()
    right = basic_auth(member.email)
    guesses = PAIR_LIMIT + 2
    assert [check(handler, "ZZZZZZ", right)[0] for _ in range(guesses)] == [404] * guesses
    assert check(handler, token, right)[0] == 200


# -- one allowance per structure -------------------------------------------------------


def test_a_structures_keys_share_one_allowance(handler):
    key_a, member, token, offerer = structure(with_offerer=True)
    key_b, _ = make_api_key(offerer)
    other_key, _, other_token = structure()
    # Each key and each address stays under its own limit; together they spend the structure's.
    guesses = [(key_a, "192.0.2.1"), (key_a, "192.0.2.2"), (key_b, "192.0.2.3"), (key_b, "192.0.2.4")]
    guesses += [(key_a, "192.0.2.5"), (key_b, "192.0.2.6")]
    assert len(guesses) == STRUCTURE_LIMIT
    for key, ip in guesses:
        assert check(handler, "ZZZZZZ", bearer(key), ip=ip)[0] == 404
    status, _, headers = check(handler, token, bearer(key_b), ip="192.0.2.7")
    assert status == 429 and 0 < int(headers["Retry-After"]) <= WINDOW + 1
    assert check(handler, "ZZZZZZ", bearer(key_a), ip="192.0.2.8")[0] == 429
    # Its members' guesses count there too, and a real code answers 429 to them as well.
    assert check(handler, token, auth(member), ip="192.0.2.9")[0] == 429
    # Another structure is another allowance.
    assert check(handler, other_token, bearer(other_key), ip="192.0.2.10")[0] == 200


def test_a_new_key_brings_no_new_tries(handler, monkeypatch):
    from chalice.test import Client

    from infra.catalog import load_app

    key, admin, token, offerer = structure(with_offerer=True)
    for n in range(STRUCTURE_LIMIT // CALLER_LIMIT):
        fresh, _ = make_api_key(offerer)
        for _ in range(CALLER_LIMIT):
            assert check(handler, "ZZZZZZ", bearer(fresh), ip=f"192.0.2.{20 + n}")[0] == 404
    assert check(handler, token, bearer(key), ip="192.0.2.30")[0] == 429
    # The admin rotates: the old key revoked, a new one made.
    with Client(load_app("countermarks")) as client:
        revoked = client.http.delete(f"/offerers/{offerer.siren}/api-keys/{key.split('_')[1]}", headers=auth(admin))
        assert revoked.status_code == 204
        created = client.http.post(f"/offerers/{offerer.siren}/api-keys", headers=auth(admin))
    assert created.status_code == 201
    new_key = created.json_body["apiKey"]
    status, _, headers = check(handler, token, bearer(new_key), ip="192.0.2.31")
    assert status == 429 and 0 < int(headers["Retry-After"]) <= WINDOW + 1
    assert check(handler, "ZZZZZZ", bearer(new_key), ip="192.0.2.32")[0] == 429
    # Until the window ends.
    later = countermarks._now() + WINDOW
    monkeypatch.setattr(countermarks, "_now", lambda: later)
    assert check(handler, token, bearer(new_key), ip="192.0.2.31")[0] == 200


def test_members_guesses_count_against_their_structure(handler):
    key, _, token, offerer = structure(with_offerer=True)
    members = [make_member(offerer, role="editor") for _ in range(STRUCTURE_LIMIT // CALLER_LIMIT)]
    for n, member in enumerate(members):
        headers = auth(member) if n % 2 else basic_auth(member.email)
        for _ in range(CALLER_LIMIT):
            assert check(handler, "ZZZZZZ", headers, ip=f"192.0.2.{40 + n}")[0] == 404
    assert check(handler, token, bearer(key), ip="192.0.2.50")[0] == 429


def test_another_structures_codes_count_against_the_caller_not_that_structure(handler):
    victim_key, _, victim_token = structure()
    guessed = 0
    for _ in range(2):  # two structures, two keys each, each key up to its own limit
        _, _, _, offerer = structure(with_offerer=True)
        for _ in range(STRUCTURE_LIMIT // CALLER_LIMIT):
            key, _ = make_api_key(offerer)
            for _ in range(CALLER_LIMIT):
                assert check(handler, victim_token, bearer(key), ip=f"192.0.2.{60 + guessed}")[0] == 404
                guessed += 1
    assert guessed > STRUCTURE_LIMIT
    # Nobody locks a structure out by presenting its codes with their own credentials.
    assert check(handler, victim_token, bearer(victim_key), ip="192.0.2.99")[0] == 200


def test_a_key_made_before_keys_named_their_structure_is_held_to_its_allowance(handler):
    from passculture.models.api_keys import ApiKey
    from passculture.services.accounts.auth import sha256_hex

    _, _, token, offerer = structure(with_offerer=True)
    legacy = "pck_01d01d00_" + "x-_y" * 10 + "zzz"
    ApiKey("01d01d00", secret_hash=sha256_hex(legacy), siren=offerer.siren, created_at=utcnow()).save()
    assert check(handler, token, bearer(legacy), ip="192.0.2.80")[0] == 200
    for n in range(STRUCTURE_LIMIT):
        fresh, _ = make_api_key(offerer)
        assert check(handler, "ZZZZZZ", bearer(fresh), ip=f"192.0.2.{81 + n}")[0] == 404
    assert check(handler, token, bearer(legacy), ip="192.0.2.99")[0] == 429


def test_a_key_naming_another_structure_is_a_wrong_key(handler):
    key, _, token, offerer = structure(with_offerer=True)
    _, _, _, other = structure(with_offerer=True)
    forged = key.replace(f"_{offerer.siren}.", f"_{other.siren}.")
    assert forged != key
    statuses = [check(handler, token, bearer(forged), ip="192.0.2.100")[0] for _ in range(SOURCE_LIMIT + 1)]
    assert statuses == [401] * SOURCE_LIMIT + [429]
    # Counted against the address only: neither structure lost a try.
    assert check(handler, token, bearer(key), ip="192.0.2.101")[0] == 200

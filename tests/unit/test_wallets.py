"""How a booking is paid: local labelled credits in perimeter first, then the national credit and its caps."""

from __future__ import annotations

from datetime import timedelta

import pytest

from passculture.errors import Conflict
from passculture.models.base import utcnow
from passculture.models.wallets import Wallet
from passculture.services.booking.wallets import in_perimeter, is_current, plan_debits
from passculture.vocabulary import CapKind

NOW = utcnow()


def national(balance=50_000, physical_spent=0, digital_spent=0):
    return Wallet(
        "u",
        "national",
        label="Pass Culture",
        balance_cents=balance,
        physical_spent_cents=physical_spent,
        digital_spent_cents=digital_spent,
        physical_cap_cents=20_000,
        digital_cap_cents=20_000,
        granted_at=NOW,
    )


def local(credit="local#a", balance=3_000, perimeter=None, starts=None, ends=None):
    return Wallet(
        "u",
        credit,
        label="Région",
        kind="local",
        balance_cents=balance,
        perimeter=perimeter or {"categories": ["BOOK"]},
        starts_at=starts or NOW - timedelta(days=1),
        ends_at=ends or NOW + timedelta(days=30),
        granted_at=NOW,
    )


def plan(credits, amount, category="BOOK", venue_id="v1", cap_kind=CapKind.PHYSICAL):
    result = plan_debits(credits, amount, category=category, venue_id=venue_id, cap_kind=cap_kind, now=NOW)
    return result.as_map()


def test_cap_kinds():
    assert CapKind.of_offer(is_digital=True, is_event=False) == "digital"
    assert CapKind.of_offer(is_digital=True, is_event=True) == "digital"
    assert CapKind.of_offer(is_digital=False, is_event=False) == "physical"
    assert CapKind.of_offer(is_digital=False, is_event=True) is None


def test_perimeters():
    assert in_perimeter({"categories": ["BOOK"]}, category="BOOK", venue_id="v")
    assert not in_perimeter({"categories": ["BOOK"]}, category="MUSIC", venue_id="v")
    assert in_perimeter({"venueIds": ["v"]}, category="MUSIC", venue_id="v")
    assert not in_perimeter({"venueIds": ["w"]}, category="MUSIC", venue_id="v")
    assert not in_perimeter({"labelOnly": True}, category="BOOK", venue_id="v")
    # A label-only credit pays for nothing, whatever else its perimeter lists; no perimeter pays for nothing.
    assert not in_perimeter({"labelOnly": True, "categories": ["BOOK"]}, category="BOOK", venue_id="v")
    assert not in_perimeter(None, category="BOOK", venue_id="v")
    assert not in_perimeter({}, category="BOOK", venue_id="v")


def test_local_credit_in_perimeter_pays_first_then_national():
    assert plan([national(), local()], 5_000) == {"local#a": 3_000, "national": 2_000}
    assert plan([national(), local()], 1_000) == {"local#a": 1_000}


def test_local_credits_expiring_first_are_spent_first():
    soon = local("local#soon", balance=1_000, ends=NOW + timedelta(days=2))
    later = local("local#later", balance=1_000, ends=NOW + timedelta(days=200))
    assert plan([national(), later, soon], 1_500) == {"local#soon": 1_000, "local#later": 500}


def test_out_of_perimeter_expired_or_future_local_credits_pay_nothing():
    credits = [
        national(),
        local("local#music", perimeter={"categories": ["MUSIC"]}),
        local("local#old", ends=NOW - timedelta(seconds=1)),
        local("local#future", starts=NOW + timedelta(days=1)),
        local("local#label", perimeter={"labelOnly": True}),
    ]
    assert plan(credits, 1_000) == {"national": 1_000}


def test_free_offers_debit_nothing():
    assert plan([national(balance=0)], 0) == {}


def test_not_enough_balance():
    with pytest.raises(Conflict, match="Not enough credit"):
        plan([national(balance=900)], 1_000)


def test_national_caps_apply_to_their_kind_only():
    with pytest.raises(Conflict, match="physical goods"):
        plan([national(physical_spent=19_500)], 1_000, cap_kind=CapKind.PHYSICAL)
    with pytest.raises(Conflict, match="digital offers"):
        plan([national(digital_spent=19_500)], 1_000, cap_kind=CapKind.DIGITAL)
    assert plan([national(physical_spent=19_500)], 1_000, cap_kind=None) == {"national": 1_000}


def test_local_credit_does_not_count_against_the_national_cap():
    assert plan([national(physical_spent=19_000), local(balance=3_000)], 3_500) == {
        "local#a": 3_000,
        "national": 500,
    }


def test_a_credit_is_current_from_its_start_to_just_before_its_end():
    assert is_current(local(starts=NOW, ends=NOW + timedelta(days=1)), NOW)
    assert not is_current(local(starts=NOW + timedelta(microseconds=1)), NOW)
    assert is_current(local(ends=NOW + timedelta(microseconds=1)), NOW)
    assert not is_current(local(ends=NOW), NOW)


def test_one_cent_is_paid_like_any_amount():
    assert plan([national()], 1) == {"national": 1}
    assert plan([national(), local(balance=1)], 1) == {"local#a": 1}
    assert plan([national(), local(balance=1)], 2) == {"local#a": 1, "national": 1}


def test_an_empty_local_credit_pays_nothing_and_is_not_in_the_plan():
    assert plan([national(), local(balance=0)], 1_000) == {"national": 1_000}


def test_a_local_credit_without_an_end_is_spent_after_those_that_expire():
    endless = local("local#a-endless", balance=1_000)
    endless.ends_at = None
    dated = local("local#z-dated", balance=1_000, ends=NOW + timedelta(days=300))
    assert plan([national(), endless, dated], 1_500) == {"local#z-dated": 1_000, "local#a-endless": 500}


def test_an_expired_national_credit_pays_nothing():
    expired = national()
    expired.ends_at = NOW
    with pytest.raises(Conflict, match="Your Pass Culture credit has expired"):
        plan([expired], 1_000)


def test_an_empty_balance_cannot_pay_one_cent():
    with pytest.raises(Conflict, match="costs 0,01 €, your credit has 0 €"):
        plan([national(balance=0)], 1)


def test_a_cap_refusal_says_what_is_left_of_which_cap():
    with pytest.raises(Conflict, match="5 € left of your 200 € for physical goods, this booking needs 10 €"):
        plan([national(physical_spent=19_500)], 1_000, cap_kind=CapKind.PHYSICAL)
    closed = national()
    closed.digital_cap_cents = 0
    with pytest.raises(Conflict, match="0 € left of your 0 € for digital offers"):
        plan([closed], 1, cap_kind=CapKind.DIGITAL)

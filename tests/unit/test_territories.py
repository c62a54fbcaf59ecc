"""Territories' rules and services: departments, perimeters, split payments to the cent, grants that never repeat."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passculture.models.base import utcnow
from passculture.rules.territories import covers, is_running, label_covers, referent_departments
from passculture.services.accounts.auth import Principal

NOW = utcnow()


# -- departments and referents ---------------------------------------------------------------------------------


def test_referents_departments_come_from_their_territory_roles_only():
    roles = {"team", "pro", "territory:69", "territory:2A", "territory:974", "territory:20", "territory:", "69"}
    assert referent_departments(roles) == {"69", "2A", "974"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("69", "69"), ("01", "01"), ("2a", "2A"), (" 2B ", "2B"), ("971", "971"), ("976", "976")],
)
def test_a_path_department_is_normalised(value, expected):
    from passculture.services.territories.access import department_of_path

    assert department_of_path(value) == expected


@pytest.mark.parametrize("value", ["20", "00", "96", "977", "1", "6", "ab", ""])
def test_a_path_department_outside_the_list_is_a_400_naming_it(value):
    from passculture.errors import InvalidInput
    from passculture.services.territories.access import department_of_path

    with pytest.raises(InvalidInput) as caught:
        department_of_path(value)
    assert "department" in caught.value.errors


def test_postal_codes_give_corsica_and_overseas_departments():
    from passculture.rules.geo import department_of_postal_code

    assert [department_of_postal_code(c) for c in ("20000", "20190", "20200", "20600", "97400", "97600", "69001")] == [
        "2A",
        "2A",
        "2B",
        "2B",
        "974",
        "976",
        "69",
    ]


def test_the_team_refers_everywhere_and_a_referent_for_their_department_only(aws):
    from passculture.errors import Forbidden
    from passculture.services.territories.access import require_referent
    from tests.factories import make_team_user, make_user

    referent = make_user({"territory:2B"})
    assert require_referent(Principal(referent, frozenset(referent.roles)), "2b") == "2B"
    with pytest.raises(Forbidden):
        require_referent(Principal(referent, frozenset(referent.roles)), "2A")
    team = make_team_user()
    assert require_referent(Principal(team, frozenset(team.roles)), "971") == "971"


# -- perimeters -----------------------------------------------------------------------------------------------


def offer(category="BOOK", venue_id="v1", department="69"):
    return {"category": category, "venue_id": venue_id, "department": department}


def test_a_categories_perimeter_covers_those_categories_in_the_programme_s_department():
    perimeter = {"categories": ["BOOK", "MUSIC"]}
    assert covers(perimeter, "69", **offer())
    assert covers(perimeter, "69", **offer(category="MUSIC"))
    assert not covers(perimeter, "69", **offer(category="LIVE_SHOW"))
    assert not covers(perimeter, "69", **offer(department="75"))
    assert not covers(perimeter, "69", **offer(department=None))  # a digital offer has no department


def test_a_venues_perimeter_covers_its_venues_wherever_they_are():
    perimeter = {"venueIds": ["v1", "v2"]}
    assert covers(perimeter, "69", **offer(venue_id="v2", category="CINEMA", department="01"))
    assert not covers(perimeter, "69", **offer(venue_id="v3"))


def test_a_label_only_perimeter_labels_and_never_pays():
    from passculture.services.booking.wallets import in_perimeter

    assert label_covers({"labelOnly": True}, "69", **offer(category="GAME"))
    assert not label_covers({"labelOnly": True}, "69", **offer(department="75"))
    assert label_covers({"labelOnly": True, "categories": ["BOOK"]}, "69", **offer())
    assert not label_covers({"labelOnly": True, "categories": ["BOOK"]}, "69", **offer(category="MUSIC"))
    assert not label_covers({"categories": ["BOOK"]}, "69", **offer())  # a paying perimeter is no label
    assert not in_perimeter({"labelOnly": True}, category="BOOK", venue_id="v1", department="69")


def test_a_period_runs_from_its_start_included_to_its_end_excluded():
    start, end = NOW, NOW + timedelta(days=1)
    assert is_running(start, end, start)
    assert not is_running(start, end, start - timedelta(microseconds=1))
    assert not is_running(start, end, end)
    assert is_running(None, None, NOW)


# -- split payments and refunds, to the cent --------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    price=st.integers(min_value=0, max_value=30_000),
    locals_=st.lists(st.integers(min_value=0, max_value=20_000), min_size=0, max_size=3),
    national=st.integers(min_value=0, max_value=50_000),
)
def test_a_booking_is_split_local_first_and_its_cancellation_gives_each_credit_back_to_the_cent(
    aws, price, locals_, national
):
    from passculture.errors import Conflict
    from passculture.models.territories import TerritoryItem
    from passculture.models.wallets import Wallet
    from passculture.services.booking.bookings import book
    from passculture.services.booking.cancellation import cancel_booking
    from passculture.services.territories.programmes import programmes_of
    from tests.factories import make_local_credit, make_offer, make_offerer, make_stock, make_venue, make_young, publish

    young = make_young(department="69", credit_cents=national)
    venue = make_venue(make_offerer(), postal_code="69001", department_code="69")
    credits = [
        make_local_credit(young, amount_cents=c, ends_at=NOW + timedelta(days=10 + i), programme=f"p{i}-{young.id}")
        for i, c in enumerate(locals_)
    ]
    for wallet in credits:  # their programmes, for the spent totals
        TerritoryItem("69", f"credit#{wallet.credit_id.removeprefix('local#')}", label=wallet.label).save()
    item = make_offer(venue, category="BOOK")
    stock = make_stock(item, event=False, price_cents=price)
    publish(item)
    before = {w.credit_id: int(w.balance_cents) for w in Wallet.query(young.id)}
    try:
        result = book(Principal(young, frozenset(young.roles)), stock.id, 1)
    except Conflict:
        # Only when the credits cannot pay (the national one within its 200 € cap on things); nothing was taken.
        assert sum(locals_) + min(national, 20_000) < price
        assert {w.credit_id: int(w.balance_cents) for w in Wallet.query(young.id)} == before
        return
    debits = result.booking.debits_by_credit()
    assert sum(debits.values()) == price
    # Soonest expiring first: each local credit is emptied before the next one pays.
    remaining = price
    for wallet, amount in zip(credits, locals_, strict=True):
        expected = min(amount, remaining)
        assert debits.get(wallet.credit_id, 0) == expected
        remaining -= expected
    assert debits.get("national", 0) == remaining
    after = {w.credit_id: int(w.balance_cents) for w in Wallet.query(young.id)}
    assert all(after[c] == before[c] - debits.get(c, 0) for c in before)
    spent = {p.item.id.removeprefix("credit#"): p.spent_cents for p in programmes_of("69")}
    for wallet in credits:
        assert spent[wallet.credit_id.removeprefix("local#")] == debits.get(wallet.credit_id, 0)

    cancel_booking(result.booking, "user:test")
    assert {w.credit_id: int(w.balance_cents) for w in Wallet.query(young.id)} == before
    spent = {p.item.id.removeprefix("credit#"): p.spent_cents for p in programmes_of("69")}
    assert all(spent[w.credit_id.removeprefix("local#")] == 0 for w in credits)


# -- the grant job --------------------------------------------------------------------------------------------


def grant_scene(users=5, **programme):
    from passculture.models.territories import TerritoryItem
    from tests.factories import make_young

    young = [make_young(department="976") for _ in range(users)]
    item = TerritoryItem(
        "976",
        "credit#mayotte",
        label="20 € du Département",
        amount_cents=2_000,
        perimeter={"categories": ["BOOK"]},
        starts_at=NOW - timedelta(days=1),
        ends_at=NOW + timedelta(days=30),
        granted_cents=0,
        granted_users=0,
        grant_status="waiting",
        grant_due="waiting",
        created_at=NOW,
        **programme,
    )
    item.save()
    return young, item


def totals():
    from passculture.models.territories import TerritoryItem

    item = TerritoryItem.get("976", "credit#mayotte", consistent_read=True)
    return int(item.granted_users), int(item.granted_cents), item.grant_status


def test_the_grant_job_runs_page_by_page_and_a_page_run_again_grants_nobody_twice(aws, monkeypatch):
    from passculture.models.wallets import Wallet
    from passculture.services.territories import grants

    monkeypatch.setattr(grants, "GRANT_PAGE", 2)
    young, _ = grant_scene(5)
    args = {"department": "976", "programme": "mayotte"}
    first = grants.grant_page(args, None)
    assert not first.done and totals()[:2] == (2, 4_000)
    again = grants.grant_page(args, None)  # Lambda retrying the same invocation
    assert again.cursor == first.cursor and totals()[:2] == (2, 4_000)
    cursor, pages = first.cursor, 1
    while cursor is not None:
        progress = grants.grant_page(args, cursor)
        cursor, pages = progress.cursor, pages + 1
    grants.grant_page(args, first.cursor)  # a replay from an old cursor
    assert totals() == (5, 10_000, "done")
    assert all(Wallet.get(u.id, "local#mayotte").balance_cents == 2_000 for u in young)


def test_a_user_granted_meanwhile_is_left_out_and_the_rest_granted_and_counted_once(aws):
    from passculture.models.territories import TerritoryItem
    from passculture.services.territories.grants import _grant, grant_page

    young, item = grant_scene(3)
    assert not _grant(item, [young[1].id], NOW)  # at her confirmation, say
    grant_page({"department": "976", "programme": "mayotte"}, None)
    assert totals() == (3, 6_000, "done")
    assert TerritoryItem.get("976", "credit#mayotte").granted_users == 3


def test_a_grant_reaches_only_users_with_the_national_credit_and_not_after_the_programme_ended(aws):
    from passculture.models.wallets import Wallet
    from passculture.services.territories.grants import grant_page
    from tests.factories import make_young

    _, item = grant_scene(1, grant_finished_at=None)
    broke = make_young(department="976", credit_cents=None)
    grant_page({"department": "976", "programme": "mayotte"}, None)
    assert [w.credit_id for w in Wallet.query(broke.id)] == []
    assert totals() == (1, 2_000, "done")
    item.update(actions=[type(item).ends_at.set(NOW - timedelta(seconds=1))])
    late = make_young(department="976")
    grant_page({"department": "976", "programme": "mayotte"}, None)
    assert [w.credit_id for w in Wallet.query(late.id)] == ["national"]

"""The team's routes: validation queue, structure status, memberships, roles, waiting offers."""

from __future__ import annotations

import pytest
from chalice.test import Client

from infra.catalog import load_app
from passculture.models.bookings import Booking
from passculture.models.memberships import Membership
from passculture.models.offerers import Offerer
from passculture.models.offers import Offer
from passculture.models.users import User
from tests.api.accounts_support import make_cast, send
from tests.factories import (
    auth,
    make_booking,
    make_member,
    make_offer,
    make_offerer,
    make_stock,
    make_team_user,
    make_user,
    make_venue,
    make_young,
    random_siren,
)


@pytest.fixture
def client(aws):
    with Client(load_app("validation")) as c:
        yield c


@pytest.fixture
def accounts(aws):
    with Client(load_app("accounts")) as c:
        yield c


@pytest.fixture
def team(aws):
    return auth(make_team_user())


@pytest.fixture
def cast(aws):
    return make_cast(status="pending")


def offer_with_stock(offerer, status="pending"):
    venue = make_venue(offerer)
    offer = make_offer(venue, status=status)
    stock = make_stock(offer, price_cents=0)
    return venue, offer, stock


# -- who gets in -------------------------------------------------------------------


def team_requests(cast):
    target = make_user({"pro"})
    return [
        ("GET", "/admin/offerers?status=pending", None),
        ("PATCH", f"/admin/offerers/{cast.offerer.siren}", {"status": "validated"}),
        ("PATCH", f"/admin/memberships/{cast.pending.id}/{cast.offerer.siren}", {"status": "validated"}),
        ("GET", f"/admin/users?email={target.email}", None),
        ("PATCH", f"/admin/users/{target.id}", {"roles": ["territory:33"]}),
        ("GET", "/admin/offers?status=pending", None),
    ]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("young", 403),
        ("other_pro", 403),
        ("pending", 403),
        ("editor", 403),
        ("admin", 403),
        ("team", 200),
    ],
)
def test_only_the_team_gets_in(client, cast, who, status):
    for method, path, body in team_requests(cast):
        answer = send(client, method, path, body, cast.headers(who))
        assert answer.status_code == status, (method, path, answer.json_body)
        if status >= 400:
            assert answer.json_body["errors"]["global"]


def test_a_territory_referent_is_not_the_team(client, cast):
    referent = make_user({"territory:33"})
    for method, path, body in team_requests(cast):
        assert send(client, method, path, body, auth(referent)).status_code == 403
    assert Offerer.get(cast.offerer.siren).status == "pending"


def test_a_revoked_team_member_is_refused_at_once(client, team):
    other = make_team_user()
    headers = auth(other)
    assert send(client, "GET", "/admin/offerers", headers=headers).status_code == 200
    assert send(client, "PATCH", f"/admin/users/{other.id}", {"roles": []}, team).status_code == 200
    assert send(client, "GET", "/admin/offerers", headers=headers).status_code == 403


# -- the validation queue --------------------------------------------------------------


def test_the_queue_lists_pending_structures_oldest_first_in_pages(client, team):
    pending = [make_offerer(status="pending") for _ in range(3)]
    make_offerer(status="validated")
    first = send(client, "GET", "/admin/offerers?status=pending&limit=2", headers=team)
    assert first.status_code == 200
    second = send(client, "GET", f"/admin/offerers?limit=2&cursor={first.json_body['nextCursor']}", headers=team)
    items = first.json_body["items"] + second.json_body["items"]
    assert [i["siren"] for i in items] == [o.siren for o in pending]
    assert second.json_body["nextCursor"] is None
    assert all(i["status"] == "pending" for i in items)


def test_a_signup_appears_in_the_queue(client, accounts, team):
    siren = random_siren()
    send(
        accounts,
        "POST",
        "/users/signup/pro",
        {"email": "q@example.org", "password": "Queue-password-1", "siren": siren},
    )
    sirens = [i["siren"] for i in send(client, "GET", "/admin/offerers", headers=team).json_body["items"]]
    assert siren in sirens


def test_the_queue_by_another_status(client, team):
    rejected = make_offerer(status="rejected")
    items = send(client, "GET", "/admin/offerers?status=rejected", headers=team).json_body["items"]
    assert [i["siren"] for i in items] == [rejected.siren]


def test_an_unknown_status_is_a_400(client, team):
    answer = send(client, "GET", "/admin/offerers?status=waiting", headers=team)
    assert answer.status_code == 400 and list(answer.json_body["errors"]) == ["status"]


# -- validating, rejecting, deleting -----------------------------------------------------


def test_validation_publishes_the_offers_created_before(client, cast, team, sent_emails):
    _, offer, _ = offer_with_stock(cast.offerer)
    answer = send(client, "PATCH", f"/admin/offerers/{cast.offerer.siren}", {"status": "validated"}, team)
    assert answer.status_code == 200, answer.json_body
    assert answer.json_body["status"] == "validated" and answer.json_body["validatedAt"]
    assert Offer.get(offer.id).status == "published"
    assert Offer.get(offer.id).feed_cell
    assert any(cast.admin.email in to for to, _, _ in sent_emails())


def test_validation_answers_at_once_and_the_offers_follow_in_a_job(client, cast, team, jobs):
    _, offer, _ = offer_with_stock(cast.offerer)
    answer = send(client, "PATCH", f"/admin/offerers/{cast.offerer.siren}", {"status": "validated"}, team)
    assert answer.status_code == 200 and answer.json_body["status"] == "validated"
    # The status is written; the offers wait for the job the PATCH started.
    assert Offerer.get(cast.offerer.siren).status == "validated"
    assert (Offer.get(offer.id).status, Offer.get(offer.id).feed_cell) == ("pending", None)
    assert jobs.pending == [
        ("offers", {"job": "offerer-offers", "args": {"siren": cast.offerer.siren}, "cursor": None, "attempt": 1})
    ]
    jobs.run()
    assert Offer.get(offer.id).status == "published" and Offer.get(offer.id).feed_cell


def test_rejection_unpublishes_once_the_job_ran(client, team, jobs):
    offerer = make_offerer(status="validated")
    _, offer, _ = offer_with_stock(offerer, status="published")
    Offer.get(offer.id).update(actions=[Offer.feed_cell.set("u09t")])
    answer = send(client, "PATCH", f"/admin/offerers/{offerer.siren}", {"status": "rejected", "reason": "Non"}, team)
    assert answer.status_code == 200 and answer.json_body["status"] == "rejected"
    assert Offer.get(offer.id).feed_cell == "u09t"
    jobs.run()
    assert (Offer.get(offer.id).status, Offer.get(offer.id).feed_cell) == ("inactive", None)


def test_a_job_that_cannot_be_started_fails_the_patch_and_sending_it_again_starts_it(client, team, jobs):
    from passculture.adapters.invocations import install

    offerer = make_offerer(status="pending")
    _, offer, _ = offer_with_stock(offerer)

    def lambda_unavailable(function, event):
        raise ConnectionError("Lambda did not answer")

    install(lambda_unavailable)
    failed = send(client, "PATCH", f"/admin/offerers/{offerer.siren}", {"status": "validated"}, team)
    assert failed.status_code == 500 and set(failed.json_body) == {"errors"}
    install(jobs)
    again = send(client, "PATCH", f"/admin/offerers/{offerer.siren}", {"status": "validated"}, team)
    assert again.status_code == 200
    jobs.run()
    assert Offer.get(offer.id).status == "published"


def test_validated_structures_leave_the_queue(client, cast, team):
    send(client, "PATCH", f"/admin/offerers/{cast.offerer.siren}", {"status": "validated"}, team)
    items = send(client, "GET", "/admin/offerers", headers=team).json_body["items"]
    assert cast.offerer.siren not in [i["siren"] for i in items]


def test_rejection_keeps_the_offers_unpublished_and_says_why(client, cast, team, sent_emails):
    _, offer, _ = offer_with_stock(cast.offerer)
    body = {"status": "rejected", "reason": "Pas une structure culturelle"}
    answer = send(client, "PATCH", f"/admin/offerers/{cast.offerer.siren}", body, team)
    assert answer.status_code == 200
    assert answer.json_body["statusReason"] == "Pas une structure culturelle"
    assert Offer.get(offer.id).status == "inactive"
    assert any("Pas une structure culturelle" in text for _, _, text in sent_emails())


def test_deletion_unpublishes_and_keeps_bookings_and_members(client, team):
    offerer = make_offerer(status="validated")
    admin = make_member(offerer)
    venue, offer, stock = offer_with_stock(offerer, status="published")
    booking = make_booking(stock, offer, venue, make_young())
    answer = send(client, "PATCH", f"/admin/offerers/{offerer.siren}", {"status": "deleted"}, team)
    assert answer.status_code == 200
    stored = Offer.get(offer.id)
    assert stored.status == "inactive" and stored.feed_cell is None
    assert Booking.get(booking.token).status == "booked"
    assert Membership.get(admin.id, offerer.siren).role == "admin"
    assert Offerer.get(offerer.siren).status_changed_by


def test_a_deleted_structure_can_be_restored(client, team):
    offerer = make_offerer(status="deleted")
    _, offer, _ = offer_with_stock(offerer, status="inactive")
    send(client, "PATCH", f"/admin/offerers/{offerer.siren}", {"status": "validated"}, team)
    assert Offer.get(offer.id).status == "published"


def test_setting_the_same_status_again_is_harmless(client, team):
    offerer = make_offerer(status="validated")
    answer = send(client, "PATCH", f"/admin/offerers/{offerer.siren}", {"status": "validated"}, team)
    assert answer.status_code == 200 and answer.json_body["status"] == "validated"


def test_status_errors(client, team):
    unknown = send(client, "PATCH", f"/admin/offerers/{random_siren()}", {"status": "validated"}, team)
    assert unknown.status_code == 404
    offerer = make_offerer(status="pending")
    bad = send(client, "PATCH", f"/admin/offerers/{offerer.siren}", {"status": "pending", "reason": "x" * 1001}, team)
    assert bad.status_code == 400 and set(bad.json_body["errors"]) == {"status", "reason"}


def test_a_status_changed_between_the_read_and_the_write_is_a_409(client, team, monkeypatch, sent_emails):
    from passculture.services.accounts import admin

    offerer = make_offerer(status="pending")
    read = admin.find_offerer

    def read_then_another_team_member_rejects(siren):
        seen = read(siren)
        Offerer(siren).update(actions=[Offerer.status.set("rejected")])
        return seen

    monkeypatch.setattr(admin, "find_offerer", read_then_another_team_member_rejects)
    answer = send(client, "PATCH", f"/admin/offerers/{offerer.siren}", {"status": "validated"}, team)
    assert answer.status_code == 409
    assert answer.json_body == {"errors": {"status": ["This structure's status changed meanwhile: reload it"]}}
    stored = Offerer.get(offerer.siren)
    assert stored.status == "rejected" and stored.validated_at is None
    assert sent_emails() == []


# -- memberships after the fact ---------------------------------------------------------


def test_the_team_accepts_a_member_and_changes_roles(client, cast, team):
    path = f"/admin/memberships/{cast.pending.id}/{cast.offerer.siren}"
    answer = send(client, "PATCH", path, {"status": "validated", "role": "admin"}, team)
    assert answer.status_code == 200
    assert (answer.json_body["status"], answer.json_body["role"]) == ("validated", "admin")
    assert Offerer.get(cast.offerer.siren).admin_count == 2


def test_the_team_cannot_demote_the_last_admin(client, cast, team):
    answer = send(client, "PATCH", f"/admin/memberships/{cast.admin.id}/{cast.offerer.siren}", {"role": "editor"}, team)
    assert answer.status_code == 409


def test_membership_errors(client, cast, team):
    unknown_user = send(client, "PATCH", f"/admin/memberships/nobody/{cast.offerer.siren}", {"role": "admin"}, team)
    assert unknown_user.status_code == 404
    unknown_siren = send(
        client, "PATCH", f"/admin/memberships/{cast.admin.id}/{random_siren()}", {"role": "admin"}, team
    )
    assert unknown_siren.status_code == 404
    empty = send(client, "PATCH", f"/admin/memberships/{cast.admin.id}/{cast.offerer.siren}", {}, team)
    assert empty.status_code == 400


# -- roles -------------------------------------------------------------------------


def test_granted_roles_replace_the_old_ones_and_keep_pro(client, team):
    pro = make_user({"pro", "territory:75"})
    answer = send(client, "PATCH", f"/admin/users/{pro.id}", {"roles": ["territory:2a", "team"]}, team)
    assert answer.status_code == 200
    assert answer.json_body["roles"] == ["pro", "team", "territory:2A"]
    assert User.get(pro.id).roles == {"pro", "team", "territory:2A"}
    cleared = send(client, "PATCH", f"/admin/users/{pro.id}", {"roles": []}, team)
    assert cleared.json_body["roles"] == ["pro"]


def test_a_young_user_stays_young(client, team):
    young = make_young()
    answer = send(client, "PATCH", f"/admin/users/{young.id}", {"roles": ["territory:93"]}, team)
    assert answer.json_body["roles"] == ["territory:93", "young"]


@pytest.mark.parametrize("role", ["pro", "young", "admin", "territory:20", "territory:", "territory:75:1", "TEAM"])
def test_an_unknown_role_is_a_400_naming_it(client, team, role):
    user = make_user()
    answer = send(client, "PATCH", f"/admin/users/{user.id}", {"roles": ["team", role]}, team)
    assert answer.status_code == 400
    assert list(answer.json_body["errors"]) == ["roles.1"]
    assert User.get(user.id).roles == {"pro"}


def test_a_team_member_cannot_drop_their_own_team_role(client):
    me = make_team_user()
    answer = send(client, "PATCH", f"/admin/users/{me.id}", {"roles": ["territory:13"]}, auth(me))
    assert answer.status_code == 409
    assert User.get(me.id).roles == {"team"}


def test_roles_of_an_unknown_user_is_a_404(client, team):
    assert send(client, "PATCH", "/admin/users/nobody", {"roles": []}, team).status_code == 404


def test_the_team_finds_a_user_by_email(client, team):
    user = make_user(email="findme@example.org")
    answer = send(client, "GET", "/admin/users?email=FindMe@Example.org", headers=team)
    assert answer.status_code == 200 and answer.json_body["id"] == user.id
    assert send(client, "GET", "/admin/users?email=ghost@example.org", headers=team).status_code == 404
    assert send(client, "GET", "/admin/users", headers=team).status_code == 400


# -- waiting offers ---------------------------------------------------------------------


def test_offers_waiting_for_their_structure(client, cast, team):
    _, waiting, _ = offer_with_stock(cast.offerer, status="pending")
    offer_with_stock(make_offerer(status="validated"), status="published")
    answer = send(client, "GET", "/admin/offers?status=pending", headers=team)
    assert answer.status_code == 200
    [item] = answer.json_body["items"]
    assert item["id"] == waiting.id
    assert item["siren"] == cast.offerer.siren and item["offererStatus"] == "pending"
    assert answer.json_body["nextCursor"] is None


def test_waiting_offers_come_in_pages_and_disappear_once_validated(client, cast, team):
    for _ in range(3):
        offer_with_stock(cast.offerer, status="pending")
    first = send(client, "GET", "/admin/offers?limit=2", headers=team).json_body
    assert len(first["items"]) == 2 and first["nextCursor"]
    send(client, "PATCH", f"/admin/offerers/{cast.offerer.siren}", {"status": "validated"}, team)
    assert send(client, "GET", "/admin/offers", headers=team).json_body["items"] == []


def test_offers_by_an_unknown_status_is_a_400(client, team):
    assert send(client, "GET", "/admin/offers?status=waiting", headers=team).status_code == 400

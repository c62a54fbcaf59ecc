"""Structures and their members, with the authorisation matrix of each route."""

from __future__ import annotations

import pytest
from chalice.test import Client

from infra.catalog import load_app
from passculture.models.memberships import Membership
from passculture.models.offerers import Offerer
from tests.api.accounts_support import make_cast, send
from tests.factories import auth, make_member, make_offerer, make_user, make_venue, make_young, random_siren


@pytest.fixture
def client(aws):
    with Client(load_app("accounts")) as c:
        yield c


@pytest.fixture
def cast(aws):
    return make_cast()


def membership(user, offerer):
    return Membership.get(user.id, offerer.siren)


# -- POST /offerers --------------------------------------------------------------


def test_a_pro_attaches_a_new_structure_as_its_admin(client, sent_emails):
    pro = make_member(make_offerer())
    siren = random_siren()
    answer = send(client, "POST", "/offerers", {"siren": siren, "name": "Second lieu"}, auth(pro))
    assert answer.status_code == 201, answer.json_body
    assert answer.json_body["offerer"] == {**answer.json_body["offerer"], "siren": siren, "status": "pending"}
    assert answer.json_body["membership"] == {**answer.json_body["membership"], "role": "admin", "status": "validated"}
    team = [text for to, _, text in sent_emails() if to == ["team@passculture.test"]]
    assert len(team) == 1 and siren in team[0] and "Second lieu" in team[0] and pro.email in team[0]


def test_attaching_a_known_structure_asks_to_join(client):
    offerer = make_offerer()
    make_member(offerer, role="admin")
    pro = make_member(make_offerer())
    answer = send(client, "POST", "/offerers", {"siren": offerer.siren}, auth(pro))
    assert answer.status_code == 201
    assert answer.json_body["membership"]["role"] == "editor"
    assert answer.json_body["membership"]["status"] == "pending"


def test_attaching_a_structure_twice_is_a_409(client, cast):
    answer = send(client, "POST", "/offerers", {"siren": cast.offerer.siren}, auth(cast.editor))
    assert answer.status_code == 409
    assert list(answer.json_body["errors"]) == ["siren"]
    assert membership(cast.editor, cast.offerer).role == "editor"


def test_attaching_needs_a_valid_siren(client, cast):
    answer = send(client, "POST", "/offerers", {"siren": "123456789"}, auth(cast.admin))
    assert answer.status_code == 400 and list(answer.json_body["errors"]) == ["siren"]


@pytest.mark.parametrize(("who", "status"), [("anonymous", 401), ("young", 403), ("team", 403), ("other_pro", 201)])
def test_who_may_attach_a_structure(client, cast, who, status):
    assert send(client, "POST", "/offerers", {"siren": random_siren()}, cast.headers(who)).status_code == status


# -- GET /offerers -----------------------------------------------------------------


def test_my_structures_include_the_pending_ones(client, cast):
    waiting = make_offerer(name="En attente")
    make_member(waiting, cast.admin, role="editor", status="pending")
    answer = send(client, "GET", "/offerers", headers=auth(cast.admin))
    assert answer.status_code == 200
    items = {i["siren"]: i for i in answer.json_body["items"]}
    assert set(items) == {cast.offerer.siren, waiting.siren}
    assert items[waiting.siren]["membership"]["status"] == "pending"
    assert items[cast.offerer.siren]["membership"]["role"] == "admin"
    assert answer.json_body["nextCursor"] is None


def test_my_structures_come_in_pages(client):
    pro = make_user()
    sirens = set()
    for _ in range(3):
        offerer = make_offerer()
        make_member(offerer, pro)
        sirens.add(offerer.siren)
    first = send(client, "GET", "/offerers?limit=2", headers=auth(pro)).json_body
    second = send(client, "GET", f"/offerers?limit=2&cursor={first['nextCursor']}", headers=auth(pro)).json_body
    assert len(first["items"]) == 2 and second["nextCursor"] is None
    assert {i["siren"] for i in first["items"] + second["items"]} == sirens


@pytest.mark.parametrize("who", ["young", "team", "other_pro"])
def test_others_do_not_see_a_structure_in_their_list(client, cast, who):
    answer = send(client, "GET", "/offerers", headers=cast.headers(who))
    assert answer.status_code == 200
    assert cast.offerer.siren not in {i["siren"] for i in answer.json_body["items"]}


def test_my_structures_need_a_token(client):
    assert send(client, "GET", "/offerers").status_code == 401


def test_a_bad_page_size_is_a_400(client, cast):
    assert send(client, "GET", "/offerers?limit=500", headers=auth(cast.admin)).status_code == 400


# -- GET /offerers/{siren} ---------------------------------------------------------------


def test_a_member_sees_the_structure_with_its_venues_and_members(client, cast):
    venue = make_venue(cast.offerer, name="Grande salle")
    answer = send(client, "GET", f"/offerers/{cast.offerer.siren}", headers=auth(cast.editor))
    assert answer.status_code == 200
    data = answer.json_body
    assert data["siren"] == cast.offerer.siren and data["status"] == "validated"
    assert [v["id"] for v in data["venues"]] == [venue.id]
    members = {m["userId"]: m for m in data["members"]}
    assert set(members) == {cast.admin.id, cast.editor.id, cast.pending.id}
    assert members[cast.admin.id]["email"] == cast.admin.email
    assert members[cast.pending.id]["status"] == "pending"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("young", 404),
        ("other_pro", 404),
        ("pending", 404),
        ("editor", 200),
        ("admin", 200),
        ("team", 200),
    ],
)
def test_who_may_see_a_structure(client, cast, who, status):
    assert send(client, "GET", f"/offerers/{cast.offerer.siren}", headers=cast.headers(who)).status_code == status


def test_an_unknown_structure_is_a_404_even_for_the_team(client, cast):
    assert send(client, "GET", f"/offerers/{random_siren()}", headers=auth(cast.team)).status_code == 404


# -- PATCH /offerers/{siren}/members/{userId} -------------------------------------------


def patch_member(client, cast, user, body, who="admin"):
    return send(client, "PATCH", f"/offerers/{cast.offerer.siren}/members/{user.id}", body, cast.headers(who))


def test_an_admin_accepts_a_pending_member(client, cast, sent_emails):
    answer = patch_member(client, cast, cast.pending, {"status": "validated"})
    assert answer.status_code == 200, answer.json_body
    assert answer.json_body["status"] == "validated" and answer.json_body["validatedAt"]
    assert membership(cast.pending, cast.offerer).status == "validated"
    assert any(cast.pending.email in to for to, _, _ in sent_emails())
    # The accepted member now sees the structure.
    assert send(client, "GET", f"/offerers/{cast.offerer.siren}", headers=auth(cast.pending)).status_code == 200


def test_an_admin_promotes_and_demotes(client, cast):
    assert patch_member(client, cast, cast.editor, {"role": "admin"}).json_body["role"] == "admin"
    assert Offerer.get(cast.offerer.siren).admin_count == 2
    assert patch_member(client, cast, cast.admin, {"role": "editor"}, who="editor").json_body["role"] == "editor"
    assert Offerer.get(cast.offerer.siren).admin_count == 1


def test_the_last_admin_cannot_be_demoted(client, cast):
    answer = patch_member(client, cast, cast.admin, {"role": "editor"})
    assert answer.status_code == 409
    assert list(answer.json_body["errors"]) == ["role"]
    assert membership(cast.admin, cast.offerer).role == "admin"


def test_a_pending_member_named_admin_counts_once_accepted(client, cast):
    patch_member(client, cast, cast.pending, {"role": "admin"})
    assert Offerer.get(cast.offerer.siren).admin_count == 1
    patch_member(client, cast, cast.pending, {"status": "validated"})
    assert Offerer.get(cast.offerer.siren).admin_count == 2
    assert patch_member(client, cast, cast.admin, {"role": "editor"}).status_code == 200


def test_setting_what_is_already_there_changes_nothing(client, cast):
    answer = patch_member(client, cast, cast.editor, {"role": "editor", "status": "validated"})
    assert answer.status_code == 200 and answer.json_body["role"] == "editor"


def test_a_member_patch_needs_something_to_change(client, cast):
    answer = patch_member(client, cast, cast.editor, {})
    assert answer.status_code == 400
    bad = patch_member(client, cast, cast.editor, {"role": "owner", "status": "pending"})
    assert bad.status_code == 400 and set(bad.json_body["errors"]) == {"role", "status"}


def test_an_unknown_member_is_a_404(client, cast):
    answer = patch_member(client, cast, make_user(), {"status": "validated"})
    assert answer.status_code == 404
    assert list(answer.json_body["errors"]) == ["userId"]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("young", 404),
        ("other_pro", 404),
        ("pending", 404),
        ("editor", 403),
        ("admin", 200),
        ("team", 200),
    ],
)
def test_who_may_accept_a_member(client, cast, who, status):
    assert patch_member(client, cast, cast.pending, {"status": "validated"}, who=who).status_code == status
    accepted = membership(cast.pending, cast.offerer).status == "validated"
    assert accepted is (status == 200)


def test_counts_for_structures_written_before_the_counter_are_made_once(client):
    """Structures written without ``admin_count`` (factories, older items) get it from their members."""
    offerer = make_offerer()
    first = make_member(offerer, role="admin")
    second = make_member(offerer, role="admin")
    assert Offerer.get(offerer.siren).admin_count is None
    url = f"/offerers/{offerer.siren}/members"
    assert send(client, "PATCH", f"{url}/{second.id}", {"role": "editor"}, auth(first)).status_code == 200
    assert Offerer.get(offerer.siren).admin_count == 1
    assert send(client, "PATCH", f"{url}/{first.id}", {"role": "editor"}, auth(first)).status_code == 409


# -- DELETE /offerers/{siren}/members/{userId} ----------------------------------------


def delete_member(client, cast, user, who="admin"):
    return send(client, "DELETE", f"/offerers/{cast.offerer.siren}/members/{user.id}", headers=cast.headers(who))


def test_an_admin_removes_a_member(client, cast):
    assert delete_member(client, cast, cast.editor).status_code == 204
    with pytest.raises(Membership.DoesNotExist):
        membership(cast.editor, cast.offerer)
    assert send(client, "GET", f"/offerers/{cast.offerer.siren}", headers=auth(cast.editor)).status_code == 404


def test_an_admin_refuses_a_pending_request_by_removing_it(client, cast):
    assert delete_member(client, cast, cast.pending).status_code == 204


def test_the_last_admin_cannot_be_removed_even_by_the_team(client, cast):
    for who in ("admin", "team"):
        answer = delete_member(client, cast, cast.admin, who=who)
        assert answer.status_code == 409
    assert membership(cast.admin, cast.offerer).role == "admin"


def test_an_admin_can_be_removed_when_another_remains(client, cast):
    patch_member(client, cast, cast.editor, {"role": "admin"})
    assert delete_member(client, cast, cast.admin, who="editor").status_code == 204
    assert Offerer.get(cast.offerer.siren).admin_count == 1


def test_a_member_may_leave(client, cast):
    assert delete_member(client, cast, cast.editor, who="editor").status_code == 204
    assert delete_member(client, cast, cast.pending, who="pending").status_code == 204


def test_removing_someone_who_is_not_a_member_is_a_404(client, cast):
    assert delete_member(client, cast, make_user()).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("young", 404),
        ("other_pro", 404),
        ("pending", 404),
        ("editor", 403),
        ("admin", 204),
        ("team", 204),
    ],
)
def test_who_may_remove_another_member(client, cast, who, status):
    target = make_member(cast.offerer, role="editor")
    assert delete_member(client, cast, target, who=who).status_code == status


def test_young_users_have_no_structures(client):
    answer = send(client, "GET", "/offerers", headers=auth(make_young()))
    assert answer.json_body == {"items": [], "nextCursor": None}

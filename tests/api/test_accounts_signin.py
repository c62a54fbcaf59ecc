"""Signin (throttling, rehashing) and the current user."""

from __future__ import annotations

import pytest
from chalice.test import Client

from infra.catalog import load_app
from passculture.models.users import User
from tests.api.accounts_support import send
from tests.factories import PASSWORD, auth, make_member, make_offerer, make_team_user, make_user, make_young


@pytest.fixture
def client(aws):
    with Client(load_app("accounts")) as c:
        yield c


def signin(client, email, password=PASSWORD):
    return send(client, "POST", "/users/signin", {"email": email, "password": password})


def test_signin_gives_a_token_that_opens_the_current_user(client):
    user = make_user({"pro"}, email="Claire@Example.org".lower())
    answer = signin(client, "  CLAIRE@example.org ")
    assert answer.status_code == 200, answer.json_body
    assert set(answer.json_body) == {"accessToken", "expiresAt", "user"}
    assert answer.json_body["user"]["id"] == user.id
    assert answer.json_body["expiresAt"].endswith(("Z", "+00:00"))
    current = send(
        client, "GET", "/users/current", headers={"Authorization": f"Bearer {answer.json_body['accessToken']}"}
    )
    assert current.status_code == 200 and current.json_body["id"] == user.id


def test_unknown_email_and_wrong_password_get_the_same_401(client):
    make_user(email="known@example.org")
    wrong = signin(client, "known@example.org", "Wrong-password-1")
    unknown = signin(client, "nobody@example.org")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json_body == unknown.json_body == {"errors": {"global": ["Wrong email or password"]}}


def test_a_disabled_account_cannot_sign_in(client):
    user = make_user()
    user.update(actions=[User.is_active.set(False)])
    assert signin(client, user.email).status_code == 401


def test_a_disabled_accounts_existing_token_is_refused_at_once(client):
    pro = make_member(make_offerer())
    headers = {"Authorization": f"Bearer {signin(client, pro.email).json_body['accessToken']}"}
    assert send(client, "GET", "/users/current", headers=headers).status_code == 200
    User(pro.id).update(actions=[User.is_active.set(False)])
    answer = send(client, "GET", "/users/current", headers=headers)
    assert answer.status_code == 401
    assert answer.json_body == {"errors": {"global": ["This account is disabled"]}}


def test_the_token_of_an_account_that_no_longer_exists_is_a_401(client):
    user = make_user()
    headers = auth(user)
    User(user.id).delete()
    answer = send(client, "GET", "/users/current", headers=headers)
    assert answer.status_code == 401
    assert answer.json_body == {"errors": {"global": ["The access token is invalid"]}}


def test_a_token_carries_its_accounts_roles_a_pro_attaches_a_structure_a_young_user_cannot(client):
    from tests.factories import random_siren

    pro, young = make_user({"pro"}), make_young()
    attached = send(client, "POST", "/offerers", {"siren": random_siren()}, headers=auth(pro))
    assert attached.status_code == 201, attached.json_body
    refused = send(client, "POST", "/offerers", {"siren": random_siren()}, headers=auth(young))
    assert refused.status_code == 403


def test_signin_needs_both_fields(client):
    answer = send(client, "POST", "/users/signin", {})
    assert answer.status_code == 400
    assert set(answer.json_body["errors"]) == {"email", "password"}


def test_a_pro_signs_in_to_the_app_with_the_same_credentials(client):
    offerer = make_offerer()
    pro = make_member(offerer, role="admin")
    answer = signin(client, pro.email)
    assert answer.status_code == 200
    current = send(
        client, "GET", "/users/current", headers={"Authorization": f"Bearer {answer.json_body['accessToken']}"}
    )
    assert current.json_body["roles"] == ["pro"]
    assert [m["siren"] for m in current.json_body["memberships"]] == [offerer.siren]


@pytest.fixture
def from_source(monkeypatch):
    """Makes the next requests come from another source address."""
    from chalice.local import LambdaEventConverter

    def switch(ip: str) -> None:
        monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", ip)

    return switch


def test_too_many_attempts_on_one_email_are_throttled_with_retry_after(client):
    user = make_user()
    statuses = [signin(client, user.email, "Wrong-password-1").status_code for _ in range(10)]
    assert statuses == [401] * 10
    blocked = signin(client, user.email)  # even the right password waits now, from this source
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 900
    assert blocked.json_body["errors"]["global"]


def test_the_owner_signs_in_from_another_source_while_one_is_locked_out(client, from_source):
    user = make_user()
    from_source("203.0.113.1")
    statuses = [signin(client, user.email, "Wrong-password-1").status_code for _ in range(12)]
    assert statuses == [401] * 10 + [429] * 2
    from_source("198.51.100.7")
    assert signin(client, user.email).status_code == 200
    from_source("203.0.113.1")
    assert signin(client, user.email).status_code == 429


def test_once_an_email_has_many_failures_only_sources_that_failed_for_it_wait(client, from_source):
    user = make_user()
    # 30 failures per email from all sources by default: 10 sources, 3 each.
    for n in range(10):
        from_source(f"203.0.113.{n}")
        assert [signin(client, user.email, "Wrong-password-1").status_code for _ in range(3)] == [401] * 3
    from_source("203.0.113.0")  # failed for this email before: waits, right password or not
    blocked = signin(client, user.email)
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    from_source("203.0.113.200")  # a new source gets one try, and waits after its first failure
    assert signin(client, user.email, "Wrong-password-1").status_code == 429
    assert signin(client, user.email).status_code == 429
    from_source("198.51.100.7")  # the owner, from a source without failures
    assert signin(client, user.email).status_code == 200
    other = make_user()
    from_source("203.0.113.0")
    assert signin(client, other.email).status_code == 200  # another account is another count


def test_an_unknown_email_is_throttled_like_a_known_one(client):
    statuses = [signin(client, "ghost@example.org", "Wrong-password-1").status_code for _ in range(11)]
    assert statuses == [401] * 10 + [429]


def test_a_successful_signin_resets_the_email_count(client):
    user = make_user()
    for _ in range(9):
        signin(client, user.email, "Wrong-password-1")
    assert signin(client, user.email).status_code == 200
    statuses = [signin(client, user.email, "Wrong-password-1").status_code for _ in range(10)]
    assert statuses == [401] * 10


def test_many_failures_from_one_source_are_throttled_across_emails(client):
    # 50 failures per source and window by default, each on a different email.
    statuses = [signin(client, f"guess{n}@example.org", "Wrong-password-1").status_code for n in range(51)]
    assert statuses == [401] * 50 + [429]
    user = make_user()
    assert signin(client, user.email).status_code == 429


def test_successes_from_one_source_are_not_throttled(client):
    user = make_user()
    assert all(signin(client, user.email).status_code == 200 for _ in range(12))


def test_a_hash_made_with_old_parameters_is_rehashed_at_signin(client):
    from argon2 import PasswordHasher

    from passculture.services.accounts.auth import verify_password

    user = make_user()
    old = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(PASSWORD)
    user.update(actions=[User.password_hash.set(old)])
    assert verify_password(old, PASSWORD) == (True, True)
    assert signin(client, user.email).status_code == 200
    new = User.get(user.id).password_hash
    assert new != old
    assert verify_password(new, PASSWORD) == (True, False)


# -- the current user ------------------------------------------------------------


def test_the_current_user_needs_a_token(client):
    assert send(client, "GET", "/users/current").status_code == 401


def test_a_pro_sees_roles_memberships_and_confirmation(client):
    mine = make_offerer(status="pending", name="Atelier")
    pro = make_member(mine, role="admin")
    joined = make_offerer(name="Festival")
    make_member(joined, pro, role="editor", status="pending")
    answer = send(client, "GET", "/users/current", headers=auth(pro))
    assert answer.status_code == 200
    data = answer.json_body
    assert data["emailConfirmed"] is True and data["credits"] is None
    by_siren = {m["siren"]: m for m in data["memberships"]}
    assert by_siren[mine.siren] == {**by_siren[mine.siren], "role": "admin", "status": "validated"}
    assert by_siren[mine.siren]["offererName"] == "Atelier" and by_siren[mine.siren]["offererStatus"] == "pending"
    assert by_siren[joined.siren]["status"] == "pending"


def test_a_young_user_sees_credits_with_label_and_balance(client):
    young = make_young(credit_cents=30_000, public_name="Sam")
    answer = send(client, "GET", "/users/current", headers=auth(young))
    data = answer.json_body
    assert data["roles"] == ["young"] and data["publicName"] == "Sam" and data["memberships"] == []
    [credit] = data["credits"]
    assert credit["label"] == "Pass Culture"
    assert credit["balanceCents"] == 30_000 and credit["initialCents"] == 30_000
    assert credit["physicalRemainingCents"] == 20_000


def test_the_team_sees_its_roles(client):
    answer = send(client, "GET", "/users/current", headers=auth(make_team_user()))
    assert answer.json_body["roles"] == ["team"]

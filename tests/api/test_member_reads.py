"""`GET /offers?siren=` and `GET /bookings/pro?siren=`: the user and its membership in one batch, the rules kept.

Both routes defer the user's read (``deferred_user``) to ``access.signed_in_member``:
whatever the batch finds, a gone or disabled account is a 401, anyone but a validated
member or the team a 404, exactly as ``require_member`` answers.
"""

from __future__ import annotations

import pytest
from chalice.test import Client

from bench.counting import count_dynamodb_calls, count_round_trips
from infra.catalog import load_app
from passculture.models.users import User
from tests.factories import auth, make_member, make_offer, make_offerer, make_team_user, make_user, make_venue

ROUTES = {"offers": "/offers?siren={siren}", "countermarks": "/bookings/pro?siren={siren}"}


@pytest.fixture(params=sorted(ROUTES))
def route(request, aws):
    with Client(load_app(request.param)) as client:
        yield client, ROUTES[request.param]


@pytest.fixture
def offerer(aws):
    offerer = make_offerer()
    make_offer(make_venue(offerer))
    return offerer


def get(route, user, siren):
    client, path = route
    return client.http.get(path.format(siren=siren), headers=auth(user))


def test_a_member_is_answered_in_two_round_trips(route, offerer):
    member = make_member(offerer)
    with count_dynamodb_calls() as calls:
        answer = get(route, member, offerer.siren)
    assert answer.status_code == 200, answer.json_body
    assert calls == {"BatchGetItem": 1, "Query": 1} and count_round_trips(calls) == 2


def test_the_team_reads_any_structure(route, offerer):
    assert get(route, make_team_user(), offerer.siren).status_code == 200


@pytest.mark.parametrize("who", ["another structure's member", "a pending member", "a pro of no structure"])
def test_anyone_but_a_validated_member_gets_404(route, offerer, who):
    user = {
        "another structure's member": lambda: make_member(make_offerer()),
        "a pending member": lambda: make_member(offerer, status="pending"),
        "a pro of no structure": lambda: make_user({"pro"}),
    }[who]()
    answer = get(route, user, offerer.siren)
    assert answer.status_code == 404 and list(answer.json_body["errors"]) == ["global"]


def test_a_gone_or_disabled_member_gets_401(route, offerer):
    gone, disabled = make_member(offerer), make_member(offerer)
    User(gone.id).delete()
    User(disabled.id).update(actions=[User.is_active.set(False)])
    assert get(route, gone, offerer.siren).json_body == {"errors": {"global": ["The access token is invalid"]}}
    answer = get(route, disabled, offerer.siren)
    assert answer.status_code == 401 and answer.json_body == {"errors": {"global": ["This account is disabled"]}}


def test_a_member_who_became_team_is_read_as_team_in_the_same_batch(route, offerer):
    user = make_user({"pro"})
    User(user.id).update(actions=[User.roles.set({"pro", "team"})])  # granted after its token was issued
    assert get(route, user, offerer.siren).status_code == 200

"""Bad input is a 4xx on every route, never a 500: odd path values, wrong bodies, odd queries.

Every route of every function is called by a team member, a pro and a young
user with inputs no client should send; each answer must be below 500 and, when
it is an error, in the contract's shape.
"""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

from infra.catalog import FUNCTIONS, load_app
from tests.factories import auth, make_member, make_offerer, make_team_user, make_young

ODD_PATH_VALUES = ["x", "0", "-1", "%20", "A" * 300, "ÉTÉ", "null", "..%2F", "123456782", "ABCDEF"]
ODD_BODIES = [
    "",
    "null",
    "[]",
    '"text"',
    "12",
    "{",
    json.dumps({"priceCents": -1, "quantity": 0, "beginsAt": "yesterday", "latitude": 1e309}),
    json.dumps({"name": None, "email": ["a"], "siren": {"a": 1}, "status": 3, "roles": "team"}),
    json.dumps({"stocks": [{}] * 101, "contentType": "text/html", "role": "owner", "localValidation": 1}),
    json.dumps(dict.fromkeys(("name", "description", "email", "password", "url", "hook"), "x" * 20000)),
]
ODD_QUERIES = [
    "?limit=0",
    "?limit=abc",
    "?cursor=garbage",
    "?cursor=eyJ4IjoxfQ.AAAA",
    "?latitude=91&longitude=181&radiusKm=-3",
    "?status=nope&category=NOPE&from=tomorrow&to=1",
    "?format=csv&venueId=..&siren=x",
]


def routes():
    for name in FUNCTIONS:
        for path, methods in sorted(load_app(name).routes.items()):
            for method in sorted(methods):
                yield name, path, method


def fill(path: str, value: str) -> str:
    return "/".join(value if part.startswith("{") else part for part in path.split("/"))


@pytest.fixture
def callers(aws):
    offerer = make_offerer()
    return {
        "team": auth(make_team_user()),
        "pro": auth(make_member(offerer)),
        "young": auth(make_young()),
    }


def check(response) -> None:
    assert response.status_code < 500, response.body
    if response.status_code >= 400 and response.body:
        body = json.loads(response.body)
        assert isinstance(body, dict) and body, body


@pytest.mark.parametrize(("name", "path", "method"), list(routes()))
def test_odd_inputs_never_give_a_500(callers, name, path, method):
    with Client(load_app(name)) as client:
        for who, headers in callers.items():
            # The team passes most access checks, so it reaches the most code with odd values.
            values = ODD_PATH_VALUES if who == "team" else ODD_PATH_VALUES[:2]
            for value in values if "{" in path else values[:1]:
                url = fill(path, value)
                check(client.http.request(method, url, headers=headers))
                if method == "GET" and value == values[0]:
                    for query in ODD_QUERIES:
                        check(client.http.request(method, url + query, headers=headers))
                if method in {"POST", "PATCH", "PUT"} and value in values[:2]:
                    for body in ODD_BODIES:
                        check(
                            client.http.request(
                                method, url, headers={**headers, "Content-Type": "application/json"}, body=body
                            )
                        )


# -- hostile JSON: bounded before it can cost a 500 --------------------------------

HOSTILE_BODIES = {
    "50,000 levels of lists": ("[" * 50_000 + "]" * 50_000, "more than 32 levels deep"),
    "50,000 levels of objects": ('{"a":' * 50_000 + "1" + "}" * 50_000, "more than 32 levels deep"),
    "40 levels in an ignored field": ('{"name": "x", "extra": ' + "[" * 40 + "]" * 40 + "}", "more than 32 levels"),
    "a 5,000-digit integer": ('{"priceCents": ' + "9" * 5_000 + "}", "longer than 64 characters"),
    "a 5,000-digit decimal": ('{"latitude": 0.' + "5" * 5_000 + "}", "longer than 64 characters"),
    "a number past the largest float": ('{"latitude": 1e400}', "too large"),
    "NaN": ('{"latitude": NaN}', "NaN is not a JSON number"),
    "-Infinity": ('{"priceCents": -Infinity}', "-Infinity is not a JSON number"),
}


def routes_with_a_body():
    for name in FUNCTIONS:
        for spec in load_app(name).route_specs:
            if spec.body is not None:
                yield name, spec.path, spec.method, spec.auth.value


@pytest.mark.parametrize(("name", "path", "method", "auth_kind"), sorted(set(routes_with_a_body())))
def test_hostile_json_is_a_400_naming_the_problem_on_every_route_with_a_body(aws, name, path, method, auth_kind):
    # passes the access checks that come before the body: the team, or a provider's key on the partner API
    if auth_kind == "provider":
        from tests.api.partners_support import make_provider, provider_headers

        team = provider_headers(make_provider())
    else:
        team = auth(make_team_user())
    with Client(load_app(name)) as client:
        for what, (body, problem) in HOSTILE_BODIES.items():
            response = client.http.request(
                method, fill(path, "x"), headers={**team, "Content-Type": "application/json"}, body=body
            )
            assert response.status_code == 400, (what, response.body[:300])
            errors = json.loads(response.body)
            messages = [m for ms in errors.get("errors", errors).values() for m in ms]
            assert any(problem in m for m in messages), (what, messages)


def test_a_body_nested_as_deep_as_allowed_is_read():
    from passculture.web.routing import MAX_JSON_DEPTH, _parse_json

    deepest = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert _parse_json(deepest) == json.loads(deepest)
    assert _parse_json('{"priceCents": ' + "9" * 64 + ', "latitude": -1.5e300}')["latitude"] == -1.5e300

"""The error contract every function shares, checked on a purpose-built app and on each real one."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client
from pydantic import Field

from passculture.errors import Conflict, RateLimited
from passculture.schemas.base import CamelModel, Name
from passculture.web import Auth, RouteSet, create_app
from tests.factories import auth, make_user


class ThingIn(CamelModel):
    name: Name
    price_cents: int = Field(ge=0)
    quantity: int | None = Field(default=None, ge=1)


class ThingQuery(CamelModel):
    limit: int = Field(default=20, ge=1, le=100)


def make_test_blueprint():
    routes = RouteSet(__name__)

    @routes.post("/things", auth=Auth.PUBLIC, body=ThingIn, status=201)
    def create_thing(req):
        return {"name": req.body.name, "priceCents": req.body.price_cents}

    @routes.get("/things", auth=Auth.PUBLIC, query=ThingQuery)
    def list_things(req):
        return {"limit": req.query.limit}

    @routes.get("/things/conflict", auth=Auth.PUBLIC)
    def conflict(req):
        raise Conflict("Already there", field="name")

    @routes.get("/things/limited", auth=Auth.PUBLIC)
    def limited(req):
        raise RateLimited(42)

    @routes.get("/things/broken", auth=Auth.PUBLIC)
    def broken(req):
        raise RuntimeError("secret internals")

    @routes.get("/things/mine")
    def mine(req):
        return {"userId": req.principal.user_id}

    @routes.get("/things/team", auth=Auth.TEAM)
    def team_only(req):
        return {"ok": True}

    return routes.blueprint


@pytest.fixture
def client(aws):
    with Client(create_app("contract-test", make_test_blueprint)) as c:
        yield c


def post(client, path, body: bytes | str, headers=None):
    return client.http.post(path, body=body, headers={"Content-Type": "application/json", **(headers or {})})


def test_valid_body_reaches_the_handler(client):
    response = post(client, "/things", json.dumps({"name": "Concert", "priceCents": 0}))
    assert response.status_code == 201
    assert response.json_body == {"name": "Concert", "priceCents": 0}


def test_invalid_body_lists_every_bad_field_by_its_json_name(client):
    response = post(client, "/things", json.dumps({"name": "x" * 141, "priceCents": -1, "quantity": 0}))
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == {"name", "priceCents", "quantity"}


def test_missing_body_names_the_required_fields(client):
    response = post(client, "/things", "")
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == {"name", "priceCents"}


def test_malformed_json_is_a_400(client):
    response = post(client, "/things", '{"name": ')
    assert response.status_code == 400
    assert "Malformed JSON" in response.json_body["errors"]["global"][0]


def test_a_non_object_body_is_a_400(client):
    response = post(client, "/things", "[1, 2]")
    assert response.status_code == 400
    assert response.json_body["errors"]


def test_a_body_over_one_megabyte_is_a_413(client):
    response = post(client, "/things", json.dumps({"name": "x" * (1024 * 1024)}))
    assert response.status_code == 413
    assert response.json_body["errors"]["global"]


def test_a_wrong_content_type_is_still_read_as_json(client):
    response = client.http.post(
        "/things", body=json.dumps({"name": "A", "priceCents": 5}), headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 201


def test_bad_query_parameters_are_named(client):
    response = client.http.get("/things?limit=1000")
    assert response.status_code == 400
    assert list(response.json_body["errors"]) == ["limit"]


def test_domain_errors_keep_their_status_and_field(client):
    response = client.http.get("/things/conflict")
    assert response.status_code == 409
    assert response.json_body == {"errors": {"name": ["Already there"]}}


def test_rate_limits_say_when_to_come_back(client):
    response = client.http.get("/things/limited")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "42"


def test_an_unexpected_exception_is_a_500_without_a_stack_trace(client, caplog):
    response = client.http.get("/things/broken")
    assert response.status_code == 500
    body = json.dumps(response.json_body)
    assert "secret internals" not in body and "Traceback" not in body
    request_id = response.headers["X-Request-Id"]
    assert request_id in body
    assert any(request_id in record.getMessage() for record in caplog.records)


def test_replies_carry_cors_headers_for_the_pro_portal(client):
    response = client.http.get("/things/conflict")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]


def test_signed_in_routes_need_a_token(client):
    assert client.http.get("/things/mine").status_code == 401
    bad = client.http.get("/things/mine", headers={"Authorization": "Bearer not-a-jwt"})
    assert bad.status_code == 401
    assert bad.json_body["errors"]["global"]


def test_signed_in_routes_know_the_caller(client):
    user = make_user()
    response = client.http.get("/things/mine", headers=auth(user))
    assert response.status_code == 200
    assert response.json_body == {"userId": user.id}


def test_api_keys_and_basic_are_refused_outside_the_countermark_api(client):
    key = client.http.get("/things/mine", headers={"Authorization": "Bearer pck_abcdef12_secret"})
    basic = client.http.get("/things/mine", headers={"Authorization": "Basic dXNlckBleGFtcGxlLm9yZzpwdw=="})
    assert (key.status_code, basic.status_code) == (401, 401)


def test_team_routes_refuse_other_users(client):
    assert client.http.get("/things/team", headers=auth(make_user({"pro"}))).status_code == 403
    assert client.http.get("/things/team", headers=auth(make_user({"team"}))).status_code == 200


def test_a_disabled_account_is_refused_at_once(client):
    from passculture.models.users import User

    user = make_user()
    headers = auth(user)
    user.update(actions=[User.is_active.set(False)])
    assert client.http.get("/things/mine", headers=headers).status_code == 401


def raw_event(path: str, method: str = "GET", headers: dict | None = None) -> dict:
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers or {},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {"resourcePath": path, "httpMethod": method, "requestId": "r-1", "identity": {}},
        "body": None,
        "isBase64Encoded": False,
    }


def test_a_raw_lambda_event_without_a_token_is_refused(aws):
    """No API Gateway authorizer in front: the function itself says 401."""
    from functions.accounts.app import handler

    response = handler(raw_event("/users/current"), None)
    assert response["statusCode"] == 401
    assert json.loads(response["body"])["errors"]["global"]


@pytest.mark.parametrize(
    "name",
    ["accounts", "validation", "offers", "bookings", "countermarks", "openagenda", "notify", "territories", "partners"],
)
def test_every_function_answers_an_unknown_route_with_a_json_404(aws, name):
    from infra.catalog import load_handler

    response = load_handler(name)(raw_event("/no/such/route"), None)
    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == {"errors": {"global": ["Not found"]}}


def test_a_method_the_route_lacks_is_a_405_in_the_contract_shape(aws):
    from functions.accounts.app import handler

    response = handler(raw_event("/users/current", method="DELETE"), None)
    assert response["statusCode"] == 405
    assert json.loads(response["body"])["errors"]["global"]

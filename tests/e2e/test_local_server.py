"""``make run``'s server: health, OpenAPI, the error contract, the outbox, a clean stop."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import TEAM_EMAIL, TEAM_PASSWORD, start_local_server, stop_local_server

pytestmark = pytest.mark.e2e


def test_health_says_ok_with_the_data_store_reachable(local_server):
    answer = local_server.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


def test_openapi_document_is_valid_openapi_3(local_server):
    from openapi_spec_validator import validate

    answer = local_server.get("/openapi.json")
    assert answer.status_code == 200
    document = answer.json()
    validate(document)
    assert "/users/current" in document["paths"]


def test_unknown_routes_are_json_404s(local_server):
    answer = local_server.get("/no/such/thing")
    assert answer.status_code == 404
    assert answer.json() == {"errors": {"global": ["Not found"]}}


def test_signed_in_routes_refuse_anonymous_callers(local_server):
    answer = local_server.get("/users/current")
    assert answer.status_code == 401
    assert answer.json()["errors"]["global"]


def test_browser_preflight_requests_are_answered(local_server):
    answer = local_server.http.options(
        local_server.url + "/users/current",
        headers={"Origin": "https://pro.example", "Access-Control-Request-Method": "GET"},
        timeout=10,
    )
    assert answer.status_code == 200
    assert "GET" in answer.headers["Access-Control-Allow-Methods"]
    assert answer.headers["Access-Control-Allow-Origin"] == "*"


def test_the_outbox_lists_messages(local_server):
    answer = local_server.get("/_local/outbox")
    assert answer.status_code == 200
    assert isinstance(answer.json()["messages"], list)


def test_on_its_twin_the_server_signs_with_its_own_key_and_ctrl_c_stops_it_cleanly():
    server = start_local_server()  # no JWT_SECRET in its environment: it sets one for its twin
    headers = server.sign_in(TEAM_EMAIL, TEAM_PASSWORD)
    assert server.get("/users/current", headers=headers).status_code == 200
    assert stop_local_server(server) == 0

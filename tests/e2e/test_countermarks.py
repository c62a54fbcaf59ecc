"""The countermark API on the local server, as a ticketing system reaches it over HTTP."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_the_v2_routes_are_served_and_refuse_callers_without_credentials(local_server):
    for method, path in (
        ("get", "/v2/bookings/token/ABCDEF"),
        ("patch", "/v2/bookings/use/token/ABCDEF"),
        ("patch", "/v2/bookings/keep/token/ABCDEF"),
        ("patch", "/v2/bookings/cancel/token/ABCDEF"),
    ):
        answer = getattr(local_server, method)(path)
        assert answer.status_code == 401, path
        assert answer.json() == {"global": ["Authentication is required"]}


def test_an_unknown_api_key_is_401(local_server):
    answer = local_server.get("/v2/bookings/token/ABCDEF", headers={"Authorization": f"Bearer pck_0badc0de_{'x' * 43}"})
    assert answer.status_code == 401
    assert set(answer.json()) == {"global"}


def test_transactions_and_api_keys_need_a_signed_in_member(local_server):
    for path in ("/bookings/pro?format=csv", "/offerers/123456782/api-keys"):
        answer = local_server.get(path)
        assert answer.status_code == 401
        assert set(answer.json()) == {"errors"}


def test_the_openapi_document_lists_the_countermark_api(local_server):
    paths = local_server.get("/openapi.json").json()["paths"]
    assert {"/v2/bookings/token/{token}", "/bookings/pro", "/offerers/{siren}/api-keys"} <= set(paths)
    assert "text/csv" in paths["/bookings/pro"]["get"]["responses"]["200"]["content"]

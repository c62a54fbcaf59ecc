"""Bench operations of the foundation: the current user and the OpenAPI document."""

from __future__ import annotations

from bench.registry import Operation, Request
from tests.factories import auth, make_user


def current_user(api) -> Request:
    user = make_user()
    return Request("GET", "/users/current", headers=auth(user))


OPERATIONS = [
    # Authentication reads the user once, consistently; the route reuses that read and lists a pro's memberships.
    Operation("GET /users/current", current_user, expect_calls={"GetItem": 1, "Query": 1}),
    # Refused before any read: no token, no DynamoDB call.
    Operation("GET /users/current anonymous", lambda api: Request("GET", "/users/current"), 401, {}),
    Operation("GET /openapi.json", lambda api: Request("GET", "/openapi.json"), expect_calls={}),
]

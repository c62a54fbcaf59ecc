"""Fixtures and builders for the countermarks function's tests (imported by its test modules).

Tests needing real threads use the shared ``moto_server`` fixture (tests/conftest.py).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

V2_RESOURCES = {
    "check": ("GET", "/v2/bookings/token/{token}", "/v2/bookings/token/{}"),
    "use": ("PATCH", "/v2/bookings/use/token/{token}", "/v2/bookings/use/token/{}"),
    "keep": ("PATCH", "/v2/bookings/keep/token/{token}", "/v2/bookings/keep/token/{}"),
    "cancel": ("PATCH", "/v2/bookings/cancel/token/{token}", "/v2/bookings/cancel/token/{}"),
}


def v2_event(route: str, token: str, headers: dict[str, str] | None = None, source_ip: str = "198.51.100.1") -> dict:
    """An API Gateway (REST, v1 payload) event for a v2 route, as Lambda receives it."""
    method, resource, path = V2_RESOURCES[route]
    headers = {"Host": "api.passculture.example", **(headers or {})}
    return {
        "resource": resource,
        "path": path.format(token),
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"token": token},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": "/prod" + path.format(token),
            "stage": "prod",
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": source_ip},
        },
        "body": None,
        "isBase64Encoded": False,
    }


def signin_event(email: str, password: str, source_ip: str = "198.51.100.1") -> dict:
    """An API Gateway event for ``POST /users/signin`` from ``source_ip`` (the accounts function)."""
    headers = {"Host": "api.passculture.example", "Content-Type": "application/json"}
    return {
        "resource": "/users/signin",
        "path": "/users/signin",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/users/signin",
            "httpMethod": "POST",
            "path": "/prod/users/signin",
            "stage": "prod",
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": source_ip},
        },
        "body": json.dumps({"email": email, "password": password}),
        "isBase64Encoded": False,
    }


def invoke(handler: Any, event: dict) -> tuple[int, Any, dict[str, str]]:
    """(status, JSON body or None, headers) of a Lambda handler's answer to ``event``."""
    result = handler(event, None)
    body = json.loads(result["body"]) if result.get("body") else None
    return result["statusCode"], body, result.get("headers") or {}

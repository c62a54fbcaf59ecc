"""Fixtures and builders for the countermarks function's tests (imported by its test modules).

``moto_server``: a real moto server on 127.0.0.1 (its own port), for tests
that need real threads and real HTTP round trips to DynamoDB.
"""

from __future__ import annotations

import functools
import json
import socket
import threading
import uuid
from typing import Any

import pytest
import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reset_aws_clients() -> None:
    """Forgets every cached client and connection, so the next call reads AWS_ENDPOINT_URL again."""
    import passculture.models.base as base
    from passculture.adapters.aws import client
    from passculture.models import all_models

    client.cache_clear()
    for model in all_models():
        model._connection = None
    base._connection = None


def _atomic_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Gives moto DynamoDB's guarantee that a conditional write is atomic.

    The server runs each request in its own thread and moto checks a condition
    and then writes without a lock; DynamoDB never interleaves the two.
    """
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
        original = getattr(DynamoDBBackend, name)

        @functools.wraps(original)
        def locked(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, locked)


@pytest.fixture
def moto_server(monkeypatch):
    """A ThreadedMotoServer with every table, as the local twin runs it; yields its URL."""
    from moto.server import ThreadedMotoServer

    from infra.bootstrap import create_tables

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    _atomic_writes(monkeypatch)
    requests.post(f"{url}/moto-api/reset", timeout=10)
    reset_aws_clients()
    try:
        create_tables()
        yield url
    finally:
        reset_aws_clients()
        requests.post(f"{url}/moto-api/reset", timeout=10)
        server.stop()


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


def invoke(handler: Any, event: dict) -> tuple[int, Any, dict[str, str]]:
    """(status, JSON body or None, headers) of a Lambda handler's answer to ``event``."""
    result = handler(event, None)
    body = json.loads(result["body"]) if result.get("body") else None
    return result["statusCode"], body, result.get("headers") or {}

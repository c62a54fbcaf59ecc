"""The app side's test helpers: the bookings function's client, and booking through it as a young user would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from chalice.test import Client

from infra.catalog import load_app
from tests.factories import auth


def bookings_client() -> Iterator[Any]:
    """The bookings function in chalice's test client (a fixture's body: ``yield from bookings_client()``)."""
    with Client(load_app("bookings")) as client:
        yield client


def post_booking(client: Any, user: Any, stock_id: str, quantity: int = 1, headers: dict | None = None) -> Any:
    """``POST /bookings`` as ``user`` (None: anonymous), with extra ``headers`` (an Idempotency-Key, say)."""
    return client.http.post(
        "/bookings",
        body=json.dumps({"stockId": stock_id, "quantity": quantity}),
        headers={"Content-Type": "application/json", **(auth(user) if user else {}), **(headers or {})},
    )

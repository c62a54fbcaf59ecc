"""Cursor pagination over pynamodb queries: ``{"items", "nextCursor"}`` pages."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from passculture.errors import InvalidInput


def _signature(payload: str) -> str:
    from passculture.adapters.secrets import jwt_secret

    digest = hmac.new(f"cursor:{jwt_secret()}".encode(), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    """An opaque, signed cursor: a client cannot forge a key DynamoDB would refuse."""
    if not key:
        return None
    payload = base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{payload}.{_signature(payload)}"


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    payload, _, signature = cursor.partition(".")
    if not hmac.compare_digest(signature.encode(), _signature(payload).encode()):
        raise InvalidInput("This cursor is not one we gave", field="cursor")
    try:
        key = json.loads(base64.urlsafe_b64decode((payload + "=" * (-len(payload) % 4)).encode()))
    except (ValueError, TypeError) as exc:
        raise InvalidInput("This cursor is not one we gave", field="cursor") from exc
    return key


def paginate(query: Callable[..., Any], limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
    """Up to ``limit`` items of ``query(last_evaluated_key=..., page_size=...)`` and the next cursor.

    ``query`` is a pynamodb ``Model.query``/``Index.query`` with its conditions
    bound (``functools.partial``). The cursor is the key of the last item given,
    so a filter that drops items never skips or repeats any.
    """
    results = query(last_evaluated_key=decode_cursor(cursor), page_size=limit + 1)
    items: list[Any] = []
    for item in results:
        items.append(item)
        if len(items) == limit:
            break
    else:
        return items, None
    last_key = results.last_evaluated_key
    has_more = next(iter(results), None) is not None
    return items, encode_cursor(last_key) if has_more else None


def key_page(query: Callable[..., Any], size: int, key: dict[str, Any] | None) -> tuple[list[Any], Any]:
    """Up to ``size`` items of ``query`` after ``key`` (one Query), and the key to go on from (None: the end).

    For background jobs, whose cursor never leaves our functions: DynamoDB's own
    key, unsigned. The last page may be followed by one empty Query.
    """
    results = query(last_evaluated_key=key or None, limit=size, page_size=size)
    items = list(results)
    return items, results.last_evaluated_key

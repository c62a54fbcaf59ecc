"""Counts the DynamoDB API calls botocore makes, by operation name, for benches and tests.

    from bench.counting import count_dynamodb_calls

    with count_dynamodb_calls() as calls:
        client.get("/users/current", headers=auth(user))
    assert calls == {"GetItem": 1}          # a Counter: calls["Scan"] == 0 when there was none
    calls.tables                             # Counter of (operation, table name)
    calls.order                              # the operation names, in the order they were made
    count_round_trips(calls)                 # the most calls one thread made, one after the other

A hook on botocore's ``before-parameter-build.dynamodb`` event sees every call of
every client (pynamodb's and boto3's), once per API call whatever the retries.
It is appended to ``botocore.handlers.BUILTIN_HANDLERS`` when this module is
imported, so every botocore session created afterwards carries it (moto hooks
in the same way). pynamodb clients created before that import are adopted when a
count starts; a boto3 client created before it would not be seen, so import this
module at the top of a test module (collection runs before any test).
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore import handlers

_EVENT = "before-parameter-build.dynamodb"
_UNIQUE_ID = "passculture-bench-count-dynamodb"
# Set in botocore's per-call context so a client that has the hook twice counts once.
_SEEN = "passculture_bench_counted"

_lock = threading.Lock()
_active: list[DynamoCalls] = []


class DynamoCalls(Counter):
    """DynamoDB calls by operation name; ``tables`` counts ``(operation, table)`` pairs, ``order`` lists them,
    ``threads`` counts them by the thread that made them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tables: Counter[tuple[str, str]] = Counter()
        self.order: list[str] = []
        self.threads: Counter[int] = Counter()


def count_round_trips(calls: DynamoCalls) -> int:
    """Sequential round trips: the most calls one thread made (a thread's calls wait for each other).

    Calls made by a worker thread beside the request's thread overlap its own: they
    cost no round trip of their own as long as the request's thread makes at least
    as many after starting them. A thread waiting for a worker's answer before its
    next call would hide the worker's latency from this count: the booking waits
    so only on its fallback for stocks made before copies (its bench operation
    says 4 in its comment, not as a checked figure).
    """
    return max(calls.threads.values(), default=0)


def tables_of(params: dict[str, Any]) -> list[str]:
    """The tables one call's parameters name (batch and transaction calls may name several)."""
    if "TableName" in params:
        return [params["TableName"]]
    if "RequestItems" in params:
        return list(params["RequestItems"])
    names: list[str] = []
    for item in params.get("TransactItems") or ():
        for action in item.values():
            if isinstance(action, dict) and action.get("TableName") not in names:
                names.append(action.get("TableName"))
    return names


def _on_call(model: Any = None, params: Any = None, context: Any = None, **_: Any) -> None:
    if not _active or model is None:
        return None
    if isinstance(context, dict):
        if context.get(_SEEN):
            return None
        context[_SEEN] = True
    operation = model.name
    tables = tables_of(params) if isinstance(params, dict) else []
    thread = _thread_token()
    with _lock:
        for calls in _active:
            calls[operation] += 1
            calls.order.append(operation)
            calls.threads[thread] += 1
            for table in tables or ["?"]:
                calls.tables[(operation, table)] += 1
    # A handler of this event must return None, or botocore would take its value as the parameters.
    return None


_threads = threading.local()
_tokens = iter(range(1, 1 << 62))


def _thread_token() -> int:
    """A number of the calling thread, never reused (``threading.get_ident`` is, once a thread ended)."""
    token = getattr(_threads, "token", None)
    if token is None:
        with _lock:
            token = _threads.token = next(_tokens)
    return token


def _install() -> None:
    if not any(spec[1] is _on_call for spec in handlers.BUILTIN_HANDLERS):
        handlers.BUILTIN_HANDLERS.append((_EVENT, _on_call))


def _adopt_existing_clients() -> None:
    """Hooks the pynamodb clients that already exist (created before this module was imported)."""
    clients = []
    models = sys.modules.get("passculture.models")
    if models is not None:
        for model in models.all_models():
            table_connection = model.__dict__.get("_connection")
            if table_connection is not None:
                clients.append(getattr(table_connection.connection, "_client", None))
    base = sys.modules.get("passculture.models.base")
    if base is not None and getattr(base, "_connection", None) is not None:
        clients.append(getattr(base._connection, "_client", None))
    for client in clients:
        if client is not None:
            client.meta.events.register(_EVENT, _on_call, unique_id=_UNIQUE_ID)


@contextmanager
def count_dynamodb_calls() -> Iterator[DynamoCalls]:
    """Counts the DynamoDB calls made (by any thread) inside the block."""
    _adopt_existing_clients()
    calls = DynamoCalls()
    with _lock:
        _active.append(calls)
    try:
        yield calls
    finally:
        with _lock:
            # By identity: two counters with the same counts are equal.
            _active[:] = [other for other in _active if other is not calls]


_install()

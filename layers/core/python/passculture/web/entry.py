"""One Lambda handler per function: HTTP events go to the Chalice app, others to their handler.

Keeping one handler per folder means one deployable function per folder, whatever
mix of API Gateway, EventBridge schedule, DynamoDB stream, S3 and job events
(background work it hands itself, ``services.jobs``) it gets.

Every invocation runs in one metrics batch (``adapters.metrics``) and knows its
request id for the logs; every event but HTTP (whose line the dispatcher writes,
per request) gets one log line: kind, records, outcome, latency (README "Operations").

A container's first invocation loads most of the code (pynamodb, botocore, the
services: imports are lazy), hundreds of thousands of objects that live as long
as the container. CPython's first full collection falls due during it and
scans them all (about 20 ms on a Lambda-sized CPU, collecting nothing). So the
first invocation runs with full collections deferred (young collections still
reclaim its short-lived cycles), and at its end what exists is frozen
(``gc.freeze``: never scanned again) and the thresholds put back, so later full
collections, which then fall due at once, scan only what came after
(``first_invocation``).
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from passculture.adapters import logs, metrics

EventHandler = Callable[[dict[str, Any], Any], Any]

FULL_COLLECTION_DEFERRED = 1_000_000  # gen-2 threshold during the first invocation (CPython's default: 10)

_first_lock = threading.Lock()
_first_pending = True


@contextmanager
def first_invocation() -> Iterator[None]:
    """The container's first invocation without a full collection, urllib3 imported as it starts
    (``_import_http_stack``); then the loaded code frozen (once).

    Later invocations run with the usual thresholds; one running beside the first (threads: the thresholds
    are the process's) shares its deferral until the first ends. A threshold someone else changed
    meanwhile (an import's ``collector_held``) is left as they set it.
    """
    global _first_pending
    with _first_lock:
        first, _first_pending = _first_pending, False
        if first:
            saved = gc.get_threshold()
            gc.set_threshold(saved[0], saved[1], max(saved[2], FULL_COLLECTION_DEFERRED))
            _import_http_stack()
    try:
        yield
    finally:
        if first:
            with _first_lock:
                gc.freeze()
                young, middle, full = gc.get_threshold()
                if full == max(saved[2], FULL_COLLECTION_DEFERRED):  # nobody changed it meanwhile
                    gc.set_threshold(young, middle, saved[2])


def _import_http_stack() -> None:
    """urllib3, botocore's HTTP layer (every function's first request calls AWS), imported near the bottom of
    the stack.

    Imported where the first request needed it (86 frames deep: dispatch, route, service, model,
    pynamodb, botocore), its regular expressions took 67-90 ms to compile, against 13-19 ms imported
    here (36 frames) or at the bare app's import (71): the same 42,450 calls, ``re``'s recursive parser
    8x slower. CPython 3.11 keeps frames in 16 KB chunks and frees a chunk as soon as the call that
    opened it returns: a loop whose calls sit on a chunk's edge allocates and frees one per call
    (python/cpython#142183, fixed in 3.13 and later by keeping a spare chunk). README, "Cold request".
    """
    import urllib3  # noqa: F401


def event_kind(event: Any) -> str:
    if not isinstance(event, dict):
        return "unknown"
    if "requestContext" in event and "httpMethod" in event.get("requestContext", {}):
        return "http"
    if event.get("source") == "aws.events" or event.get("detail-type") == "Scheduled Event":
        return "schedule"
    if isinstance(event.get("job"), str):
        return "job"  # our own asynchronous invocation (services.jobs)
    if isinstance(event.get("action"), str) and "Records" not in event:
        return "action"  # an operator's command, sent with ``aws lambda invoke``
    records = event.get("Records") or []
    source = (records[0].get("eventSource") or records[0].get("EventSource")) if records else None
    if source == "aws:dynamodb":
        return "dynamodb"
    if source == "aws:s3":
        return "s3"
    return "unknown"


def make_handler(app: Any, **handlers: EventHandler) -> EventHandler:
    """``handler(event, context)`` for a function: ``schedule=``, ``dynamodb=``, ``s3=``, ``job=``, ``action=``."""

    def handler(event: dict[str, Any], context: Any = None) -> Any:
        kind = event_kind(event)
        token = logs.REQUEST_ID.set(getattr(context, "aws_request_id", None))
        try:
            with first_invocation(), metrics.batch():
                if kind == "http":
                    return app(event, context)
                target = handlers.get(kind)
                if target is None:
                    raise ValueError(f"the {app.app_name} function does not handle {kind} events")
                return _run_logged(app.app_name, kind, target, event, context)
        finally:
            logs.REQUEST_ID.reset(token)

    handler.app = app  # type: ignore[attr-defined]
    # A function without routes has no blueprint; an HTTP event still gets the contract's 404.
    handler.event_kinds = (("http",) if app.routes else ()) + tuple(handlers)  # type: ignore[attr-defined]
    return handler


def _records(kind: str, event: Any) -> int:
    return len(event.get("Records") or []) if kind in ("dynamodb", "s3") else 1


def _run_logged(function: str, kind: str, target: EventHandler, event: dict[str, Any], context: Any) -> Any:
    """Runs one non-HTTP event and writes its line: what came, how it ended, how long it took."""
    started = time.perf_counter()
    fields: dict[str, Any] = {"requestId": logs.REQUEST_ID.get(), "function": function, "kind": kind}
    fields["records"] = _records(kind, event)
    if kind == "job":
        fields.update(job=event.get("job"), attempt=event.get("attempt", 0))
    if kind == "action":
        fields["action"] = event.get("action")
    try:
        result = target(event, context)
    except Exception:
        fields.update(outcome="failed", latencyMs=_ms(started))
        logs.line(f"{kind} event failed", logging.ERROR, **fields)
        raise
    failed = len(result.get("batchItemFailures") or []) if isinstance(result, dict) else 0
    fields.update(outcome="partial" if failed else "ok", latencyMs=_ms(started))
    if failed:
        fields["failedRecords"] = failed
    logs.line(f"{kind} event {fields['outcome']}", **fields)
    return result


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)

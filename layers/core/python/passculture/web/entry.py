"""One Lambda handler per function: HTTP events go to the Chalice app, others to their handler.

Keeping one handler per folder means one deployable function per folder, whatever
mix of API Gateway, EventBridge schedule, DynamoDB stream, S3 and job events
(background work it hands itself, ``services.jobs``) it gets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

EventHandler = Callable[[dict[str, Any], Any], Any]


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
        if kind == "http":
            return app(event, context)
        target = handlers.get(kind)
        if target is None:
            raise ValueError(f"the {app.app_name} function does not handle {kind} events")
        return target(event, context)

    handler.app = app  # type: ignore[attr-defined]
    # A function without routes has no blueprint; an HTTP event still gets the contract's 404.
    handler.event_kinds = (("http",) if app.routes else ()) + tuple(handlers)  # type: ignore[attr-defined]
    return handler

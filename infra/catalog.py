"""The functions of the suite, in one place for generators, the local server and tests.

Also how long each may run and how Lambda retries its events: ``serverless.yml``
(``infra/serverless.py``) writes these values into the template and the local
runner (``infra/invocation.py``) enforces the same ones.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

FUNCTIONS = (
    "accounts",
    "validation",
    "offers",
    "bookings",
    "countermarks",
    "openagenda",
    "notify",
    "territories",
    "partners",
)


def load_app(name: str) -> Any:
    return import_module(f"functions.{name}.app").app


def load_apps() -> dict[str, Any]:
    return {name: load_app(name) for name in FUNCTIONS}


# The functions that serve HTTP routes (API Gateway sends them requests); the others
# have no blueprint. A test holds this to the apps' routes.
HTTP_FUNCTIONS = (
    "accounts",
    "validation",
    "offers",
    "bookings",
    "countermarks",
    "openagenda",
    "partners",
    "territories",
)

# Events other than HTTP that each function receives: serverless.yml, the local
# runner and the sample-event test all read this table. A ``job`` source is the
# function's own background jobs (``passculture.services.jobs``): events our functions
# send it with an asynchronous invoke, no trigger to deploy.
EVENT_SOURCES: dict[str, tuple[dict[str, str], ...]] = {
    "openagenda": ({"kind": "schedule", "rate": "rate(1 hour)"}, {"kind": "job"}),
    # The schedule retries the parked ticket cancellations (services.booking.ticketing) until partners accept.
    "notify": ({"kind": "dynamodb", "table": "bookings"}, {"kind": "schedule", "rate": "rate(10 minutes)"}),
    "territories": ({"kind": "schedule", "rate": "rate(1 hour)"}, {"kind": "job"}),
    "offers": (
        {"kind": "s3", "prefix": "uploads/"},
        {"kind": "schedule", "rate": "rate(1 hour)"},
        {"kind": "job"},
    ),
}


# Operators' commands a function takes (``{"action": "<name>"}``, sent with ``aws lambda invoke``):
# no event source, so nothing in serverless.yml.
ACTIONS: dict[str, tuple[str, ...]] = {
    "notify": ("resend-mail",),
}


def event_kinds(name: str) -> tuple[str, ...]:
    """Every kind of event the function takes: ``http`` when it has routes, then its other sources, then ``action``."""
    http = ("http",) if name in HTTP_FUNCTIONS else ()
    action = ("action",) if ACTIONS.get(name) else ()
    return http + tuple(dict.fromkeys(source["kind"] for source in EVENT_SOURCES.get(name, ()))) + action


def load_handler(name: str) -> Any:
    return import_module(f"functions.{name}.app").handler


SERVICE = "passculture-pro"

# Seconds a function may run (Lambda's timeout). HTTP functions stay under API Gateway's 29 s.
DEFAULT_TIMEOUT_SECONDS = 28
TIMEOUTS: dict[str, int] = {
    # Scheduled pulls of every agenda; HTTP callers are still cut at the gateway's 29 s.
    "openagenda": 300,
    "notify": 60,
}

# DynamoDB stream -> function (the event source mapping): small batches, failed records
# reported one by one (a retry starts from the first failed record), a batch that makes the
# function fail split in two, at most 5 retries; then the batch's coordinates go to the
# function's on-failure queue. 6 h of age leaves 18 of the stream's 24 h to replay them.
STREAM_DELIVERY: dict[str, Any] = {
    "batchSize": 25,
    "startingPosition": "LATEST",
    "maximumRetryAttempts": 5,
    "maximumRecordAgeInSeconds": 6 * 3600,
    "bisectBatchOnFunctionError": True,
    "functionResponseType": "ReportBatchItemFailures",
}

# S3 notifications, EventBridge schedules and jobs invoke asynchronously: Lambda retries a
# failed or timed-out invocation twice, about 1 then 2 minutes later, then sends the event
# to the function's on-failure queue.
ASYNC_DELIVERY: dict[str, int] = {"maximumRetryAttempts": 2, "maximumEventAge": 6 * 3600}

ASYNC_KINDS = ("s3", "schedule", "job")


def timeout(name: str) -> int:
    return TIMEOUTS.get(name, DEFAULT_TIMEOUT_SECONDS)


def invoked_asynchronously(name: str) -> bool:
    """Whether S3, a schedule or a job invokes the function (and so it has an asynchronous failure queue)."""
    return any(source["kind"] in ASYNC_KINDS for source in EVENT_SOURCES.get(name, ()))


def runs_jobs(name: str) -> bool:
    """Whether the function runs background jobs (and so hands their rest to itself)."""
    return any(source["kind"] == "job" for source in EVENT_SOURCES.get(name, ()))


def function_name(name: str, stage: str) -> str:
    """The deployed Lambda's name, as the Serverless Framework names it."""
    return f"{SERVICE}-{stage}-{name}"


def failure_queue_name(name: str, stage: str, table: str | None = None) -> str:
    """The on-failure queue of a function's asynchronous invocations, or of its stream of ``table``."""
    return f"{SERVICE}-{stage}-{name}-{table}-failures" if table else f"{SERVICE}-{stage}-{name}-failures"

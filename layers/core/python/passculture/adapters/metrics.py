"""Business and failure metrics as CloudWatch Embedded Metric Format: one JSON line on stdout each.

Lambda sends stdout to the function's log group, and CloudWatch turns an EMF
line into metric points (no PutMetricData call, no client, no cold-start cost).
Each point is published under the stage alone (what most alarms watch), then under
the stage with each leading part of the given dimensions, in their order::

    metrics.count("EmailsParked", function="notify")       # [stage], [stage, function]
    metrics.count("HttpRequests", function="offers", route="GET /offers")
    # [stage], [stage, function], [stage, function, route]

Inside ``batch()`` (every invocation runs in one: ``web.entry``, the dispatcher)
points are summed and written when it ends, one line per set of dimension
values; outside it each is written at once. The names are in ``NAMES`` (README
"Operations"); a test keeps the code's calls to them.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

from passculture.config import get_settings

NAMESPACE = "PassCulture"

# Every metric the code emits, and what one point means (README "Operations" lists them).
NAMES: dict[str, str] = {
    "HttpRequests": "an API request answered (dimensions function, route)",
    "Http4xx": "an API request answered 4xx (function, route)",
    "Http5xx": "an API request answered 5xx (function, route)",
    "BookingsMade": "a booking made (category)",
    "BookingsCancelled": "a booking cancelled (by: user, key, stock-deleted)",
    "CountermarkChecks": "a countermark checked (caller: api_key, token, basic)",
    "CountermarkUses": "a countermark validated (caller)",
    "CountermarkKeeps": "a validation undone (caller)",
    "CountermarkFailures": "a countermark call refused (route, reason: unknown-token, limit-spent..., status)",
    "StructureValidations": "a structure's status changed by the team (status: validated, rejected, deleted)",
    "EmailsSent": "an email SES took",
    "EmailsFailed": "a send SES refused or that failed (reason: SES's error code, or the exception's name)",
    "EmailsParked": "an email given up on and parked in failed_mails (function)",
    "TicketingFailed": "a partner's booking URL down, slow or answering garbage (why: timeout, error)",
    "TicketingRefused": "a partner refused to issue tickets (why: sold_out, not_enough_seats...)",
    "TicketingCompensations": "tickets cancelled at the partner after the booking transaction failed",
    "ImportRuns": "an agenda link's import run (outcome: ok, failed)",
    "EventsImported": "events an import run wrote",
    "EventsRejected": "events an import run could not take",
    "ImportLinkFailedThrice": "an import run that failed for a link which had failed at least twice just before",
}


class _Batch:
    """Points of one invocation, summed per set of dimension values."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # threads a request starts carry its context
        self.points: dict[tuple[tuple[str, str], ...], dict[str, float]] = {}
        self.units: dict[str, str] = {}

    def add(self, dims: dict[str, str], values: dict[str, float], units: dict[str, str]) -> None:
        key = tuple(dims.items())
        with self.lock:
            bucket = self.points.setdefault(key, {})
            for name, value in values.items():
                bucket[name] = bucket.get(name, 0) + value
            self.units.update(units)

    def flush(self) -> list[dict[str, Any]]:
        with self.lock:
            points, self.points = self.points, {}
        return [_write(dict(key), values, self.units) for key, values in points.items()]


_BATCH: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar("passculture_metrics", default=None)


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """Sums the points emitted inside it and writes them when it ends (nested: the outer one writes)."""
    if _BATCH.get() is not None:
        yield
        return
    current = _Batch()
    token = _BATCH.set(current)
    try:
        yield
    finally:
        _BATCH.reset(token)
        current.flush()


def function_name(default: str) -> str:
    """The short name of the running function (``notify``), from Lambda's own name; ``default`` elsewhere."""
    settings = get_settings()
    deployed = settings.lambda_function_name
    prefix = f"passculture-pro-{settings.stage}-"
    if deployed.startswith(prefix):
        return deployed[len(prefix) :]
    return deployed or default


def _write(dims: dict[str, str], values: dict[str, float], units: dict[str, str]) -> dict[str, Any]:
    names = list(dims)
    sets = [names[:n] for n in range(1, len(names) + 1)]  # [stage], [stage, a], [stage, a, b]...
    document: dict[str, Any] = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": sets,
                    "Metrics": [{"Name": name, "Unit": units.get(name, "Count")} for name in values],
                }
            ],
        },
        **dims,
        **values,
    }
    if get_settings().metrics_output != "off":
        # stdout, not logging: Lambda's log handler prefixes lines, and EMF must be the whole line.
        sys.stdout.write(json.dumps(document, separators=(",", ":")) + "\n")
        sys.stdout.flush()
    return document


def emit(values: dict[str, float], units: dict[str, str] | None = None, **dimensions: Any) -> dict[str, Any] | None:
    """Points for ``values`` (metric name -> value) with ``dimensions``: written now, or at the batch's end.

    Returns the EMF document when it was written now, None when a batch holds it.
    """
    dims = {"stage": get_settings().stage, **{name: str(value) for name, value in dimensions.items()}}
    current = _BATCH.get()
    if current is not None:
        current.add(dims, values, units or {})
        return None
    return _write(dims, values, units or {})


def count(name: str, value: float = 1, **dimensions: Any) -> dict[str, Any] | None:
    """Counts ``value`` of ``name`` (a Count metric)."""
    return emit({name: value}, **dimensions)


def import_run(*, ok: bool, consecutive_failures: int, imported: int = 0, rejected: int = 0, **dimensions: Any) -> None:
    """The metrics of one agenda link's import run (the contract the import code follows).

    ``consecutive_failures`` counts this run: 0 when it succeeded, n when it is the
    link's n-th failure in a row. From the third on, ``ImportLinkFailedThrice``
    counts 1, so its alarm stays raised while the link keeps failing.
    """
    values: dict[str, float] = {"ImportRuns": 1, "EventsImported": imported, "EventsRejected": rejected}
    if not ok and consecutive_failures >= 3:
        values["ImportLinkFailedThrice"] = 1
    emit(values, outcome="ok" if ok else "failed", **dimensions)

"""Business and failure metrics as CloudWatch Embedded Metric Format: one JSON line on stdout each.

Lambda sends stdout to the function's log group, and CloudWatch turns an EMF
line into metric points (no PutMetricData call, no client, no cold-start cost).
Each point is published under the stage alone (what the alarms watch) and under
the stage with the given dimensions::

    metrics.count("EmailsParked", function="notify")
    metrics.emit({"BookingsMade": 1, "AmountCents": 1200}, units={"AmountCents": "None"}, venue_kind="physical")
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from passculture.config import get_settings

NAMESPACE = "PassCulture"


def function_name(default: str) -> str:
    """The short name of the running function (``notify``), from Lambda's own name; ``default`` elsewhere."""
    settings = get_settings()
    deployed = settings.lambda_function_name
    prefix = f"passculture-pro-{settings.stage}-"
    if deployed.startswith(prefix):
        return deployed[len(prefix) :]
    return deployed or default


def emit(values: dict[str, float], units: dict[str, str] | None = None, **dimensions: Any) -> dict[str, Any]:
    """One EMF document for ``values`` (metric name -> value) with ``dimensions``, written on stdout."""
    dims = {"stage": get_settings().stage, **{name: str(value) for name, value in dimensions.items()}}
    sets = [["stage"]] + ([list(dims)] if len(dims) > 1 else [])
    document: dict[str, Any] = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": sets,
                    "Metrics": [{"Name": name, "Unit": (units or {}).get(name, "Count")} for name in values],
                }
            ],
        },
        **dims,
        **values,
    }
    # stdout, not logging: Lambda's log handler prefixes lines, and EMF must be the whole line.
    sys.stdout.write(json.dumps(document, separators=(",", ":")) + "\n")
    sys.stdout.flush()
    return document


def count(name: str, value: float = 1, **dimensions: Any) -> dict[str, Any]:
    """Counts ``value`` of ``name`` (a Count metric)."""
    return emit({name: value}, **dimensions)

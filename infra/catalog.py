"""The functions of the suite, in one place for generators, the local server and tests."""

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
)


def load_app(name: str) -> Any:
    return import_module(f"functions.{name}.app").app


def load_apps() -> dict[str, Any]:
    return {name: load_app(name) for name in FUNCTIONS}


# Events other than HTTP that each function receives: serverless.yml, the local
# runner and the sample-event test all read this table.
EVENT_SOURCES: dict[str, tuple[dict[str, str], ...]] = {
    "openagenda": ({"kind": "schedule", "rate": "rate(1 hour)"},),
    "notify": ({"kind": "dynamodb", "table": "bookings"},),
    "offers": ({"kind": "s3", "prefix": "uploads/"}, {"kind": "schedule", "rate": "rate(1 hour)"}),
}


def load_handler(name: str) -> Any:
    return import_module(f"functions.{name}.app").handler

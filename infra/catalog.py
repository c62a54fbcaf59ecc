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


# The functions that serve HTTP routes (API Gateway sends them requests); the others
# have no blueprint. A test holds this to the apps' routes.
HTTP_FUNCTIONS = ("accounts", "validation", "offers", "bookings", "countermarks")

# Events other than HTTP that each function receives: serverless.yml, the local
# runner and the sample-event test all read this table.
EVENT_SOURCES: dict[str, tuple[dict[str, str], ...]] = {
    "openagenda": ({"kind": "schedule", "rate": "rate(1 hour)"},),
    "notify": ({"kind": "dynamodb", "table": "bookings"},),
    "offers": ({"kind": "s3", "prefix": "uploads/"}, {"kind": "schedule", "rate": "rate(1 hour)"}),
}


def event_kinds(name: str) -> tuple[str, ...]:
    """Every kind of event the function takes: ``http`` when it has routes, then its other sources."""
    http = ("http",) if name in HTTP_FUNCTIONS else ()
    return http + tuple(dict.fromkeys(source["kind"] for source in EVENT_SOURCES.get(name, ())))


def load_handler(name: str) -> Any:
    return import_module(f"functions.{name}.app").handler

"""The operations the DynamoDB-call bench measures, contributed by ``bench/ops_<area>.py`` modules.

Each such module defines ``OPERATIONS``, a list of ``Operation``: a name, a
``setup(api)`` that builds the data it needs and returns the ``Request`` to
measure, the status that request must get, and (optionally) the exact DynamoDB
calls it should make, which ``tests/unit/test_bench.py`` then holds it to.
"""

from __future__ import annotations

import json as jsonlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from importlib import import_module
from typing import Any

PREFIX = "ops_"


@dataclass(frozen=True)
class Request:
    """One HTTP request to the API; ``path`` may carry a query string, or pass ``query``."""

    method: str
    path: str
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return jsonlib.loads(self.body) if self.body else None


@dataclass(frozen=True)
class Operation:
    """A request to measure. ``setup`` runs twice (warm-up, then the measured run): build fresh data each time."""

    name: str
    setup: Callable[[Any], Request]  # receives the bench's ``Api``; returns the request to measure
    expect_status: int = 200
    # Exact DynamoDB calls by operation name once warm, e.g. {"GetItem": 1}; {} means none; None: not checked.
    expect_calls: Mapping[str, int] | None = None
    area: str = ""  # set from the module name by ``discover``
    # Sequential round trips once warm (``counting.count_round_trips``); None: not checked.
    expect_round_trips: int | None = None


def discover(package: str = "bench") -> list[Operation]:
    """Every operation of every ``ops_*`` module of ``package``, by module name then declaration order."""
    pkg = import_module(package)
    operations: list[Operation] = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if not info.name.startswith(PREFIX):
            continue
        module = import_module(f"{package}.{info.name}")
        area = info.name[len(PREFIX) :]
        for op in getattr(module, "OPERATIONS", ()):
            operations.append(replace(op, area=op.area or area))
    seen: set[str] = set()
    for op in operations:
        if op.name in seen:
            raise ValueError(f"two bench operations are called {op.name!r}: names must be unique")
        seen.add(op.name)
    return operations

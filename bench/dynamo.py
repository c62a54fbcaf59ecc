"""DynamoDB calls per API operation, through the real handlers on in-process moto."""

from __future__ import annotations

import traceback
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench.counting import DynamoCalls, count_dynamodb_calls, count_round_trips
from bench.registry import Operation


@contextmanager
def local_aws() -> Iterator[None]:
    """In-process moto with every table, the media bucket and the mail sender, as the tests have."""
    from moto import mock_aws

    from infra.bootstrap import create_bucket, create_tables, verify_sender

    with mock_aws():
        create_tables()
        create_bucket()
        verify_sender()
        yield


@dataclass
class Measurement:
    """What one operation did: status and DynamoDB calls once warm, and on its first run."""

    op: Operation
    function: str | None = None
    route: str | None = None
    status: int | None = None
    calls: DynamoCalls = field(default_factory=DynamoCalls)
    first_calls: DynamoCalls = field(default_factory=DynamoCalls)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status == self.op.expect_status

    @property
    def scans(self) -> int:
        return self.calls["Scan"] + self.first_calls["Scan"]

    @property
    def matches_declared(self) -> bool | None:
        if self.op.expect_calls is None:
            return None
        return +self.calls == +Counter(self.op.expect_calls)

    @property
    def first_run_extra(self) -> Counter:
        """Calls the first run made beyond the warm one (say a container's first DescribeTable)."""
        return self.first_calls - self.calls

    @property
    def round_trips(self) -> int:
        """Sequential round trips of the measured run (``counting.count_round_trips``)."""
        return count_round_trips(self.calls)

    def table_breakdown(self, prefix: str = "") -> dict[str, int]:
        """``{"GetItem users": 1, ...}``, with the table name prefix removed."""
        out: dict[str, int] = {}
        for (operation, table), n in sorted(self.calls.tables.items()):
            short = table[len(prefix) :] if prefix and table.startswith(prefix) else table
            out[f"{operation} {short}"] = n
        return out


def measure(op: Operation, api: Any) -> Measurement:
    """Runs ``op`` twice (setup then request, each time): counts both, reports the second as the figure."""
    result = Measurement(op)
    for counter in (result.first_calls, result.calls):
        request = op.setup(api)
        result.function, result.route, _ = api.route(request)
        with count_dynamodb_calls() as calls:
            response = api.send(request)
        counter.update(calls)
        counter.tables.update(calls.tables)
        counter.threads.update(calls.threads)
        result.status = response.status
        if response.status != op.expect_status:
            result.error = f"answered {response.status}, expected {op.expect_status}: {response.body[:300]!r}"
            break
    return result


def measure_all(operations: Sequence[Operation], api: Any) -> list[Measurement]:
    """Every operation in turn; one that fails is reported with its error, the others still run."""
    results = []
    for op in operations:
        try:
            results.append(measure(op, api))
        except Exception as exc:
            last = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno}"
            results.append(Measurement(op, error=f"{type(exc).__name__}: {exc} (at {where})"))
    return results

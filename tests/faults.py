"""Faults injected between botocore and moto: throttling, timeouts, lost answers, on a simulated clock.

A fault is a ``before-send`` hook: it answers in moto's place (an error
response), raises as the network would (``ReadTimeoutError``), or delivers the
request and then loses the answer. Hooks go into botocore's built-in handlers,
so every client created afterwards has them; ``injected()`` drops the cached
clients on the way in and out.

    with injected() as faults:
        calls = faults.add("TransactWriteItems", throttled())

``SimulatedClock`` replaces the deadline's clock (``passculture.transport``) and
botocore's retry pauses: a 5 s read timeout or a 4 s backoff costs no real time.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from botocore import handlers
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


def error_response(request: Any, code: str, message: str, **extra: Any) -> AWSResponse:
    """A DynamoDB (JSON protocol) error answer with HTTP status 400."""
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message, **extra}).encode()
    headers = {"x-amzn-requestid": "fault", "content-type": "application/x-amz-json-1.0"}
    return AWSResponse(request.url, 400, headers, _Body(body))


def throttled() -> Callable[..., Any]:
    """DynamoDB's ThrottlingException, which botocore retries with its backoff."""
    return lambda request, attempt: error_response(request, "ThrottlingException", "Rate of requests exceeds")


def transaction_cancelled(reason: str) -> Callable[..., Any]:
    """A TransactionCanceledException whose every item has ``reason`` (ThrottlingError, TransactionConflict)."""

    def answer(request: Any, attempt: int) -> AWSResponse:
        items = json.loads(request.body)["TransactItems"]
        reasons = [{"Code": reason, "Message": reason} for _ in items]
        return error_response(request, "TransactionCanceledException", "cancelled", CancellationReasons=reasons)

    return answer


@dataclass
class Calls:
    """What a fault saw: one entry per attempt, with the read timeout it was given."""

    read_timeouts: list[float | None] = field(default_factory=list)  # None: the client's own
    started_at: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.read_timeouts)


class SimulatedClock:
    """A monotonic clock that moves only when told to (timeouts, botocore's pauses); shared by threads."""

    def __init__(self) -> None:
        self._now = 1_000.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._now += max(0.0, seconds)


def timing_out(clock: SimulatedClock, *, succeed_on: int | None = None, spare: int = 0) -> Callable[..., Any]:
    """Each attempt waits its whole read timeout (on ``clock``) and times out.

    ``succeed_on=n``: the n-th attempt of each call goes through instead (a slow
    but working store). ``spare``: the first calls of the operation are left alone.
    """
    seen = {"calls": 0}
    lock = threading.Lock()

    def answer(request: Any, attempt: int) -> None:
        if attempt == 1:
            with lock:
                seen["calls"] += 1
                number = seen["calls"]
            request.context["fault_call"] = number
        if request.context.get("fault_call", 0) <= spare or attempt == succeed_on:
            return None
        timeout = request.context.get("read_timeout") or request.context["client_config"].read_timeout
        clock.sleep(timeout)
        raise ReadTimeoutError(endpoint_url=request.url, error="simulated")

    return answer


def answer_lost() -> Callable[..., Any]:
    """The first attempt reaches the store (a real HTTP call to the twin) but its answer never comes back."""
    import requests

    def answer(request: Any, attempt: int) -> None:
        if attempt > 1 or request.context.get("fault_lost"):
            return None
        request.context["fault_lost"] = True
        requests.post(request.url, data=request.body, headers=dict(request.headers.items()), timeout=10)
        raise ReadTimeoutError(endpoint_url=request.url, error="the answer was lost")

    return answer


class Faults:
    def __init__(self) -> None:
        self.handlers: list[tuple[str, Any]] = []

    def add(self, operation: str, fault: Callable[..., Any], *, times: int | None = None) -> Calls:
        """Applies ``fault`` to DynamoDB ``operation`` calls (``"*"``: all), the first ``times`` attempts only."""
        calls = Calls()

        def hook(request: Any = None, **_: Any) -> Any:
            if times is not None and len(calls) >= times:
                return None
            attempt = request.context.get("fault_attempt", 0) + 1
            request.context["fault_attempt"] = attempt
            calls.read_timeouts.append(request.context.get("read_timeout"))
            calls.started_at.append(_clock_in_use()())
            answer = fault(request, attempt)
            if answer is not None:
                # botocore still calls moto's in-process stubber (every before-send hook runs): on an
                # address it does not serve, it writes nothing, and this answer is the one botocore takes.
                request.url = "http://fault.invalid/"
            return answer

        # botocore consults this node after the deadline's hook (before-send.*.*), before moto's stubber.
        self.handlers.append((f"before-send.dynamodb.{operation}", hook))
        handlers.BUILTIN_HANDLERS.append(self.handlers[-1])
        _forget_clients()
        return calls


def _clock_in_use() -> Callable[[], float]:
    from passculture import transport

    return transport._clock


def _forget_clients() -> None:
    from infra.moto_twin import forget_clients

    forget_clients()


@contextmanager
def injected() -> Iterator[Faults]:
    faults = Faults()
    try:
        yield faults
    finally:
        for handler in faults.handlers:
            handlers.BUILTIN_HANDLERS.remove(handler)
        _forget_clients()


@contextmanager
def simulated_clock(monkeypatch: Any) -> Iterator[SimulatedClock]:
    """The request deadline and botocore's retry pauses on a ``SimulatedClock``."""
    import botocore.endpoint

    from passculture import transport

    clock = SimulatedClock()
    monkeypatch.setattr(transport, "_clock", clock)
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=clock.sleep))
    yield clock


@contextmanager
def read_timeout(monkeypatch: Any, seconds: float) -> Iterator[None]:
    """pynamodb's clients created from now on time attempts out after ``seconds`` (tests run with a patient 30 s)."""
    from dataclasses import replace

    from passculture.config import get_settings
    from passculture.models import all_models, base

    settings = replace(get_settings(), dynamodb_read_timeout=seconds)
    monkeypatch.setattr(base, "get_settings", lambda: settings)
    for model in all_models():
        monkeypatch.setattr(model.Meta, "read_timeout_seconds", seconds)
    _forget_clients()
    yield
    _forget_clients()

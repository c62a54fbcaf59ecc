"""The AWS transport of one request: a deadline every attempt shares, and which failures mean "unavailable".

API Gateway gives up after 29 s. Without a shared budget each DynamoDB call
could take 4 attempts of 5 s, one after another. The web dispatcher opens a
deadline per request (``deadline``); botocore hooks installed on every client
(``install``) then give each attempt at most the time left as its read
timeout, refuse a retry that could not finish in time, and fail an attempt
that would start after the deadline as a read timeout. Threads a request
starts carry it in their context (``contextvars.copy_context``).

``unavailable`` says whether an exception means the data store was throttled,
timed out or unreachable (botocore's errors, pynamodb's wrappers of them, a
transaction cancelled for throttling): the dispatcher answers that 503 with
``Retry-After`` instead of 500. Nothing here imports botocore until a client is made.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from passculture.errors import ServiceUnavailable

# Seconds an attempt needs at least: a retry that would leave less is not made.
MIN_ATTEMPT_SECONDS = 0.5
# botocore's standard retry pauses up to min(2 ** (attempt - 1), 20) s (throttling) before retrying.
MAX_BACKOFF_SECONDS = 20.0
RETRY_AFTER_SECONDS = 2

THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
    }
)

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("passculture_deadline", default=None)
_clock = time.monotonic  # tests replace it with a simulated clock
_installed = False


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """AWS calls made inside the block (and in threads it starts with its context) end within ``seconds``."""
    token = _deadline.set(_clock() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left before the current request's deadline; None outside a request."""
    at = _deadline.get()
    return None if at is None else at - _clock()


# -- botocore hooks --------------------------------------------------------------


def _before_send(request: Any = None, **_: Any) -> None:
    left = remaining()
    if left is None or request is None:
        return None
    if left <= 0:
        from botocore.exceptions import ReadTimeoutError

        raise ReadTimeoutError(endpoint_url=request.url, error="the request's deadline has passed")
    context = getattr(request, "context", None)
    if context is not None:
        config = context.get("client_config")
        context["read_timeout"] = min(getattr(config, "read_timeout", None) or left, left)
    return None


def _needs_retry(attempts: int = 1, **_: Any) -> bool | None:
    left = remaining()
    if left is None:
        return None  # botocore's own retry policy decides
    pause = min(2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)
    # False (not None) is an answer: botocore stops here whatever the retry handler would say.
    return False if left < pause + MIN_ATTEMPT_SECONDS else None


def install() -> None:
    """Adds the deadline hooks to every botocore session created from now on (idempotent).

    Called before any client exists (models' ``Meta``, the adapters' clients).
    The ``*.*`` nodes are consulted before botocore's own retry handler
    (``needs-retry.<service>``) and before moto's stubber (``before-send``).
    """
    global _installed
    if _installed:
        return
    from botocore import handlers

    for event, handler in (("before-send.*.*", _before_send), ("needs-retry.*.*", _needs_retry)):
        if not any(spec[1] is handler for spec in handlers.BUILTIN_HANDLERS):
            handlers.BUILTIN_HANDLERS.append((event, handler, handlers.REGISTER_FIRST))
    _installed = True


# -- what the failures mean ------------------------------------------------------


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen or len(seen) > 20:
            continue
        seen.add(id(current))
        yield current
        cause = getattr(current, "cause", None)  # pynamodb keeps botocore's error there
        pending += [current.__cause__, current.__context__, cause if isinstance(cause, BaseException) else None]


def _is_unavailable(exc: BaseException) -> bool:
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    if isinstance(exc, (ReadTimeoutError, ConnectTimeoutError, EndpointConnectionError, ConnectionClosedError)):
        return True
    # pynamodb's TransactWriteError keeps the cancellation reasons as objects with a ``code``.
    if any(getattr(r, "code", None) == "ThrottlingError" for r in getattr(exc, "cancellation_reasons", None) or []):
        return True
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code")
        if code in THROTTLING_CODES:
            return True
        reasons = exc.response.get("CancellationReasons") or []
        return any(isinstance(r, dict) and r.get("Code") == "ThrottlingError" for r in reasons)
    return False


def unavailable(exc: BaseException) -> ServiceUnavailable | None:
    """The 503 an exception stands for when the data store was throttled, slow or unreachable, else None."""
    import sys

    if "botocore" not in sys.modules:
        return None  # no AWS call was ever made
    if any(_is_unavailable(link) for link in _chain(exc)):
        return ServiceUnavailable(RETRY_AFTER_SECONDS)
    return None

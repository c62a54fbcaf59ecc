"""Asynchronous invocations of our own functions: Lambda's ``Invoke`` with ``InvocationType=Event``.

Lambda queues the event and answers 202 at once; the function runs it later,
retried as its asynchronous settings say, the events that still fail going to
its on-failure destination (README, "Failure modes"). The deployed name comes
from ``<FUNCTION>_FUNCTION_NAME`` (``config.function_name``).

Who runs the event is the composition root's choice: deployed, Lambda does;
the local runner (``infra.local``) installs one that runs it in a background
thread with the same handler; tests and the bench install one that runs it in
their process (``infra.invocation.InProcessInvoker``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

# (function, event) -> None: the event is handed over, not run.
Invoker = Callable[[str, dict[str, Any]], None]

_installed: list[Invoker] = []


def install(invoker: Invoker | None) -> Invoker | None:
    """Makes ``invoker`` run every asynchronous invocation (None: Lambda again); returns the one it replaces."""
    previous = _installed[0] if _installed else None
    _installed.clear()
    if invoker is not None:
        _installed.append(invoker)
    return previous


class NotConfigured(RuntimeError):
    """The function to invoke has no deployed name in this function's environment."""


def invoke_async(function: str, event: dict[str, Any]) -> None:
    """Hands ``event`` to the function ``function`` (``offers``), to run on its own."""
    if _installed:
        _installed[0](function, event)
        return
    from passculture.adapters.aws import client
    from passculture.config import function_name

    name = function_name(function)
    if not name:
        raise NotConfigured(
            f"{function.upper()}_FUNCTION_NAME is not set: this function cannot start {function}'s work"
        )
    client("lambda").invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps(event).encode())

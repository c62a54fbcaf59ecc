"""The window between a service's reads and its transaction: something else happens in it.

The seam is ``Transaction.commit`` (``passculture.models.base``): every
conditional multi-item write goes through it, so ``before_next_commit`` runs
an action (another user's or a pro's request, through the real services) after
the reads the service made and right before its transaction is sent. The
action's own transactions, if it sends any, are sent unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from passculture.models.base import Transaction


@contextmanager
def before_next_commit(monkeypatch: Any, action: Callable[[], Any]) -> Iterator[list[Any]]:
    """Runs ``action()`` once, right before the next transaction is sent; yields ``[its result]`` once it ran."""
    original = Transaction.commit
    ran: list[Any] = []
    started: list[bool] = []

    def commit(self: Transaction) -> dict[str, str]:
        if not started:
            started.append(True)
            ran.append(action())
        return original(self)

    monkeypatch.setattr(Transaction, "commit", commit)
    try:
        yield ran
    finally:
        monkeypatch.setattr(Transaction, "commit", original)

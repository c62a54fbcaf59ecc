"""Committing account transactions: DynamoDB's transaction conflicts are retried, conditions are not."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from passculture.errors import Conflict
from passculture.models.base import Transaction

CONFLICT_ATTEMPTS = 6


def commit(build: Callable[[], Transaction], attempts: int = CONFLICT_ATTEMPTS) -> dict[str, str]:
    """Commits ``build()``; returns the failed conditions by label.

    Two transactions touching the same item at once make DynamoDB cancel one
    with ``TransactionConflict``: that says nothing about the data, so the
    transaction is rebuilt and tried again after a short random pause.
    """
    from pynamodb.exceptions import TransactWriteError

    for attempt in range(attempts):
        try:
            return build().commit()
        except TransactWriteError as exc:
            codes = {getattr(r, "code", None) for r in (exc.cancellation_reasons or []) if r is not None}
            if "TransactionConflict" not in codes:
                raise
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    raise Conflict("Too many changes at the same time on this account or structure, try again")

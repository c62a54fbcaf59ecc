"""The ``Idempotency-Key`` header: a client's name for one intent, so its retry does not do it twice."""

from __future__ import annotations

import re

from passculture.errors import InvalidInput

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,128}$")


def check_idempotency_key(key: str | None) -> str | None:
    """The key as given (None when absent), or a 400 naming the header."""
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.match(key):
        raise InvalidInput("1 to 128 visible ASCII characters (a UUID is a good key)", field="Idempotency-Key")
    return key

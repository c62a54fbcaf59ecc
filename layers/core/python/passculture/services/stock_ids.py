"""Stock ids that name their structure: ``<6-character mask of the SIREN>-<uuid>``.

A booking reads the structure's status in the same ``BatchGetItem`` as the
stock, so it must know the structure before reading the stock: the id says it,
masked (``rules.ids``, keyed by a key derived from the JWT secret, as the
pagination cursors' signatures are). Stocks made before have a bare uuid:
``siren_of`` answers None and the booking reads the stock first.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from functools import lru_cache

from passculture.rules.ids import WIDTH, mask, unmask


@lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    return hmac.new(f"stock-id:{secret}".encode(), b"siren-mask", hashlib.sha256).digest()


def key() -> bytes:
    from passculture.adapters.secrets import jwt_secret

    return _key(jwt_secret())


def new_stock_id(siren: str, base: str | None = None) -> str:
    """A new stock id of this structure; ``base``: the uuid part when derived (an Idempotency-Key's)."""
    return f"{mask(siren, key())}-{base or uuid.uuid4()}"


def siren_of(stock_id: str) -> str | None:
    """The structure a stock id names, or None (a stock made before ids named it, or no stock id at all)."""
    if len(stock_id) != WIDTH + 37 or stock_id[WIDTH] != "-":
        return None
    try:
        uuid.UUID(stock_id[WIDTH + 1 :])
    except ValueError:
        return None
    return unmask(stock_id[:WIDTH], key())

"""The partner API's pure rules: provider keys' format, integer ids, the booker's cancellation period.

A provider key is ``<env>_<12 hex>_<64 hex>``: the prefix ``<env>_<12 hex>`` is its
name (stored in clear), the 64 hex its secret. The secret's first 14 hex digits
are the provider's id (53 bits fit in 14 hex digits), the other 50 are random (200
bits): the id is what lets a call read the key and its provider in one batch, and
the stored hash covers the whole key, so an altered id no longer matches.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

# Integer ids are random in [1, 2**53 - 1]: safe in any JSON reader (JavaScript's integers).
MAX_PUBLIC_ID = 2**53 - 1
PROVIDER_ID_HEX = 14
SECRET_HEX = 64
PREFIX_HEX = 12
_KEY = re.compile(r"^([a-z0-9]{1,20})_([0-9a-f]{12})_([0-9a-f]{64})$")
_PREFIX = re.compile(r"^[a-z0-9]{1,20}_[0-9a-f]{12}$")

# The booker may cancel an event booking for 48 hours after booking, ending 48 hours before it starts.
CANCELLATION_PERIOD = timedelta(hours=48)


def new_public_id() -> int:
    return secrets.randbelow(MAX_PUBLIC_ID) + 1


def key_env(stage: str) -> str:
    """The ``<env>`` of the keys made on ``stage``: its letters and digits, lower case."""
    return re.sub(r"[^a-z0-9]", "", stage.lower())[:20] or "env"


def new_provider_key(env: str, provider_id: int) -> tuple[str, str]:
    """(the key shown once, its prefix)."""
    prefix = f"{env}_{secrets.token_hex(PREFIX_HEX // 2)}"
    secret = f"{provider_id:0{PROVIDER_ID_HEX}x}{secrets.token_hex((SECRET_HEX - PROVIDER_ID_HEX) // 2)}"
    return f"{prefix}_{secret}", prefix


def parse_provider_key(key: str) -> tuple[str, int] | None:
    """(prefix, the provider id it names) of a well-formed key; None otherwise."""
    match = _KEY.match(key)
    if match is None:
        return None
    provider_id = int(match.group(3)[:PROVIDER_ID_HEX], 16)
    if not 1 <= provider_id <= MAX_PUBLIC_ID:
        return None
    return f"{match.group(1)}_{match.group(2)}", provider_id


def is_key_prefix(value: str) -> bool:
    return _PREFIX.match(value) is not None


def cancellation_period_end(created_at: datetime, begins_at: datetime | None) -> datetime | None:
    """When the booker's cancellation period ends: ``max(min(start - 48 h, created + 48 h), created)``.

    None for a thing (no start): it has no such period.
    """
    if begins_at is None:
        return None
    return max(min(begins_at - CANCELLATION_PERIOD, created_at + CANCELLATION_PERIOD), created_at)

"""The countermark format: the 6-character code a young person shows at the door.

The alphabet has no look-alikes (no I, O, 0, 1): 32 symbols, so 32**6 (about
a billion) codes. Codes are drawn with ``secrets`` because guessing one is
what the countermark API's rate limits defend against. Uniqueness is the
bookings table's key itself: the booking put is conditioned on
``attribute_not_exists(token)`` and a collision draws again.
"""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 6
_SYMBOLS = frozenset(ALPHABET)


def new_countermark() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_countermark(raw: str | None) -> str:
    """Codes are matched case-insensitively, surrounding blanks ignored."""
    return (raw or "").strip().upper()


def is_well_formed(code: str) -> bool:
    """Whether a (normalised) code could exist: anything else is unknown without a read."""
    return len(code) == LENGTH and all(ch in _SYMBOLS for ch in code)

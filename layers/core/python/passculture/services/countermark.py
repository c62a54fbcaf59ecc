"""Countermarks: the 6-character code a young person shows at the door.

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


def new_countermark() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_countermark(raw: str) -> str:
    """Tokens are matched case-insensitively, surrounding blanks ignored."""
    return raw.strip().upper()


def looks_like_countermark(token: str) -> bool:
    return len(token) == LENGTH and all(ch in ALPHABET for ch in token)

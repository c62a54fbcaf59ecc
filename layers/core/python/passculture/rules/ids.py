"""A structure's SIREN hidden in six characters: a keyed permutation of the 9-digit numbers.

A stock id names its structure (``services/stock_ids.py``) so that a booking can
read the structure beside the stock in one ``BatchGetItem``. The SIREN is not
shown as it is: ``mask`` runs a 4-round Feistel network keyed by ``key`` over
30 bits (two halves of 15, each round an HMAC-SHA256 of the other half), and
walks the cycle until the result is under 10^9 again, so it is a permutation of
the 9-digit numbers (distinct SIRENs, distinct masks; ``unmask`` inverts it).
The result is written in six characters of Crockford's base 32 (32^6 > 10^9).
"""

from __future__ import annotations

import hashlib
import hmac

DOMAIN = 10**9
HALF_BITS = 15
HALF = 1 << HALF_BITS
ROUNDS = 4
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's base 32, lower case
WIDTH = 6


def _round(key: bytes, n: int, value: int) -> int:
    digest = hmac.new(key, bytes([n]) + value.to_bytes(2, "big"), hashlib.sha256).digest()
    return int.from_bytes(digest[:2], "big") % HALF


def _forward(key: bytes, value: int) -> int:
    left, right = value >> HALF_BITS, value % HALF
    for n in range(ROUNDS):
        left, right = right, left ^ _round(key, n, right)
    return (left << HALF_BITS) | right


def _backward(key: bytes, value: int) -> int:
    left, right = value >> HALF_BITS, value % HALF
    for n in reversed(range(ROUNDS)):
        left, right = right ^ _round(key, n, left), left
    return (left << HALF_BITS) | right


def _walk(step, key: bytes, value: int) -> int:
    value = step(key, value)
    while value >= DOMAIN:  # a permutation of 2^30 restricted to 10^9 by cycle walking
        value = step(key, value)
    return value


def _encode(value: int) -> str:
    chars = []
    for _ in range(WIDTH):
        value, digit = divmod(value, 32)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def _decode(text: str) -> int | None:
    if len(text) != WIDTH:
        return None
    value = 0
    for char in text:
        digit = ALPHABET.find(char)
        if digit < 0:
            return None
        value = value * 32 + digit
    return value


def mask(siren: str, key: bytes) -> str:
    """Six characters standing for a 9-digit ``siren``; ValueError for anything else."""
    if len(siren) != 9 or not siren.isdigit():
        raise ValueError("a SIREN is 9 digits")
    return _encode(_walk(_forward, key, int(siren)))


def unmask(text: str, key: bytes) -> str | None:
    """The SIREN ``text`` masks, or None when it masks none."""
    value = _decode(text)
    if value is None or value >= DOMAIN:
        return None
    return f"{_walk(_backward, key, value):09d}"

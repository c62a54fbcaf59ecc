"""SIREN and SIRET numbers: 9 and 14 digits with a Luhn checksum.

La Poste (SIREN 356000000) has more establishments than the Luhn key allows,
so its SIRETs follow their own rule: the sum of the digits is a multiple of 5
(its head office, registered first, keeps an ordinary Luhn key).
"""

from __future__ import annotations

LA_POSTE_SIREN = "356000000"
LA_POSTE_HEAD_OFFICE = "35600000000048"

SIREN_RULE = "A SIREN is 9 digits with a valid Luhn check digit"
SIRET_RULE = "A SIRET is 14 digits with a valid Luhn check digit (La Poste: digit sum divisible by 5)"


def compact(value: str) -> str:
    """The number without the spaces, dots and dashes people type in it."""
    return "".join(ch for ch in value if ch not in " .-\u00a0")


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` (ASCII digits only) passes the Luhn checksum."""
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def is_valid_siren(siren: str) -> bool:
    return len(siren) == 9 and luhn_valid(siren)


def is_valid_siret(siret: str) -> bool:
    if len(siret) != 14 or not siret.isascii() or not siret.isdigit():
        return False
    if siret.startswith(LA_POSTE_SIREN) and siret != LA_POSTE_HEAD_OFFICE:
        return sum(int(ch) for ch in siret) % 5 == 0
    return luhn_valid(siret)


def check_siren(value: str) -> str:
    """The compacted SIREN, or ValueError stating the rule (pydantic turns it into a 400)."""
    siren = compact(value)
    if not is_valid_siren(siren):
        raise ValueError(SIREN_RULE)
    return siren


def check_siret(value: str) -> str:
    siret = compact(value)
    if not is_valid_siret(siret):
        raise ValueError(SIRET_RULE)
    return siret

"""Places: geohashes for the feed's cells, departments from postal codes.

The geohash is the standard base-32 interleaving of longitude and latitude
bits (https://en.wikipedia.org/wiki/Geohash): a shared prefix means a shared
cell, which is what the sparse feed index keys on. Twenty lines do not justify a
dependency.
"""

from __future__ import annotations

import re

BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"
DEFAULT_PRECISION = 9  # about 5 m: precise enough for any shorter prefix
_DECODE = {ch: i for i, ch in enumerate(BASE32)}
POSTAL_CODE = re.compile(r"^(?!00)\d{5}$")


def geohash_encode(latitude: float, longitude: float, precision: int = DEFAULT_PRECISION) -> str:
    """The geohash of a point, ``precision`` characters long."""
    if not -90 <= latitude <= 90 or not -180 <= longitude <= 180:
        raise ValueError("latitude must be within [-90, 90] and longitude within [-180, 180]")
    lat = [-90.0, 90.0]
    lon = [-180.0, 180.0]
    chars, bits, value, even = [], 0, 0, True
    while len(chars) < precision:
        # Even bits halve the longitude range, odd bits the latitude; the upper half is a 1.
        interval, coordinate = (lon, longitude) if even else (lat, latitude)
        middle = (interval[0] + interval[1]) / 2
        if coordinate >= middle:
            value, interval[0] = value << 1 | 1, middle
        else:
            value, interval[1] = value << 1, middle
        even = not even
        bits += 1
        if bits == 5:
            chars.append(BASE32[value])
            bits, value = 0, 0
    return "".join(chars)


def geohash_bounds(geohash: str) -> tuple[float, float, float, float]:
    """The cell of a geohash: ``(lat_min, lat_max, lon_min, lon_max)``."""
    lat_lo, lat_hi, lon_lo, lon_hi = -90.0, 90.0, -180.0, 180.0
    even = True
    for ch in geohash:
        value = _DECODE[ch]
        for shift in range(4, -1, -1):
            bit = (value >> shift) & 1
            if even:
                middle = (lon_lo + lon_hi) / 2
                lon_lo, lon_hi = (middle, lon_hi) if bit else (lon_lo, middle)
            else:
                middle = (lat_lo + lat_hi) / 2
                lat_lo, lat_hi = (middle, lat_hi) if bit else (lat_lo, middle)
            even = not even
    return lat_lo, lat_hi, lon_lo, lon_hi


def department_of_postal_code(postal_code: str) -> str:
    """The department code of a French postal code.

    Overseas (97x, 98x) keep three digits; Corsica's 20xxx is split at 20200:
    Corse-du-Sud (2A) below, Haute-Corse (2B) from it (Ajaccio 20000, Bastia 20200).
    """
    if not POSTAL_CODE.match(postal_code):
        raise ValueError("A postal code is 5 digits")
    if postal_code.startswith(("97", "98")):
        return postal_code[:3]
    if postal_code.startswith("20"):
        return "2A" if postal_code < "20200" else "2B"
    return postal_code[:2]

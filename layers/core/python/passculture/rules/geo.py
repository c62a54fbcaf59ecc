"""Places: geohashes and the cells that cover a circle, distances, departments from postal codes.

The geohash is the standard base-32 interleaving of longitude and latitude
bits (https://en.wikipedia.org/wiki/Geohash): a shared prefix means a shared
cell, which is what the sparse feed index keys on. Twenty lines do not justify a
dependency.

The feed's cells are geohash prefixes of ``FEED_CELL_PRECISION`` (cells of
39.1 km x 19.5 km at the equator, about 26 km x 19.5 km in metropolitan
France): a 5 km circle meets 1 to 4 of them, the 100 km maximum about 80.
Precision 5 (4.9 km x 4.9 km) would cost some 1,600 Queries at 100 km;
precision 3 (156 km x 156 km) would read a whole region for a 5 km feed.
"""

from __future__ import annotations

import math
import re

BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"
DEFAULT_PRECISION = 9  # about 5 m: precise enough for any shorter prefix
FEED_CELL_PRECISION = 4
EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180
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


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """The great-circle distance between two points, in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _bits(precision: int) -> tuple[int, int]:
    """(longitude bits, latitude bits) of a geohash: longitude takes the even positions."""
    total = 5 * precision
    return (total + 1) // 2, total // 2


def _cell_name(lon_idx: int, lat_idx: int, precision: int) -> str:
    """The geohash of the cell in column ``lon_idx`` and row ``lat_idx`` of the grid of ``precision``."""
    lon_bits, lat_bits = _bits(precision)
    value, lon_left, lat_left = 0, lon_bits, lat_bits
    for position in range(5 * precision):
        if position % 2 == 0:
            lon_left -= 1
            bit = (lon_idx >> lon_left) & 1
        else:
            lat_left -= 1
            bit = (lat_idx >> lat_left) & 1
        value = (value << 1) | bit
    return "".join(BASE32[(value >> (5 * (precision - 1 - k))) & 31] for k in range(precision))


def covering_cells(lat: float, lng: float, radius_km: float, precision: int = FEED_CELL_PRECISION) -> list[str]:
    """The geohash cells of ``precision`` that meet the circle, nearest first."""
    lon_bits, lat_bits = _bits(precision)
    cell_w, cell_h = 360 / 2**lon_bits, 180 / 2**lat_bits
    dlat = radius_km / KM_PER_DEGREE
    south, north = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    widest = max(abs(south), abs(north))
    # Near a pole every longitude is within reach.
    dlng = 180.0 if widest >= 89.0 else min(180.0, radius_km / (KM_PER_DEGREE * math.cos(math.radians(widest))))
    rows = range(int((south + 90) / cell_h), min(int((north + 90) / cell_h), 2**lat_bits - 1) + 1)
    if dlng >= 180:
        cols = list(range(2**lon_bits))
    else:
        first, last = math.floor((lng - dlng + 180) / cell_w), math.floor((lng + dlng + 180) / cell_w)
        cols = sorted({c % 2**lon_bits for c in range(first, last + 1)})
    # The clamped point is close to, not exactly, the nearest point of a cell on
    # a sphere: a small margin keeps a cell that just touches the circle.
    margin = radius_km * 1.01 + 1.0
    found: list[tuple[float, str]] = []
    for row in rows:
        s, n = row * cell_h - 90, (row + 1) * cell_h - 90
        for col in cols:
            w, e = col * cell_w - 180, (col + 1) * cell_w - 180
            near_lng = lng if w <= lng <= e else min((w, e), key=lambda edge: abs((edge - lng + 540) % 360 - 180))
            distance = haversine_km(lat, lng, min(max(lat, s), n), near_lng)
            if distance <= margin:
                found.append((distance, _cell_name(col, row, precision)))
    return [name for _, name in sorted(found)]


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

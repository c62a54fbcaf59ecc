"""Places: geohashes, the feed's grid and the cells that cover a circle, distances, departments from postal codes.

The geohash is the standard base-32 interleaving of longitude and latitude
bits (https://en.wikipedia.org/wiki/Geohash), stored on venues and offers (and
shown on venues). Twenty lines do not justify a dependency.

The feed does not key on geohashes: their cells narrow towards the poles and a
single precision is either too coarse for 5 km or far too many Queries for
100 km (precision 4: about 84 at 100 km). It keys on an equal-area grid of
three levels (``FEED_LEVELS``): latitude bands ``km`` high, each cut into
``max(1, floor(360 * cos(poleward edge) / band height))`` columns, so a cell is
at least ``km`` wide everywhere and a polar cap is one cell. A circle of radius
R meets a handful of cells of a level about R wide or wider, at any latitude;
``feed_covering`` picks the finest level within the caller's budget. Pure
Python and no dependency (H3, the alternative, was not needed and not measured).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"
DEFAULT_PRECISION = 9  # about 5 m: precise enough for any shorter prefix
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


# -- the feed's grid -----------------------------------------------------------


@dataclass(frozen=True)
class GridLevel:
    """One level of the feed's equal-area grid: latitude bands ``km`` high, cut into cells at least ``km`` wide.

    ``name`` ("5km") names the offer's attribute and its sparse index (``feed_cell_<name>``).
    """

    name: str
    km: float

    @property
    def bands(self) -> int:
        return max(1, round(180 * KM_PER_DEGREE / self.km))

    def band_of(self, lat: float) -> int:
        return min(int((lat + 90) * self.bands / 180), self.bands - 1)

    def band_edges(self, band: int) -> tuple[float, float]:
        return band * 180 / self.bands - 90, (band + 1) * 180 / self.bands - 90

    def columns(self, band: int) -> int:
        """Cells in ``band``: as many as keep each one at least ``km`` wide at the band's poleward edge."""
        south, north = self.band_edges(band)
        poleward = max(abs(south), abs(north))
        # max(0, ...): cos(90 degrees) is 6e-17, not 0; a band touching a pole is one cell (the polar cap).
        return max(1, math.floor(360 * max(0.0, math.cos(math.radians(poleward))) * self.bands / 180))

    def column_of(self, band: int, lng: float) -> int:
        columns = self.columns(band)
        return min(int((lng + 180) * columns / 360), columns - 1)

    def cell_of(self, lat: float, lng: float) -> str:
        """The name of the cell holding the point: ``<band>.<column>``."""
        band = self.band_of(lat)
        return f"{band}.{self.column_of(band, lng)}"

    def covering(self, lat: float, lng: float, radius_km: float) -> list[str]:
        """The cells of this level that meet the circle, nearest first."""
        reach = radius_km / KM_PER_DEGREE
        angle = math.radians(reach)
        if abs(lat) + reach >= 90:
            dlng = 180.0  # the circle holds a pole: every longitude
        else:
            # The circle's widest extent in longitude (exact on the sphere).
            dlng = math.degrees(math.asin(min(1.0, math.sin(angle) / math.cos(math.radians(lat)))))
        found: list[tuple[float, str]] = []
        for band in range(self.band_of(max(-90.0, lat - reach)), self.band_of(min(90.0, lat + reach)) + 1):
            south, north = self.band_edges(band)
            columns = self.columns(band)
            width = 360 / columns
            first, last = math.floor((lng - dlng + 180) / width), math.floor((lng + dlng + 180) / width)
            wanted = (
                range(columns) if last - first + 1 >= columns else sorted({c % columns for c in range(first, last + 1)})
            )
            for column in wanted:
                west = column * width - 180
                distance = distance_to_cell_km(lat, lng, south, north, west, west + width)
                # A hair of slack for the rounding of a point that lies exactly on an edge.
                if distance <= radius_km + 1e-6:
                    found.append((distance, f"{band}.{column}"))
        return [name for _, name in sorted(found)]


def distance_to_cell_km(lat: float, lng: float, south: float, north: float, west: float, east: float) -> float:
    """The great-circle distance from a point to a latitude-longitude rectangle (0 inside it)."""
    offset = (lng - west) % 360
    if offset <= east - west:
        # Within the rectangle's longitudes the nearest point is on the same meridian.
        return abs(lat - min(max(lat, south), north)) * KM_PER_DEGREE
    return min(_distance_to_meridian_km(lat, lng, south, north, edge) for edge in (west, east))


def _distance_to_meridian_km(lat: float, lng: float, south: float, north: float, meridian: float) -> float:
    """The distance from a point to the arc of ``meridian`` between ``south`` and ``north``."""
    gap = math.radians(abs((lng - meridian + 540) % 360 - 180))
    ends = min(haversine_km(lat, lng, south, meridian), haversine_km(lat, lng, north, meridian))
    if gap >= math.pi / 2:
        return ends  # beyond a quarter turn the nearest point of the arc is one of its ends
    phi = math.radians(lat)
    # The foot of the perpendicular from the point to the meridian's great circle.
    foot = math.degrees(math.atan2(math.sin(phi), math.cos(phi) * math.cos(gap)))
    if south <= foot <= north:
        return EARTH_RADIUS_KM * math.asin(min(1.0, math.cos(phi) * math.sin(gap)))
    return ends


# Finest first. A circle of radius R meets at most a handful of cells of a level whose
# cells are at least about 0.6 R wide, so the widest radius (100 km) still fits the budget.
FEED_LEVELS = (GridLevel("5km", 5.0), GridLevel("20km", 20.0), GridLevel("70km", 70.0))


def feed_covering(lat: float, lng: float, radius_km: float, budget: int) -> tuple[GridLevel, list[str]]:
    """The finest level whose covering of the circle has at most ``budget`` cells, and those cells."""
    for level in FEED_LEVELS:
        cells = level.covering(lat, lng, radius_km)
        if len(cells) <= budget:
            return level, cells
    return level, cells  # wider than the coarsest level was built for: the caller bounds the radius


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

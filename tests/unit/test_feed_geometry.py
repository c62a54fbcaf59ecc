"""The feed reads the geohash cells that cover its circle, and only those."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from passculture.rules.geo import covering_cells, haversine_km
from passculture.rules.geo import geohash_encode as geohash


def bisection_geohash(lat: float, lng: float, precision: int) -> str:
    """The textbook encoding: halve the longitude and latitude ranges in turn."""
    alphabet, ranges, bits = "0123456789bcdefghjkmnpqrstuvwxyz", ([-180.0, 180.0], [-90.0, 90.0]), []
    while len(bits) < 5 * precision:
        bounds, value = ranges[len(bits) % 2], (lng, lat)[len(bits) % 2]
        middle = (bounds[0] + bounds[1]) / 2
        bits.append(int(value >= middle))
        bounds[0 if value >= middle else 1] = middle
    return "".join(alphabet[int("".join(map(str, bits[i : i + 5])), 2)] for i in range(0, len(bits), 5))


def test_geohash_matches_the_reference_encoding():
    assert geohash(57.64911, 10.40744, 11) == "u4pruydqqvj"  # Wikipedia's example
    assert geohash(48.8606, 2.3376, 4) == "u09t"


@given(lat=st.floats(-90, 90), lng=st.floats(-180, 180, exclude_max=True), precision=st.integers(1, 9))
def test_geohash_agrees_with_the_bisection_encoding(lat, lng, precision):
    assert geohash(lat, lng, precision) == bisection_geohash(lat, lng, precision)


def test_haversine_paris_lyon():
    assert 390 < haversine_km(48.8566, 2.3522, 45.764, 4.8357) < 395


def test_a_small_circle_reads_a_few_cells_a_large_one_many():
    small = covering_cells(48.8566, 2.3522, 5)
    large = covering_cells(48.8566, 2.3522, 100)
    assert geohash(48.8566, 2.3522, 4) == small[0]
    assert 1 <= len(small) <= 4
    assert 40 <= len(large) <= 110


def destination(lat: float, lng: float, bearing_deg: float, distance_km: float) -> tuple[float, float]:
    r = distance_km / 6371.0088
    p1, l1, b = math.radians(lat), math.radians(lng), math.radians(bearing_deg)
    p2 = math.asin(math.sin(p1) * math.cos(r) + math.cos(p1) * math.sin(r) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(r) * math.cos(p1), math.cos(r) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-80, 80),
    lng=st.floats(-180, 180, exclude_max=True),
    radius=st.floats(1, 100),
    bearing=st.floats(0, 360),
    fraction=st.floats(0, 1),
)
def test_every_point_inside_the_circle_lies_in_a_covering_cell(lat, lng, radius, bearing, fraction):
    p_lat, p_lng = destination(lat, lng, bearing, radius * fraction)
    assert geohash(p_lat, p_lng, 4) in covering_cells(lat, lng, radius)

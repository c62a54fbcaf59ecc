"""The feed reads the grid cells that cover its circle, and only those; geohashes (venues) encode as published."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from passculture.rules.geo import FEED_LEVELS, KM_PER_DEGREE, distance_to_cell_km, feed_covering, haversine_km
from passculture.rules.geo import geohash_encode as geohash
from passculture.services.booking.feed import CELL_BUDGET

PARIS = (48.8566, 2.3522)


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


def test_a_small_circle_reads_fine_cells_a_large_one_coarse_ones():
    level, small = feed_covering(*PARIS, 5, CELL_BUDGET)
    assert level.name == "5km" and small[0] == level.cell_of(*PARIS) and 1 <= len(small) <= 9
    level, large = feed_covering(*PARIS, 100, CELL_BUDGET)
    assert level.name == "70km" and large[0] == level.cell_of(*PARIS) and len(large) <= CELL_BUDGET


def test_cells_keep_their_width_in_km_towards_the_poles():
    for level in FEED_LEVELS:
        for lat in (0.0, 45.0, 70.0, 85.0, -70.0):
            band = level.band_of(lat)
            south, north = level.band_edges(band)
            poleward = max(abs(south), abs(north))
            width_km = 360 / level.columns(band) * KM_PER_DEGREE * math.cos(math.radians(poleward))
            assert level.km * 0.99 <= width_km <= level.km * 2, (level.name, lat, width_km)


def test_a_polar_cap_is_one_cell_holding_every_longitude():
    for level in FEED_LEVELS:
        assert level.cell_of(90, -180) == level.cell_of(89.99, 0) == level.cell_of(90, 179.9)
        assert level.cell_of(-90, 0) == level.cell_of(-89.99, 120)


@settings(max_examples=300, deadline=None)
@given(lat=st.floats(-90, 90), lng=st.floats(-180, 180, exclude_max=True), radius=st.floats(1, 100))
def test_any_allowed_circle_anywhere_costs_at_most_the_budget(lat, lng, radius):
    _, cells = feed_covering(lat, lng, radius, CELL_BUDGET)
    assert 1 <= len(cells) <= CELL_BUDGET


@pytest.mark.parametrize("lat", [-90, -89.9, -70, -45, -0.01, 0, 4.9224, 48.8566, 70, 85, 89.5, 90])
@pytest.mark.parametrize("lng", [-180, -179.99, -52.3, 0, 2.35, 23, 179.99])
def test_the_widest_radius_fits_the_budget_at_the_poles_and_the_antimeridian(lat, lng):
    for radius in (7, 8, 30, 31, 100):
        _, cells = feed_covering(lat, lng, radius, CELL_BUDGET)
        assert len(cells) <= CELL_BUDGET


def destination(lat: float, lng: float, bearing_deg: float, distance_km: float) -> tuple[float, float]:
    r = distance_km / 6371.0088
    p1, l1, b = math.radians(lat), math.radians(lng), math.radians(bearing_deg)
    p2 = math.asin(math.sin(p1) * math.cos(r) + math.cos(p1) * math.sin(r) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(r) * math.cos(p1), math.cos(r) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180


@settings(max_examples=400, deadline=None)
@given(
    lat=st.floats(-90, 90),
    lng=st.floats(-180, 180, exclude_max=True),
    radius=st.floats(1, 100),
    bearing=st.floats(0, 360),
    fraction=st.floats(0, 1),
)
def test_every_point_inside_the_circle_lies_in_a_covering_cell_of_the_chosen_level(lat, lng, radius, bearing, fraction):
    p_lat, p_lng = destination(lat, lng, bearing, radius * fraction)
    level, cells = feed_covering(lat, lng, radius, CELL_BUDGET)
    assert level.cell_of(p_lat, p_lng) in cells


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(-90, 90),
    lng=st.floats(-180, 180, exclude_max=True),
    radius=st.floats(1, 30),
    bearing=st.floats(0, 360),
    fraction=st.floats(0, 1),
    level=st.sampled_from(FEED_LEVELS[1:]),
)
def test_every_level_covers_the_circle_not_only_the_chosen_one(lat, lng, radius, bearing, fraction, level):
    p_lat, p_lng = destination(lat, lng, bearing, radius * fraction)
    assert level.cell_of(p_lat, p_lng) in level.covering(lat, lng, radius)


def test_a_cell_beyond_the_circle_is_not_read():
    level = FEED_LEVELS[0]
    for cell in level.covering(*PARIS, 5):
        band, column = map(int, cell.split("."))
        south, north = level.band_edges(band)
        width = 360 / level.columns(band)
        west = column * width - 180
        assert distance_to_cell_km(*PARIS, south, north, west, west + width) <= 5
    # The cell two cells east of Paris's is about 8 km away at best: not read for 5 km.
    band = level.band_of(PARIS[0])
    column = level.column_of(band, PARIS[1])
    assert f"{band}.{column + 2}" not in level.covering(*PARIS, 5)

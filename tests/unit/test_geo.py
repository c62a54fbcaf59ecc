"""Geohashes for the feed's cells, and departments from postal codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from passculture.rules.geo import department_of_postal_code, geohash_bounds, geohash_encode

latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)


@pytest.mark.parametrize(
    ("latitude", "longitude", "expected"),
    [
        (57.64911, 10.40744, "u4pruydqqvj"),  # the reference example of geohash.org
        (48.8606, 2.3376, "u09tvny1w"),  # the Louvre
        (-25.382708, -49.265506, "6gkzwgjzn820"),
    ],
)
def test_known_points_have_their_published_geohash(latitude, longitude, expected):
    assert geohash_encode(latitude, longitude, len(expected)) == expected


@given(latitudes, longitudes, st.integers(min_value=1, max_value=12))
def test_a_point_lies_inside_the_cell_of_its_geohash(latitude, longitude, precision):
    lat_min, lat_max, lon_min, lon_max = geohash_bounds(geohash_encode(latitude, longitude, precision))
    assert lat_min <= latitude <= lat_max
    assert lon_min <= longitude <= lon_max


@given(latitudes, longitudes, st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=12))
def test_a_shorter_geohash_is_a_prefix_of_a_longer_one(latitude, longitude, short, long):
    short, long = sorted((short, long))
    assert geohash_encode(latitude, longitude, long).startswith(geohash_encode(latitude, longitude, short))


def test_coordinates_off_the_globe_are_refused():
    with pytest.raises(ValueError, match="latitude"):
        geohash_encode(91, 0)
    with pytest.raises(ValueError, match="longitude"):
        geohash_encode(0, -180.5)


@pytest.mark.parametrize(
    ("postal_code", "department"),
    [
        ("75001", "75"),
        ("01000", "01"),
        ("20000", "2A"),  # Ajaccio
        ("20137", "2A"),  # Porto-Vecchio
        ("20200", "2B"),  # Bastia
        ("20600", "2B"),
        ("97110", "971"),
        ("97400", "974"),
        ("97600", "976"),
        ("98800", "988"),
    ],
)
def test_the_department_comes_from_the_postal_code(postal_code, department):
    assert department_of_postal_code(postal_code) == department


@pytest.mark.parametrize("postal_code", ["7500", "750011", "00100", "7500A", ""])
def test_a_malformed_postal_code_is_refused(postal_code):
    with pytest.raises(ValueError, match="5 digits"):
        department_of_postal_code(postal_code)

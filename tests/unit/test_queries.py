"""Plain query parsers: what they take, they read as the route's pydantic schema does; the rest is pydantic's."""

from __future__ import annotations

import itertools
import random

import pytest
from pydantic import ValidationError

from passculture.web import queries
from passculture.web.routing import schema

# What a client may send for each parameter: the well-formed, the bounds, and what only pydantic may judge.
CANDIDATES = {
    "limit": ["1", "20", "100", "0", "101", "-1", "05", "+5", " 5", "5 ", "5.0", "1e2", "abc", "", "٣", "1_0"],
    "cursor": ["", "abc", "eyJrIjoxfQ.sig", " x ", "é" * 300],
    "status": [
        *queries.OFFER_STATUSES,
        *queries.OFFERER_STATUSES,
        *queries.BOOKING_STATUSES,
        "",
        "PENDING",
        " pending",
        "nope",
    ],
    "venueId": ["v1", "0b6f3c1e-2d4a-4f7b-8c9e-1a2b3c4d5e6f", "", " v1", "v1 ", "\tv1", "x" * 64, "x" * 65, " "],
    "venue_id": ["v1"],
    "siren": ["123456789", "12345678", "1234567890", "12345678a", " 123456789", "١٢٣٤٥٦٧٨٩", ""],
    "category": [*queries.CATEGORIES, "", "cinema", "NOPE"],
    "from": ["2026-05-01T00:00:00Z", "2026-05-01T00:00:00+02:00", "2026-05-01 00:00:00 02:00", "nope"],
    "from_": ["2026-05-01T00:00:00Z"],
    "to": ["2026-06-01T00:00:00Z", "2025-01-01T00:00:00Z"],
    "format": ["json", "csv", "CSV", "xml", ""],
    "other": ["x"],
}
WELL_FORMED = {"limit": "20", "cursor": "abc", "siren": "123456789", "venueId": "v1", "format": "csv"}


def _pydantic(ref, data):
    try:
        return schema(ref).model_validate(data)
    except ValidationError:
        return None


def _same(ref, data):
    plain = queries.parse(ref, data)
    if plain is None:
        return
    model = _pydantic(ref, data)
    assert model is not None, f"{ref}: the plain parser took {data}, which the schema refuses"
    names = set(schema(ref).model_fields)
    assert vars(plain) == {name: getattr(model, name) for name in names}, f"{ref}: {data}"


@pytest.mark.parametrize("ref", sorted(queries.PLAIN))
def test_each_parser_knows_every_field_of_its_schema(ref):
    model = schema(ref)
    fields = {f.name: f.alias for f in queries.PLAIN[ref].fields}
    assert fields == {name: info.alias or name for name, info in model.model_fields.items()}
    defaults = {f.name: f.default for f in queries.PLAIN[ref].fields}
    assert defaults == {name: info.get_default(call_default_factory=True) for name, info in model.model_fields.items()}


@pytest.mark.parametrize("ref", sorted(queries.PLAIN))
def test_one_parameter_at_a_time_reads_as_the_schema_does(ref):
    for key, values in CANDIDATES.items():
        for value in values:
            _same(ref, {key: value})


@pytest.mark.parametrize("ref", sorted(queries.PLAIN))
def test_mixed_queries_read_as_the_schema_does(ref):
    rng = random.Random(ref)
    keys = sorted(CANDIDATES)
    for size in (2, 3, 4):
        for chosen in itertools.combinations(keys, size):
            _same(ref, {key: rng.choice(CANDIDATES[key]) for key in chosen})


@pytest.mark.parametrize("ref", sorted(queries.PLAIN))
def test_a_well_formed_query_needs_no_pydantic(ref):
    fields = {f.alias for f in queries.PLAIN[ref].fields}
    data = {key: value for key, value in WELL_FORMED.items() if key in fields}
    plain = queries.parse(ref, data)
    assert plain is not None
    _same(ref, data)
    assert queries.parse(ref, {}) is not None  # no query at all: the defaults


def test_a_time_or_an_attribute_name_is_left_to_pydantic():
    assert queries.parse("transactions:TransactionsQuery", {"from": "2026-05-01T00:00:00Z"}) is None
    assert queries.parse("offers:OfferQuery", {"venue_id": "v1"}) is None
    assert queries.parse("offers:OfferQuery", {"limit": "0"}) is None
    assert queries.parse("feed:FeedQuery", {}) is None  # no plain parser: pydantic

"""The feed over the grid's indexes finds exactly the offers a full read would, at any latitude, within its budget."""

from __future__ import annotations

import random

import pytest

from bench.counting import count_dynamodb_calls
from bench.feed_cost import publish_offers, scatter
from passculture.models.base import utcnow
from passculture.models.offers import Offer
from passculture.models.territories import TerritoryItem
from passculture.rules.geo import haversine_km
from passculture.services.booking.feed import QUERY_BUDGET, Candidate, feed, rank

PLACES = {
    "Paris": (48.8566, 2.3522),
    "Cayenne": (4.9224, -52.3135),
    "70 N": (70.0, 23.0),
    "near the pole": (89.7, 10.0),
    "antimeridian": (-16.5, 179.95),
}


def page(lat: float, lng: float, radius: float, **options) -> list[str]:
    options = {"category": None, "include_digital": False, "department": None, "cursor": None, **options}
    items, _ = feed(latitude=lat, longitude=lng, radius_km=radius, limit=1000, **options)
    return [entry.offer.id for entry in items]


def full_read(offers: list[Offer], lat: float, lng: float, radius: float) -> list[str]:
    """What the feed must answer: every offer within the radius, ranked (the table read whole)."""
    candidates = []
    for offer in offers:
        distance = haversine_km(lat, lng, float(offer.latitude), float(offer.longitude))
        if distance <= radius:
            candidates.append(Candidate(offer, distance))
    return [c.offer.id for c in rank(candidates)]


@pytest.mark.parametrize("place", PLACES)
def test_the_feed_finds_every_offer_of_the_circle_and_ranks_them_as_a_full_read(aws, place):
    lat, lng = PLACES[place]
    rng = random.Random(place)
    # Dense near the centre (small radii), sparse out to beyond the coarsest cells of 100 km.
    near, middle, far = (
        scatter((lat, lng), 8, rng, 4),
        scatter((lat, lng), 60, rng, 35),
        scatter((lat, lng), 90, rng, 240),
    )
    publish_offers(near + middle + far, "75")
    offers = list(Offer.scan())  # the test's own full read, not the code under test
    for radius in (1, 5, 7.5, 8, 20, 30, 31, 60, 100):
        expected = full_read(offers, lat, lng, radius)
        assert page(lat, lng, radius) == expected, (place, radius)
    assert len(full_read(offers, lat, lng, 5)) > 0 and len(full_read(offers, lat, lng, 100)) < len(offers)


@pytest.mark.parametrize("place", PLACES)
def test_the_widest_feed_with_digital_offers_and_highlights_stays_within_the_query_budget(aws, place):
    lat, lng = PLACES[place]
    publish_offers(scatter((lat, lng), 30, random.Random(1), 90), "75")
    TerritoryItem("75", "offer#x", highlighted=True, created_at=utcnow()).save()
    with count_dynamodb_calls() as calls:
        ids = page(lat, lng, 100, include_digital=True, department="75")
    assert len(ids) == 30
    assert calls["Query"] <= QUERY_BUDGET and set(calls) == {"Query"}


def test_a_category_filters_the_cells_without_changing_the_rest(aws):
    lat, lng = PLACES["70 N"]
    publish_offers(scatter((lat, lng), 40, random.Random(2), 60), "75")
    offers = list(Offer.scan())
    books = [o for o in offers if o.category == "BOOK"]
    assert page(lat, lng, 50, category="BOOK") == full_read(books, lat, lng, 50) != []


def test_a_dense_cell_costs_one_query_and_its_items_carry_only_what_the_feed_shows(aws):
    from passculture.rules.geo import feed_covering
    from passculture.services.booking.feed import CELL_BUDGET

    lat, lng = PLACES["Paris"]
    publish_offers(scatter((lat, lng), 450, random.Random(3), 1), "75")
    Offer.get(next(iter(Offer.scan())).id).update(actions=[Offer.description.set("Une longue description")])
    _, cells = feed_covering(lat, lng, 1, CELL_BUDGET)
    with count_dynamodb_calls() as calls:
        items, _ = feed(
            latitude=lat,
            longitude=lng,
            radius_km=1,
            category=None,
            include_digital=False,
            department=None,
            limit=1000,
            cursor=None,
        )
    assert len(items) == 450 and calls == {"Query": len(cells)}
    assert {entry.offer.description for entry in items} == {None}  # not projected into the feed's indexes

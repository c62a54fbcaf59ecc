"""/public/offers/v1: the provider's venues, pass Culture's categories, and the access rule (404 when not granted)."""

from __future__ import annotations

import pytest

from passculture.models.venues import Venue
from passculture.rules.partner_categories import EVENT_CATEGORIES, PRODUCT_CATEGORIES
from passculture.vocabulary import CATEGORIES
from tests.api.partners_support import build_partner_scene, make_provider, partners_client, provider_headers
from tests.factories import bearer, make_venue

VENUES = "/public/offers/v1/offerer_venues"


@pytest.fixture
def client(aws):
    yield from partners_client()


@pytest.fixture
def scene(aws):
    scene = build_partner_scene()
    scene.venue.update(actions=[Venue.siret.set(scene.venue.siren + "00017")])
    return scene


def public_id(venue) -> int:
    return int(Venue.get(venue.id).public_id)


def test_offerer_venues_lists_only_the_granted_venues_by_structure(client, scene):
    make_venue(scene.offerer)  # the same structure's, not granted
    answer = client.http.get(VENUES, headers=scene.headers)
    assert answer.status_code == 200, answer.json_body
    [group] = answer.json_body
    assert group["offerer"]["siren"] == scene.offerer.siren and group["offerer"]["name"] == scene.offerer.name
    assert isinstance(group["offerer"]["id"], int) and group["offerer"]["createdDatetime"].endswith("Z")
    [venue] = group["venues"]
    assert venue["id"] == public_id(scene.venue)
    assert venue["publicName"] == scene.venue.name and venue["legalName"] == scene.offerer.name
    assert venue["location"] == {
        "type": "physical",
        "address": scene.venue.address,
        "city": scene.venue.city,
        "postalCode": scene.venue.postal_code,
    }
    assert venue["siret"] == scene.venue.siren + "00017"
    assert (venue["notificationUrl"], venue["bookingUrl"], venue["cancelUrl"]) == (None, None, None)
    by_siren = client.http.get(f"{VENUES}?siren={scene.offerer.siren}", headers=scene.headers)
    assert by_siren.status_code == 200 and len(by_siren.json_body) == 1
    other = client.http.get(f"{VENUES}?siren={scene.other_venue.siren}", headers=scene.headers)
    assert other.status_code == 200 and other.json_body == []


def test_offerer_venues_errors(client, scene):
    bad = client.http.get(f"{VENUES}?siren=12", headers=scene.headers)
    assert bad.status_code == 400 and list(bad.json_body) == ["siren"]
    assert client.http.get(VENUES).status_code == 401
    ungranted = make_provider()
    assert client.http.get(VENUES, headers=provider_headers(ungranted)).json_body == []


def test_a_venue_by_siret_and_its_errors(client, scene):
    siret = scene.venue.siren + "00017"
    answer = client.http.get(f"/public/offers/v1/venues/{siret}", headers=scene.headers)
    assert answer.status_code == 200 and answer.json_body["id"] == public_id(scene.venue)
    bad = client.http.get("/public/offers/v1/venues/123", headers=scene.headers)
    assert bad.status_code == 400 and list(bad.json_body) == ["siret"]
    unknown = client.http.get("/public/offers/v1/venues/99999999999999", headers=scene.headers)
    assert unknown.status_code == 404 and unknown.json_body == {"global": "Venue cannot be found"}
    ungranted = make_provider()
    hidden = client.http.get(f"/public/offers/v1/venues/{siret}", headers=provider_headers(ungranted))
    assert hidden.status_code == 404 and hidden.json_body == {"global": "Venue cannot be found"}
    assert client.http.get(f"/public/offers/v1/venues/{siret}", headers=bearer("nope")).status_code == 401


def test_categories_are_pass_cultures_ids_mapped_onto_the_ten(client, scene):
    events = client.http.get("/public/offers/v1/events/categories", headers=scene.headers)
    assert events.status_code == 200
    assert {c["id"] for c in events.json_body} == set(EVENT_CATEGORIES)
    concert = next(c for c in events.json_body if c["id"] == "CONCERT")
    assert concert == {"id": "CONCERT", "label": "Concert", "conditionalFields": {}}
    products = client.http.get("/public/offers/v1/products/categories", headers=scene.headers)
    assert products.status_code == 200 and {c["id"] for c in products.json_body} == set(PRODUCT_CATEGORIES)
    assert {c["locationType"] for c in products.json_body} == {"PHYSICAL", "DIGITAL"}
    mapped = {c.category for c in EVENT_CATEGORIES.values()} | {c.category for c in PRODUCT_CATEGORIES.values()}
    assert mapped == set(CATEGORIES)
    assert client.http.get("/public/offers/v1/events/categories").status_code == 401

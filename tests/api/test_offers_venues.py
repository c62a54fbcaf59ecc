"""Venues: creation with or without SIRET, the one virtual venue, changes, lists, and who may do what."""

from __future__ import annotations

import pytest

from passculture.models.offers import Offer
from passculture.models.uniques import Unique
from passculture.models.venues import Venue
from passculture.rules.geo import geohash_encode
from tests.api.offers_support import build_scene, offers_api, pending_member
from tests.factories import (
    cells_at,
    feed_cells_of,
    luhn_complete,
    make_member,
    make_offer,
    make_offerer,
    make_stock,
    make_venue,
)


@pytest.fixture
def api(aws):
    yield from offers_api()


@pytest.fixture
def scene(aws):
    return build_scene()


def siret_of(siren: str, establishment: str = "0001") -> str:
    return luhn_complete(siren + establishment)


def place(**over):
    body = {
        "name": "Théâtre du Port",
        "address": "2 quai des Martyrs",
        "postalCode": "20000",
        "city": "Ajaccio",
        "latitude": 41.9192,
        "longitude": 8.7386,
        "bookingEmail": "Billetterie@Theatre.example",
    }
    body.update(over)
    return body


ADMIN = object()


def create(api, scene, body, as_=ADMIN):
    return api.post(f"/offerers/{scene.offerer.siren}/venues", as_=scene.admin if as_ is ADMIN else as_, json=body)


# -- creation --------------------------------------------------------------------


def test_a_member_creates_a_venue_with_its_siret_and_location(api, scene):
    siret = siret_of(scene.offerer.siren)
    answer = create(api, scene, place(siret=siret), as_=scene.editor)
    assert answer.status == 201, answer.body
    venue = answer.body
    assert venue["siret"] == siret and venue["isVirtual"] is False
    assert venue["departmentCode"] == "2A"
    assert venue["bookingEmail"] == "billetterie@theatre.example"
    stored = Venue.get(venue["id"])
    assert stored.geohash == geohash_encode(41.9192, 8.7386)
    assert Unique.get(f"siret#{siret}").target == venue["id"]


def test_a_public_place_has_no_siret(api, scene):
    answer = create(api, scene, place(postalCode="97400", city="Saint-Denis", latitude=-20.88, longitude=55.45))
    assert answer.status == 201, answer.body
    assert answer.body["siret"] is None and answer.body["departmentCode"] == "974"


def test_a_siret_may_be_typed_with_spaces(api, scene):
    siret = siret_of(scene.offerer.siren)
    spaced = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
    answer = create(api, scene, place(siret=spaced))
    assert answer.status == 201 and answer.body["siret"] == siret


@pytest.mark.parametrize(
    ("siret", "message"),
    [("1234", "14 digits"), ("12345678901234", "Luhn"), ("ABCDEFGHIJKLMN", "14 digits")],
)
def test_a_malformed_siret_is_a_400_naming_it(api, scene, siret, message):
    answer = create(api, scene, place(siret=siret))
    assert answer.status == 400
    assert list(answer.body["errors"]) == ["siret"]
    assert message in answer.body["errors"]["siret"][0]


def test_a_siret_of_another_siren_is_a_400(api, scene):
    answer = create(api, scene, place(siret=siret_of(make_offerer().siren)))
    assert answer.status == 400
    assert "starts with its SIREN" in answer.body["errors"]["siret"][0]


def test_a_siret_already_used_is_a_409(api, scene):
    siret = siret_of(scene.offerer.siren)
    assert create(api, scene, place(siret=siret)).status == 201
    again = create(api, scene, place(siret=siret, name="Autre salle"))
    assert again.status == 409
    assert list(again.body["errors"]) == ["siret"]


def test_every_missing_or_bad_field_is_named_at_once(api, scene):
    answer = create(api, scene, {"name": "x" * 141, "siret": "42", "postalCode": "7500", "latitude": 95})
    assert answer.status == 400
    assert set(answer.body["errors"]) == {
        "name",
        "siret",
        "postalCode",
        "latitude",
        "address",
        "city",
        "longitude",
        "bookingEmail",
    }


def test_a_bad_booking_email_is_a_400(api, scene):
    answer = create(api, scene, place(bookingEmail="not-an-email"))
    assert answer.status == 400 and list(answer.body["errors"]) == ["bookingEmail"]


def test_the_first_virtual_venue_is_created_and_a_second_is_a_409(api, aws):
    offerer = make_offerer()
    admin = make_member(offerer)
    first = api.post(f"/offerers/{offerer.siren}/venues", as_=admin, json={"name": "Numérique", "isVirtual": True})
    assert first.status == 201, first.body
    assert first.body["isVirtual"] is True and first.body["address"] is None
    second = api.post(f"/offerers/{offerer.siren}/venues", as_=admin, json={"name": "Encore", "isVirtual": True})
    assert second.status == 409
    assert list(second.body["errors"]) == ["isVirtual"]


def test_a_second_virtual_venue_is_a_409_beside_the_one_signup_made(api, scene):
    answer = create(api, scene, {"name": "Encore du numérique", "isVirtual": True})
    assert answer.status == 409


def test_a_virtual_venue_has_no_siret(api, scene):
    answer = create(api, scene, {"name": "Numérique", "isVirtual": True, "siret": siret_of(scene.offerer.siren)})
    assert answer.status == 400 and list(answer.body["errors"]) == ["siret"]


def test_a_rejected_structure_creates_no_venue(api, aws):
    offerer = make_offerer(status="rejected")
    answer = api.post(f"/offerers/{offerer.siren}/venues", as_=make_member(offerer), json=place())
    assert answer.status == 409


def test_the_team_may_create_a_venue_but_not_for_an_unknown_structure(api, scene):
    assert create(api, scene, place(), as_=scene.team).status == 201
    assert api.post("/offerers/123456782/venues", as_=scene.team, json=place()).status == 404


def test_creating_a_venue_needs_a_member(api, scene):
    assert create(api, scene, place(), as_=None).status == 401
    assert create(api, scene, place(), as_=scene.outsider).status == 404
    assert create(api, scene, place(), as_=pending_member(scene.offerer)).status == 404


# -- reading and listing ---------------------------------------------------------


def test_a_member_reads_a_venue_and_others_do_not_see_it(api, scene):
    path = f"/venues/{scene.venue.id}"
    answer = api.get(path, as_=scene.editor)
    assert answer.status == 200 and answer.body["name"] == scene.venue.name
    assert api.get(path, as_=scene.team).status == 200
    assert api.get(path).status == 401
    assert api.get(path, as_=scene.outsider).status == 404
    assert api.get("/venues/no-such-venue", as_=scene.admin).status == 404


def test_a_structure_lists_its_venues_in_pages(api, scene):
    make_venue(scene.offerer)
    seen, cursor = [], None
    while True:
        suffix = f"&cursor={cursor}" if cursor else ""
        page = api.get(f"/offerers/{scene.offerer.siren}/venues?limit=2{suffix}", as_=scene.admin)
        assert page.status == 200
        seen += [v["id"] for v in page.body["items"]]
        cursor = page.body["nextCursor"]
        if cursor is None:
            break
    assert len(seen) == 3 and len(set(seen)) == 3 and scene.virtual.id in seen


def test_listing_venues_needs_a_member(api, scene):
    path = f"/offerers/{scene.offerer.siren}/venues"
    assert api.get(path).status == 401
    assert api.get(path, as_=scene.outsider).status == 404
    assert api.get(path + "?limit=0", as_=scene.admin).status == 400


# -- changes ---------------------------------------------------------------------


def test_a_member_renames_a_venue(api, scene):
    answer = api.patch(f"/venues/{scene.venue.id}", as_=scene.editor, json={"name": "Grande salle"})
    assert answer.status == 200 and answer.body["name"] == "Grande salle"
    assert Venue.get(scene.venue.id).name == "Grande salle"


def test_a_new_siret_moves_its_guard(api, scene):
    first, second = siret_of(scene.offerer.siren, "0001"), siret_of(scene.offerer.siren, "0002")
    venue = create(api, scene, place(siret=first)).body
    answer = api.patch(f"/venues/{venue['id']}", as_=scene.admin, json={"siret": second})
    assert answer.status == 200 and answer.body["siret"] == second
    assert Unique.get(f"siret#{second}").target == venue["id"]
    # The old SIRET is free again.
    assert create(api, scene, place(siret=first, name="Nouvelle salle")).status == 201


def test_a_siret_can_be_removed(api, scene):
    siret = siret_of(scene.offerer.siren)
    venue = create(api, scene, place(siret=siret)).body
    answer = api.patch(f"/venues/{venue['id']}", as_=scene.admin, json={"siret": None})
    assert answer.status == 200 and answer.body["siret"] is None
    with pytest.raises(Unique.DoesNotExist):
        Unique.get(f"siret#{siret}")


def test_taking_a_siret_already_used_is_a_409(api, scene):
    siret = siret_of(scene.offerer.siren)
    create(api, scene, place(siret=siret))
    answer = api.patch(f"/venues/{scene.venue.id}", as_=scene.admin, json={"siret": siret})
    assert answer.status == 409 and list(answer.body["errors"]) == ["siret"]
    assert Venue.get(scene.venue.id).siret is None


def test_a_venue_that_moves_takes_its_offers_along(api, scene):
    offer = make_offer(scene.venue)
    make_stock(offer)
    answer = api.patch(
        f"/venues/{scene.venue.id}",
        as_=scene.admin,
        json={"postalCode": "69001", "city": "Lyon", "latitude": 45.7676, "longitude": 4.8344},
    )
    assert answer.status == 200 and answer.body["departmentCode"] == "69"
    moved = Offer.get(offer.id)
    assert (moved.latitude, moved.longitude, moved.department_code) == (45.7676, 4.8344, "69")
    assert moved.geohash == geohash_encode(45.7676, 4.8344)
    assert feed_cells_of(moved) == cells_at(45.7676, 4.8344)


def test_a_physical_venue_keeps_its_address(api, scene):
    answer = api.patch(f"/venues/{scene.venue.id}", as_=scene.admin, json={"address": None, "name": None})
    assert answer.status == 400 and set(answer.body["errors"]) == {"address", "name"}


def test_a_virtual_venue_gets_no_address(api, scene):
    answer = api.patch(f"/venues/{scene.virtual.id}", as_=scene.admin, json={"city": "Paris", "latitude": 48.0})
    assert answer.status == 400 and set(answer.body["errors"]) == {"city", "latitude"}


def test_changing_a_venue_needs_a_member(api, scene):
    path = f"/venues/{scene.venue.id}"
    assert api.patch(path, json={"name": "x"}).status == 401
    assert api.patch(path, as_=scene.outsider, json={"name": "x"}).status == 404
    assert api.patch("/venues/nope", as_=scene.admin, json={"name": "x"}).status == 404
    assert api.patch(path, as_=scene.team, json={"name": "Par l'équipe"}).status == 200

"""The routes that set partners up: the team's providers and keys, the providers pros see, venues' grants."""

from __future__ import annotations

import itertools
import re

import pytest
from chalice.test import Client

from infra.catalog import load_app
from passculture.models.providers import Provider
from passculture.models.venues import Venue
from tests.api.accounts_support import send
from tests.api.partners_support import book, make_provider
from tests.factories import auth, bearer, make_member, make_offerer, make_team_user, make_user, make_venue


@pytest.fixture
def partners(aws):
    with Client(load_app("partners")) as c:
        yield c


@pytest.fixture
def offers(aws):
    with Client(load_app("offers")) as c:
        yield c


@pytest.fixture
def team(aws):
    return auth(make_team_user())


def create(partners, team, **body):
    return send(partners, "POST", "/admin/providers", {"name": "Billetterie", **body}, team)


# -- providers --------------------------------------------------------------------------


def test_the_team_registers_a_provider_with_an_integer_id_and_a_hmac_key_shown_once(partners, team):
    response = create(partners, team, logoUrl="https://billetterie.example.org/logo.png")
    assert response.status_code == 201
    body = response.json_body
    assert isinstance(body["id"], int) and 1 <= body["id"] < 2**53
    assert re.fullmatch(r"[0-9a-f]{64}", body["hmacKey"])
    assert body | {"hmacKey": None} == {
        "id": body["id"],
        "name": "Billetterie",
        "logoUrl": "https://billetterie.example.org/logo.png",
        "isActive": True,
        "hmacKey": None,
    }
    assert Provider.get(body["id"]).hmac_key == body["hmacKey"]  # kept to sign, never shown again
    listed = send(partners, "GET", "/admin/providers", headers=team).json_body["providers"]
    assert listed == [{"id": body["id"], "name": "Billetterie", "logoUrl": body["logoUrl"], "isActive": True}]


def test_provider_ids_are_neither_sequential_nor_repeated(partners, team):
    made = [create(partners, team, name=f"P{n}").json_body["id"] for n in range(12)]
    assert len(set(made)) == 12
    steps = {b - a for a, b in itertools.pairwise(made)}
    assert len(steps) > 1 and 1 not in steps


def test_provider_routes_are_the_team_s(partners, team):
    pro = auth(make_user({"pro"}))
    provider_id = create(partners, team).json_body["id"]
    for method, path, body in (
        ("POST", "/admin/providers", {"name": "X"}),
        ("GET", "/admin/providers", None),
        ("PATCH", f"/admin/providers/{provider_id}", {"isActive": False}),
        ("POST", f"/admin/providers/{provider_id}/api-keys", None),
        ("DELETE", f"/admin/providers/{provider_id}/api-keys/test_000000000000", None),
    ):
        assert send(partners, method, path, body, pro).status_code == 403, path
        assert send(partners, method, path, body, {}).status_code == 401, path
    assert Provider.get(provider_id).is_active


def test_a_provider_needs_a_name_and_a_real_logo_url(partners, team):
    response = send(partners, "POST", "/admin/providers", {"logoUrl": "javascript:alert(1)"}, team)
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == {"name", "logoUrl"}


def test_patch_renames_and_deactivates_and_unknown_is_404(partners, team):
    provider_id = create(partners, team).json_body["id"]
    response = send(partners, "PATCH", f"/admin/providers/{provider_id}", {"name": "Nouveau", "isActive": False}, team)
    assert response.status_code == 200
    assert response.json_body == {"id": provider_id, "name": "Nouveau", "logoUrl": None, "isActive": False}
    for unknown in ("1", "abc", "99999999999999999999"):
        assert send(partners, "PATCH", f"/admin/providers/{unknown}", {"name": "X"}, team).status_code == 404


def test_keys_have_the_documented_format_and_revoking_is_401_at_once(partners, team, aws):
    scene_provider = make_provider(make_venue(make_offerer()))
    provider_id = scene_provider.id
    response = send(partners, "POST", f"/admin/providers/{provider_id}/api-keys", headers=team)
    assert response.status_code == 201
    key, prefix = response.json_body["key"], response.json_body["prefix"]
    assert re.fullmatch(r"test_[0-9a-f]{12}_[0-9a-f]{64}", key) and key.startswith(prefix + "_")
    listing = "/public/bookings/v1/bookings?venueId=1"
    assert partners.http.get(listing, headers=bearer(key)).status_code == 404  # known key, unknown venue
    revoke = f"/admin/providers/{provider_id}/api-keys/{prefix}"
    assert send(partners, "DELETE", revoke, headers=team).status_code == 204
    answer = partners.http.get(listing, headers=bearer(key))
    assert (answer.status_code, answer.json_body) == (401, {"auth": "API key required"})
    assert send(partners, "DELETE", revoke, headers=team).status_code == 204  # twice is harmless
    other = make_provider()
    assert send(partners, "DELETE", f"/admin/providers/{other.id}/api-keys/{prefix}", headers=team).status_code == 404
    assert send(partners, "POST", "/admin/providers/12345/api-keys", headers=team).status_code == 404


def test_pros_list_the_active_providers_only(partners, team):
    active = create(partners, team, name="Active").json_body["id"]
    inactive = create(partners, team, name="Endormi").json_body["id"]
    send(partners, "PATCH", f"/admin/providers/{inactive}", {"isActive": False}, team)
    response = send(partners, "GET", "/providers", headers=auth(make_user({"pro"})))
    assert response.status_code == 200
    assert response.json_body == {"providers": [{"id": active, "name": "Active", "logoUrl": None}]}
    assert send(partners, "GET", "/providers", headers=auth(make_user({"young"}))).status_code == 403
    assert send(partners, "GET", "/providers").status_code == 401


# -- grants ---------------------------------------------------------------------------------


def test_an_admin_grants_lists_and_withdraws_a_provider(offers, partners):
    offerer = make_offerer()
    venue = make_venue(offerer)
    admin = auth(make_member(offerer))
    provider = make_provider()
    path = f"/venues/{venue.id}/partners"
    response = send(offers, "POST", path, {"providerId": provider.id}, admin)
    assert response.status_code == 201
    assert response.json_body["provider"] == {"id": provider.id, "name": "Billetterie", "logoUrl": None}
    assert Venue.get(venue.id).public_id is not None  # the venue has its integer id from its first grant
    again = send(offers, "POST", path, {"providerId": provider.id}, admin)
    assert again.status_code == 409
    editor = auth(make_member(offerer, role="editor"))
    listed = send(offers, "GET", path, headers=editor).json_body["partners"]
    assert [p["provider"]["id"] for p in listed] == [provider.id]
    venue_filter = f"/public/bookings/v1/bookings?venueId={Venue.get(venue.id).public_id}"
    assert partners.http.get(venue_filter, headers=bearer(provider.key)).status_code == 200
    assert send(offers, "DELETE", f"{path}/{provider.id}", headers=admin).status_code == 204
    assert send(offers, "GET", path, headers=editor).json_body == {"partners": []}
    answer = partners.http.get(venue_filter, headers=bearer(provider.key))
    assert (answer.status_code, answer.json_body) == (404, {"venueId": "we could not find this venue"})
    assert send(offers, "DELETE", f"{path}/{provider.id}", headers=admin).status_code == 404


def test_grants_are_for_the_structure_s_admins(offers):
    offerer = make_offerer()
    venue = make_venue(offerer)
    provider = make_provider()
    path = f"/venues/{venue.id}/partners"
    editor = auth(make_member(offerer, role="editor"))
    stranger = auth(make_member(make_offerer()))
    assert send(offers, "POST", path, {"providerId": provider.id}, editor).status_code == 403
    assert send(offers, "POST", path, {"providerId": provider.id}, stranger).status_code == 404
    assert send(offers, "GET", path, headers=stranger).status_code == 404
    admin = auth(make_member(offerer))
    assert send(offers, "POST", path, {"providerId": provider.id}, admin).status_code == 201
    assert send(offers, "DELETE", f"{path}/{provider.id}", headers=editor).status_code == 403
    assert send(offers, "DELETE", f"{path}/{provider.id}", headers=stranger).status_code == 404


def test_granting_an_unknown_or_inactive_provider_is_404_and_a_bad_id_400(offers, team, partners):
    offerer = make_offerer()
    venue = make_venue(offerer)
    admin = auth(make_member(offerer))
    path = f"/venues/{venue.id}/partners"
    assert send(offers, "POST", path, {"providerId": 424242}, admin).status_code == 404
    inactive = create(partners, team).json_body["id"]
    send(partners, "PATCH", f"/admin/providers/{inactive}", {"isActive": False}, team)
    assert send(offers, "POST", path, {"providerId": inactive}, admin).status_code == 404
    for bad in ({}, {"providerId": "12"}, {"providerId": 0}, {"providerId": 2**53}):
        response = send(offers, "POST", path, bad, admin)
        assert response.status_code == 400 and "providerId" in response.json_body["errors"], bad


def test_a_withdrawn_provider_s_bookings_vanish_but_they_stay_the_structure_s(offers, partners, aws):
    from tests.api.partners_support import build_partner_scene

    scene = build_partner_scene()
    booking = book(scene)
    admin = auth(make_member(scene.offerer))
    token_path = f"/public/bookings/v1/token/{booking.token}"
    assert partners.http.get(token_path, headers=scene.headers).status_code == 200
    assert (
        send(offers, "DELETE", f"/venues/{scene.venue.id}/partners/{scene.provider.id}", headers=admin).status_code
        == 204
    )
    assert partners.http.get(token_path, headers=scene.headers).status_code == 404


def test_a_venue_s_older_bookings_get_their_ids_when_it_is_granted(offers, partners):
    """Bookings made before integer ids existed join the partner's list once the venue is granted (a job)."""
    from passculture.models.bookings import Booking
    from tests.api.partners_support import build_partner_scene

    scene = build_partner_scene()
    older = [book(scene) for _ in range(3)]
    assert all(Booking.get(b.token).public_id is None for b in older)
    newcomer = make_provider()
    admin = auth(make_member(scene.offerer))
    path = f"/venues/{scene.venue.id}/partners"
    assert send(offers, "POST", path, {"providerId": newcomer.id}, admin).status_code == 201
    given = {int(Booking.get(b.token).public_id) for b in older}
    venue_id = Venue.get(scene.venue.id).public_id
    listed = partners.http.get(f"/public/bookings/v1/bookings?venueId={venue_id}", headers=bearer(newcomer.key))
    assert {b["id"] for b in listed.json_body["bookings"]} == given
    assert all(b["offerId"] and b["stockId"] and b["venueId"] == venue_id for b in listed.json_body["bookings"])

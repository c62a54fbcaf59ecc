"""A structure admin creates, lists and revokes the structure's API keys."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from chalice.test import Client

from infra.catalog import load_app
from passculture.models.api_keys import ApiKey
from passculture.models.base import utcnow
from passculture.services.accounts.auth import sha256_hex
from tests.factories import (
    auth,
    basic_auth,
    bearer,
    make_api_key,
    make_booking,
    make_member,
    make_offer,
    make_offerer,
    make_stock,
    make_venue,
    make_young,
)


@pytest.fixture
def client(aws):
    with Client(load_app("countermarks")) as c:
        yield c


@pytest.fixture
def offerer(aws):
    return make_offerer()


@pytest.fixture
def admin(offerer):
    return make_member(offerer, role="admin")


def create(client, siren, headers):
    return client.http.post(f"/offerers/{siren}/api-keys", headers=headers, body=b"")


def test_a_new_key_is_shown_once_stored_hashed_and_works_at_once(client, offerer, admin):
    response = create(client, offerer.siren, auth(admin))
    assert response.status_code == 201
    key, prefix = response.json_body["apiKey"], response.json_body["prefix"]
    stored = ApiKey.get(prefix)
    assert (stored.siren, stored.secret_hash) == (offerer.siren, sha256_hex(key))
    assert key not in json.dumps(stored.attribute_values, default=str)
    venue = make_venue(offerer)
    offer = make_offer(venue)
    booking = make_booking(make_stock(offer, begins_at=utcnow() + timedelta(hours=1)), offer, venue, make_young())
    assert client.http.get(f"/v2/bookings/token/{booking.token}", headers=bearer(key)).status_code == 200


def test_the_list_shows_prefix_and_dates_never_the_key(client, offerer, admin):
    key = create(client, offerer.siren, auth(admin)).json_body
    response = client.http.get(f"/offerers/{offerer.siren}/api-keys", headers=auth(admin))
    assert response.status_code == 200
    [item] = response.json_body["items"]
    assert set(item) == {"prefix", "createdAt", "lastUsedAt"}
    assert item["prefix"] == key["prefix"]
    assert item["lastUsedAt"] is None
    assert key["apiKey"] not in response.body.decode()


def test_last_used_at_shows_once_the_key_is_used(client, offerer, admin):
    key, _ = make_api_key(offerer)
    client.http.get("/v2/bookings/token/ZZZZZZ", headers=bearer(key))  # a 404 is not a use
    venue = make_venue(offerer)
    offer = make_offer(venue)
    booking = make_booking(make_stock(offer, begins_at=utcnow() + timedelta(hours=1)), offer, venue, make_young())
    listed = client.http.get(f"/offerers/{offerer.siren}/api-keys", headers=auth(admin)).json_body["items"]
    assert listed[0]["lastUsedAt"] is None
    client.http.get(f"/v2/bookings/token/{booking.token}", headers=bearer(key))
    listed = client.http.get(f"/offerers/{offerer.siren}/api-keys", headers=auth(admin)).json_body["items"]
    assert listed[0]["lastUsedAt"] is not None


def test_a_revoked_key_gets_401_at_once_and_leaves_the_list(client, offerer, admin):
    key = create(client, offerer.siren, auth(admin)).json_body
    venue = make_venue(offerer)
    offer = make_offer(venue)
    booking = make_booking(make_stock(offer, begins_at=utcnow() + timedelta(hours=1)), offer, venue, make_young())
    path = f"/v2/bookings/token/{booking.token}"
    assert client.http.get(path, headers=bearer(key["apiKey"])).status_code == 200
    response = client.http.delete(f"/offerers/{offerer.siren}/api-keys/{key['prefix']}", headers=auth(admin))
    assert response.status_code == 204
    assert client.http.get(path, headers=bearer(key["apiKey"])).status_code == 401
    assert client.http.get(f"/offerers/{offerer.siren}/api-keys", headers=auth(admin)).json_body["items"] == []
    again = client.http.delete(f"/offerers/{offerer.siren}/api-keys/{key['prefix']}", headers=auth(admin))
    assert again.status_code == 204


def test_at_most_five_live_keys_and_revoking_one_frees_a_place(client, offerer, admin):
    prefixes = [create(client, offerer.siren, auth(admin)).json_body["prefix"] for _ in range(5)]
    response = create(client, offerer.siren, auth(admin))
    assert response.status_code == 409
    assert set(response.json_body["errors"]) == {"apiKey"}
    client.http.delete(f"/offerers/{offerer.siren}/api-keys/{prefixes[0]}", headers=auth(admin))
    client.http.delete(f"/offerers/{offerer.siren}/api-keys/{prefixes[0]}", headers=auth(admin))  # no double credit
    assert create(client, offerer.siren, auth(admin)).status_code == 201
    assert create(client, offerer.siren, auth(admin)).status_code == 409


def test_editors_get_403_and_outsiders_404(client, offerer, admin):
    prefix = create(client, offerer.siren, auth(admin)).json_body["prefix"]
    editor = make_member(offerer, role="editor")
    outsider = make_member(make_offerer())
    for who, status in ((editor, 403), (outsider, 404)):
        assert create(client, offerer.siren, auth(who)).status_code == status
        assert client.http.get(f"/offerers/{offerer.siren}/api-keys", headers=auth(who)).status_code == status
        path = f"/offerers/{offerer.siren}/api-keys/{prefix}"
        assert client.http.delete(path, headers=auth(who)).status_code == status
    assert ApiKey.get(prefix).revoked_at is None


def test_another_structures_key_or_an_unknown_prefix_is_404(client, offerer, admin):
    other = make_offerer()
    _, foreign = make_api_key(other)
    for prefix in (foreign.prefix, "0badc0de", "not-a-prefix"):
        response = client.http.delete(f"/offerers/{offerer.siren}/api-keys/{prefix}", headers=auth(admin))
        assert response.status_code == 404
    assert ApiKey.get(foreign.prefix).revoked_at is None


def test_anonymous_api_key_and_basic_callers_get_401(client, offerer, admin):
    key, _ = make_api_key(offerer)
    for headers in ({}, bearer(key), basic_auth(admin.email)):
        assert create(client, offerer.siren, headers).status_code == 401
        assert client.http.get(f"/offerers/{offerer.siren}/api-keys", headers=headers).status_code == 401

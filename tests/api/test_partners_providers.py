"""/public/providers/v1: the provider's URLs and its venues', their checks, and the access rule."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

from infra.catalog import load_app
from passculture.models.providers import Provider
from passculture.models.venue_providers import VenueProvider
from passculture.models.venues import Venue
from passculture.services.partners import providers
from tests.api.partners_support import build_partner_scene, make_provider, provider_headers, team_principal
from tests.factories import make_offerer, make_venue

PROVIDER = "/public/providers/v1/provider"
BOTH = "`bookingUrl` and `cancelUrl` must be both set or both unset"
NOTIFY = "https://billetterie.example.org/notify"
BOOK = "https://billetterie.example.org/book"
CANCEL = "https://billetterie.example.org/cancel"


@pytest.fixture
def client(aws):
    with Client(load_app("partners")) as c:
        yield c


@pytest.fixture
def scene(aws):
    return build_partner_scene()


def patch(client, path, body, headers):
    return client.http.patch(path, body=json.dumps(body), headers={"Content-Type": "application/json", **headers})


def venue_path(venue) -> str:
    return f"/public/providers/v1/venues/{int(Venue.get(venue.id).public_id)}"


def grant_of(scene) -> VenueProvider:
    return VenueProvider.get(scene.venue.id, scene.provider.id, consistent_read=True)


# -- GET and PATCH the provider -------------------------------------------------------


def test_get_shows_the_calling_provider_without_urls_at_first(client, scene):
    answer = client.http.get(PROVIDER, headers=scene.headers)
    assert answer.status_code == 200
    assert answer.json_body == {
        "id": scene.provider.id,
        "name": "Billetterie",
        "logoUrl": None,
        "notificationUrl": None,
        "bookingUrl": None,
        "cancelUrl": None,
    }


def test_patch_sets_the_urls_sent_and_keeps_the_others(client, scene):
    answer = patch(client, PROVIDER, {"notificationUrl": NOTIFY}, scene.headers)
    assert answer.status_code == 200
    assert answer.json_body["notificationUrl"] == NOTIFY
    answer = patch(client, PROVIDER, {"bookingUrl": BOOK, "cancelUrl": CANCEL}, scene.headers)
    assert answer.status_code == 200
    assert (answer.json_body["notificationUrl"], answer.json_body["bookingUrl"], answer.json_body["cancelUrl"]) == (
        NOTIFY,
        BOOK,
        CANCEL,
    )
    again = client.http.get(PROVIDER, headers=scene.headers).json_body
    assert again == answer.json_body
    # null unsets; the pair may be changed one at a time while both stay set
    answer = patch(client, PROVIDER, {"notificationUrl": None, "cancelUrl": CANCEL + "/v2"}, scene.headers)
    assert answer.status_code == 200
    assert answer.json_body["notificationUrl"] is None
    assert answer.json_body["cancelUrl"] == CANCEL + "/v2"
    stored = Provider.get(scene.provider.id, consistent_read=True)
    assert (stored.notification_url, stored.booking_url, stored.cancel_url) == (None, BOOK, CANCEL + "/v2")


@pytest.mark.parametrize(
    ("before", "body"),
    [
        ({}, {"bookingUrl": BOOK}),
        ({}, {"cancelUrl": CANCEL}),
        ({}, {"bookingUrl": BOOK, "cancelUrl": None}),
        ({"bookingUrl": BOOK, "cancelUrl": CANCEL}, {"cancelUrl": None}),
        ({"bookingUrl": BOOK, "cancelUrl": CANCEL}, {"bookingUrl": None, "cancelUrl": CANCEL}),
    ],
)
def test_booking_and_cancel_urls_go_together(client, scene, before, body):
    if before:
        assert patch(client, PROVIDER, before, scene.headers).status_code == 200
    answer = patch(client, PROVIDER, body, scene.headers)
    assert answer.status_code == 400
    assert answer.json_body == {"bookingUrl": [BOTH], "cancelUrl": [BOTH]}
    stored = Provider.get(scene.provider.id, consistent_read=True)
    assert (stored.booking_url, stored.cancel_url) == (before.get("bookingUrl"), before.get("cancelUrl"))


def test_both_unset_together_is_fine(client, scene):
    patch(client, PROVIDER, {"bookingUrl": BOOK, "cancelUrl": CANCEL}, scene.headers)
    answer = patch(client, PROVIDER, {"bookingUrl": None, "cancelUrl": None}, scene.headers)
    assert answer.status_code == 200
    assert (answer.json_body["bookingUrl"], answer.json_body["cancelUrl"]) == (None, None)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://billetterie.example.org/notify", "Only https addresses can be called"),
        ("https://billetterie.example.org:8443/x", "Only the standard port of https (443) is allowed in an address"),
        ("https://user:secret@billetterie.example.org/notify", "Addresses with a user name or password are refused"),
        ("ftp://billetterie.example.org/notify", "Only https addresses can be called"),
        ("not a url", "The address is not a valid URL"),
        ("billetterie.example.org/notify", "Only https addresses can be called"),
        ("", "The address is empty"),
    ],
)
def test_a_url_is_checked_as_a_feed_address(client, scene, url, message):
    answer = patch(client, PROVIDER, {"notificationUrl": url}, scene.headers)
    assert answer.status_code == 400
    assert answer.json_body == {"notificationUrl": [message]}
    assert Provider.get(scene.provider.id, consistent_read=True).notification_url is None


def test_a_private_address_is_refused(client, scene):
    # An IP literal needs no DNS: the address guards refuse it at once.
    answer = patch(client, PROVIDER, {"notificationUrl": "https://169.254.169.254/latest"}, scene.headers)
    assert answer.status_code == 400
    assert "private or local network address" in answer.json_body["notificationUrl"][0]


def test_every_bad_field_is_named(client, scene):
    body = {"notificationUrl": "http://x.example", "bookingUrl": "ftp://y", "cancelUrl": CANCEL, "colour": "red"}
    answer = patch(client, PROVIDER, body, scene.headers)
    assert answer.status_code == 400
    assert set(answer.json_body) == {"notificationUrl", "bookingUrl", "colour"}
    assert answer.json_body["colour"] == ["extra fields not permitted"]


def test_invalid_json_is_a_flat_400(client, scene):
    headers = {"Content-Type": "application/json", **scene.headers}
    answer = client.http.patch(PROVIDER, body=b"{not json", headers=headers)
    assert answer.status_code == 400
    assert list(answer.json_body) == ["global"]


# -- authentication ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PATCH provider", "PATCH venue"])
def test_no_key_or_an_inactive_provider(client, scene, method):
    def send(headers):
        if method == "GET":
            return client.http.get(PROVIDER, headers=headers)
        path = PROVIDER if method == "PATCH provider" else venue_path(scene.venue)
        return patch(client, path, {"notificationUrl": NOTIFY}, headers)

    answer = send({})
    assert (answer.status_code, answer.json_body) == (401, {"auth": "API key required"})
    providers.revoke_key(team_principal(), scene.provider.id, scene.provider.prefix)
    assert send(scene.headers).status_code == 401
    other = make_provider(scene.venue, name="Autre")
    providers.update_provider(team_principal(), other.id, _Patch(is_active=False))
    answer = send(provider_headers(other))
    assert (answer.status_code, answer.json_body) == (403, {"auth": ["Inactive provider"]})
    assert VenueProvider.get(scene.venue.id, other.id).notification_url is None
    assert Provider.get(other.id).notification_url is None


class _Patch:
    def __init__(self, **fields):
        self.__dict__.update(fields)
        self.model_fields_set = set(fields)


# -- a venue's URLs --------------------------------------------------------------------


def test_a_granted_venue_gets_its_own_urls_on_its_grant(client, scene):
    body = {"notificationUrl": NOTIFY + "/venue", "bookingUrl": BOOK, "cancelUrl": CANCEL}
    answer = patch(client, venue_path(scene.venue), body, scene.headers)
    assert answer.status_code == 204
    grant = grant_of(scene)
    assert (grant.notification_url, grant.booking_url, grant.cancel_url) == (NOTIFY + "/venue", BOOK, CANCEL)
    # The provider's own URLs are not touched
    assert client.http.get(PROVIDER, headers=scene.headers).json_body["notificationUrl"] is None
    answer = patch(client, venue_path(scene.venue), {"notificationUrl": None}, scene.headers)
    assert answer.status_code == 204
    assert grant_of(scene).notification_url is None
    assert grant_of(scene).booking_url == BOOK


def test_a_venue_not_granted_or_unknown_is_404(client, scene):
    not_found = {"global": "Venue cannot be found"}
    from passculture.services.partners import ids

    other = make_venue(make_offerer())
    ids.ensure(Venue.get(other.id), "venue")  # it has an integer id (granted to someone else, say)
    for path in (venue_path(other), "/public/providers/v1/venues/123", "/public/providers/v1/venues/abc"):
        answer = patch(client, path, {"notificationUrl": NOTIFY}, scene.headers)
        assert (answer.status_code, answer.json_body) == (404, not_found), path
    # the offer's integer id is no venue's
    offer_id = ids.ensure(scene.offer, "offer")
    answer = patch(client, f"/public/providers/v1/venues/{offer_id}", {"notificationUrl": NOTIFY}, scene.headers)
    assert answer.status_code == 404


def test_another_provider_granted_the_same_venue_has_its_own_urls(client, scene):
    other = make_provider(scene.venue, name="Autre")
    assert patch(client, venue_path(scene.venue), {"notificationUrl": NOTIFY}, scene.headers).status_code == 204
    assert VenueProvider.get(scene.venue.id, other.id).notification_url is None


def test_a_withdrawn_grant_is_404_and_takes_its_urls(client, scene):
    from passculture.services.accounts.auth import load_principal
    from passculture.services.partners import grants
    from tests.factories import make_member

    path = venue_path(scene.venue)
    assert patch(client, path, {"notificationUrl": NOTIFY}, scene.headers).status_code == 204
    admin = load_principal(make_member(scene.offerer).id)
    grants.withdraw(admin, scene.venue.id, scene.provider.id)
    answer = patch(client, path, {"notificationUrl": NOTIFY}, scene.headers)
    assert (answer.status_code, answer.json_body) == (404, {"global": "Venue cannot be found"})
    grants.grant(admin, scene.venue.id, scene.provider.id)
    assert grant_of(scene).notification_url is None


@pytest.mark.parametrize("body", [{"bookingUrl": BOOK}, {"cancelUrl": CANCEL}, {"bookingUrl": BOOK, "cancelUrl": None}])
def test_a_venue_keeps_its_pair_together(client, scene, body):
    answer = patch(client, venue_path(scene.venue), body, scene.headers)
    assert (answer.status_code, answer.json_body) == (400, {"bookingUrl": [BOTH], "cancelUrl": [BOTH]})
    assert (grant_of(scene).booking_url, grant_of(scene).cancel_url) == (None, None)


def test_a_venue_pair_may_change_one_url_at_a_time(client, scene):
    path = venue_path(scene.venue)
    assert patch(client, path, {"bookingUrl": BOOK, "cancelUrl": CANCEL}, scene.headers).status_code == 204
    assert patch(client, path, {"cancelUrl": CANCEL + "/2"}, scene.headers).status_code == 204
    answer = patch(client, path, {"cancelUrl": None}, scene.headers)
    assert (answer.status_code, answer.json_body) == (400, {"bookingUrl": [BOTH], "cancelUrl": [BOTH]})
    assert (grant_of(scene).booking_url, grant_of(scene).cancel_url) == (BOOK, CANCEL + "/2")


def test_a_venue_url_is_checked(client, scene):
    answer = patch(client, venue_path(scene.venue), {"notificationUrl": "https://10.0.0.1/x"}, scene.headers)
    assert answer.status_code == 400
    assert "private or local network address" in answer.json_body["notificationUrl"][0]


def test_the_provider_routes_count_against_the_keys_minute(client, scene, monkeypatch):
    from passculture.services.countermarks import v2
    from passculture.services.partners import bookings as partner_bookings

    minute = 1_800_000_000
    monkeypatch.setattr(v2, "_now", lambda: minute + 10)
    monkeypatch.setattr(partner_bookings, "key_limit", lambda: v2.ratelimit.Limit("partner-key", 3, 60))
    assert client.http.get(PROVIDER, headers=scene.headers).status_code == 200
    assert patch(client, PROVIDER, {"notificationUrl": NOTIFY}, scene.headers).status_code == 200
    assert patch(client, venue_path(scene.venue), {"notificationUrl": NOTIFY}, scene.headers).status_code == 204
    for answer in (
        client.http.get(PROVIDER, headers=scene.headers),
        patch(client, PROVIDER, {"notificationUrl": None}, scene.headers),
        patch(client, venue_path(scene.venue), {"notificationUrl": None}, scene.headers),
    ):
        assert answer.status_code == 429 and int(answer.headers["Retry-After"]) >= 1
        assert list(answer.json_body) == ["global"]
    assert Provider.get(scene.provider.id).notification_url == NOTIFY


@pytest.mark.parametrize("url", ["https://127.0.0.1/notify", "http://127.0.0.1:8123/notify", "https://[::1]/x"])
def test_the_local_machine_is_refused_unless_allowed_as_under_make_run(client, scene, monkeypatch, url):
    from dataclasses import replace

    from passculture.adapters import feeds

    answer = patch(client, PROVIDER, {"notificationUrl": url}, scene.headers)
    assert answer.status_code == 400, answer.json_body
    real = feeds.get_settings()
    monkeypatch.setattr(feeds, "get_settings", lambda: replace(real, import_allowed_hosts=("127.0.0.1", "::1")))
    answer = patch(client, PROVIDER, {"notificationUrl": url}, scene.headers)
    assert (answer.status_code, answer.json_body["notificationUrl"]) == (200, url)

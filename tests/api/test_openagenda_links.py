"""The openagenda function's routes: a venue's agenda links, their imports, who may see them."""

from __future__ import annotations

import pytest
from chalice.test import Client

from infra.catalog import load_app
from tests.api.offers_support import Api, build_scene
from tests.factories import make_member, make_offerer, make_venue
from tests.imports_support import Event, allow_local_feeds, days_ahead, ics


@pytest.fixture
def scene(aws):
    return build_scene()


@pytest.fixture
def api(aws):
    with Client(load_app("openagenda")) as client:
        yield Api(client)


@pytest.fixture
def feed(httpserver, monkeypatch):
    """A local feed server allowed as the local runner allows it; ``feed(path, body)`` serves and gives the URL."""
    allow_local_feeds(monkeypatch, openagenda=f"http://127.0.0.1:{httpserver.port}")

    def serve(path: str, body: bytes, **options) -> str:
        httpserver.expect_request(path).respond_with_data(body, content_type="text/calendar", **options)
        return f"http://127.0.0.1:{httpserver.port}{path}"

    return serve


def links(scene) -> str:
    return f"/venues/{scene.venue.id}/providers"


AGENDA = ics(
    Event("jazz@agenda", starts=[days_ahead(3), days_ahead(10)]),
    Event("expo@agenda", summary="Exposition de printemps", categories="Exposition", starts=[days_ahead(5)]),
)


# -- creating a link -----------------------------------------------------------------


def test_an_ics_link_is_created_syncing_and_its_first_import_runs_on_its_own(api, scene, feed, jobs):
    url = feed("/agenda.ics", AGENDA)
    answer = api.post(links(scene), as_=scene.admin, json={"provider": "ics", "url": url, "defaultPriceCents": 500})
    assert answer.status == 201
    link = answer.body
    assert (link["provider"], link["url"], link["status"], link["agendaId"]) == ("ics", url, "syncing", None)
    assert (link["defaultPriceCents"], link["defaultQuantity"], link["lastReport"]) == (500, None, None)
    assert [(f, e["job"]) for f, e in jobs.pending] == [("openagenda", "agenda-import")]
    jobs.run()
    (listed,) = api.get(links(scene), as_=scene.admin).body["items"]
    assert listed["status"] == "ok" and listed["lastError"] is None and listed["lastSyncAt"]
    assert listed["lastReport"] == {
        "created": 2,
        "updated": 0,
        "removed": 0,
        "unchanged": 0,
        "occurrences": 3,
        "rejected": [],
    }


def test_an_openagenda_link_takes_the_agenda_id_from_a_pasted_export_address(api, scene, feed):
    feed("/agendas/47826291/events.v2.ics", AGENDA)
    pasted = "https://openagenda.com/agendas/47826291/events.ics?lang=fr&relative[]=upcoming"
    answer = api.post(links(scene), as_=scene.editor, json={"provider": "openagenda", "agendaId": pasted})
    assert answer.status == 201
    assert (answer.body["agendaId"], answer.body["url"]) == ("47826291", None)
    (listed,) = api.get(links(scene), as_=scene.editor).body["items"]
    assert listed["status"] == "ok" and listed["lastReport"]["created"] == 2


def test_the_same_feed_twice_on_a_venue_is_a_409_in_any_spelling(api, scene, feed):
    feed("/agendas/47826291/events.v2.ics", AGENDA)
    first = api.post(links(scene), as_=scene.admin, json={"provider": "openagenda", "agendaId": "47826291"})
    assert first.status == 201
    again = api.post(
        links(scene), as_=scene.admin, json={"provider": "openagenda", "agendaId": "https://x.test/agendas/047826291"}
    )
    assert again.status == 409 and "agendaId" in again.body["errors"]
    url = feed("/agenda.ics", AGENDA)
    assert api.post(links(scene), as_=scene.admin, json={"provider": "ics", "url": url}).status == 201
    shouted = url.replace("http://127.0.0.1", "HTTP://127.0.0.1") + "#today"
    twice = api.post(links(scene), as_=scene.admin, json={"provider": "ics", "url": shouted})
    assert twice.status == 409 and "url" in twice.body["errors"]
    other_venue = make_venue(scene.offerer)
    assert (
        api.post(f"/venues/{other_venue.id}/providers", as_=scene.admin, json={"provider": "ics", "url": url}).status
        == 201
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"provider": "openagenda", "agendaId": "not an agenda"}, "agendaId"),
        ({"provider": "openagenda", "agendaId": "0"}, "agendaId"),
        ({"provider": "openagenda"}, "agendaId"),
        ({"provider": "ics"}, "url"),
        ({"provider": "ics", "url": "ftp://agenda.example.org/feed.ics"}, "url"),
        ({"provider": "ics", "url": "https://user:secret@agenda.example.org/feed.ics"}, "url"),
        ({"provider": "ics", "url": "https://agenda.example.org:8443/feed.ics"}, "url"),
        ({"provider": "ics", "url": "not a url"}, "url"),
        ({"provider": "eventbrite", "url": "https://agenda.example.org/feed.ics"}, "provider"),
        ({"provider": "ics", "url": "https://agenda.example.org/a.ics", "defaultPriceCents": -1}, "defaultPriceCents"),
        ({"provider": "ics", "url": "https://agenda.example.org/a.ics", "defaultQuantity": -5}, "defaultQuantity"),
        ({"provider": "ics", "url": "https://agenda.example.org/a.ics", "defaultCategory": "OPERA"}, "defaultCategory"),
    ],
)
def test_a_bad_agenda_id_url_or_default_is_a_400_naming_it(api, scene, body, field):
    answer = api.post(links(scene), as_=scene.admin, json=body)
    assert answer.status == 400
    assert field in answer.body["errors"]
    assert api.get(links(scene), as_=scene.admin).body["items"] == []


def test_a_digital_venue_cannot_link_an_agenda(api, scene):
    body = {"provider": "openagenda", "agendaId": "47826291"}
    answer = api.post(f"/venues/{scene.virtual.id}/providers", as_=scene.admin, json=body)
    assert answer.status == 400 and "digital" in answer.body["errors"]["global"][0]


def test_a_rejected_structure_cannot_link_an_agenda(api, aws):
    offerer = make_offerer(status="rejected")
    venue, admin = make_venue(offerer), make_member(offerer)
    answer = api.post(f"/venues/{venue.id}/providers", as_=admin, json={"provider": "openagenda", "agendaId": "1"})
    assert answer.status == 409


# -- who may see a venue's links -----------------------------------------------------


def test_another_structures_member_gets_the_404_of_an_unknown_venue_everywhere(api, scene, feed):
    url = feed("/agenda.ics", AGENDA)
    link = api.post(links(scene), as_=scene.admin, json={"provider": "ics", "url": url}).body
    outsider = scene.outsider
    body = {"provider": "ics", "url": "https://agenda.example.org/other.ics"}
    unknown = api.post("/venues/no-such-venue/providers", as_=scene.admin, json=body)
    assert unknown.status == 404
    for answer in (
        api.post(links(scene), as_=outsider, json=body),
        api.get(links(scene), as_=outsider),
        api.post(f"{links(scene)}/{link['id']}/sync", as_=outsider),
        api.delete(f"{links(scene)}/{link['id']}", as_=outsider),
    ):
        assert answer.status == 404
        assert answer.body == unknown.body
    (kept,) = api.get(links(scene), as_=scene.admin).body["items"]
    assert kept["id"] == link["id"]


def test_a_pending_member_sees_nothing(api, scene):
    pending = make_member(scene.offerer, status="pending")
    assert api.get(links(scene), as_=pending).status == 404


def test_the_routes_need_a_signed_in_user(api, scene):
    assert api.get(links(scene)).status == 401
    assert api.post(links(scene), json={"provider": "openagenda", "agendaId": "1"}).status == 401


def test_an_unknown_link_is_a_404(api, scene):
    assert api.post(f"{links(scene)}/no-such-link/sync", as_=scene.admin).status == 404
    assert api.delete(f"{links(scene)}/no-such-link", as_=scene.admin).status == 404


# -- syncing -------------------------------------------------------------------------


def test_sync_answers_202_syncing_and_a_sync_already_running_starts_no_second_one(api, scene, feed, jobs):
    url = feed("/agenda.ics", AGENDA)
    link = api.post(links(scene), as_=scene.admin, json={"provider": "ics", "url": url}).body
    answer = api.post(f"{links(scene)}/{link['id']}/sync", as_=scene.admin)
    assert answer.status == 202 and answer.body["status"] == "syncing"
    assert len(jobs.pending) == 1, "the first import is still running: no second one"
    jobs.run()
    assert api.get(links(scene), as_=scene.admin).body["items"][0]["status"] == "ok"
    again = api.post(f"{links(scene)}/{link['id']}/sync", as_=scene.admin)
    assert again.status == 202 and again.body["status"] == "syncing"
    assert len(jobs.pending) == 1
    jobs.run()
    (listed,) = api.get(links(scene), as_=scene.admin).body["items"]
    assert listed["status"] == "ok"
    assert listed["lastReport"]["unchanged"] == 2 and listed["lastReport"]["created"] == 0


def test_a_feed_that_fails_shows_its_error_in_words(api, scene, feed):
    url = feed("/gone.ics", b"Not here", status=404)
    link = api.post(links(scene), as_=scene.admin, json={"provider": "ics", "url": url}).body
    (listed,) = api.get(links(scene), as_=scene.admin).body["items"]
    assert listed["id"] == link["id"] and listed["status"] == "error"
    assert "404" in listed["lastError"]
    assert listed["consecutiveFailures"] == 1


# -- removing a link -----------------------------------------------------------------


def test_a_deleted_link_is_gone_its_offers_stay_and_the_feed_may_be_linked_again(api, scene, feed):
    url = feed("/agenda.ics", AGENDA)
    link = api.post(links(scene), as_=scene.admin, json={"provider": "ics", "url": url}).body
    with Client(load_app("offers")) as client:
        offers = Api(client).get(f"/offers?venueId={scene.venue.id}", as_=scene.admin).body["items"]
    assert len(offers) == 2
    assert api.delete(f"{links(scene)}/{link['id']}", as_=scene.admin).status == 204
    assert api.get(links(scene), as_=scene.admin).body["items"] == []
    assert api.delete(f"{links(scene)}/{link['id']}", as_=scene.admin).status == 404
    with Client(load_app("offers")) as client:
        still = Api(client).get(f"/offers?venueId={scene.venue.id}", as_=scene.admin).body["items"]
    assert {o["id"] for o in still} == {o["id"] for o in offers}
    assert api.post(links(scene), as_=scene.admin, json={"provider": "ics", "url": url}).status == 201


def test_a_feed_linked_again_after_its_link_was_removed_finds_its_offers_again(api, scene, feed):
    url = feed("/agenda.ics", AGENDA)
    link = api.post(links(scene), as_=scene.admin, json={"provider": "ics", "url": url}).body
    api.delete(f"{links(scene)}/{link['id']}", as_=scene.admin)
    again = api.post(links(scene), as_=scene.admin, json={"provider": "ics", "url": url}).body
    (listed,) = api.get(links(scene), as_=scene.admin).body["items"]
    assert listed["lastReport"]["created"] == 0 and listed["lastReport"]["unchanged"] == 2
    assert again["id"] == link["id"]

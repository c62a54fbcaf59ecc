"""Offers: creation with the online/offline rules, the publication rule, changes, deactivation, lists."""

from __future__ import annotations

import pytest

from passculture.config import get_settings
from passculture.models.bookings import Booking
from passculture.models.offerers import Offerer
from passculture.models.offers import Offer
from tests.api.offers_support import build_scene, later, offers_api, pending_member
from tests.factories import (
    make_booking,
    make_member,
    make_offer,
    make_offerer,
    make_stock,
    make_venue,
    make_young,
)


@pytest.fixture
def api(aws):
    yield from offers_api()


@pytest.fixture
def scene(aws):
    return build_scene()


@pytest.fixture
def free_offers_only(monkeypatch):
    monkeypatch.setenv("FREE_OFFERS_ONLY", "true")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("FREE_OFFERS_ONLY")
    get_settings.cache_clear()


def new_offer(api, scene, as_=None, **over):
    body = {"venueId": scene.venue.id, "name": "Le Misanthrope", "category": "LIVE_SHOW", **over}
    return api.post("/offers", as_=as_ or scene.admin, json=body)


# -- creation --------------------------------------------------------------------


def test_a_member_creates_an_offer_with_everything_it_says(api, scene):
    answer = new_offer(
        api,
        scene,
        as_=scene.editor,
        description="Molière, mis en scène au Port.",
        hook="Alceste déteste tout le monde. Vous allez l'adorer.",
        videoUrl="https://video.example.org/teaser",
        durationMinutes=150,
        isDuo=True,
    )
    assert answer.status == 201, answer.body
    offer = answer.body
    assert offer["status"] == "draft" and offer["isVisibleInApp"] is False
    assert offer["hook"].startswith("Alceste") and offer["durationMinutes"] == 150 and offer["isDuo"] is True
    assert offer["isDigital"] is False and offer["stocks"] == []
    stored = Offer.get(offer["id"])
    assert (stored.siren, stored.department_code, stored.geohash) == (
        scene.offerer.siren,
        scene.venue.department_code,
        scene.venue.geohash,
    )


def test_a_digital_offer_sits_on_the_virtual_venue_with_its_url(api, scene):
    answer = new_offer(api, scene, venueId=scene.virtual.id, category="PRESS", url="https://journal.example.org")
    assert answer.status == 201, answer.body
    assert answer.body["isDigital"] is True and answer.body["url"] == "https://journal.example.org"


@pytest.mark.parametrize(
    ("where", "fields", "bad"),
    [
        ("venue", {"category": "PRESS"}, "category"),
        ("virtual", {"category": "CINEMA", "url": "https://vod.example.org"}, "category"),
        ("virtual", {"category": "BOOK"}, "url"),
        ("venue", {"category": "MUSIC", "url": "https://music.example.org"}, "url"),
    ],
)
def test_the_online_and_offline_rules_are_400s_naming_the_field(api, scene, where, fields, bad):
    venue = scene.venue if where == "venue" else scene.virtual
    answer = new_offer(api, scene, venueId=venue.id, **fields)
    assert answer.status == 400
    assert list(answer.body["errors"]) == [bad]


def test_every_bad_field_is_named_at_once(api, scene):
    answer = new_offer(
        api,
        scene,
        name="x" * 141,
        category="CIRCUS",
        description="d" * 10_001,
        videoUrl="ftp://nope",
        durationMinutes=0,
        isDuo="maybe",
    )
    assert answer.status == 400
    assert set(answer.body["errors"]) == {"name", "category", "description", "videoUrl", "durationMinutes", "isDuo"}


def test_an_offer_of_a_structure_waiting_for_validation_is_pending(api, aws):
    offerer = make_offerer(status="pending")
    admin = make_member(offerer)
    venue = make_venue(offerer)
    answer = api.post("/offers", as_=admin, json={"venueId": venue.id, "name": "Expo", "category": "MUSEUM_HERITAGE"})
    assert answer.status == 201 and answer.body["status"] == "pending"


def test_an_offer_goes_on_a_venue_of_my_structure(api, scene):
    elsewhere = make_venue(make_offerer())
    answer = new_offer(api, scene, venueId=elsewhere.id)
    assert answer.status == 404 and list(answer.body["errors"]) == ["venueId"]
    assert new_offer(api, scene, venueId="no-such-venue").status == 404


def test_a_rejected_structure_creates_no_offer(api, aws):
    offerer = make_offerer(status="rejected")
    answer = api.post(
        "/offers",
        as_=make_member(offerer),
        json={"venueId": make_venue(offerer).id, "name": "x", "category": "BOOK"},
    )
    assert answer.status == 409


def test_creating_an_offer_needs_a_member(api, scene):
    body = {"venueId": scene.venue.id, "name": "x", "category": "BOOK"}
    assert api.post("/offers", json=body).status == 401
    assert api.post("/offers", as_=scene.outsider, json=body).status == 404
    assert api.post("/offers", as_=pending_member(scene.offerer), json=body).status == 404


# -- the publication rule through the API ----------------------------------------


def test_an_offer_is_published_by_its_first_date_and_visible_in_the_app(api, scene):
    offer = new_offer(api, scene).body
    dated = api.post(f"/offers/{offer['id']}/stocks", as_=scene.admin, json={"beginsAt": later(), "priceCents": 1500})
    assert dated.status == 201
    shown = api.get(f"/offers/{offer['id']}", as_=scene.admin).body
    assert shown["status"] == "published" and shown["isVisibleInApp"] is True


def test_validation_publishes_what_was_created_before_it(api, aws):
    from passculture.services.jobs import start_job

    offerer = make_offerer(status="pending")
    admin = make_member(offerer)
    venue = make_venue(offerer)
    offer = api.post("/offers", as_=admin, json={"venueId": venue.id, "name": "Expo", "category": "MUSEUM_HERITAGE"})
    api.post(f"/offers/{offer.body['id']}/stocks", as_=admin, json={"priceCents": 0})
    before = api.get(f"/offers/{offer.body['id']}", as_=admin).body
    assert (before["status"], before["isVisibleInApp"]) == ("pending", False)
    offerer.update(actions=[Offerer.status.set("validated")])
    start_job("offerer-offers", {"siren": offerer.siren})  # what the team's validation starts (run at once here)
    after = api.get(f"/offers/{offer.body['id']}", as_=admin).body
    assert (after["status"], after["isVisibleInApp"]) == ("published", True)


def test_the_free_only_phase_keeps_priced_offers_out_of_the_app(api, scene, free_offers_only):
    priced, free = new_offer(api, scene).body, new_offer(api, scene).body
    api.post(f"/offers/{priced['id']}/stocks", as_=scene.admin, json={"beginsAt": later(), "priceCents": 1200})
    api.post(f"/offers/{free['id']}/stocks", as_=scene.admin, json={"beginsAt": later(), "priceCents": 0})
    priced, free = (api.get(f"/offers/{o['id']}", as_=scene.admin).body for o in (priced, free))
    assert (priced["status"], priced["isVisibleInApp"]) == ("published", False)
    assert (free["status"], free["isVisibleInApp"]) == ("published", True)


def test_making_a_date_free_during_the_free_only_phase_brings_the_offer_in(api, scene, free_offers_only):
    offer = new_offer(api, scene).body
    stock = api.post(f"/offers/{offer['id']}/stocks", as_=scene.admin, json={"beginsAt": later(), "priceCents": 800})
    assert api.get(f"/offers/{offer['id']}", as_=scene.admin).body["isVisibleInApp"] is False
    api.patch(f"/stocks/{stock.body['id']}", as_=scene.admin, json={"priceCents": 0})
    assert api.get(f"/offers/{offer['id']}", as_=scene.admin).body["isVisibleInApp"] is True


# -- reading ---------------------------------------------------------------------


def test_an_offer_shows_its_stocks_with_what_remains(api, scene):
    offer = make_offer(scene.venue)
    limited = make_stock(offer, quantity=10, booked=3, begins_at=None)
    unlimited = make_stock(offer, quantity=None)
    make_stock(offer, is_deleted=True)
    answer = api.get(f"/offers/{offer.id}", as_=scene.editor)
    assert answer.status == 200
    stocks = {s["id"]: s for s in answer.body["stocks"]}
    assert set(stocks) == {limited.id, unlimited.id}
    assert (stocks[limited.id]["quantity"], stocks[limited.id]["booked"], stocks[limited.id]["remainingQuantity"]) == (
        10,
        3,
        7,
    )
    assert stocks[unlimited.id]["quantity"] is None and stocks[unlimited.id]["remainingQuantity"] is None
    assert set(stocks[limited.id]) == {
        "id",
        "offerId",
        "beginsAt",
        "priceCents",
        "priceCategoryId",
        "priceCategory",
        "quantity",
        "booked",
        "remainingQuantity",
        "bookingLimitAt",
        "shards",
    }
    assert answer.body["imageUrl"] is None and answer.body["thumbUrl"] is None


def test_reading_an_offer_needs_a_member(api, scene):
    offer = make_offer(scene.venue)
    assert api.get(f"/offers/{offer.id}").status == 401
    assert api.get(f"/offers/{offer.id}", as_=scene.outsider).status == 404
    assert api.get(f"/offers/{offer.id}", as_=scene.team).status == 200
    assert api.get("/offers/no-such-offer", as_=scene.admin).status == 404


# -- changes ---------------------------------------------------------------------


def test_a_member_changes_an_offer(api, scene):
    offer = new_offer(api, scene, hook="Avant").body
    answer = api.patch(
        f"/offers/{offer['id']}",
        as_=scene.editor,
        json={"name": "Tartuffe", "hook": "Après", "description": None, "durationMinutes": 90},
    )
    assert answer.status == 200, answer.body
    assert (answer.body["name"], answer.body["hook"], answer.body["durationMinutes"]) == ("Tartuffe", "Après", 90)
    assert Offer.get(offer["id"]).name == "Tartuffe"


def test_a_change_that_breaks_the_online_rules_is_a_400(api, scene):
    offer = new_offer(api, scene).body
    assert api.patch(f"/offers/{offer['id']}", as_=scene.admin, json={"category": "PRESS"}).status == 400
    assert api.patch(f"/offers/{offer['id']}", as_=scene.admin, json={"url": "https://x.example"}).status == 400
    digital = new_offer(api, scene, venueId=scene.virtual.id, category="BOOK", url="https://b.example").body
    answer = api.patch(f"/offers/{digital['id']}", as_=scene.admin, json={"url": None})
    assert answer.status == 400 and list(answer.body["errors"]) == ["url"]


def test_required_fields_cannot_be_cleared(api, scene):
    offer = new_offer(api, scene).body
    answer = api.patch(f"/offers/{offer['id']}", as_=scene.admin, json={"name": None, "isDuo": None})
    assert answer.status == 400 and set(answer.body["errors"]) == {"name", "isDuo"}


def test_an_offer_can_be_deactivated_and_reactivated(api, scene):
    offer = new_offer(api, scene).body
    api.post(f"/offers/{offer['id']}/stocks", as_=scene.admin, json={"beginsAt": later(), "priceCents": 0})
    off = api.patch(f"/offers/{offer['id']}", as_=scene.admin, json={"isActive": False})
    assert (off.body["status"], off.body["isVisibleInApp"]) == ("inactive", False)
    on = api.patch(f"/offers/{offer['id']}", as_=scene.admin, json={"isActive": True})
    assert (on.body["status"], on.body["isVisibleInApp"]) == ("published", True)


def test_changing_an_offer_needs_a_member(api, scene):
    offer = make_offer(scene.venue)
    assert api.patch(f"/offers/{offer.id}", json={"name": "x"}).status == 401
    assert api.patch(f"/offers/{offer.id}", as_=scene.outsider, json={"name": "x"}).status == 404


# -- deletion --------------------------------------------------------------------


def test_deleting_an_offer_deactivates_it_and_keeps_its_bookings(api, scene):
    offer = make_offer(scene.venue)
    stock = make_stock(offer, booked=1)
    booking = make_booking(stock, offer, scene.venue, make_young())
    answer = api.delete(f"/offers/{offer.id}", as_=scene.editor)
    assert answer.status == 204
    shown = api.get(f"/offers/{offer.id}", as_=scene.admin).body
    assert (shown["status"], shown["isActive"], shown["isVisibleInApp"]) == ("inactive", False, False)
    assert [s["id"] for s in shown["stocks"]] == [stock.id]
    assert Booking.get(booking.token).status == "booked"
    assert api.delete(f"/offers/{offer.id}", as_=scene.editor).status == 204


def test_deleting_an_offer_needs_a_member(api, scene):
    offer = make_offer(scene.venue)
    assert api.delete(f"/offers/{offer.id}").status == 401
    assert api.delete(f"/offers/{offer.id}", as_=scene.outsider).status == 404
    assert Offer.get(offer.id).is_active is True


# -- lists -----------------------------------------------------------------------


def ids(answer):
    assert answer.status == 200, answer.body
    return [o["id"] for o in answer.body["items"]]


def test_a_structure_lists_its_offers_newest_first(api, scene):
    first, second = make_offer(scene.venue), make_offer(scene.virtual, category="PRESS")
    make_offer(make_venue(make_offerer()))
    page = api.get(f"/offers?siren={scene.offerer.siren}", as_=scene.admin)
    assert ids(page) == [second.id, first.id]
    assert page.body["items"][0]["stocks"] is None  # lists do not read every offer's stocks


def test_offers_are_filtered_by_venue_status_and_category(api, scene):
    show = make_offer(scene.venue, category="LIVE_SHOW", status="published")
    draft = make_offer(scene.venue, category="LIVE_SHOW", status="draft")
    press = make_offer(scene.virtual, category="PRESS", status="published")
    siren = scene.offerer.siren
    assert ids(api.get(f"/offers?venueId={scene.venue.id}", as_=scene.admin)) == [draft.id, show.id]
    assert ids(api.get(f"/offers?siren={siren}&status=published", as_=scene.admin)) == [press.id, show.id]
    assert ids(api.get(f"/offers?siren={siren}&category=LIVE_SHOW&status=draft", as_=scene.admin)) == [draft.id]
    assert ids(api.get(f"/offers?venueId={scene.virtual.id}&category=PRESS", as_=scene.admin)) == [press.id]


def test_offer_lists_come_in_pages(api, scene):
    made = [make_offer(scene.venue).id for _ in range(5)]
    seen, cursor = [], None
    while True:
        suffix = f"&cursor={cursor}" if cursor else ""
        page = api.get(f"/offers?siren={scene.offerer.siren}&limit=2{suffix}", as_=scene.admin)
        seen += ids(page)
        cursor = page.body["nextCursor"]
        if cursor is None:
            break
    assert seen == made[::-1]


def test_without_a_filter_a_pro_gets_the_offers_of_all_their_structures(api, scene):
    other = make_offerer()
    make_member(other, scene.admin)
    mine = [make_offer(scene.venue).id for _ in range(2)] + [make_offer(make_venue(other)).id for _ in range(2)]
    make_offer(make_venue(make_offerer()))  # not mine
    seen, cursor = [], None
    while True:
        page = api.get("/offers?limit=3" + (f"&cursor={cursor}" if cursor else ""), as_=scene.admin)
        seen += ids(page)
        cursor = page.body["nextCursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(mine) and len(seen) == 4


def test_the_team_lists_by_status_or_names_a_structure(api, scene):
    pending = make_offer(make_venue(make_offerer(status="pending")), status="pending")
    assert pending.id in ids(api.get("/offers?status=pending", as_=scene.team))
    answer = api.get("/offers", as_=scene.team)
    assert answer.status == 400 and list(answer.body["errors"]) == ["siren"]
    assert api.get(f"/offers?siren={scene.offerer.siren}", as_=scene.team).status == 200


def test_lists_of_others_are_404s_and_bad_filters_400s(api, scene):
    assert api.get("/offers").status == 401
    assert api.get(f"/offers?siren={scene.offerer.siren}", as_=scene.outsider).status == 404
    assert api.get(f"/offers?venueId={scene.venue.id}", as_=scene.outsider).status == 404
    bad = api.get("/offers?status=online&category=CIRCUS&siren=12", as_=scene.admin)
    assert bad.status == 400 and set(bad.body["errors"]) == {"status", "category", "siren"}
    forged = api.get(f"/offers?siren={scene.offerer.siren}&cursor=abc.def", as_=scene.admin)
    assert forged.status == 400 and list(forged.body["errors"]) == ["cursor"]

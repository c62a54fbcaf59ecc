"""The territories function: a department's referents, their offers, programmes and structures; what users see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from chalice.test import Client

from infra.catalog import load_app
from passculture.config import get_settings
from passculture.models.base import utcnow
from passculture.models.offerers import Offerer
from passculture.models.wallets import Wallet
from tests.api.offers_support import Api
from tests.factories import (
    make_member,
    make_offer,
    make_offerer,
    make_stock,
    make_team_user,
    make_user,
    make_venue,
    make_young,
    publish,
)

LYON = {"postal_code": "69001", "city": "Lyon", "department_code": "69", "latitude": 45.7676, "longitude": 4.827}


@pytest.fixture
def api(aws):
    with Client(load_app("territories")) as client:
        yield Api(client)


@pytest.fixture
def app_side(aws):
    with Client(load_app("bookings")) as client:
        yield Api(client)


@pytest.fixture
def validating(monkeypatch):
    """TERRITORY_VALIDATES_STRUCTURES on for the test."""
    monkeypatch.setenv("TERRITORY_VALIDATES_STRUCTURES", "true")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("TERRITORY_VALIDATES_STRUCTURES")
    get_settings.cache_clear()


class Cast:
    def __init__(self) -> None:
        self.offerer = make_offerer(department_code="69")
        self.pro = make_member(self.offerer)
        self.venue = make_venue(self.offerer, **LYON)
        self.referent = make_user({"territory:69"})
        self.other_referent = make_user({"territory:75"})
        self.young = make_young(department="69")
        self.team = make_team_user()


@pytest.fixture
def cast(aws):
    return Cast()


def later(days: float) -> str:
    return (utcnow() + timedelta(days=days)).isoformat()


def programme_body(**over):
    body = {
        "label": "30 € de la Métropole",
        "amountCents": 3_000,
        "perimeter": {"categories": ["BOOK"]},
        "startsAt": later(-1),
        "endsAt": later(100),
    }
    return {**body, **over}


# -- the permission matrix ------------------------------------------------------------------------------------


def routes(cast):
    offer = make_offer(cast.venue)
    pending = make_offerer(status="pending", department_code="69")
    return [
        ("GET", "/territories/69/offers", None, 200),
        ("PATCH", f"/territories/69/offers/{offer.id}", {"highlighted": True}, 200),
        ("POST", "/territories/69/credits", programme_body(), 201),
        ("GET", "/territories/69/credits", None, 200),
        ("GET", "/territories/69/offerers?status=pending", None, 200),
        ("PATCH", f"/territories/69/offerers/{pending.siren}", {"status": "validated"}, 200),
    ]


@pytest.mark.parametrize("who", ["referent", "team", "other_referent", "pro", "young"])
def test_only_the_department_s_referents_and_the_team_may_use_its_routes(api, cast, who, validating):
    for method, path, body, success in routes(cast):
        answer = api.call(method, path, getattr(cast, who), body)
        if who in ("referent", "team"):
            assert answer.status == success, (who, method, path, answer.body)
        else:
            assert answer.status == 403, (who, method, path, answer.body)
            assert "department" in answer.body["errors"]


def test_anonymous_callers_get_401(api, cast):
    for method, path, body, _ in routes(cast):
        assert api.call(method, path, None, body).status == 401


@pytest.mark.parametrize("who", ["referent", "team"])
def test_while_the_setting_is_off_nobody_validates_structures_here(api, cast, who):
    pending = make_offerer(status="pending", department_code="69")
    assert api.get("/territories/69/offerers", getattr(cast, who)).status == 403
    answer = api.patch(f"/territories/69/offerers/{pending.siren}", getattr(cast, who), {"status": "validated"})
    assert answer.status == 403
    assert Offerer.get(pending.siren).status == "pending"


def test_a_department_code_is_checked_and_corsica_is_upper_cased(api, aws):
    corsica = make_user({"territory:2A"})
    assert api.get("/territories/2a/credits", corsica).status == 200
    assert api.get("/territories/2B/credits", corsica).status == 403
    answer = api.get("/territories/20/credits", corsica)
    assert answer.status == 400 and "department" in answer.body["errors"]
    overseas = make_user({"territory:974"})
    assert api.get("/territories/974/offers", overseas).status == 200


# -- offers: local validation and highlights -----------------------------------------------------------------


def test_the_referent_lists_the_department_s_offers_by_local_validation(api, cast):
    first, second, third = (make_offer(cast.venue, name=n) for n in ("Un", "Deux", "Trois"))
    elsewhere = make_offer(make_venue(make_offerer()))  # Paris
    assert (
        api.patch(f"/territories/69/offers/{first.id}", cast.referent, {"localValidation": "validated"}).status == 200
    )
    answer = api.patch(f"/territories/69/offers/{second.id}", cast.referent, {"localValidation": "rejected"})
    assert answer.body["localValidation"] == "rejected" and answer.body["status"] == "published"

    def ids(status=None):
        query = f"?status={status}" if status else ""
        return {item["id"] for item in api.get(f"/territories/69/offers{query}", cast.referent).body["items"]}

    assert ids() == {first.id, second.id, third.id}
    assert elsewhere.id not in ids()
    assert ids("validated") == {first.id}
    assert ids("rejected") == {second.id}
    assert ids("pending") == {third.id}
    assert api.get("/territories/69/offers?status=maybe", cast.referent).status == 400


def test_a_decision_changes_only_what_it_names_and_never_the_national_publication(api, cast):
    offer = make_offer(cast.venue, status="pending")
    api.patch(f"/territories/69/offers/{offer.id}", cast.referent, {"localValidation": "validated"})
    answer = api.patch(f"/territories/69/offers/{offer.id}", cast.referent, {"highlighted": True})
    assert (answer.body["localValidation"], answer.body["highlighted"], answer.body["status"]) == (
        "validated",
        True,
        "pending",
    )
    (item,) = api.get("/territories/69/offers", cast.referent).body["items"]
    assert (item["localValidation"], item["highlighted"]) == ("validated", True)


def test_an_offer_of_another_department_is_a_404_and_an_empty_decision_a_400(api, cast):
    paris = make_offer(make_venue(make_offerer()))
    assert api.patch(f"/territories/69/offers/{paris.id}", cast.referent, {"highlighted": True}).status == 404
    assert api.patch("/territories/69/offers/nope", cast.referent, {"highlighted": True}).status == 404
    offer = make_offer(cast.venue)
    answer = api.patch(f"/territories/69/offers/{offer.id}", cast.referent, {})
    assert answer.status == 400 and "localValidation" in answer.body["errors"]
    answer = api.patch(f"/territories/69/offers/{offer.id}", cast.referent, {"localValidation": "maybe"})
    assert answer.status == 400 and "localValidation" in answer.body["errors"]


def lyon_offer(cast, km_north=0.0, **fields):
    venue = make_venue(cast.offerer, **{**LYON, "latitude": LYON["latitude"] + km_north / 111.195})
    offer = make_offer(venue, **fields)
    make_stock(offer, begins_at=utcnow() + timedelta(days=5))
    return publish(offer)


def feed(app_side, user):
    query = f"/feed?latitude={LYON['latitude']}&longitude={LYON['longitude']}&radiusKm=20"
    answer = app_side.get(query, user)
    assert answer.status == 200, answer.body
    return answer.body["items"]


def test_highlighted_offers_come_first_in_the_feed_of_the_department_s_users_only(api, app_side, cast):
    near = lyon_offer(cast, 1, hook="Tout près")
    far = lyon_offer(cast, 8)  # no hook, farther: last by the usual rules
    assert [i["id"] for i in feed(app_side, cast.young)] == [near.id, far.id]
    api.patch(f"/territories/69/offers/{far.id}", cast.referent, {"highlighted": True, "localValidation": "validated"})

    items = feed(app_side, cast.young)
    assert [i["id"] for i in items] == [far.id, near.id]
    assert (items[0]["highlighted"], items[0]["localValidation"]) == (True, "validated")
    assert (items[1]["highlighted"], items[1]["localValidation"]) == (False, None)
    visitor = make_young(department="75")
    assert [(i["id"], i["highlighted"], i["localValidation"]) for i in feed(app_side, visitor)] == [
        (near.id, False, None),
        (far.id, False, None),
    ]


def test_among_highlighted_offers_the_usual_ranking_holds(api, app_side, cast):
    book = lyon_offer(cast, 1, category="BOOK")
    show = lyon_offer(cast, 2)
    hooked = lyon_offer(cast, 9, hook="Accroche")
    plain = lyon_offer(cast, 3)
    for offer in (book, show, hooked):
        api.patch(f"/territories/69/offers/{offer.id}", cast.referent, {"highlighted": True})
    # Highlighted: hook first, then categories in turn, nearest first; then the rest.
    assert [i["id"] for i in feed(app_side, cast.young)] == [hooked.id, book.id, show.id, plain.id]


def test_a_label_only_programme_labels_its_perimeter_in_the_feed_and_on_the_offer_page(api, app_side, cast):
    book = lyon_offer(cast, 1, category="BOOK")
    show = lyon_offer(cast, 2)
    body = programme_body(
        label="Bon plan lyonnais", amountCents=0, perimeter={"labelOnly": True, "categories": ["BOOK"]}
    )
    answer = api.post("/territories/69/credits", cast.referent, body)
    assert answer.status == 201 and answer.body["grantStatus"] is None
    wide = programme_body(label="Culture du Rhône", amountCents=0, perimeter={"labelOnly": True})
    assert api.post("/territories/69/credits", cast.referent, wide).status == 201

    labels = {i["id"]: sorted(i["localLabels"]) for i in feed(app_side, cast.young)}
    assert labels == {book.id: ["Bon plan lyonnais", "Culture du Rhône"], show.id: ["Culture du Rhône"]}
    page = app_side.get(f"/offers/{book.id}/public", cast.young).body
    assert sorted(page["localLabels"]) == ["Bon plan lyonnais", "Culture du Rhône"]
    assert app_side.get(f"/offers/{book.id}/public", make_young(department="75")).body["localLabels"] == []
    # A label-only programme gives no money.
    assert [w.credit_id for w in Wallet.query(cast.young.id)] == ["national"]


def test_a_programme_out_of_its_period_labels_nothing(api, app_side, cast):
    book = lyon_offer(cast, 1, category="BOOK")
    future = programme_body(label="Bientôt", amountCents=0, perimeter={"labelOnly": True}, startsAt=later(3))
    assert api.post("/territories/69/credits", cast.referent, future).status == 201
    assert [i["localLabels"] for i in feed(app_side, cast.young)] == [[]]
    assert app_side.get(f"/offers/{book.id}/public", cast.young).body["localLabels"] == []


def test_the_offer_page_shows_the_local_marks_to_the_department_s_users(api, app_side, cast):
    offer = lyon_offer(cast, 1)
    api.patch(
        f"/territories/69/offers/{offer.id}", cast.referent, {"highlighted": True, "localValidation": "validated"}
    )
    page = app_side.get(f"/offers/{offer.id}/public", cast.young).body
    assert (page["highlighted"], page["localValidation"]) == (True, "validated")
    page = app_side.get(f"/offers/{offer.id}/public", make_young(department="75")).body
    assert (page["highlighted"], page["localValidation"]) == (False, None)


def test_a_rejection_is_not_shown_to_users(api, app_side, cast):
    offer = lyon_offer(cast, 1)
    api.patch(f"/territories/69/offers/{offer.id}", cast.referent, {"localValidation": "rejected"})
    (item,) = feed(app_side, cast.young)
    assert item["localValidation"] is None

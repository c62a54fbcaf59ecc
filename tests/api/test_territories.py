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


# -- programmes: granting, paying, refunding, totals ---------------------------------------------------------


def programmes(api, who):
    answer = api.get("/territories/69/credits", who)
    assert answer.status == 200
    return answer.body["items"]


def test_a_running_programme_is_granted_to_the_department_s_young_users_with_the_national_credit(api, cast):
    others = [make_young(department="69") for _ in range(3)]
    no_credit = make_young(department="69", credit_cents=None)
    paris = make_young(department="75")
    answer = api.post("/territories/69/credits", cast.referent, programme_body())
    assert answer.status == 201
    pid = answer.body["id"]
    credit = f"local#{pid}"
    for user in [cast.young, *others]:
        wallet = Wallet.get(user.id, credit)
        assert (wallet.label, wallet.balance_cents, wallet.perimeter) == (
            "30 € de la Métropole",
            3_000,
            {"categories": ["BOOK"]},
        )
    for user in (no_credit, paris):
        assert credit not in {w.credit_id for w in Wallet.query(user.id)}
    (listed,) = programmes(api, cast.referent)
    assert (listed["grantedUsers"], listed["grantedCents"], listed["spentCents"], listed["grantStatus"]) == (
        4,
        12_000,
        0,
        "done",
    )


def test_the_user_sees_the_local_credit_with_its_label_balance_perimeter_and_validity(api, cast):
    api.post("/territories/69/credits", cast.referent, programme_body())
    with Client(load_app("accounts")) as client:
        me = Api(client).get("/users/current", cast.young).body
    local = [c for c in me["credits"] if c["kind"] == "local"]
    assert [(c["label"], c["balanceCents"], c["perimeter"]) for c in local] == [
        ("30 € de la Métropole", 3_000, {"categories": ["BOOK"]})
    ]
    assert local[0]["startsAt"] and local[0]["endsAt"]


def test_a_future_programme_waits_for_its_start_then_the_schedule_grants_it(api, cast):
    answer = api.post("/territories/69/credits", cast.referent, programme_body(startsAt=later(2)))
    assert answer.body["grantStatus"] == "waiting"
    credit = f"local#{answer.body['id']}"
    from passculture.services.territories.programmes import start_due_grants

    assert start_due_grants()["started"] == 0
    assert credit not in {w.credit_id for w in Wallet.query(cast.young.id)}
    assert start_due_grants(utcnow() + timedelta(days=3))["started"] == 1
    assert Wallet.get(cast.young.id, credit).balance_cents == 3_000
    assert programmes(api, cast.referent)[0]["grantStatus"] == "done"
    assert start_due_grants(utcnow() + timedelta(days=3))["started"] == 0


def test_the_confirmation_grants_the_department_s_running_programmes(api, cast, sent_emails):
    from tests.api.accounts_support import confirmation_token, young_body

    running = api.post("/territories/69/credits", cast.referent, programme_body()).body["id"]
    api.post("/territories/69/credits", cast.referent, programme_body(label="Plus tard", startsAt=later(5)))
    with Client(load_app("accounts")) as client:
        accounts = Api(client)
        signup = accounts.post("/users/signup", None, young_body(email="lou@example.org", departmentCode="69"))
        assert signup.status == 201
        answer = accounts.patch(f"/users/validate/{confirmation_token(sent_emails(), 'lou@example.org')}")
    assert answer.status == 200
    credits = {c["id"]: c for c in answer.body["credits"]}
    assert set(credits) == {"national", f"local#{running}"}
    assert credits[f"local#{running}"]["balanceCents"] == 3_000
    counts = {p["id"]: p["grantedUsers"] for p in programmes(api, cast.referent)}
    assert counts[running] == 2  # cast.young when it started, Lou at her confirmation


def book(app_side, user, stock):
    return app_side.post("/bookings", user, {"stockId": stock.id})


def test_a_booking_in_the_perimeter_pays_local_first_and_the_totals_follow_bookings_and_cancellations(
    api, app_side, cast
):
    other = make_young(department="69")
    pid = api.post("/territories/69/credits", cast.referent, programme_body()).body["id"]
    credit = f"local#{pid}"
    book_offer = make_offer(cast.venue, category="BOOK")
    dear = make_stock(book_offer, event=False, price_cents=5_000)
    cheap = make_stock(book_offer, event=False, price_cents=1_000)
    publish(book_offer)
    show = make_offer(cast.venue)
    ticket = make_stock(show, price_cents=2_000)
    publish(show)

    first = book(app_side, cast.young, dear)
    assert first.status == 201
    assert first.body["booking"]["debits"] == {credit: 3_000, "national": 2_000}
    second = book(app_side, other, cheap)
    assert second.body["booking"]["debits"][credit] == 1_000
    assert book(app_side, cast.young, ticket).body["booking"]["debits"] == {"national": 2_000}
    totals = {p["id"]: p for p in programmes(api, cast.referent)}
    assert totals[pid]["spentCents"] == 4_000

    cancel = app_side.post(f"/bookings/{first.body['token']}/cancel", cast.young)
    assert cancel.status == 200
    assert Wallet.get(cast.young.id, credit).balance_cents == 3_000
    assert Wallet.get(cast.young.id, "national").balance_cents == 50_000 - 2_000
    totals = {p["id"]: p for p in programmes(api, cast.referent)}
    assert totals[pid]["spentCents"] == 1_000


def test_a_categories_perimeter_pays_only_in_its_department_and_a_venues_one_only_at_its_venues(api, app_side, cast):
    paris_venue = make_venue(make_offerer())
    paris_book = make_offer(paris_venue, category="BOOK")
    paris_stock = make_stock(paris_book, event=False, price_cents=1_000)
    publish(paris_book)
    api.post("/territories/69/credits", cast.referent, programme_body())
    answer = book(app_side, cast.young, paris_stock)
    assert answer.body["booking"]["debits"] == {"national": 1_000}

    show = make_offer(cast.venue)
    ticket = make_stock(show, price_cents=1_500)
    publish(show)
    venues = programme_body(label="Au théâtre", amountCents=1_000, perimeter={"venueIds": [cast.venue.id]})
    pid = api.post("/territories/69/credits", cast.referent, venues).body["id"]
    assert book(app_side, cast.young, ticket).body["booking"]["debits"] == {f"local#{pid}": 1_000, "national": 500}


def test_a_programme_s_bad_fields_are_named(api, cast):
    paris_venue = make_venue(make_offerer())
    cases = {
        "perimeter": programme_body(perimeter={"categories": ["BOOK"], "venueIds": [cast.venue.id]}),
        "amountCents": programme_body(perimeter={"labelOnly": True}),
        "endsAt": programme_body(startsAt=later(5), endsAt=later(4)),
        "label": programme_body(label=""),
    }
    for field, body in cases.items():
        answer = api.post("/territories/69/credits", cast.referent, body)
        assert answer.status == 400 and field in answer.body["errors"], (field, answer.body)
    answer = api.post(
        "/territories/69/credits", cast.referent, programme_body(perimeter={"venueIds": [paris_venue.id]})
    )
    assert answer.status == 400 and "perimeter" in answer.body["errors"]
    answer = api.post("/territories/69/credits", cast.referent, programme_body(amountCents=0))
    assert answer.status == 400 and "amountCents" in answer.body["errors"]


# -- structures validated by the territory -------------------------------------------------------------------


def test_a_structure_without_an_address_takes_its_first_physical_venue_s_department(aws):
    from passculture.schemas.venues import VenueIn
    from passculture.services.accounts.auth import Principal
    from passculture.services.catalogue.venues import create_venue

    offerer = make_offerer(status="pending")
    pro = make_member(offerer)
    who = Principal(user=pro, roles=frozenset({"pro"}))
    base = {"name": "Salle", "address": "1 rue", "city": "Bastia", "latitude": 42.7, "longitude": 9.45}
    base["bookingEmail"] = "salle@example.org"
    create_venue(who, offerer.siren, VenueIn(**base, postalCode="20200"))
    create_venue(who, offerer.siren, VenueIn(**{**base, "name": "Autre"}, postalCode="69001"))
    assert Offerer.get(offerer.siren).department_code == "2B"


def test_the_referent_validates_a_pending_structure_exactly_as_the_team_does(api, cast, validating, sent_emails):
    pending = make_offerer(status="pending", department_code="69", name="Théâtre de la Croix-Rousse")
    make_member(pending)
    venue = make_venue(pending, **LYON)
    waiting = make_offer(venue, status="pending")
    make_stock(waiting)
    other = make_offerer(status="pending", department_code="75")

    listed = api.get("/territories/69/offerers?status=pending", cast.referent).body["items"]
    assert [o["siren"] for o in listed] == [pending.siren]
    assert api.patch(f"/territories/69/offerers/{other.siren}", cast.referent, {"status": "validated"}).status == 404
    answer = api.patch(f"/territories/69/offerers/{pending.siren}", cast.referent, {"status": "validated"})
    assert answer.status == 200 and answer.body["status"] == "validated"
    from passculture.models.offers import Offer

    assert Offer.get(waiting.id).status == "published"
    subjects = [subject for _, subject, _ in sent_emails()]
    assert any("Croix-Rousse" in s or "valid" in s.lower() for s in subjects), subjects
    assert api.get("/territories/69/offerers?status=pending", cast.referent).body["items"] == []

"""Names are one line, descriptions keep their line breaks, dates stay within sane bounds: 400s naming the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from chalice.test import Client

from infra.catalog import load_app
from passculture.config import get_settings
from passculture.models.base import utcnow
from tests.api.accounts_support import pro_body, send, young_body
from tests.api.offers_support import build_scene, offers_api
from tests.factories import auth, make_offer, make_team_user, make_user

# What a name may not hold: line breaks of every kind, controls, separators, bidi overrides, lone surrogates.
NOT_IN_A_NAME = ["A\nB", "A\r\nB", "A\tB", "A\x00B", "A\x7fB", "A\x85B", "A\u2028B", "A\u2029B", "A\u202eB", "A\ud800B"]


@pytest.fixture
def api(aws):
    yield from offers_api()


@pytest.fixture
def scene(aws):
    return build_scene()


@pytest.fixture
def accounts(aws):
    with Client(load_app("accounts")) as client:
        yield client


def in_days(days: float) -> str:
    return (utcnow() + timedelta(days=days)).isoformat()


# -- names ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NOT_IN_A_NAME)
def test_an_offer_name_with_a_control_character_is_a_400_naming_it(api, scene, name):
    answer = api.post("/offers", as_=scene.admin, json={"venueId": scene.venue.id, "name": name, "category": "MUSIC"})
    assert answer.status == 400
    assert set(answer.body["errors"]) == {"name"}
    if "\ud800" not in name:  # a lone surrogate is not even text to pydantic: it says so
        assert "one line" in answer.body["errors"]["name"][0]


def test_a_name_keeps_what_names_need(api, scene):
    # Accents, emoji built with a zero-width joiner, right-to-left text with its mark; a trailing newline is trimmed.
    name = "Théâtre 👩\u200d🎤 مسرح\u200f du Port\n"
    answer = api.post("/offers", as_=scene.admin, json={"venueId": scene.venue.id, "name": name, "category": "MUSIC"})
    assert answer.status == 201, answer.body
    assert answer.body["name"] == name.strip()


def test_a_description_keeps_its_line_breaks_and_tabs_but_no_other_control(api, scene):
    body = {"venueId": scene.venue.id, "name": "Concert", "category": "MUSIC"}
    kept = "Première partie\r\n\tDeuxième partie\nFin"
    answer = api.post("/offers", as_=scene.admin, json={**body, "description": kept})
    assert (answer.status, answer.body["description"]) == (201, kept)
    for bad in ("Fin\x00", "Fin\x1b[31m", "Fin\u2028suite", "Fin\udfff"):
        answer = api.post("/offers", as_=scene.admin, json={**body, "description": bad})
        assert answer.status == 400 and set(answer.body["errors"]) == {"description"}


def test_changing_an_offer_s_name_or_hook_follows_the_same_rule(api, scene):
    offer = make_offer(scene.venue)
    answer = api.patch(f"/offers/{offer.id}", as_=scene.admin, json={"name": "Le\nMisanthrope", "hook": "Viens\r"})
    assert answer.status == 400
    assert set(answer.body["errors"]) == {"name"}  # the hook's trailing CR is trimmed
    answer = api.patch(f"/offers/{offer.id}", as_=scene.admin, json={"hook": "Viens\u2028voir"})
    assert answer.status == 400 and set(answer.body["errors"]) == {"hook"}


def test_venue_names_addresses_and_cities_are_one_line(api, scene):
    body = {
        "name": "Salle\u2029B",
        "address": "1 rue\nde la Paix",
        "postalCode": "75002",
        "city": "Par\x0bis",
        "latitude": 48.87,
        "longitude": 2.33,
        "bookingEmail": "salle@example.org",
    }
    answer = api.post(f"/offerers/{scene.offerer.siren}/venues", as_=scene.admin, json=body)
    assert answer.status == 400
    assert set(answer.body["errors"]) == {"name", "address", "city"}


def test_signup_names_are_one_line(accounts):
    answer = send(accounts, "POST", "/users/signup/pro", pro_body(name="Le\nPort", firstName="A\u2028na", lastName="B"))
    assert answer.status_code == 400
    assert set(answer.json_body["errors"]) == {"name", "firstName"}
    answer = send(accounts, "POST", "/users/signup", young_body(publicName="Lou\r\nBcc: x@example.org"))
    assert answer.status_code == 400 and set(answer.json_body["errors"]) == {"publicName"}


def test_a_new_structure_s_name_is_one_line(accounts):
    from tests.factories import random_siren

    pro = make_user({"pro"})
    answer = send(accounts, "POST", "/offerers", {"siren": random_siren(), "name": "Lieu\x85deux"}, auth(pro))
    assert answer.status_code == 400 and set(answer.json_body["errors"]) == {"name"}


def test_a_rejection_reason_may_hold_line_breaks_not_controls(aws):
    from tests.factories import make_offerer

    offerer, team = make_offerer(status="pending"), make_team_user()
    with Client(load_app("validation")) as client:
        path = f"/admin/offerers/{offerer.siren}"
        answer = send(client, "PATCH", path, {"status": "rejected", "reason": "Non\x07"}, auth(team))
        assert answer.status_code == 400 and set(answer.json_body["errors"]) == {"reason"}
        answer = send(
            client, "PATCH", path, {"status": "rejected", "reason": "SIREN fermé.\nVoir l'INSEE."}, auth(team)
        )
        assert answer.status_code == 200, answer.json_body


# -- dates ----------------------------------------------------------------------------


def test_an_event_date_is_within_the_bound(api, scene):
    offer = make_offer(scene.venue)
    bound = get_settings().max_event_days_ahead
    path = f"/offers/{offer.id}/stocks"
    for begins in ("9999-12-31T20:00:00+00:00", "9999-12-31T23:00:00-05:00", in_days(bound + 1)):
        answer = api.post(path, as_=scene.admin, json={"beginsAt": begins, "priceCents": 0})
        assert answer.status == 400, begins
        assert set(answer.body["errors"]) == {"beginsAt"}
    assert (
        f"within {bound} days"
        in api.post(path, as_=scene.admin, json={"beginsAt": in_days(bound + 1), "priceCents": 0}).body["errors"][
            "beginsAt"
        ][0]
    )
    answer = api.post(path, as_=scene.admin, json={"beginsAt": in_days(bound - 1), "priceCents": 0})
    assert answer.status == 201, answer.body


def test_a_booking_limit_is_within_the_bound_and_so_are_changes(api, scene):
    offer = make_offer(scene.venue, category="BOOK")
    bound = get_settings().max_event_days_ahead
    answer = api.post(
        f"/offers/{offer.id}/stocks", as_=scene.admin, json={"priceCents": 500, "bookingLimitAt": in_days(bound + 30)}
    )
    assert answer.status == 400 and set(answer.body["errors"]) == {"bookingLimitAt"}
    event = make_offer(scene.venue)
    created = api.post(f"/offers/{event.id}/stocks", as_=scene.admin, json={"beginsAt": in_days(10), "priceCents": 0})
    assert created.status == 201
    answer = api.patch(f"/stocks/{created.body['id']}", as_=scene.admin, json={"beginsAt": "9999-01-01T00:00:00Z"})
    assert answer.status == 400 and set(answer.body["errors"]) == {"beginsAt"}


def test_a_date_of_birth_is_after_1900_and_in_the_past(accounts):
    for birth in ("1899-12-31", "9999-01-01", utcnow().date().isoformat()):
        answer = send(accounts, "POST", "/users/signup", young_body(dateOfBirth=birth))
        assert answer.status_code == 400, birth
        assert set(answer.json_body["errors"]) == {"dateOfBirth"}
    assert send(accounts, "POST", "/users/signup", young_body(dateOfBirth="1900-01-01")).status_code == 201


def test_a_transactions_period_names_sane_years(aws):
    from tests.factories import make_member, make_offerer

    member = make_member(make_offerer())
    with Client(load_app("countermarks")) as client:
        for query in (
            "from=1999-12-31T00:00:00Z",
            "to=9999-12-31T23:00:00-05:00",
            "to=2100-01-01T00:00:00Z",
            "from=0001-01-01T00:00:00%2B05:00",
        ):
            answer = client.http.get(f"/bookings/pro?{query}", headers=auth(member))
            assert answer.status_code == 400, query
            assert set(answer.json_body["errors"]) == {query.split("=")[0]}, query
        answer = client.http.get(
            "/bookings/pro?from=2024-01-01T00:00:00Z&to=2099-12-31T00:00:00Z", headers=auth(member)
        )
        assert answer.status_code == 200

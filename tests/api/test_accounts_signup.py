"""Signups (pro and young) and email confirmation, through the accounts function."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from chalice.test import Client

from infra.catalog import load_app
from passculture.models.base import utcnow
from passculture.models.memberships import Membership
from passculture.models.offerers import Offerer
from passculture.models.users import User
from passculture.models.venues import Venue
from passculture.models.wallets import Wallet
from tests.api.accounts_support import confirmation_token, pro_body, send, young_body
from tests.factories import PASSWORD, auth, make_member, make_offerer, make_user, random_siren


@pytest.fixture
def client(aws):
    with Client(load_app("accounts")) as c:
        yield c


def birth_for_age(years: int, days_after_birthday: int = 10) -> str:
    today = utcnow().date()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        birthday = today.replace(year=today.year - years, day=28)
    return (birthday - timedelta(days=days_after_birthday)).isoformat()


# -- pro signup ----------------------------------------------------------------


def test_the_first_signup_of_a_siren_creates_the_structure_and_makes_its_admin(client, sent_emails):
    body = pro_body(email="Ada.Lovelace@Example.ORG", name="Théâtre du Rond-Point", firstName="Ada")
    answer = send(client, "POST", "/users/signup/pro", body)
    assert answer.status_code == 201, answer.json_body
    data = answer.json_body
    assert data["user"]["email"] == "ada.lovelace@example.org"
    assert data["user"]["roles"] == ["pro"]
    assert data["user"]["emailConfirmed"] is False
    assert data["offerer"]["siren"] == body["siren"]
    assert data["offerer"]["name"] == "Théâtre du Rond-Point"
    assert data["offerer"]["status"] == "pending"
    assert data["membership"]["role"] == "admin"
    assert data["membership"]["status"] == "validated"
    assert "password" not in str(data).lower()

    stored = User.get(data["user"]["id"])
    assert stored.email == "ada.lovelace@example.org" and stored.password_hash.startswith("$argon2id$")
    assert Offerer.get(body["siren"]).admin_count == 1
    venues = list(Venue.siren_index.query(body["siren"]))
    assert [v.is_virtual for v in venues] == [True]


def test_a_pro_signup_sends_the_confirmation_link_and_tells_the_team(client, sent_emails):
    body = pro_body(name="Cinéma Le Méliès")
    send(client, "POST", "/users/signup/pro", body)
    emails = sent_emails()
    token = confirmation_token(emails, body["email"])
    assert len(token) >= 32
    team = [text for to, _, text in emails if to == ["team@passculture.test"]]
    assert len(team) == 1
    text = team[0]
    assert body["siren"] in text and "Cinéma Le Méliès" in text and body["email"] in text


def test_a_structure_without_a_name_gets_one_from_its_siren(client):
    body = pro_body()
    answer = send(client, "POST", "/users/signup/pro", body)
    assert answer.json_body["offerer"]["name"] == f"Structure {body['siren']}"


def test_signing_up_with_a_known_siren_joins_as_a_pending_editor(client, sent_emails):
    first = pro_body(name="Musée")
    send(client, "POST", "/users/signup/pro", first)
    second = pro_body(siren=first["siren"], name="ignored")
    answer = send(client, "POST", "/users/signup/pro", second)
    assert answer.status_code == 201
    data = answer.json_body
    assert data["membership"] == {**data["membership"], "role": "editor", "status": "pending"}
    assert data["offerer"]["name"] == "Musée"
    assert Offerer.get(first["siren"]).admin_count == 1
    assert len(list(Venue.siren_index.query(first["siren"]))) == 1
    emails = sent_emails()
    # The admin hears of the request; the team was told of the structure once only.
    assert any(first["email"] in to and second["email"] in text for to, _, text in emails)
    assert sum(1 for to, _, _ in emails if to == ["team@passculture.test"]) == 1
    confirmation_token(emails, second["email"])


def test_a_local_authority_venue_joins_under_the_authority_siren(client):
    """Régie directe: the establishment has no SIREN of its own; its staff joins the authority's."""
    authority = make_offerer(status="validated", name="Ville de Lyon")
    make_member(authority, role="admin")
    answer = send(client, "POST", "/users/signup/pro", pro_body(siren=authority.siren, name="Bibliothèque"))
    assert answer.status_code == 201
    assert answer.json_body["offerer"]["name"] == "Ville de Lyon"
    assert answer.json_body["membership"]["status"] == "pending"


def test_an_email_already_used_is_a_409_whatever_its_case(client):
    body = pro_body(email="Pro@Example.org")
    assert send(client, "POST", "/users/signup/pro", body).status_code == 201
    again = send(client, "POST", "/users/signup/pro", pro_body(email="pro@EXAMPLE.org", siren=random_siren()))
    assert again.status_code == 409
    assert list(again.json_body["errors"]) == ["email"]
    young = send(client, "POST", "/users/signup", young_body(email="PRO@example.org"))
    assert young.status_code == 409


def test_a_used_email_on_a_known_siren_is_a_409_and_joins_nothing(client):
    first = pro_body()
    send(client, "POST", "/users/signup/pro", first)
    other = make_offerer()
    again = send(client, "POST", "/users/signup/pro", pro_body(email=first["email"], siren=other.siren))
    assert again.status_code == 409 and "email" in again.json_body["errors"]
    assert list(Membership.siren_index.query(other.siren)) == []


@pytest.mark.parametrize("status", ["rejected", "deleted"])
def test_a_rejected_or_deleted_structure_cannot_be_joined(client, status):
    offerer = make_offerer(status=status)
    answer = send(client, "POST", "/users/signup/pro", pro_body(siren=offerer.siren))
    assert answer.status_code == 409
    assert list(answer.json_body["errors"]) == ["siren"]


@pytest.mark.parametrize(
    "siren", ["123456789", "12345678", "1234567890", "abcdefghi", "", "٣٥٦٠٠٠٠٠٠", "35600000000048"]
)
def test_an_invalid_siren_is_a_400_naming_siren(client, siren):
    answer = send(client, "POST", "/users/signup/pro", pro_body(siren=siren))
    assert answer.status_code == 400
    assert list(answer.json_body["errors"]) == ["siren"]
    assert "Luhn" in answer.json_body["errors"]["siren"][0]


def test_a_siren_typed_with_spaces_is_accepted(client):
    siren = random_siren()
    answer = send(client, "POST", "/users/signup/pro", pro_body(siren=f"{siren[:3]} {siren[3:6]} {siren[6:]}"))
    assert answer.status_code == 201
    assert answer.json_body["offerer"]["siren"] == siren


def test_la_poste_siren_is_accepted(client):
    assert send(client, "POST", "/users/signup/pro", pro_body(siren="356000000")).status_code == 201


@pytest.mark.parametrize("password", ["Short-1a", "alllowercase123", "ALLUPPERCASE123", "NoDigitsAtAllHere", "x" * 201])
def test_a_weak_password_is_a_400_stating_the_rule(client, password):
    answer = send(client, "POST", "/users/signup/pro", pro_body(password=password))
    assert answer.status_code == 400
    message = answer.json_body["errors"]["password"][0]
    assert "12 characters" in message and "upper-case" in message and "digit" in message


@pytest.mark.parametrize(
    "email", ["no-at-sign", "two@@example.org", "a@b", "space in@example.org", "x" * 250 + "@a.fr"]
)
def test_a_bad_email_is_a_400(client, email):
    answer = send(client, "POST", "/users/signup/pro", pro_body(email=email))
    assert answer.status_code == 400
    assert list(answer.json_body["errors"]) == ["email"]


def test_every_bad_field_is_listed_at_once(client):
    answer = send(
        client,
        "POST",
        "/users/signup/pro",
        {"email": "nope", "password": "weak", "siren": "1", "name": "x" * 141, "phone": "call me"},
    )
    assert answer.status_code == 400
    assert set(answer.json_body["errors"]) == {"email", "password", "siren", "name", "phone"}


def test_missing_fields_are_named(client):
    answer = send(client, "POST", "/users/signup/pro", {})
    assert set(answer.json_body["errors"]) == {"email", "password", "siren"}


def test_an_email_failure_does_not_undo_a_signup_and_the_emails_are_kept_to_resend(
    client, sent_emails, monkeypatch, capsys
):
    from infra.catalog import load_handler
    from passculture.adapters import email
    from passculture.models.failed_mails import PARKED, FailedMail

    real = email.send_email

    def broken(*args, **kwargs):
        raise RuntimeError("SES is down")

    monkeypatch.setattr(email, "send_email", broken)
    body = pro_body()
    answer = send(client, "POST", "/users/signup/pro", body)
    assert answer.status_code == 201
    signin = send(client, "POST", "/users/signin", {"email": body["email"], "password": PASSWORD})
    assert signin.status_code == 200
    user_id = answer.json_body["user"]["id"]

    parked = {m.kind: m for m in FailedMail.parked_index.query(PARKED)}
    assert set(parked) == {"confirmation", "new-structure"}
    confirmation, team = parked["confirmation"], parked["new-structure"]
    assert (confirmation.recipients, confirmation.ref) == ([body["email"]], f"user:{user_id}")
    assert "/validate/" in confirmation.body and "RuntimeError: SES is down" in confirmation.reason
    assert (team.recipients, team.ref) == (["team@passculture.test"], f"offerer:{body['siren']}")
    assert body["siren"] in team.subject and team.function == "accounts"
    points = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert sum(p.get("EmailsParked", 0) for p in points) == 2  # counted for the alarm, in the request's one batch

    monkeypatch.setattr(email, "send_email", real)
    report = load_handler("notify")({"action": "resend-mail"}, None)
    assert sorted(report["resent"]) == sorted([confirmation.id, team.id])
    # The link resent is the one saved with the signup: it confirms the address.
    token = confirmation_token(sent_emails(), body["email"])
    assert send(client, "PATCH", f"/users/validate/{token}").status_code == 200


# -- young signup --------------------------------------------------------------


def test_a_young_user_signs_up_without_credit_until_confirmation(client, sent_emails):
    body = young_body(dateOfBirth=birth_for_age(18), departmentCode="2a", publicName="Lou")
    answer = send(client, "POST", "/users/signup", body)
    assert answer.status_code == 201, answer.json_body
    user = answer.json_body["user"]
    assert user["roles"] == ["young"]
    assert user["publicName"] == "Lou" and user["departmentCode"] == "2A"
    assert user["dateOfBirth"] == body["dateOfBirth"]
    assert list(Wallet.query(user["id"])) == []
    confirmation_token(sent_emails(), body["email"])
    # Signing in works before confirmation.
    signin = send(client, "POST", "/users/signin", {"email": body["email"], "password": PASSWORD})
    current = send(
        client, "GET", "/users/current", headers={"Authorization": f"Bearer {signin.json_body['accessToken']}"}
    )
    assert current.json_body["emailConfirmed"] is False
    assert current.json_body["credits"] == []


@pytest.mark.parametrize("code", ["01", "19", "21", "95", "2A", "2b", "971", "974", "976"])
def test_every_department_code_is_accepted(client, code):
    assert send(client, "POST", "/users/signup", young_body(departmentCode=code)).status_code == 201


@pytest.mark.parametrize("code", ["20", "00", "96", "99", "970", "977", "2C", "1", "75001", ""])
def test_an_unknown_department_is_a_400(client, code):
    answer = send(client, "POST", "/users/signup", young_body(departmentCode=code))
    assert answer.status_code == 400
    assert list(answer.json_body["errors"]) == ["departmentCode"]


@pytest.mark.parametrize("birth", ["2999-01-01", "1850-01-01", "15/03/2008", "not a date"])
def test_an_impossible_date_of_birth_is_a_400(client, birth):
    answer = send(client, "POST", "/users/signup", young_body(dateOfBirth=birth))
    assert answer.status_code == 400
    assert list(answer.json_body["errors"]) == ["dateOfBirth"]


def test_a_young_signup_names_every_bad_field(client):
    answer = send(client, "POST", "/users/signup", {"email": "x", "publicName": ""})
    assert set(answer.json_body["errors"]) == {"email", "password", "publicName", "dateOfBirth", "departmentCode"}


def test_a_young_email_already_used_is_a_409(client):
    body = young_body()
    send(client, "POST", "/users/signup", body)
    assert send(client, "POST", "/users/signup", young_body(email=body["email"].upper())).status_code == 409


# -- confirmation --------------------------------------------------------------


def signup_young(client, sent_emails, **over):
    body = young_body(**over)
    user = send(client, "POST", "/users/signup", body).json_body["user"]
    return user, confirmation_token(sent_emails(), body["email"])


def test_confirming_an_eighteen_year_old_grants_the_national_credit_once(client, sent_emails):
    user, token = signup_young(client, sent_emails, dateOfBirth=birth_for_age(18))
    answer = send(client, "PATCH", f"/users/validate/{token}")
    assert answer.status_code == 200, answer.json_body
    assert answer.json_body["emailConfirmed"] is True
    [credit] = answer.json_body["credits"]
    assert credit["id"] == "national"
    assert credit["label"] == "Pass Culture"
    assert credit["balanceCents"] == credit["initialCents"] == 50_000
    assert credit["physicalCapCents"] == credit["digitalCapCents"] == 20_000
    assert credit["physicalRemainingCents"] == credit["digitalRemainingCents"] == 20_000

    again = send(client, "PATCH", f"/users/validate/{token}")
    assert again.status_code == 410
    assert list(again.json_body["errors"]) == ["token"]
    assert [w.balance_cents for w in Wallet.query(user["id"])] == [50_000]


@pytest.mark.parametrize("age", [15, 17, 19, 25])
def test_confirming_at_another_age_grants_no_credit(client, sent_emails, age):
    user, token = signup_young(client, sent_emails, dateOfBirth=birth_for_age(age))
    answer = send(client, "PATCH", f"/users/validate/{token}")
    assert answer.status_code == 200
    assert answer.json_body["credits"] == []
    assert User.get(user["id"]).email_confirmed_at is not None


def test_eligibility_is_judged_on_the_day_of_confirmation(client, sent_emails):
    # Seventeen at signup, eighteen today: the credit is granted.
    _, token = signup_young(client, sent_emails, dateOfBirth=birth_for_age(18, days_after_birthday=0))
    assert len(send(client, "PATCH", f"/users/validate/{token}").json_body["credits"]) == 1


def test_a_credit_granted_already_is_not_granted_twice(client, sent_emails):
    user, token = signup_young(client, sent_emails, dateOfBirth=birth_for_age(18))
    from passculture.services.booking.credits import national_credit

    existing = national_credit(user["id"], utcnow())
    existing.balance_cents = 1234
    existing.save()
    answer = send(client, "PATCH", f"/users/validate/{token}")
    assert answer.status_code == 200
    assert [c["balanceCents"] for c in answer.json_body["credits"]] == [1234]


def test_a_pro_confirms_their_email(client, sent_emails):
    body = pro_body()
    user_id = send(client, "POST", "/users/signup/pro", body).json_body["user"]["id"]
    token = confirmation_token(sent_emails(), body["email"])
    answer = send(client, "PATCH", f"/users/validate/{token}")
    assert answer.status_code == 200
    assert answer.json_body["emailConfirmed"] is True and answer.json_body["credits"] is None
    assert User.get(user_id).email_confirmed_at is not None


def test_an_unknown_token_is_a_404(client):
    answer = send(client, "PATCH", "/users/validate/not-a-token-we-sent")
    assert answer.status_code == 404
    assert list(answer.json_body["errors"]) == ["token"]


def test_an_expired_token_is_a_410(client, sent_emails):
    from passculture.models.uniques import Unique
    from passculture.services.accounts.signup import _token_key

    user, token = signup_young(client, sent_emails)
    item = Unique.get(_token_key(token))
    item.update(actions=[Unique.expires_at.set(utcnow() - timedelta(seconds=1))])
    answer = send(client, "PATCH", f"/users/validate/{token}")
    assert answer.status_code == 410
    assert "expired" in answer.json_body["errors"]["token"][0]
    assert User.get(user["id"]).email_confirmed_at is None


def test_tokens_are_stored_hashed(client, sent_emails):
    from passculture.models.uniques import Unique
    from passculture.services.accounts.signup import _token_key

    _, token = signup_young(client, sent_emails)
    assert token not in _token_key(token)
    assert Unique.get(_token_key(token)).target


def test_a_new_link_can_be_asked_for_and_works(client, sent_emails):
    body = young_body(dateOfBirth=birth_for_age(18))
    send(client, "POST", "/users/signup", body)
    first = confirmation_token(sent_emails(), body["email"])
    headers = {
        "Authorization": "Bearer "
        + send(client, "POST", "/users/signin", {"email": body["email"], "password": PASSWORD}).json_body["accessToken"]
    }
    assert send(client, "POST", "/users/current/confirmation", headers=headers).status_code == 204
    second = confirmation_token(sent_emails(), body["email"])
    assert second != first
    assert send(client, "PATCH", f"/users/validate/{second}").status_code == 200
    # The first link still confirms nothing more, and the credit stays single.
    assert send(client, "PATCH", f"/users/validate/{first}").status_code == 200
    assert len(send(client, "GET", "/users/current", headers=headers).json_body["credits"]) == 1
    assert send(client, "POST", "/users/current/confirmation", headers=headers).status_code == 409


def test_asking_for_new_links_is_rate_limited(client):
    user = make_user(confirmed=False)
    statuses = [send(client, "POST", "/users/current/confirmation", headers=auth(user)).status_code for _ in range(6)]
    assert statuses == [204] * 5 + [429]


def test_asking_for_a_new_link_needs_a_signed_in_user(client):
    assert send(client, "POST", "/users/current/confirmation").status_code == 401


# -- limits ----------------------------------------------------------------------


@pytest.fixture
def from_source(monkeypatch):
    """Makes the next requests come from another source address."""
    from chalice.local import LambdaEventConverter

    def switch(ip: str) -> None:
        monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", ip)

    return switch


@pytest.fixture
def few_signups(monkeypatch):
    """3 signups per source per hour (30 by default)."""
    import dataclasses

    from passculture.config import get_settings
    from passculture.services.accounts import signup

    settings = dataclasses.replace(get_settings(), signup_limit_per_source=3, signup_window_seconds=3600)
    monkeypatch.setattr(signup, "get_settings", lambda: settings)


def test_signups_are_limited_per_source_pro_and_young_together(client, few_signups, from_source):
    from_source("203.0.113.5")
    assert send(client, "POST", "/users/signup/pro", pro_body()).status_code == 201
    assert send(client, "POST", "/users/signup", young_body()).status_code == 201
    taken = pro_body()
    assert send(client, "POST", "/users/signup/pro", taken).status_code == 201
    refused = send(client, "POST", "/users/signup", young_body())
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3601
    assert refused.json_body["errors"]["global"]
    body = pro_body()
    assert send(client, "POST", "/users/signup/pro", body).status_code == 429
    assert Offerer.count(body["siren"]) == 0  # refused before anything was written
    # Another address is another allowance.
    from_source("198.51.100.5")
    assert send(client, "POST", "/users/signup/pro", body).status_code == 201


def test_a_signup_refused_for_its_email_still_counts(client, few_signups, from_source):
    # Each attempt costs a password hash, whatever its outcome.
    from_source("203.0.113.6")
    body = young_body()
    assert [send(client, "POST", "/users/signup", body).status_code for _ in range(4)] == [201, 409, 409, 429]


def test_signups_default_to_thirty_per_source_an_hour(client, from_source):
    from_source("203.0.113.7")
    statuses = []
    for _ in range(31):
        statuses.append(send(client, "POST", "/users/signup", young_body()).status_code)
    assert statuses == [201] * 30 + [429]


@pytest.fixture
def midday(monkeypatch):
    """The counters' clock at today's UTC noon, so no test straddles midnight; returns it."""
    import time

    from passculture.services import ratelimit

    noon = int(time.time()) // 86_400 * 86_400 + 43_200
    monkeypatch.setattr(ratelimit, "clock", lambda: noon)
    return noon


def test_join_requests_email_the_admins_three_times_a_day_and_still_wait_for_them(client, sent_emails, midday):
    offerer = make_offerer(status="validated", name="Musée")
    admin = make_member(offerer, role="admin")
    joiners = [pro_body(siren=offerer.siren) for _ in range(5)]
    for body in joiners:
        assert send(client, "POST", "/users/signup/pro", body).status_code == 201
    requests = [text for to, _, text in sent_emails() if to == [admin.email]]
    assert len(requests) == 3
    assert all(body["email"] in text for body, text in zip(joiners[:3], requests, strict=True))
    # Every request is a pending member on the structure's page.
    page = send(client, "GET", f"/offerers/{offerer.siren}", headers=auth(admin)).json_body
    pending = {m["email"] for m in page["members"] if m["status"] == "pending"}
    assert pending == {body["email"].lower() for body in joiners}


def _only_when(text: str, fault):
    """``fault`` for the requests whose body names ``text``; the others go through."""
    return lambda request, attempt: fault(request, attempt) if text in request.body.decode() else None


def test_a_join_request_whose_email_cannot_be_counted_is_saved_and_still_emailed(
    client, sent_emails, midday, monkeypatch, caplog
):
    from tests.faults import injected, simulated_clock, throttled

    offerer = make_offerer(status="validated", name="Musée")
    admin = make_member(offerer, role="admin")
    body = pro_body(siren=offerer.siren)
    with simulated_clock(monkeypatch), injected() as faults:
        faults.add("UpdateItem", _only_when("join-request-email", throttled()))
        response = send(client, "POST", "/users/signup/pro", body)
    assert response.status_code == 201, response.json_body
    # The rule: a counter the store refuses to write sends the email (logged), it never fails the signup.
    assert [text for to, _, text in sent_emails() if to == [admin.email] and body["email"] in text]
    assert any("could not count its email" in r.getMessage() for r in caplog.records)
    page = send(client, "GET", f"/offerers/{offerer.siren}", headers=auth(admin)).json_body
    assert {m["email"] for m in page["members"] if m["status"] == "pending"} == {body["email"].lower()}
    # The retry a client makes after an error would have been refused: the signup stands, once.
    assert send(client, "POST", "/users/signup/pro", body).status_code == 409


def test_a_join_request_whose_admins_cannot_be_read_is_saved_without_an_email(
    client, sent_emails, midday, monkeypatch, caplog
):
    from tests.faults import injected, simulated_clock, throttled

    offerer = make_offerer(status="validated")
    admin = make_member(offerer, role="admin")
    body = pro_body(siren=offerer.siren)
    with simulated_clock(monkeypatch), injected() as faults:
        faults.add("Query", _only_when("siren-user_id-index", throttled()))
        response = send(client, "POST", "/users/signup/pro", body)
    assert response.status_code == 201, response.json_body
    assert not [to for to, _, _ in sent_emails() if to == [admin.email]]
    assert any("could not read its admins" in r.getMessage() for r in caplog.records)
    page = send(client, "GET", f"/offerers/{offerer.siren}", headers=auth(admin)).json_body
    assert {m["email"] for m in page["members"] if m["status"] == "pending"} == {body["email"].lower()}


def test_the_join_email_allowance_is_per_structure_and_per_day(client, sent_emails, midday, monkeypatch):
    from passculture.services import ratelimit

    busy = make_offerer(status="validated")
    quiet = make_offerer(status="validated")
    busy_admin, quiet_admin = make_member(busy, role="admin"), make_member(quiet, role="admin")
    for _ in range(4):
        send(client, "POST", "/users/signup/pro", pro_body(siren=busy.siren))
    send(client, "POST", "/users/signup/pro", pro_body(siren=quiet.siren))
    assert sum(to == [busy_admin.email] for to, _, _ in sent_emails()) == 3
    assert sum(to == [quiet_admin.email] for to, _, _ in sent_emails()) == 1
    monkeypatch.setattr(ratelimit, "clock", lambda: midday + 86_400)
    send(client, "POST", "/users/signup/pro", pro_body(siren=busy.siren))
    assert sum(to == [busy_admin.email] for to, _, _ in sent_emails()) == 4

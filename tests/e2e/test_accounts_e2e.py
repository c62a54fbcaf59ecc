"""Accounts over real HTTP: a pro signs up, confirms by the emailed link, and the team validates the structure."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.conftest import TEAM_EMAIL, TEAM_PASSWORD
from tests.factories import PASSWORD, random_siren

pytestmark = pytest.mark.e2e

LINK = re.compile(r"https?://\S+/validate/([A-Za-z0-9_-]+)")


def confirmation_token(server, address: str) -> str:
    message = server.wait_for_email(lambda m: address in m["to"] and LINK.search(m["body"]))
    return LINK.search(message["body"]).group(1)


def test_a_pro_signs_up_confirms_and_is_validated_by_the_team(local_server):
    team = local_server.sign_in(TEAM_EMAIL, TEAM_PASSWORD)
    email = f"pro-{uuid.uuid4().hex[:8]}@example.org"
    siren = random_siren()
    signup = local_server.post(
        "/users/signup/pro", json={"email": email, "password": PASSWORD, "siren": siren, "name": "Scène locale"}
    )
    assert signup.status_code == 201, signup.text
    assert signup.json()["membership"]["role"] == "admin"

    token = confirmation_token(local_server, email)
    told = local_server.wait_for_email(lambda m: TEAM_EMAIL in m["to"] and siren in m["body"])
    assert "Scène locale" in told["body"] and email in told["body"]

    confirmed = local_server.patch(f"/users/validate/{token}")
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["emailConfirmed"] is True
    assert local_server.patch(f"/users/validate/{token}").status_code == 410

    pro = local_server.sign_in(email, PASSWORD)
    current = local_server.get("/users/current", headers=pro).json()
    assert current["emailConfirmed"] is True
    assert [m["siren"] for m in current["memberships"]] == [siren]

    queue = local_server.get("/admin/offerers", params={"status": "pending", "limit": 100}, headers=team)
    assert queue.status_code == 200
    assert siren in [item["siren"] for item in queue.json()["items"]]
    assert local_server.get("/admin/offerers", headers=pro).status_code == 403

    # An offer made while the structure waits: pending, out of the app.
    (venue,) = local_server.get(f"/offerers/{siren}/venues", headers=pro).json()["items"]
    body = {"venueId": venue["id"], "name": "Revue en ligne", "category": "PRESS", "url": "https://example.org/revue"}
    offer = local_server.post("/offers", json=body, headers=pro)
    assert offer.status_code == 201, offer.text
    stock = local_server.post(f"/offers/{offer.json()['id']}/stocks", json={"priceCents": 0}, headers=pro)
    assert stock.status_code == 201, stock.text
    assert local_server.get(f"/offers/{offer.json()['id']}", headers=pro).json()["status"] == "pending"

    validated = local_server.patch(f"/admin/offerers/{siren}", json={"status": "validated"}, headers=team)
    assert validated.status_code == 200, validated.text
    assert validated.json()["status"] == "validated"
    assert local_server.get(f"/offerers/{siren}", headers=pro).json()["status"] == "validated"
    # The offers follow within seconds: the job the PATCH started runs in the local runner's background.
    deadline = time.monotonic() + 10
    while (shown := local_server.get(f"/offers/{offer.json()['id']}", headers=pro).json())["status"] != "published":
        assert time.monotonic() < deadline, f"the offer is still {shown['status']}"
        time.sleep(0.2)
    assert shown["isVisibleInApp"] is True


def test_a_young_user_gets_the_national_credit_on_confirmation(local_server):
    email = f"jeune-{uuid.uuid4().hex[:8]}@example.org"
    birth = (datetime.now(UTC) - timedelta(days=18 * 365 + 30)).date().isoformat()
    body = {"email": email, "password": PASSWORD, "publicName": "Noa", "dateOfBirth": birth, "departmentCode": "974"}
    assert local_server.post("/users/signup", json=body).status_code == 201
    confirmed = local_server.patch(f"/users/validate/{confirmation_token(local_server, email)}")
    assert confirmed.status_code == 200
    [credit] = confirmed.json()["credits"]
    assert credit["balanceCents"] == 50_000


def test_signin_refuses_a_wrong_password_like_an_unknown_email(local_server):
    wrong = local_server.post("/users/signin", json={"email": TEAM_EMAIL, "password": "Not-the-password-1"})
    unknown = local_server.post("/users/signin", json={"email": "nobody@example.org", "password": "Whatever-123"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()

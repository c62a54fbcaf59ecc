"""Agenda imports over real HTTP: a venue links a local feed, its events become offers, a young user books one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.conftest import ROOT, TEAM_EMAIL, TEAM_PASSWORD
from tests.e2e.test_accounts_e2e import confirmation_token
from tests.factories import PASSWORD, random_siren
from tests.imports_support import Event, days_ahead, ics

pytestmark = pytest.mark.e2e


def wait_for(check, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.3)


def test_a_linked_feed_becomes_offers_that_a_young_user_books(local_server, httpserver):
    httpserver.expect_request("/agenda.ics").respond_with_data(
        ics(
            Event("quai-1@agenda.example", summary="Le Misanthrope", categories="Théâtre", starts=[days_ahead(6)]),
            Event("quai-2@agenda.example", summary="Soirée jazz", starts=[days_ahead(8), days_ahead(9)]),
        ),
        content_type="text/calendar",
    )
    feed = f"http://127.0.0.1:{httpserver.port}/agenda.ics"
    email, siren = f"pro-{uuid.uuid4().hex[:8]}@example.org", random_siren()
    signup = {"email": email, "password": PASSWORD, "siren": siren, "name": "Théâtre du Quai"}
    assert local_server.post("/users/signup/pro", json=signup).status_code == 201
    pro = local_server.sign_in(email, PASSWORD)
    place = {
        "name": "Théâtre du Quai",
        "address": "12 quai Saint-Vincent",
        "postalCode": "69001",
        "city": "Lyon",
        "latitude": 45.7676,
        "longitude": 4.827,
        "bookingEmail": f"billetterie-{siren}@example.org",
    }
    venue = local_server.post(f"/offerers/{siren}/venues", json=place, headers=pro)
    assert venue.status_code == 201, venue.text
    venue_id = venue.json()["id"]

    link = local_server.post(
        f"/venues/{venue_id}/providers", json={"provider": "ics", "url": feed, "defaultPriceCents": 1200}, headers=pro
    )
    assert link.status_code == 201, link.text
    assert link.json()["status"] == "syncing"

    def synced():
        (item,) = local_server.get(f"/venues/{venue_id}/providers", headers=pro).json()["items"]
        return item if item["status"] != "syncing" else None

    item = wait_for(synced)
    assert item and item["status"] == "ok", item
    assert item["lastReport"]["created"] == 2 and item["lastReport"]["occurrences"] == 3
    offers = local_server.get("/offers", params={"venueId": venue_id}, headers=pro).json()["items"]
    assert {o["status"] for o in offers} == {"pending"}, "the structure is not validated yet"

    team = local_server.sign_in(TEAM_EMAIL, TEAM_PASSWORD)
    validated = local_server.patch(f"/admin/offerers/{siren}", json={"status": "validated"}, headers=team)
    assert validated.status_code == 200, validated.text
    jazz = next(o for o in offers if o["name"] == "Soirée jazz")

    def published():
        shown = local_server.get(f"/offers/{jazz['id']}", headers=pro).json()
        return shown if shown["status"] == "published" else None

    shown = wait_for(published)
    assert shown and shown["isVisibleInApp"], shown
    stock = shown["stocks"][0]
    assert stock["priceCents"] == 1200

    young_email = f"jeune-{uuid.uuid4().hex[:8]}@example.org"
    birth = (datetime.now(UTC) - timedelta(days=18 * 365 + 30)).date().isoformat()
    young = {
        "email": young_email,
        "password": PASSWORD,
        "publicName": "Camille",
        "dateOfBirth": birth,
        "departmentCode": "69",
    }
    assert local_server.post("/users/signup", json=young).status_code == 201
    assert local_server.patch(f"/users/validate/{confirmation_token(local_server, young_email)}").status_code == 200
    booking = local_server.post(
        "/bookings", json={"stockId": stock["id"]}, headers=local_server.sign_in(young_email, PASSWORD)
    )
    assert booking.status_code == 201, booking.text
    token = booking.json()["token"]
    mail = local_server.wait_for_email(lambda m: place["bookingEmail"] in m["to"] and token in m["body"], timeout=20)
    assert "Soirée jazz" in mail["body"]

    # make import: one pass now, with its summary table.
    env = {**os.environ, "LOCAL_URL": local_server.url, "PYTHONPATH": f"{ROOT / 'layers/core/python'}:{ROOT}"}
    done = subprocess.run(
        [sys.executable, "-m", "infra.import_now"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith(feed))
    assert row.split()[1:7] == ["ok", "0", "0", "0", "2", "0"]

    # The date she booked leaves the feed: withdrawn, her booking kept, and she is told by email.
    booked_date = datetime.fromisoformat(stock["beginsAt"].replace("Z", "+00:00"))
    httpserver.clear()
    httpserver.expect_request("/agenda.ics").respond_with_data(
        ics(
            Event("quai-1@agenda.example", summary="Le Misanthrope", categories="Théâtre", starts=[days_ahead(6)]),
            Event(
                "quai-2@agenda.example",
                summary="Soirée jazz",
                starts=[d for d in [days_ahead(8), days_ahead(9)] if d != booked_date],
            ),
        ),
        content_type="text/calendar",
    )
    link_id = item["id"]
    assert local_server.post(f"/venues/{venue_id}/providers/{link_id}/sync", headers=pro).status_code == 202
    item = wait_for(synced)
    assert item and item["status"] == "ok" and item["lastReport"]["removed"] == 1, item
    told = local_server.wait_for_email(lambda m: young_email in m["to"] and "retirée" in m["subject"], timeout=30)
    assert token in told["subject"] and "reste valable" in told["body"]
    mine = local_server.get("/bookings", headers=local_server.sign_in(young_email, PASSWORD)).json()["items"]
    assert [(b["token"], b["status"]) for b in mine] == [(token, "booked")] and mine[0]["dateWithdrawnAt"]


def test_a_big_feed_is_imported_whole_by_the_local_server(local_server, httpserver):
    # Past 256 KB the import parses the feed in two processes (services.imports.parallel) on a 2-CPU machine:
    # here inside the local server, beside its threads.
    from bench.ical_parse import generate_feed
    from passculture.services.imports.ical import parse_feed

    now = datetime.now(UTC)
    body = generate_feed(600, now)
    assert len(body) > 256 * 1024
    expected = parse_feed(body, now=now)
    httpserver.expect_request("/big.ics").respond_with_data(body, content_type="text/calendar")
    email, siren = f"pro-{uuid.uuid4().hex[:8]}@example.org", random_siren()
    signup = {"email": email, "password": PASSWORD, "siren": siren, "name": "Grande Salle"}
    assert local_server.post("/users/signup/pro", json=signup).status_code == 201
    pro = local_server.sign_in(email, PASSWORD)
    place = {"name": "Grande Salle", "address": "1 place Bellecour", "postalCode": "69002", "city": "Lyon"}
    place |= {"latitude": 45.7578, "longitude": 4.832, "bookingEmail": f"resa-{siren}@example.org"}
    venue = local_server.post(f"/offerers/{siren}/venues", json=place, headers=pro)
    assert venue.status_code == 201, venue.text
    venue_id = venue.json()["id"]
    feed = f"http://127.0.0.1:{httpserver.port}/big.ics"
    link = local_server.post(f"/venues/{venue_id}/providers", json={"provider": "ics", "url": feed}, headers=pro)
    assert link.status_code == 201, link.text

    def synced():
        (item,) = local_server.get(f"/venues/{venue_id}/providers", headers=pro).json()["items"]
        return item if item["status"] != "syncing" else None

    item = wait_for(synced, timeout=120)
    assert item and item["status"] == "ok", item
    assert item["lastReport"]["created"] == len(expected.events) > 100
    assert item["lastReport"]["occurrences"] == expected.occurrences
    assert item["lastReport"]["rejected"] == []

"""Over HTTP: the team registers a provider and its key, a structure grants it a venue, a young person
books, the partner validates the countermark through /public/bookings/v1, and loses it once withdrawn."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.e2e.conftest import JWT_SECRET, ROOT, TEAM_EMAIL, TEAM_PASSWORD

pytestmark = pytest.mark.e2e

SCENE = """
import json
from datetime import timedelta
from passculture.models.base import utcnow
from tests.factories import auth, make_member, make_offer, make_offerer, make_stock, make_venue, make_young

offerer = make_offerer()
admin = make_member(offerer)
venue = make_venue(offerer)
offer = make_offer(venue, name="Le Misanthrope")
stock = make_stock(offer, begins_at=utcnow() + timedelta(hours=2), price_cents=1200, quantity=5)
young = make_young(public_name="Camille")
print(json.dumps({"admin": auth(admin), "young": auth(young), "venueId": venue.id, "stockId": stock.id}))
"""


@pytest.fixture(scope="module")
def scene(local_server):
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_") and key != "STAGE"}
    env.update(
        {
            "PYTHONPATH": f"{ROOT / 'layers/core/python'}:{ROOT}",
            "AWS_ENDPOINT_URL": local_server.aws_endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "eu-west-3",
            "JWT_SECRET": JWT_SECRET,
            "ARGON2_TIME_COST": "1",
            "ARGON2_MEMORY_KIB": "1024",
        }
    )
    done = subprocess.run(
        [sys.executable, "-c", SCENE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_partner_validates_a_booking_of_a_venue_it_was_granted(local_server, scene):
    team = local_server.sign_in(TEAM_EMAIL, TEAM_PASSWORD)
    created = local_server.post("/admin/providers", json={"name": "Billetterie e2e"}, headers=team)
    assert created.status_code == 201, created.text
    provider_id = created.json()["id"]
    issued = local_server.post(f"/admin/providers/{provider_id}/api-keys", headers=team)
    assert issued.status_code == 201, issued.text
    partner = {"Authorization": f"Bearer {issued.json()['key']}"}
    assert issued.json()["key"].startswith("local_")  # the stage of make_run

    listed = local_server.get("/providers", headers=scene["admin"]).json()["providers"]
    assert {"id": provider_id, "name": "Billetterie e2e", "logoUrl": None} in listed
    grants = f"/venues/{scene['venueId']}/partners"
    granted = local_server.post(grants, json={"providerId": provider_id}, headers=scene["admin"])
    assert granted.status_code == 201, granted.text

    booking = local_server.post("/bookings", json={"stockId": scene["stockId"]}, headers=scene["young"])
    assert booking.status_code == 201, booking.text
    token = booking.json()["token"]

    checked = local_server.get(f"/public/bookings/v1/token/{token}", headers=partner)
    assert checked.status_code == 200, checked.text
    assert checked.json()["status"] == "CONFIRMED" and checked.json()["offerName"] == "Le Misanthrope"
    assert local_server.patch(f"/public/bookings/v1/use/token/{token}", headers=partner).status_code == 204
    again = local_server.get(f"/public/bookings/v1/token/{token}", headers=partner)
    assert (again.status_code, again.json()) == (410, {"booking": "This booking has already been validated"})

    venue_id = checked.json()["venueId"]
    listing = local_server.get(f"/public/bookings/v1/bookings?venueId={venue_id}", headers=partner)
    assert [b["id"] for b in listing.json()["bookings"]] == [checked.json()["id"]]

    assert local_server.delete(f"{grants}/{provider_id}", headers=scene["admin"]).status_code == 204
    gone = local_server.get(f"/public/bookings/v1/token/{token}", headers=partner)
    assert (gone.status_code, gone.json()) == (404, {"global": "This countermark cannot be found"})

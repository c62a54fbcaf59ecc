"""A young person finds an offer, books it over HTTP, and the venue gets the countermark by email."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT, start_local_server, stop_local_server

pytestmark = pytest.mark.e2e

JWT_SECRET = "e2e-bookings-secret-long-enough-for-hs256-0123456789"

# Written straight to the server's tables, as tests/factories.py does (there is
# no signup on this path): a young user with credit, a venue, a published offer.
SCENE = """
import json
from tests.factories import auth, make_offer, make_offerer, make_stock, make_venue, make_young, publish

young = make_young(public_name="Camille")
venue = make_venue(make_offerer(), booking_email="resa-e2e@theatre.example")
offer = make_offer(venue, name="Le Misanthrope", hook="Molière, sans filtre")
stock = make_stock(offer, price_cents=1200, quantity=5)
publish(offer)
print(json.dumps({
    "headers": auth(young), "email": young.email, "stockId": stock.id, "offerId": offer.id,
    "latitude": venue.latitude, "longitude": venue.longitude, "venueEmail": venue.booking_email,
}))
"""


@pytest.fixture(scope="module")
def server():
    server = start_local_server({"JWT_SECRET": JWT_SECRET})
    assert server.aws_endpoint, "the local server did not say where its AWS twin is"
    yield server
    stop_local_server(server)


@pytest.fixture(scope="module")
def scene(server):
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_") and key != "STAGE"}
    env.update(
        {
            "PYTHONPATH": f"{ROOT / 'layers/core/python'}:{ROOT}",
            "AWS_ENDPOINT_URL": server.aws_endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "eu-west-3",
            "JWT_SECRET": JWT_SECRET,
            "ARGON2_TIME_COST": "1",
            "ARGON2_MEMORY_KIB": "1024",
        }
    )
    done = subprocess.run(
        [sys.executable, "-c", SCENE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_book_over_http_and_the_venue_gets_the_countermark(server, scene):
    headers = scene["headers"]
    feed = server.get(f"/feed?latitude={scene['latitude']}&longitude={scene['longitude']}&radiusKm=5", headers=headers)
    assert feed.status_code == 200, feed.text
    assert scene["offerId"] in [item["id"] for item in feed.json()["items"]]
    page = server.get(f"/offers/{scene['offerId']}/public", headers=headers)
    assert page.status_code == 200
    assert page.json()["stocks"][0]["remainingQuantity"] == 5

    answer = server.post("/bookings", json={"stockId": scene["stockId"]}, headers={**headers, "Idempotency-Key": "k1"})
    assert answer.status_code == 201, answer.text
    token = answer.json()["token"]
    again = server.post("/bookings", json={"stockId": scene["stockId"]}, headers={**headers, "Idempotency-Key": "k1"})
    assert (again.status_code, again.json()["token"]) == (200, token)

    venue_email = server.wait_for_email(lambda m: scene["venueEmail"] in m["to"] and token in m["body"])
    assert "Camille" in venue_email["body"] and scene["email"] in venue_email["body"]
    assert "Le Misanthrope" in venue_email["body"]
    server.wait_for_email(lambda m: scene["email"] in m["to"] and token in m["body"])

    mine = server.get("/bookings", headers=headers).json()["items"]
    assert [(b["token"], b["status"]) for b in mine] == [(token, "booked")]

    cancelled = server.post(f"/bookings/{token}/cancel", headers=headers)
    assert cancelled.status_code == 200, cancelled.text
    server.wait_for_email(lambda m: scene["venueEmail"] in m["to"] and "annulée" in m["subject"] and token in m["body"])
    venue_mails = [m for m in server.outbox() if scene["venueEmail"] in m["to"]]
    assert len(venue_mails) == 2  # one booking, one cancellation: no duplicate from the stream

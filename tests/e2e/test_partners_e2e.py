"""Over HTTP: the team registers a provider and its key, a structure grants it a venue, a young person
books, the partner validates the countermark through /public/bookings/v1, and loses it once withdrawn;
a partner that set its notification URL receives the signed booking message from the stream; a partner
creates its own event, price categories and dates, which a young person finds in the feed and books."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import time

import pytest
from werkzeug import Response

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


def partner_inbox(httpserver, path: str) -> tuple[list, str]:
    """The partner's server answering POSTs at ``path``: the (signature, body) pairs it receives, and its URL.

    The local runner lets 127.0.0.1 through the address checks, as it does for feeds."""
    received = []

    def partner(request):
        received.append((request.headers.get("PassCulture-Signature"), request.get_data()))
        return Response("{}", status=200, content_type="application/json")

    httpserver.expect_request(path, method="POST").respond_with_handler(partner)
    return received, f"http://127.0.0.1:{httpserver.port}{path}"


def signed_message(received: list, hmac_key: str) -> dict:
    """The one message the partner's server received within 30 s: its signature checked, its text parsed twice."""
    deadline = time.monotonic() + 30
    while not received and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(received) == 1, "the partner was not told of the booking"
    signature, body = received[0]
    text = json.loads(body)
    assert isinstance(text, str)  # a JSON-encoded string holding the JSON text
    assert signature == hmac.new(hmac_key.encode(), text.encode(), hashlib.sha256).hexdigest()
    return json.loads(text)


def make_scene(local_server, script: str = SCENE) -> dict:
    """A structure's admin and venue with a date in 2 hours, and a young person (straight in the twin's tables).

    ``script``: another scene printing its JSON last.
    """
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
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def granted_provider(local_server, scene: dict, name: str) -> tuple[str, dict[str, str]]:
    """A provider the team registers, with a key, granted the scene's venue by its admin: its HMAC key, its headers."""
    team = local_server.sign_in(TEAM_EMAIL, TEAM_PASSWORD)
    created = local_server.post("/admin/providers", json={"name": name}, headers=team)
    assert created.status_code == 201, created.text
    provider_id, hmac_key = created.json()["id"], created.json()["hmacKey"]
    key = local_server.post(f"/admin/providers/{provider_id}/api-keys", headers=team).json()["key"]
    grants = f"/venues/{scene['venueId']}/partners"
    assert local_server.post(grants, json={"providerId": provider_id}, headers=scene["admin"]).status_code == 201
    return hmac_key, {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def scene(local_server):
    return make_scene(local_server)


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


def test_a_partner_receives_the_signed_message_of_a_booking_then_validates_it(local_server, httpserver):
    received, url = partner_inbox(httpserver, "/pass-culture/notify")
    scene = make_scene(local_server)
    hmac_key, provider = granted_provider(local_server, scene, "Agenda e2e")

    answer = local_server.patch("/public/providers/v1/provider", json={"notificationUrl": url}, headers=provider)
    assert (answer.status_code, answer.json()["notificationUrl"]) == (200, url), answer.text

    booking = local_server.post("/bookings", json={"stockId": scene["stockId"]}, headers=scene["young"])
    assert booking.status_code == 201, booking.text
    token = booking.json()["token"]
    message = signed_message(received, hmac_key)
    checked = local_server.get(f"/public/bookings/v1/token/{token}", headers=provider)
    assert checked.status_code == 200, checked.text
    assert message["action"] == "BOOK"
    assert (message["offer_name"], message["offer_price"], message["booking_quantity"]) == ("Le Misanthrope", 1200, 1)
    assert (message["stock_id"], message["venue_id"]) == (checked.json()["stockId"], checked.json()["venueId"])
    assert message["offer_id"] == checked.json()["offerId"]
    assert local_server.patch(f"/public/bookings/v1/use/token/{token}", headers=provider).status_code == 204


OWN_SCENE = """
import json, random
from tests.factories import auth, make_member, make_offerer, make_venue, make_young

offerer = make_offerer()
admin = make_member(offerer)
# Coordinates of its own (a quiet stretch of the Vosges): the feed near them holds this venue's offers only.
latitude, longitude = 48.0 + random.random() / 10, 7.0 + random.random() / 10
venue = make_venue(offerer, latitude=latitude, longitude=longitude)
young = make_young(public_name="Camille")
print(json.dumps({"admin": auth(admin), "young": auth(young), "venueId": venue.id,
                  "latitude": latitude, "longitude": longitude}))
"""


def test_the_partner_creates_its_event_and_dates_a_young_user_books_and_the_partner_validates(local_server, httpserver):
    from datetime import UTC, datetime, timedelta

    received, url = partner_inbox(httpserver, "/pass-culture/own-events")
    scene = make_scene(local_server, OWN_SCENE)
    hmac_key, provider = granted_provider(local_server, scene, "Billetterie maison")
    assert local_server.patch("/public/providers/v1/provider", json={"notificationUrl": url}, headers=provider).ok

    # The partner finds its venue, creates the event with two price categories, then two dates.
    [group] = local_server.get("/public/offers/v1/offerer_venues", headers=provider).json()
    [venue] = group["venues"]
    accessibility = dict.fromkeys(
        (
            "audioDisabilityCompliant",
            "mentalDisabilityCompliant",
            "motorDisabilityCompliant",
            "visualDisabilityCompliant",
        ),
        False,
    )
    event = local_server.post(
        "/public/offers/v1/events",
        json={
            "name": "Les Fourberies de Scapin",
            "location": {"type": "physical", "venueId": venue["id"]},
            "categoryRelatedFields": {"category": "SPECTACLE_REPRESENTATION"},
            "accessibility": accessibility,
            "hasTicket": False,
            "idAtProvider": "scapin",
            "priceCategories": [
                {"label": "Orchestre", "price": 2400, "idAtProvider": "orch"},
                {"label": "Balcon", "price": 1500, "idAtProvider": "balc"},
            ],
        },
        headers=provider,
    )
    assert event.status_code == 200, event.text
    event_id = event.json()["id"]
    categories = {c["label"]: c["id"] for c in event.json()["priceCategories"]}
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    dates = local_server.post(
        f"/public/offers/v1/events/{event_id}/dates",
        json={
            "dates": [
                {
                    "beginningDatetime": f"{soon:%Y-%m-%dT%H:%M:%SZ}",
                    "priceCategoryId": categories["Orchestre"],
                    "quantity": 50,
                    "idAtProvider": "scapin-orch",
                },
                {
                    "beginningDatetime": f"{soon:%Y-%m-%dT%H:%M:%SZ}",
                    "priceCategoryId": categories["Balcon"],
                    "quantity": 30,
                    "idAtProvider": "scapin-balc",
                },
            ]
        },
        headers=provider,
    )
    assert dates.status_code == 200, dates.text
    balcony = next(d for d in dates.json()["dates"] if d["idAtProvider"] == "scapin-balc")
    assert balcony["priceCategory"]["price"] == 1500
    assert local_server.get(f"/public/offers/v1/events/{event_id}", headers=provider).json()["status"] == "ACTIVE"

    # A young user finds it in the feed near the venue and books the balcony.
    near = f"/feed?latitude={scene['latitude']}&longitude={scene['longitude']}&radiusKm=2"
    items = local_server.get(near, headers=scene["young"]).json()["items"]
    [offer] = [item for item in items if item["name"] == "Les Fourberies de Scapin"]
    page = local_server.get(f"/offers/{offer['id']}/public", headers=scene["young"]).json()
    [stock] = [s for s in page["stocks"] if s["priceCents"] == 1500]
    booking = local_server.post("/bookings", json={"stockId": stock["id"]}, headers=scene["young"])
    assert booking.status_code == 201, booking.text
    token = booking.json()["token"]

    # The partner is told, signed, with its own ids.
    message = signed_message(received, hmac_key)
    assert message["action"] == "BOOK"
    assert (message["offer_id"], message["stock_id"], message["venue_id"]) == (event_id, balcony["id"], venue["id"])
    assert (message["offer_name"], message["offer_price"]) == ("Les Fourberies de Scapin", 1500)
    assert (message["price_category_id"], message["stock_id_at_provider"]) == (categories["Balcon"], "scapin-balc")
    assert (message["price_category_label"], message["price_category_id_at_provider"]) == ("Balcon", "balc")
    assert message["offer_id_at_provider"] == "scapin"

    # It validates the countermark (the date is within 48 hours: the booker's period is over at once).
    checked = local_server.get(f"/public/bookings/v1/token/{token}", headers=provider)
    assert checked.status_code == 200, checked.text
    assert (checked.json()["stockId"], checked.json()["price"]) == (balcony["id"], 1500)
    assert (checked.json()["priceCategoryId"], checked.json()["priceCategoryLabel"]) == (categories["Balcon"], "Balcon")
    assert local_server.patch(f"/public/bookings/v1/use/token/{token}", headers=provider).status_code == 204
    listed = local_server.get(f"/public/offers/v1/events/{event_id}/dates?idsAtProvider=scapin-balc", headers=provider)
    [shown] = listed.json()["dates"]
    assert (shown["quantity"], shown["bookedQuantity"]) == (30, 1)

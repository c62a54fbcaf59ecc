"""Offers over real HTTP: dates, and an image posted to the presigned URL, checked after the S3 event."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e.conftest import JWT_SECRET, ROOT

pytestmark = pytest.mark.e2e


def jpeg(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 60, 30)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def scene(local_server):
    """A validated structure with a venue, one of its members and an outsider, in the server's own tables."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "ARGON2_")) and key not in {"STAGE", "TEAM_EMAIL", "JWT_SECRET"}
    }
    env.update(
        {
            "PYTHONPATH": f"{ROOT / 'layers/core/python'}:{ROOT}",
            "AWS_ENDPOINT_URL": local_server.aws_endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "eu-west-3",
            "JWT_SECRET": JWT_SECRET,
        }
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.e2e.offers_scene"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def create_offer(local_server, scene, **fields) -> dict:
    body = {"venueId": scene["venueId"], "name": "Le Misanthrope", "category": "LIVE_SHOW", **fields}
    answer = local_server.post("/offers", json=body, headers=scene["pro"])
    assert answer.status_code == 201, answer.text
    return answer.json()


def upload(local_server, scene, offer_id: str, data: bytes) -> None:
    ticket = local_server.post(f"/offers/{offer_id}/image", json={"contentType": "image/jpeg"}, headers=scene["pro"])
    assert ticket.status_code == 201, ticket.text
    form = ticket.json()["upload"]
    posted = requests.post(form["url"], data=form["fields"], files={"file": ("photo.jpg", data)}, timeout=30)
    assert posted.status_code in (200, 201, 204), posted.text


def wait_for_offer(local_server, scene, offer_id: str, predicate, timeout: float = 15.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        offer = local_server.get(f"/offers/{offer_id}", headers=scene["pro"]).json()
        if predicate(offer):
            return offer
        if time.monotonic() > deadline:
            raise AssertionError(f"the offer never got there: {offer}")
        time.sleep(0.3)


def test_dates_are_created_in_one_call_and_listed(local_server, scene):
    offer = create_offer(local_server, scene)
    assert offer["status"] == "draft"
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
    dates = [{"beginsAt": (start + timedelta(days=n)).isoformat(), "priceCents": 0, "quantity": 50} for n in range(3)]
    created = local_server.post(f"/offers/{offer['id']}/stocks", json={"stocks": dates}, headers=scene["pro"])
    assert created.status_code == 201, created.text
    listed = local_server.get(f"/offers/{offer['id']}/stocks", headers=scene["pro"]).json()["stocks"]
    assert [s["remainingQuantity"] for s in listed] == [50, 50, 50]
    shown = local_server.get(f"/offers/{offer['id']}", headers=scene["pro"]).json()
    assert shown["status"] == "published" and shown["isVisibleInApp"] is True
    assert len(shown["stocks"]) == 3


def test_an_uploaded_image_gets_checked_and_attached_and_a_small_one_is_refused(local_server, scene):
    offer = create_offer(local_server, scene)
    upload(local_server, scene, offer["id"], jpeg(500, 500))
    shown = wait_for_offer(local_server, scene, offer["id"], lambda o: o["imageUrl"] and o["thumbUrl"])
    thumb = requests.get(shown["thumbUrl"], timeout=10)
    assert thumb.status_code == 200
    from PIL import Image

    assert max(Image.open(io.BytesIO(thumb.content)).size) <= 320
    image_path = urlsplit(shown["imageUrl"]).path

    upload(local_server, scene, offer["id"], jpeg(200, 200))
    refused = wait_for_offer(local_server, scene, offer["id"], lambda o: o["imageError"])
    assert "400x400" in refused["imageError"]
    assert urlsplit(refused["imageUrl"]).path == image_path


def test_someone_elses_offer_is_not_found(local_server, scene):
    offer = create_offer(local_server, scene)
    assert local_server.get(f"/offers/{offer['id']}", headers=scene["outsider"]).status_code == 404
    assert local_server.get(f"/offers/{offer['id']}").status_code == 401

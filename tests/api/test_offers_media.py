"""Offer images through the function: the presigned upload route, then the S3 event its handler gets."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from urllib.parse import unquote_plus

import pytest
import requests
from PIL import Image

from infra.catalog import load_handler
from infra.events import s3_put_event
from passculture.config import get_settings
from passculture.models.base import utcnow
from tests.api.offers_support import build_scene, offers_api
from tests.factories import make_offer


@pytest.fixture
def api(aws):
    yield from offers_api()


@pytest.fixture
def scene(aws):
    return build_scene()


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 90, 160)).save(out, "JPEG")
    return out.getvalue()


def upload_through_the_presigned_post(api, user, offer_id: str, data: bytes) -> str:
    """Asks for an upload, posts the file as a browser would, and delivers S3's event to the function."""
    ticket = api.post(f"/offers/{offer_id}/image", as_=user, json={"contentType": "image/jpeg"})
    assert ticket.status == 201, ticket.body
    form = ticket.body["upload"]
    posted = requests.post(form["url"], data=form["fields"], files={"file": ("photo.jpg", data)}, timeout=10)
    assert posted.status_code == 204, posted.text
    event = s3_put_event(get_settings().media_bucket, ticket.body["key"], len(data))
    return load_handler("offers")(event, None)["results"][0]["outcome"]


def test_a_member_gets_a_presigned_upload_for_the_offers_image(api, scene):
    offer = make_offer(scene.venue)
    answer = api.post(f"/offers/{offer.id}/image", as_=scene.editor, json={"contentType": "image/png"})
    assert answer.status == 201, answer.body
    assert answer.body["key"].startswith(f"uploads/{offer.id}/")
    assert answer.body["upload"]["url"]
    assert answer.body["upload"]["fields"]["key"] == answer.body["key"]
    assert answer.body["upload"]["fields"]["Content-Type"] == "image/png"
    expires = datetime.fromisoformat(answer.body["expiresAt"])
    assert utcnow() < expires <= utcnow() + timedelta(minutes=15)


def test_only_jpeg_png_and_webp_may_be_uploaded(api, scene):
    offer = make_offer(scene.venue)
    answer = api.post(f"/offers/{offer.id}/image", as_=scene.admin, json={"contentType": "image/gif"})
    assert answer.status == 400 and list(answer.body["errors"]) == ["contentType"]
    assert api.post(f"/offers/{offer.id}/image", as_=scene.admin, json={}).status == 400


def test_uploading_an_image_needs_a_member(api, scene):
    offer = make_offer(scene.venue)
    body = {"contentType": "image/jpeg"}
    assert api.post(f"/offers/{offer.id}/image", json=body).status == 401
    assert api.post(f"/offers/{offer.id}/image", as_=scene.outsider, json=body).status == 404
    assert api.post("/offers/nope/image", as_=scene.admin, json=body).status == 404


def test_an_image_posted_to_the_presigned_url_shows_on_the_offer(api, scene):
    offer = make_offer(scene.venue)
    assert upload_through_the_presigned_post(api, scene.admin, offer.id, jpeg(640, 480)) == "attached"
    shown = api.get(f"/offers/{offer.id}", as_=scene.admin).body
    thumb = requests.get(shown["thumbUrl"], timeout=10)
    assert thumb.status_code == 200 and Image.open(io.BytesIO(thumb.content)).size == (320, 240)
    assert unquote_plus(shown["imageUrl"]).split("?")[0].endswith(".jpg")
    assert shown["imageError"] is None


def test_a_small_image_is_refused_and_the_previous_one_stays(api, scene):
    offer = make_offer(scene.venue)
    upload_through_the_presigned_post(api, scene.admin, offer.id, jpeg(640, 480))
    before = api.get(f"/offers/{offer.id}", as_=scene.admin).body
    assert upload_through_the_presigned_post(api, scene.admin, offer.id, jpeg(320, 320)) == "refused"
    after = api.get(f"/offers/{offer.id}", as_=scene.admin).body
    assert after["imageUrl"].split("?")[0] == before["imageUrl"].split("?")[0]
    assert "400x400" in after["imageError"]

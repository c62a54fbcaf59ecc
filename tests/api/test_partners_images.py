"""``image: {file: base64, credit}`` on a partner's events and products: checked as a pro's upload, at once."""

from __future__ import annotations

import base64
import io

import pytest

from passculture.models.offers import Offer
from passculture.services.partners import ids
from tests.api.partners_support import EVENTS, PRODUCTS, event_body, json_partners_client, offer_scene, product_body


@pytest.fixture
def client(aws):
    yield from json_partners_client()


@pytest.fixture
def scene(aws):
    return offer_scene()


def image(width: int = 600, height: int = 400, fmt: str = "PNG") -> str:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 60)).save(out, fmt)
    return base64.b64encode(out.getvalue()).decode()


def objects() -> set[str]:
    from passculture.adapters.storage import client
    from passculture.config import get_settings

    listed = client("s3").list_objects_v2(Bucket=get_settings().media_bucket)
    return {item["Key"] for item in listed.get("Contents", [])}


def test_an_event_created_with_an_image_shows_it_with_its_credit(client, scene):
    answer = client.http.post(
        EVENTS,
        headers=scene.headers,
        body=event_body(scene, image={"file": image(), "credit": "Studio Quai"}),
    )
    assert answer.status_code == 200, answer.json_body
    shown = answer.json_body["image"]
    assert shown["credit"] == "Studio Quai" and shown["url"]
    offer = Offer.get(ids.lookup("offer", answer.json_body["id"]))
    assert offer.image_key.startswith(f"images/{offer.id}/") and offer.thumb_key.startswith(f"thumbs/{offer.id}/")
    assert {offer.image_key, offer.thumb_key} <= objects()
    # A new image replaces it; the old objects are removed.
    old = {offer.image_key, offer.thumb_key}
    changed = client.http.patch(
        f"{EVENTS}/{answer.json_body['id']}",
        headers=scene.headers,
        body={"image": {"file": image(fmt="JPEG")}},
    )
    assert changed.status_code == 200, changed.json_body
    assert changed.json_body["image"]["credit"] is None
    offer = Offer.get(offer.id)
    assert offer.image_key.endswith(".jpg") and not old & objects()


def test_a_refused_image_is_a_400_on_image_file_and_nothing_is_created(client, scene):
    before = objects()
    small = client.http.post(EVENTS, headers=scene.headers, body=event_body(scene, image={"file": image(300, 300)}))
    assert small.status_code == 400
    assert small.json_body == {"image.file": ["The image must be at least 400x400 pixels (it is 300x300)"]}
    garbage = client.http.post(EVENTS, headers=scene.headers, body=event_body(scene, image={"file": "not base64!"}))
    assert garbage.status_code == 400 and list(garbage.json_body) == ["image.file"]
    text = base64.b64encode(b"hello, not an image").decode()
    not_image = client.http.post(EVENTS, headers=scene.headers, body=event_body(scene, image={"file": text}))
    assert not_image.status_code == 400 and not_image.json_body == {
        "image.file": ["The file is not a JPEG, PNG or WebP image"]
    }
    extra = client.http.post(EVENTS, headers=scene.headers, body=event_body(scene, image={"file": image(), "x": 1}))
    assert extra.status_code == 400 and extra.json_body == {"image.x": ["extra fields not permitted"]}
    assert Offer.venue_index.count(scene.venue.id) == 1 and objects() == before
    # An offer not saved (its idAtProvider taken) leaves no image behind.
    assert client.http.post(EVENTS, headers=scene.headers, body=event_body(scene, idAtProvider="a")).status_code == 200
    taken = client.http.post(
        EVENTS,
        headers=scene.headers,
        body=event_body(scene, idAtProvider="a", image={"file": image()}),
    )
    assert taken.status_code == 400 and objects() == before


def test_a_product_takes_an_image_too(client, scene):
    body = product_body(scene, image={"file": image(), "credit": "Gallimard"})
    answer = client.http.post(PRODUCTS, headers=scene.headers, body=body)
    assert answer.status_code == 201, answer.json_body
    assert answer.json_body["image"]["credit"] == "Gallimard"
    product_id = answer.json_body["id"]
    null = client.http.patch(PRODUCTS, headers=scene.headers, body={"offerId": product_id, "image": None})
    assert null.status_code == 400 and list(null.json_body) == ["image"]
    fetched = client.http.get(f"{PRODUCTS}/{product_id}", headers=scene.headers)
    assert fetched.json_body["image"]["credit"] == "Gallimard"

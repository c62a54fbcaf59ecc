"""Offer images: the presigned upload, and the check the S3 put triggers."""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib

import pytest
from PIL import Image

from infra.events import s3_put_event
from passculture.adapters.aws import client
from passculture.adapters.media_links import media_url
from passculture.config import get_settings
from passculture.models.offers import Offer
from passculture.services.catalogue.media import (
    MAX_IMAGE_BYTES,
    ImageRefused,
    check_image,
    handle_s3_event,
    request_upload,
)
from tests.factories import make_offer, make_offerer, make_venue


def picture(fmt: str = "JPEG", width: int = 500, height: int = 500, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    color = (30, 120, 200, 128) if mode == "RGBA" else (30, 120, 200)
    Image.new(mode, (width, height), color[: len(mode)]).save(out, fmt)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width`` x ``height`` pixels."""
    data = bytearray(picture("PNG", 1, 1))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17]))
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return bytes(data)


def bucket() -> str:
    return get_settings().media_bucket


def keys(prefix: str) -> list[str]:
    answer = client("s3").list_objects_v2(Bucket=bucket(), Prefix=prefix)
    return [o["Key"] for o in answer.get("Contents", [])]


def put_upload(offer, data: bytes, upload_id: str = "5f0c2c7e-6a1b-4a8e-9d3f-2b7c1e0a4d15") -> dict:
    key = f"uploads/{offer.id}/{upload_id}"
    client("s3").put_object(Bucket=bucket(), Key=key, Body=data)
    return s3_put_event(bucket(), key, len(data))


@pytest.fixture
def offer(aws):
    return make_offer(make_venue(make_offerer()))


# -- the check -------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "mode"), [("JPEG", "RGB"), ("PNG", "RGBA"), ("WEBP", "RGB"), ("PNG", "L")])
def test_jpeg_png_and_webp_images_are_accepted_with_a_jpeg_thumbnail(fmt, mode):
    checked = check_image(picture(fmt, 1200, 800, mode))
    assert (checked.width, checked.height) == (1200, 800)
    thumb = Image.open(io.BytesIO(checked.thumbnail))
    assert thumb.format == "JPEG" and thumb.size == (320, 213)


@pytest.mark.parametrize(("width", "height"), [(399, 800), (800, 399), (100, 100)])
def test_an_image_smaller_than_400_pixels_a_side_is_refused(width, height):
    with pytest.raises(ImageRefused, match="400x400"):
        check_image(picture("JPEG", width, height))


@pytest.mark.parametrize(
    "data",
    [picture("GIF", 500, 500, "L"), picture("BMP", 500, 500), b"not an image at all", b""],
    ids=["gif", "bmp", "text", "empty"],
)
def test_anything_but_jpeg_png_or_webp_is_refused(data):
    with pytest.raises(ImageRefused, match="not a JPEG, PNG or WebP"):
        check_image(data)


def test_a_truncated_image_is_refused():
    data = picture("PNG", 600, 600)
    with pytest.raises(ImageRefused, match="decoded"):
        check_image(data[: len(data) // 2])


def test_a_file_over_ten_megabytes_is_refused():
    with pytest.raises(ImageRefused, match="10 MB"):
        check_image(b"\xff" * (MAX_IMAGE_BYTES + 1))


def test_an_image_with_too_many_pixels_is_refused_before_decoding():
    with pytest.raises(ImageRefused, match="million pixels"):
        check_image(png_claiming(8_000, 7_000))


# -- the presigned upload --------------------------------------------------------


def test_the_presigned_upload_is_bounded_to_the_type_the_size_and_the_key(offer):
    ticket = request_upload(offer, "image/webp")
    assert ticket.key.startswith(f"uploads/{offer.id}/")
    fields = ticket.fields
    assert fields["key"] == ticket.key and fields["Content-Type"] == "image/webp"
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1, MAX_IMAGE_BYTES] in conditions
    assert {"Content-Type": "image/webp"} in conditions
    assert {"key": ticket.key} in conditions


def test_image_urls_use_the_media_base_url_when_set(aws, monkeypatch):
    assert "X-Amz-Signature=" in media_url("images/o/1.jpg")
    monkeypatch.setenv("MEDIA_BASE_URL", "https://media.example.org/")
    get_settings.cache_clear()
    try:
        assert media_url("images/o/1.jpg") == "https://media.example.org/images/o/1.jpg"
    finally:
        monkeypatch.delenv("MEDIA_BASE_URL")
        get_settings.cache_clear()
    assert media_url(None) is None


# -- the S3 event ----------------------------------------------------------------


def test_an_uploaded_image_is_stored_with_its_thumbnail_and_attached(offer):
    result = handle_s3_event(put_upload(offer, picture("PNG", 800, 600)))
    assert result["results"][0]["outcome"] == "attached"
    stored = Offer.get(offer.id)
    assert stored.image_key.startswith(f"images/{offer.id}/") and stored.image_key.endswith(".png")
    assert stored.thumb_key.startswith(f"thumbs/{offer.id}/") and stored.thumb_key.endswith(".jpg")
    assert keys("images/") == [stored.image_key]
    assert keys("thumbs/") == [stored.thumb_key]
    assert keys("uploads/") == []
    head = client("s3").head_object(Bucket=bucket(), Key=stored.image_key)
    assert head["ContentType"] == "image/png"


def test_a_new_image_replaces_the_previous_one_and_its_files(offer):
    handle_s3_event(put_upload(offer, picture(), "11111111-1111-4111-8111-111111111111"))
    handle_s3_event(put_upload(offer, picture("WEBP"), "22222222-2222-4222-8222-222222222222"))
    stored = Offer.get(offer.id)
    assert stored.image_key == f"images/{offer.id}/22222222-2222-4222-8222-222222222222.webp"
    assert keys("images/") == [stored.image_key]
    assert keys("thumbs/") == [stored.thumb_key]


def test_a_refused_file_is_removed_and_the_offer_keeps_its_image(offer):
    handle_s3_event(put_upload(offer, picture(), "11111111-1111-4111-8111-111111111111"))
    before = Offer.get(offer.id)
    result = handle_s3_event(put_upload(offer, picture("JPEG", 300, 300), "22222222-2222-4222-8222-222222222222"))
    assert result["results"][0]["outcome"] == "refused"
    after = Offer.get(offer.id)
    assert (after.image_key, after.thumb_key) == (before.image_key, before.thumb_key)
    assert "400x400" in after.image_error
    assert keys("uploads/") == []
    assert keys("images/") == [before.image_key]


def test_an_accepted_image_clears_the_last_refusal(offer):
    handle_s3_event(put_upload(offer, b"garbage", "11111111-1111-4111-8111-111111111111"))
    assert Offer.get(offer.id).image_error
    handle_s3_event(put_upload(offer, picture(), "22222222-2222-4222-8222-222222222222"))
    assert Offer.get(offer.id).image_error is None


def test_a_repeated_event_changes_nothing(offer):
    event = put_upload(offer, picture())
    handle_s3_event(event)
    attached = Offer.get(offer.id).image_key
    assert handle_s3_event(event)["results"][0]["outcome"] == "missing"
    assert Offer.get(offer.id).image_key == attached


def test_an_image_for_an_unknown_offer_is_not_kept(aws):
    ghost = Offer("0b6b7c1e-2f0e-4f58-9d1c-3a5e7f9b2c03")
    assert handle_s3_event(put_upload(ghost, picture()))["results"][0]["outcome"] == "no-offer"
    assert keys("") == []
    with pytest.raises(Offer.DoesNotExist):
        Offer.get(ghost.id)


def test_events_of_other_buckets_or_prefixes_are_left_alone(offer):
    client("s3").put_object(Bucket=bucket(), Key="images/elsewhere.jpg", Body=picture())
    other_prefix = s3_put_event(bucket(), "images/elsewhere.jpg", 10)
    other_bucket = s3_put_event("someone-elses-bucket", f"uploads/{offer.id}/x", 10)
    assert handle_s3_event(other_prefix)["results"][0]["outcome"] == "skipped"
    assert handle_s3_event(other_bucket)["results"][0]["outcome"] == "skipped"
    assert keys("images/") == ["images/elsewhere.jpg"]


def test_an_upload_under_an_unexpected_key_is_removed(aws):
    client("s3").put_object(Bucket=bucket(), Key="uploads/../../etc", Body=b"x")
    assert handle_s3_event(s3_put_event(bucket(), "uploads/../../etc", 1))["results"][0]["outcome"] == "ignored"
    assert keys("uploads/") == []

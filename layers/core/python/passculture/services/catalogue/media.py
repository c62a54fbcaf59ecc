"""Offer images: presigned uploads, then the check the S3 put triggers.

The browser posts the file straight to S3 under ``uploads/<offerId>/<uuid>``
(the presigned policy bounds its type and size). The put triggers
``handle_s3_event``: the file is decoded with Pillow (JPEG, PNG or WebP only,
at least 400x400, at most 10 MB), stored under ``images/`` with a thumbnail
under ``thumbs/``, and both are attached to the offer. A refused file is
deleted, the offer keeps its previous image and shows why in ``imageError``.

Image URLs: ``adapters.media_links.media_url`` (``MEDIA_BASE_URL`` + key when
it is set, a CDN; else a presigned GET, the bucket being private).
"""

from __future__ import annotations

import io
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote_plus

from passculture.config import get_settings
from passculture.models.base import utcnow
from passculture.models.offers import Offer

logger = logging.getLogger(__name__)

UPLOAD_PREFIX = "uploads/"
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MIN_SIDE = 400
# A 10 MB PNG can still decode to gigabytes: refuse more pixels than a large photo has.
MAX_PIXELS = 50_000_000
THUMB_SIDE = 320
UPLOAD_SECONDS = 600
# Pillow format -> (extension, content type)
FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
UPLOAD_KEY = re.compile(r"^uploads/(?P<offer>[A-Za-z0-9-]{1,64})/(?P<upload>[0-9a-f-]{36})$")


class ImageRefused(Exception):
    """The uploaded file is not an image we accept; the message says why, for the pro."""


@dataclass(frozen=True)
class CheckedImage:
    extension: str
    content_type: str
    width: int
    height: int
    thumbnail: bytes


@dataclass(frozen=True)
class Upload:
    """Where and how the browser posts one image: S3's URL and form fields, for ``key``, until ``expires_at``."""

    url: str
    fields: dict[str, str]
    key: str
    expires_at: datetime


def request_image_upload(principal: Any, offer_id: str, content_type: str) -> Upload:
    """A presigned upload for a new image of one of the caller's offers (a member of its structure)."""
    from passculture.services.catalogue.offers import offer_for

    return request_upload(offer_for(principal, offer_id), content_type)


def request_upload(offer: Offer, content_type: str) -> Upload:
    """A presigned POST for a new image of ``offer``, bounded to ``content_type`` and 10 MB."""
    from passculture.adapters import storage

    key = f"{UPLOAD_PREFIX}{offer.id}/{uuid.uuid4()}"
    upload = storage.presigned_post(key, content_type, MAX_IMAGE_BYTES, UPLOAD_SECONDS)
    return Upload(upload["url"], upload["fields"], key, utcnow() + timedelta(seconds=UPLOAD_SECONDS))


def check_image(data: bytes) -> CheckedImage:
    """Decodes ``data`` fully and makes its thumbnail; ImageRefused says what is wrong."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRefused("The image is larger than 10 MB")
    try:
        # Only the three decoders we accept ever see the bytes.
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ImageRefused(f"The image has more than {MAX_PIXELS // 1_000_000} million pixels")
            image.load()
            fmt = image.format or ""
            if min(width, height) < MIN_SIDE:
                raise ImageRefused(f"The image must be at least {MIN_SIDE}x{MIN_SIDE} pixels (it is {width}x{height})")
            thumb = ImageOps.exif_transpose(image)
            thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
            if thumb.mode in ("RGBA", "LA", "P"):
                thumb = thumb.convert("RGBA")
                flat = Image.new("RGB", thumb.size, (255, 255, 255))
                flat.paste(thumb, mask=thumb.getchannel("A"))
                thumb = flat
            elif thumb.mode != "RGB":
                thumb = thumb.convert("RGB")
            out = io.BytesIO()
            thumb.save(out, "JPEG", quality=85, optimize=True)
    except ImageRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise ImageRefused("The file is not a JPEG, PNG or WebP image") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        # Truncated or corrupt data fails while decoding.
        raise ImageRefused("The image could not be decoded (truncated or corrupt file)") from exc
    extension, content_type = FORMATS[fmt]
    return CheckedImage(extension, content_type, width, height, out.getvalue())


def process_upload(bucket: str, key: str) -> str:
    """Checks one uploaded file and attaches it to its offer; returns the outcome."""
    from passculture.adapters import storage

    match = UPLOAD_KEY.match(key)
    if match is None:
        logger.warning("unexpected upload key %s: removed", key)
        storage.delete_object(key, bucket)
        return "ignored"
    offer_id, upload_id = match["offer"], match["upload"]
    data = storage.read_object(key, MAX_IMAGE_BYTES, bucket)
    if data is None:
        return "missing"  # a repeated delivery of an upload already handled
    try:
        checked = check_image(data)
    except ImageRefused as refusal:
        logger.info("image %s refused: %s", key, refusal)
        _record_refusal(offer_id, str(refusal))
        storage.delete_object(key, bucket)
        return "refused"
    # Named after the upload, so a retried event rewrites the same objects.
    image_key, thumb_key = store_checked(offer_id, upload_id, data, checked, bucket)
    previous = _attach(offer_id, image_key, thumb_key)
    storage.delete_object(key, bucket)
    if previous is None:
        storage.delete_object(image_key, bucket)
        storage.delete_object(thumb_key, bucket)
        return "no-offer"
    for old in previous:
        if old and old not in (image_key, thumb_key):
            storage.delete_object(old, bucket)
    return "attached"


def store_checked(
    offer_id: str, name: str, data: bytes, checked: CheckedImage, bucket: str | None = None
) -> tuple[str, str]:
    """Writes a checked image and its thumbnail for ``offer_id``; their keys (``images/...``, ``thumbs/...``)."""
    from passculture.adapters import storage

    image_key = f"images/{offer_id}/{name}.{checked.extension}"
    thumb_key = f"thumbs/{offer_id}/{name}.jpg"
    storage.write_object(image_key, data, checked.content_type, bucket)
    storage.write_object(thumb_key, checked.thumbnail, "image/jpeg", bucket)
    return image_key, thumb_key


def _attach(offer_id: str, image_key: str, thumb_key: str) -> tuple[str | None, str | None] | None:
    """Points the offer at its new image; the keys it replaced, or None when the offer is gone."""
    from pynamodb.exceptions import DoesNotExist, UpdateError

    try:
        offer = Offer.get(offer_id, consistent_read=True)
    except DoesNotExist:
        return None
    previous = (offer.image_key, offer.thumb_key)
    try:
        offer.update(
            actions=[
                Offer.image_key.set(image_key),
                Offer.thumb_key.set(thumb_key),
                Offer.image_error.remove(),
                Offer.updated_at.set(utcnow()),
            ],
            condition=Offer.id.exists(),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return previous


def _record_refusal(offer_id: str, reason: str) -> None:
    from pynamodb.exceptions import UpdateError

    try:
        Offer(offer_id).update(
            actions=[Offer.image_error.set(reason), Offer.updated_at.set(utcnow())],
            condition=Offer.id.exists(),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def handle_s3_event(event: dict[str, Any]) -> dict[str, Any]:
    """Handles every object-created record of an S3 event; returns the outcome of each.

    Only the media bucket's uploads are handled: anything else is left alone.
    """
    bucket = get_settings().media_bucket
    results = []
    for record in event.get("Records") or []:
        s3 = record.get("s3") or {}
        key = unquote_plus((s3.get("object") or {}).get("key") or "")
        created = str(record.get("eventName", "")).startswith("ObjectCreated")
        if not created or (s3.get("bucket") or {}).get("name") != bucket or not key.startswith(UPLOAD_PREFIX):
            results.append({"key": key, "outcome": "skipped"})
            continue
        results.append({"key": key, "outcome": process_upload(bucket, key)})
    return {"results": results}

"""Imported events' images: fetched from the feed's address into the media bucket, in the background.

An import lists the offers whose event gives an image address other than the
one last fetched (``Offer.image_source``) and starts the ``agenda-images`` job
(at most ``ITEMS_PER_JOB`` offers per job, so an event stays well under
Lambda's 256 KB). Each page fetches a few images with the feeds' guards
(``adapters.feeds.fetch_image``: public addresses only, timeouts, the 10 MB
image limit) and puts each under ``uploads/<offer id>/<uuid>``, where the S3
notification runs the same check as a pro's upload (decoded, at least 400x400,
thumbnail, attached to the offer or refused in ``imageError``). A fetch that
fails is said in ``imageError`` too; either way the address is remembered, so
it is tried again only when the feed gives another one.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from passculture.models.offers import Offer
from passculture.services.jobs import Progress

logger = logging.getLogger(__name__)

ITEMS_PER_JOB = 200
PAGE_SIZE = 5


def start_image_jobs(items: list[tuple[str, str]]) -> None:
    """Starts the fetch of each (offer id, image URL), in jobs of ``ITEMS_PER_JOB``."""
    from passculture.services.jobs import start_job

    for first in range(0, len(items), ITEMS_PER_JOB):
        chunk = [list(item) for item in items[first : first + ITEMS_PER_JOB]]
        try:
            start_job("agenda-images", {"items": chunk})
        except Exception:
            # The import itself is done; these images are fetched when their address changes again.
            logger.exception("the images of %d imported offers could not be queued", len(chunk))


def images_page(args: dict[str, Any], cursor: Any) -> Progress:
    """One page of the ``agenda-images`` job: a few images fetched and uploaded; the cursor is the next position."""
    from pynamodb.exceptions import UpdateError

    from passculture.adapters import storage
    from passculture.adapters.feeds import FeedError, fetch_image
    from passculture.services.catalogue.media import MAX_IMAGE_BYTES, UPLOAD_PREFIX

    items = args["items"]
    start = int(cursor or 0)
    page = items[start : start + PAGE_SIZE]
    for offer_id, url in page:
        actions = [Offer.image_source.set(url)]
        try:
            data, content_type = fetch_image(url, MAX_IMAGE_BYTES)
            storage.write_object(f"{UPLOAD_PREFIX}{offer_id}/{uuid.uuid4()}", data, content_type.split(";")[0])
        except FeedError as exc:
            actions.append(Offer.image_error.set(f"The event's image could not be fetched: {exc.reason}"))
        try:
            Offer(offer_id).update(actions=actions, condition=Offer.id.exists())
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
    following = start + len(page)
    return Progress.next(following if following < len(items) else None, len(page))

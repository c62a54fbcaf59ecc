"""Lambda entry point of the offers function (handler: ``functions/offers/app.handler``).

HTTP events go to the Chalice app; S3 ``ObjectCreated`` events under
``uploads/`` run the image check; the schedule re-applies the publication rule
to published offers (dates that passed, a switch of the free-only phase), as the
first invocation of a job; job events (``services.jobs``) run the catalogue's
background work page by page: that refresh, a structure's offers after its
status changed, a deleted stock's bookings.
"""

from __future__ import annotations

from typing import Any

from functions.offers.routes import make_blueprint
from passculture.web import create_app
from passculture.web.entry import make_handler


def on_image_uploaded(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Checks each uploaded image, stores it with its thumbnail, attaches both to the offer."""
    from passculture.services.catalogue.media import handle_s3_event

    return handle_s3_event(event)


def on_schedule(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Refreshes the status and app visibility of every published offer (its first pages, then hands over)."""
    from passculture.services.catalogue.jobs import refresh_published

    return refresh_published(context)


def on_job(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Runs pages of a catalogue job until it is done or time is short, then hands the rest to a new invocation."""
    from passculture.services.catalogue.jobs import run

    return run(event, context)


app = create_app("offers", make_blueprint)
handler = make_handler(app, s3=on_image_uploaded, schedule=on_schedule, job=on_job)

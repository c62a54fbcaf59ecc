"""Lambda entry point of the offers function (handler: ``functions/offers/app.handler``).

HTTP events go to the Chalice app; S3 ``ObjectCreated`` events under
``uploads/`` run the image check; the schedule re-applies the publication rule
to published offers (dates that passed, a switch of the free-only phase).
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
    """Refreshes the status and app visibility of every published offer."""
    from passculture.services.catalogue.publication import refresh_published_offers

    return {"changed": refresh_published_offers()}


app = create_app("offers", make_blueprint)
handler = make_handler(app, s3=on_image_uploaded, schedule=on_schedule)

"""Lambda entry point of the notify function (handler: ``functions/notify/app.handler``).

Fed by the bookings table's DynamoDB stream; it serves no HTTP route (no blueprint).
"""

from __future__ import annotations

from typing import Any

from passculture.web import create_app
from passculture.web.entry import make_handler

app = create_app("notify")


def on_booking_records(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A batch of booking changes; failed records are reported for redelivery."""
    from passculture.services.notifications.booking_emails import handle_stream_batch

    return handle_stream_batch(event.get("Records") or [])


handler = make_handler(app, dynamodb=on_booking_records)

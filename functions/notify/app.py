"""Lambda entry point of the notify function (handler: ``functions/notify/app.handler``).

Fed by the bookings table's DynamoDB stream (booking emails, and messages to partners);
it serves no HTTP route (no blueprint). Its schedule retries the parked ticket cancellations.
An operator's ``{"action": "resend-mail"}`` (``aws lambda invoke``, or ``make resend-mail``
locally) resends the parked emails (README "Failure modes").
"""

from __future__ import annotations

from typing import Any

from passculture.web import create_app
from passculture.web.entry import make_handler

app = create_app("notify")


def _clock(context: Any) -> Any:
    return getattr(context, "get_remaining_time_in_millis", None)


def on_booking_records(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A batch of booking changes; failed records are reported for redelivery."""
    from passculture.services.notifications.booking_emails import handle_stream_batch

    return handle_stream_batch(event.get("Records") or [], _clock(context))


def on_action(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """An operator's command: ``resend-mail`` (optionally ``"limit": N``) resends what was parked.

    The parked emails, and the partner messages (sent again by ``partner_messages.resend``).
    """
    from passculture.services.notifications.failed_mails import resend_parked
    from passculture.services.notifications.partner_messages import resend

    if event.get("action") != "resend-mail":
        raise ValueError(f"the notify function has no action {event.get('action')!r} (only 'resend-mail')")
    limit = event.get("limit")
    return resend_parked(int(limit) if limit else None, _clock(context), send_partner=resend).as_dict()


def on_schedule(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Every 10 minutes: the parked ticket cancellations are tried again (never dropped while due)."""
    from passculture.services.notifications.failed_mails import resend_parked
    from passculture.services.notifications.partner_messages import resend

    report = resend_parked(None, _clock(context), send_partner=resend, channels=frozenset({"ticketing"}))
    return report.as_dict()


handler = make_handler(app, dynamodb=on_booking_records, schedule=on_schedule, action=on_action)

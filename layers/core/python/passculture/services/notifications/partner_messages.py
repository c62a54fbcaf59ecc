"""Booking notifications to partners, driven by the bookings stream (never the booking's request path).

On a new booking (INSERT ``booked``) and a cancellation (MODIFY ``booked`` ->
``cancelled``) of a venue granted to providers (not of a ticketed booking: its
partner issued the tickets and is called to cancel them, ``booking.ticketing``), each granted provider with a
notification URL (the venue's, set on its grant, else the provider's) gets one
POST: the ticketing request's fields and ``"action": "BOOK" | "CANCEL"``
(``rules.partners.notification_fields``), as a JSON text encoded once more as a
JSON string, signed ``PassCulture-Signature: hex(HMAC-SHA256(hmac_key, text))``.

What it reads: nothing more for a venue never granted (it has no integer id:
known from the venue item the emails read anyway, or the booking's copy); for a
granted one, per batch, one ``Query`` of its grants and one ``BatchGetItem`` of
their providers. The message is built from the booking's copies (integer ids,
booker's names); a booking that lacks an id is given it (``ids.fill_booking_ids``).

Sending is the emails' machinery (``booking_emails``): a lease on a ``uniques``
claim ``notify#<eventID>#partner:<provider id>`` taken by one conditional
``UpdateItem`` that counts the attempt, settled ``sent`` once the partner
answered 2xx. One attempt is a POST through the feeds' guarded fetcher
(``adapters.feeds.post_message``: the address guards, a connect/read timeout,
retries with jittered backoff on 5xx and connection failures within
``PARTNER_MESSAGE_TOTAL_SECONDS``). A failed attempt releases the lease and
fails the record, so Lambda delivers it again; after ``NOTIFY_MAX_ATTEMPTS``
(at once for an answer no retry changes: a 4xx, a redirect, an address the guards refuse)
the message is parked in ``failed_mails`` with its reason (``channel``
``partner``, counted in ``PartnerMessagesParked``) and the batch moves on.
``make resend-mail`` / the ``resend-mail`` action sends it again (``resend``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from passculture.adapters.streams import image_values

logger = logging.getLogger(__name__)

MARGIN_MS = 5_000  # kept, past a message's whole budget, before the invocation's end
TRANSIENT_4XX = frozenset({408, 425, 429})
KINDS = {"BOOK": "partner-booking", "CANCEL": "partner-cancellation"}


class NoTimeLeft(Exception):
    """Too little of the invocation is left for a message's budget: the record is delivered again."""


@dataclass(frozen=True)
class Target:
    """One provider to tell, for one venue, at the URL that applies."""

    provider: Any
    url: str


@dataclass(frozen=True)
class Message:
    action: str
    token: str
    venue_id: str
    text: str  # the JSON text: what is signed


def action_of(record: dict[str, Any]) -> str | None:
    """BOOK, CANCEL, or None (nothing to tell)."""
    data = record.get("dynamodb") or {}
    new, old = image_values(data.get("NewImage")), image_values(data.get("OldImage"))
    event = record.get("eventName")
    if event == "INSERT" and new and new.get("status") == "booked":
        return "BOOK"
    if event == "MODIFY" and new and old and old.get("status") == "booked" and new.get("status") == "cancelled":
        return "CANCEL"
    return None


def _venue_values(venue: Any) -> dict[str, Any]:
    if venue is None:
        return {}
    return {"name": venue.name, "address": venue.address, "department_code": venue.department_code}


def targets(venue_id: str, booking: dict[str, Any], venue: Any, cache: dict[str, list[Target]]) -> list[Target]:
    """The providers granted ``venue_id`` that have a notification URL for it (read once per batch)."""
    if venue_id in cache:
        return cache[venue_id]
    if booking.get("venue_public_id") is None and (venue is None or venue.public_id is None):
        cache[venue_id] = []  # never granted: a venue gets its integer id at its first grant
        return []
    from passculture.models.base import batch_get
    from passculture.models.providers import Provider
    from passculture.models.venue_providers import VenueProvider
    from passculture.rules.partners import urls_of

    grants = list(VenueProvider.query(venue_id))
    found: list[Target] = []
    if grants:
        providers = batch_get([(Provider, {"id": {"N": str(int(g.provider_id))}}) for g in grants])[Provider]
        by_id = {int(p.id): p for p in providers}
        for grant in sorted(grants, key=lambda g: int(g.provider_id)):
            provider = by_id.get(int(grant.provider_id))
            if provider is None or not provider.is_active or venue_id not in (provider.venue_ids or set()):
                continue
            url = urls_of(grant, provider)["notification_url"]
            if url:
                found.append(Target(provider, url))
    cache[venue_id] = found
    return found


def _with_ids(record: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The booking's values with its integer ids and its offer's, stock's and venue's (given them if need be)."""
    wanted = ("public_id", "offer_public_id", "stock_public_id", "venue_public_id")
    if all(values.get(name) is not None for name in wanted):
        return values
    from passculture.models.bookings import Booking
    from passculture.services.partners import ids

    booking = Booking.from_raw_data((record.get("dynamodb") or {}).get("NewImage"))
    ids.fill_booking_ids([booking], save=True)
    return {**values, **{name: getattr(booking, name) for name in wanted}}


def message_for(record: dict[str, Any], action: str, values: dict[str, Any], venue: Any) -> Message:
    from passculture.rules.partners import message_text, notification_fields
    from passculture.services.notifications.booking_emails import _parse_time

    created = _parse_time(values.get("created_at"))
    begins = _parse_time(values.get("begins_at"))
    fields = notification_fields(values, action, created, begins, _venue_values(venue))
    return Message(action, str(values["token"]), str(values["venue_id"]), message_text(fields))


def post(provider: Any, url: str, text: str) -> int:
    """One attempt: the signed POST through the guarded fetcher; the partner's 2xx status, or FeedError."""
    from passculture.adapters.feeds import post_message
    from passculture.config import get_settings
    from passculture.rules.partners import SIGNATURE_HEADER, message_body, signature

    settings = get_settings()
    return post_message(
        url,
        message_body(text),
        {SIGNATURE_HEADER: signature(provider.hmac_key, text)},
        timeout=settings.partner_message_timeout_seconds,
        total=settings.partner_message_total_seconds,
    )


def is_permanent(error: BaseException) -> bool:
    """A refusal no retry changes: the guards refused the address, or the partner answered a 4xx."""
    from passculture.adapters.feeds import FeedError

    if not isinstance(error, FeedError):
        return False
    if error.permanent:
        return True
    return error.status is not None and 400 <= error.status < 500 and error.status not in TRANSIENT_4XX


def _describe(error: BaseException) -> str:
    from passculture.adapters.feeds import FeedError

    return error.reason if isinstance(error, FeedError) else f"{type(error).__name__}: {error}"


def send_once(record: dict[str, Any], message: Message, target: Target, remaining_ms: Any = None) -> bool:
    """Sends unless this record already sent (or parked) this message; True when it sent. Raises to be retried."""
    from passculture.config import get_settings
    from passculture.models.base import utcnow
    from passculture.models.uniques import Unique
    from passculture.services.notifications import booking_emails as emails
    from passculture.services.notifications.failed_mails import Email, park

    settings = get_settings()
    budget_ms = settings.partner_message_total_seconds * 1000 + MARGIN_MS
    if remaining_ms is not None and remaining_ms() < budget_ms:
        raise NoTimeLeft(f"{remaining_ms()} ms left, a message may take {budget_ms:.0f} ms")
    lease = timedelta(seconds=settings.notify_lease_seconds)
    provider_id = int(target.provider.id)
    key = emails.claim_key(record, f"partner:{provider_id}")
    try:
        claim = emails._claim(key, message.token, utcnow(), lease)
    except emails.LeaseHeld as held:
        if not emails._wait_for(held.args[0], remaining_ms):
            raise
        claim = emails._claim(key, message.token, utcnow(), lease)
    if claim is None:
        return False
    attempts = int(claim.count or 1)

    def give_up(reason: str) -> bool:
        email = Email(
            KINDS[message.action],
            f"booking:{message.token}",
            (target.url,),
            f"{message.action} booking {message.token} to provider {provider_id}",
            message.text,
        )
        park(
            email,
            function="notify",
            reason=reason,
            attempts=attempts,
            first_attempt_at=claim.created_at,
            mail_id=key,
            metric="PartnerMessagesParked",
            channel="partner",
            provider_id=provider_id,
            venue_id=message.venue_id,
        )
        emails._settle(claim, [Unique.extra.set(emails.PARKED), Unique.lease_until.remove()])
        return False

    if attempts > settings.notify_max_attempts:
        return give_up(f"no answer from the partner in {attempts - 1} attempts (the function stopped while sending)")
    try:
        status = post(target.provider, target.url, message.text)
    except Exception as exc:
        logger.warning("partner message %s (%s) to provider %s failed: %s", key, message.action, provider_id, exc)
        if is_permanent(exc) or attempts >= settings.notify_max_attempts:
            return give_up(_describe(exc))
        try:
            emails._settle(claim, [Unique.lease_until.set(utcnow())])  # released: the redelivery sends at once
        except Exception:
            logger.exception("could not release the claim %s", key)
        raise
    try:
        done = [Unique.extra.set(emails.SENT), Unique.used_at.set(utcnow()), Unique.message_id.set(f"HTTP {status}")]
        emails._settle(claim, done)
    except Exception:
        logger.exception("partner message %s delivered (HTTP %s) but not recorded as sent", key, status)
    return True


def handle_record(
    record: dict[str, Any], venues: dict[str, Any], cache: dict[str, list[Target]], remaining_ms: Any = None
) -> int:
    """The record's messages to partners, each sent at most once; how many were sent."""
    action = action_of(record)
    if action is None:
        return 0
    from passculture.services.notifications.booking_emails import _venue

    values = image_values((record.get("dynamodb") or {}).get("NewImage")) or {}
    venue_id = values.get("venue_id")
    if not venue_id or values.get("tickets"):
        return 0  # a ticketed booking: the partner issued (and cancels) its tickets itself (``booking.ticketing``)
    venue = _venue(venue_id, venues)
    found = targets(str(venue_id), values, venue, cache)
    if not found:
        return 0
    message = message_for(record, action, _with_ids(record, values), venue)
    return sum(send_once(record, message, target, remaining_ms) for target in found)


# -- resending -------------------------------------------------------------------


def resend(item: Any) -> str | None:
    """Sends a parked message again, to the URL that applies now, signed with the provider's key.

    ``"HTTP <status>"`` once delivered; None when it is no longer due (the venue's
    grant withdrawn, the provider inactive or gone, no URL any more); raises when
    it failed again. The URL it went to is kept on the item.
    """
    from passculture.models.failed_mails import FailedMail
    from passculture.models.providers import Provider
    from passculture.models.venue_providers import VenueProvider
    from passculture.rules.partners import urls_of

    if item.channel == "ticketing":  # a ticket cancellation (``booking.ticketing``): never dropped while due
        from passculture.services.booking.ticketing import resend as resend_cancellation

        return resend_cancellation(item)
    try:
        provider = Provider.get(int(item.provider_id), consistent_read=True)
        grant = VenueProvider.get(item.venue_id, int(item.provider_id), consistent_read=True)
    except (Provider.DoesNotExist, VenueProvider.DoesNotExist):
        return None
    url = urls_of(grant, provider)["notification_url"]
    if not provider.is_active or not url:
        return None
    if list(item.recipients) != [url]:
        item.update(actions=[FailedMail.recipients.set([url])])
    return f"HTTP {post(provider, url, item.body)}"

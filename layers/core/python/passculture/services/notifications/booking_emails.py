"""Emails driven by the bookings stream.

- a new booking (INSERT, ``booked``): the venue's booking address gets the
  countermark, the booker's public name and email, the offer and its date; the
  booker gets the countermark, the offer, its date and the venue's address;
- a cancellation (MODIFY ``booked`` -> ``cancelled``): the other side is told.
  Cancelled by the booker (``cancelled_by`` ``user:<the booker's id>``): the
  venue; by anyone else (the structure's API key ``key:<prefix>`` or member
  ``user:<member id>``, a stock deletion ``offerer:<id>``): the booker.

Redelivery (a batch retried after a failure, a replayed shard) must not send
twice: before sending, each (stream record, recipient) claims a ``uniques``
item ``notify#<eventID>#<recipient>`` conditionally, and marks it ``sent``
after. A redelivered record finds the claim and sends nothing. A send that
raises releases its claim, so the retry sends it. A claim that stays
``claimed`` (the invocation died between claiming and sending, or before the
mark) may be taken again after ``STALE_CLAIM``: an email is lost only if the
claim outlives that and the send never happened, and it is sent twice only if
an invocation died after SES accepted it but before marking it, and after
``STALE_CLAIM``. Between "at most once" (claim, never release) and "at least
once" (mark after sending), this is at most once per delivery attempt, retried
on reported errors.

Records of a batch are handled in order; at the first failure, that record and
every later one are reported in ``batchItemFailures`` so Lambda resumes there
and a booking's emails never overtake each other.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from passculture.adapters.streams import image_values
from passculture.rules.money import euros

logger = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=15)
CLAIM_KEEP = timedelta(days=7)  # stream records live 24 h: no redelivery comes later
TIMEZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
}
CATEGORY_LABELS = {
    "MUSEUM_HERITAGE": "musée, patrimoine",
    "LIVE_SHOW": "spectacle",
    "ART_CLASS": "pratique artistique",
    "CINEMA": "cinéma",
    "AUDIOVISUAL": "audiovisuel",
    "MUSIC": "musique",
    "BOOK": "livre",
    "PRESS": "presse",
    "GAME": "jeu",
    "CONFERENCE": "conférence",
}


# -- what to send --------------------------------------------------------------


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    from pynamodb.attributes import UTCDateTimeAttribute

    try:
        return UTCDateTimeAttribute().deserialize(str(value))
    except ValueError:
        return None


def local_time(value: Any, department: str | None) -> str | None:
    """An event's start in the venue's own time zone, in words."""
    moment = _parse_time(value)
    if moment is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zone = ZoneInfo(TIMEZONES.get(department or "", "Europe/Paris"))
        local = moment.astimezone(zone)
        return f"{local:%d/%m/%Y à %H:%M} ({local.tzname()})"
    except ZoneInfoNotFoundError:
        return f"{moment.astimezone(UTC):%d/%m/%Y à %H:%M} (UTC)"


def _euros(cents: Any) -> str:
    return euros(int(cents or 0))


def _address(venue: Any) -> str:
    if venue is None:
        return "adresse communiquée par le lieu"
    if venue.is_virtual or not venue.address:
        return f"{venue.name} (offre numérique)"
    return f"{venue.name}, {venue.address}, {venue.postal_code or ''} {venue.city or ''}".strip().rstrip(",")


def _date_line(booking: dict[str, Any], venue: Any) -> str:
    when = local_time(booking.get("begins_at"), getattr(venue, "department_code", None))
    return f"Date : {when}" if when else "Date : sans date (à retirer avant utilisation)"


def _places(booking: dict[str, Any]) -> str:
    quantity = int(booking.get("quantity") or 1)
    return "2 places (duo)" if quantity == 2 else "1 place"


def booking_emails(booking: dict[str, Any], venue: Any) -> list[tuple[str, str, str, str]]:
    """(recipient role, address, subject, body) for a new booking."""
    token, offer = booking["token"], booking.get("offer_name") or "l'offre"
    emails = []
    if venue is not None and venue.booking_email:
        body = "\n".join(
            [
                "Bonjour,",
                "",
                f"Une nouvelle réservation a été faite pour « {offer} ».",
                "",
                f"Contremarque : {token}",
                f"Offre : {offer}",
                _date_line(booking, venue),
                f"Quantité : {_places(booking)}",
                f"Réservé par : {booking.get('user_public_name') or ''} <{booking.get('user_email') or ''}>",
                f"Montant : {_euros(booking.get('amount_cents'))}",
                "",
                "Vérifiez la contremarque au guichet ou par l'API de contremarques de Pass Culture.",
            ]
        )
        emails.append(("venue", venue.booking_email, f"Nouvelle réservation {token} : {offer}", body))
    if booking.get("user_email"):
        body = "\n".join(
            [
                f"Bonjour {booking.get('user_public_name') or ''},".replace(" ,", ","),
                "",
                f"Ta réservation pour « {offer} » est confirmée.",
                "",
                f"Contremarque : {token}",
                f"Offre : {offer}",
                _date_line(booking, venue),
                f"Lieu : {_address(venue)}",
                f"Quantité : {_places(booking)}",
                f"Prix : {_euros(booking.get('amount_cents'))}",
                "",
                "Présente ta contremarque au lieu pour profiter de ton offre.",
            ]
        )
        emails.append(("booker", booking["user_email"], f"Ta réservation {token} : {offer}", body))
    return emails


def cancellation_emails(booking: dict[str, Any], venue: Any) -> list[tuple[str, str, str, str]]:
    """The other side of whoever cancelled."""
    token, offer = booking["token"], booking.get("offer_name") or "l'offre"
    by = str(booking.get("cancelled_by") or "")
    # "user:<id>" is the booker only when it is their id: a member of the structure
    # cancelling through the countermark API with an access token is "user:<member id>".
    if by == f"user:{booking.get('user_id')}":
        if venue is None or not venue.booking_email:
            return []
        body = "\n".join(
            [
                "Bonjour,",
                "",
                f"La réservation {token} pour « {offer} » a été annulée par son bénéficiaire.",
                "",
                f"Contremarque : {token}",
                f"Offre : {offer}",
                _date_line(booking, venue),
                f"Quantité libérée : {_places(booking)}",
                f"Réservé par : {booking.get('user_public_name') or ''} <{booking.get('user_email') or ''}>",
            ]
        )
        return [("venue", venue.booking_email, f"Réservation annulée {token} : {offer}", body)]
    if not booking.get("user_email"):
        return []
    reason = "elle a été annulée par la structure qui propose l'offre"
    amount = int(booking.get("amount_cents") or 0)
    body = "\n".join(
        [
            f"Bonjour {booking.get('user_public_name') or ''},".replace(" ,", ","),
            "",
            f"Ta réservation pour « {offer} » est annulée : {reason}.",
            "",
            f"Contremarque : {token}",
            f"Offre : {offer}",
            _date_line(booking, venue),
            f"Lieu : {_address(venue)}",
            (f"Ton crédit a été recrédité de {_euros(amount)}." if amount else "Cette offre était gratuite."),
        ]
    )
    return [("booker", booking["user_email"], f"Réservation annulée {token} : {offer}", body)]


def emails_for(record: dict[str, Any], venues: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    data = record.get("dynamodb") or {}
    new, old = image_values(data.get("NewImage")), image_values(data.get("OldImage"))
    event = record.get("eventName")
    if event == "INSERT" and new and new.get("status") == "booked":
        return booking_emails(new, _venue(new.get("venue_id"), venues))
    if event == "MODIFY" and new and old and old.get("status") == "booked" and new.get("status") == "cancelled":
        return cancellation_emails(new, _venue(new.get("venue_id"), venues))
    return []


def _venue(venue_id: Any, cache: dict[str, Any]) -> Any:
    """The booking's venue, read once per batch; a venue gone for good sends what it can."""
    if not venue_id:
        return None
    if venue_id not in cache:
        from passculture.models.venues import Venue

        try:
            cache[venue_id] = Venue.get(str(venue_id))
        except Venue.DoesNotExist:
            logger.warning("booking of an unknown venue %s: no venue email", venue_id)
            cache[venue_id] = None
    return cache[venue_id]


# -- sending once --------------------------------------------------------------


def claim_key(record: dict[str, Any], role: str) -> str:
    from passculture.models.uniques import unique_key

    event_id = record.get("eventID") or (record.get("dynamodb") or {}).get("SequenceNumber")
    return unique_key("notify", f"{event_id}#{role}")


def _claim(key: str, token: str, now: datetime) -> Any:
    """The claim item if this delivery may send, else None (already sent or being sent)."""
    from pynamodb.exceptions import PutError

    from passculture.models.uniques import Unique

    claim = Unique(key, target=token, created_at=now, expires_at=now + CLAIM_KEEP, extra="claimed")
    stale = (Unique.extra == "claimed") & (Unique.created_at < now - STALE_CLAIM)
    try:
        claim.save(condition=Unique.key.does_not_exist() | stale)
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return claim


def send_once(record: dict[str, Any], role: str, to: str, subject: str, body: str) -> bool:
    """Sends unless this record already sent to this recipient; True when it sent."""
    from passculture.adapters.email import send_email
    from passculture.models.base import utcnow
    from passculture.models.uniques import Unique

    token = (image_values((record.get("dynamodb") or {}).get("Keys")) or {}).get("token", "")
    claim = _claim(claim_key(record, role), str(token), utcnow())
    if claim is None:
        return False
    try:
        send_email([to], subject, body)
    except Exception:
        try:
            claim.delete(condition=Unique.extra == "claimed")
        except Exception:
            logger.exception("could not release the claim %s", claim.key)
        raise
    claim.update(actions=[Unique.extra.set("sent")])
    return True


def handle_record(record: dict[str, Any], venues: dict[str, Any] | None = None) -> int:
    """One change of a booking: its emails, each sent at most once; returns how many were sent."""
    sent = 0
    for role, to, subject, body in emails_for(record, {} if venues is None else venues):
        sent += send_once(record, role, to, subject, body)
    return sent


def handle_stream_batch(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Handles the records in order; from the first failure on, they are returned for Lambda to retry."""
    venues: dict[str, Any] = {}
    for position, record in enumerate(records):
        try:
            handle_record(record, venues)
        except Exception:
            sequence = (record.get("dynamodb") or {}).get("SequenceNumber")
            logger.exception("notify failed for record %s", sequence)
            return {
                "batchItemFailures": [
                    {"itemIdentifier": (r.get("dynamodb") or {}).get("SequenceNumber")} for r in records[position:]
                ]
            }
    return {"batchItemFailures": []}

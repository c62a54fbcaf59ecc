"""Emails driven by the bookings stream (and, after them, the messages to partners: ``partner_messages``).

- a new booking (INSERT, ``booked``): the venue's booking address gets the
  countermark, the booker's public name and email, the offer and its date; the
  booker gets the countermark, the offer, its date and the venue's address;
- a cancellation (MODIFY ``booked`` -> ``cancelled``): the other side is told.
  Cancelled by the booker (``cancelled_by`` ``user:<the booker's id>``): the
  venue; by anyone else (the structure's API key ``key:<prefix>`` or member
  ``user:<member id>``, a stock deletion ``offerer:<id>``): the booker;
- a date withdrawn from the venue's agenda (MODIFY whose new image gained
  ``date_withdrawn_at``, still ``booked``: ``catalogue.stock_withdrawal``): the
  booker, told that the booking stays valid, whom to ask at the venue, and that
  cancelling it in the app gives the credit back.

Each email is sent once, and none is dropped. Before sending, each (stream
record, recipient) takes a lease on a ``uniques`` item ``notify#<eventID>#<role>``
by one conditional ``UpdateItem`` that also counts the attempt; the lease ends
after ``NOTIFY_LEASE_SECONDS``, a little longer than the function's timeout.
The claim is marked ``sent`` (with SES's message id) only once SES accepted the
message. So:

- a redelivered record whose email was sent (or parked) sends nothing;
- a send that raises releases the lease and the record is reported failed: the
  redelivery sends at once;
- an invocation that died holding a lease (a Lambda timeout): a redelivery
  after the lease sends; one before it waits for it if that is soon and it has
  the time, else reports the record failed so Lambda delivers it again later
  (never skipped in silence);
- after ``NOTIFY_MAX_ATTEMPTS`` failed attempts (at once for a refusal no retry
  changes: an invalid address, SES's ``MessageRejected``), the email is parked
  whole in ``failed_mails`` (``failed_mails.park``: counted, alarmed, resent by
  ``make resend-mail``) and the batch moves on, so one bad address does not hold
  the stream back for hours.

An email goes twice only if an invocation died after SES accepted it and before
the mark, and was redelivered after its lease.

Records of a batch are handled in order; at the first failure, that record and
every later one are reported in ``batchItemFailures`` so Lambda resumes there
and a booking's emails never overtake each other.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from passculture.adapters.streams import image_values
from passculture.rules.dates import DEPARTMENT_TIMEZONES
from passculture.rules.money import euros

logger = logging.getLogger(__name__)

CLAIM_KEEP = timedelta(days=7)  # stream records live 24 h: no redelivery comes later
CLAIMED, SENT, PARKED = "claimed", "sent", "parked"  # a claim's states (``extra``)
# A redelivery waits for another delivery's lease to run out only if that is soon, and it keeps
# enough of its own time to send afterwards.
MAX_LEASE_WAIT = timedelta(seconds=20)
SEND_BUDGET_MS = 15_000
TIMEZONES = DEPARTMENT_TIMEZONES
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


def _tickets(booking: dict[str, Any]) -> list[str]:
    """A ticketed booking's lines: each ticket the partner issued (barcode, seat)."""
    tickets = booking.get("tickets") or []
    if not tickets:
        return []
    lines = ["Billets :"]
    for ticket in tickets:
        seat = ticket.get("seat")
        lines.append(f"- {ticket.get('barcode')}" + (f" (place {seat})" if seat else ""))
    return lines


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
                *_tickets(booking),
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
                *_tickets(booking),
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


def withdrawal_emails(booking: dict[str, Any], venue: Any) -> list[tuple[str, str, str, str]]:
    """The booker of a date the venue's agenda no longer lists: the booking stays, the venue can say more."""
    if not booking.get("user_email"):
        return []
    token, offer = booking["token"], booking.get("offer_name") or "l'offre"
    contact = "le lieu"
    if venue is not None:
        contact = f"{venue.name} ({venue.booking_email})" if venue.booking_email else str(venue.name)
    amount = int(booking.get("amount_cents") or 0)
    refund = f"ton crédit sera recrédité de {_euros(amount)}" if amount else "cette offre était gratuite"
    body = "\n".join(
        [
            f"Bonjour {booking.get('user_public_name') or ''},".replace(" ,", ","),
            "",
            f"La date de ta réservation pour « {offer} » a été retirée de l'agenda du lieu.",
            "Ta réservation reste valable : elle n'est pas annulée et ta contremarque fonctionne toujours.",
            "",
            f"Contremarque : {token}",
            f"Offre : {offer}",
            _date_line(booking, venue),
            f"Lieu : {_address(venue)}",
            "",
            f"Pour savoir si l'événement a lieu, contacte {contact}.",
            "Si tu préfères annuler, fais-le depuis l'application (Mes réservations, Annuler) "
            f"tant que la contremarque n'a pas été utilisée : {refund}.",
        ]
    )
    return [("booker", booking["user_email"], f"Date retirée {token} : {offer}", body)]


def _withdrawn(new: dict[str, Any] | None, old: dict[str, Any] | None) -> bool:
    """The mark appeared on a booking still booked (it never appears twice: the job sets it once)."""
    if not new or not old or new.get("status") != "booked":
        return False
    return bool(new.get("date_withdrawn_at")) and not old.get("date_withdrawn_at")


def kind_of(record: dict[str, Any]) -> str:
    """What a record's email is, as ``failed_mails`` files it."""
    if record.get("eventName") != "MODIFY":
        return "booking"
    new = image_values((record.get("dynamodb") or {}).get("NewImage")) or {}
    return "withdrawal" if new.get("status") == "booked" else "cancellation"


def emails_for(record: dict[str, Any], venues: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    data = record.get("dynamodb") or {}
    new, old = image_values(data.get("NewImage")), image_values(data.get("OldImage"))
    event = record.get("eventName")
    if event == "INSERT" and new and new.get("status") == "booked":
        return booking_emails(new, _venue(new.get("venue_id"), venues, booked=new))
    if event == "MODIFY" and new and old and old.get("status") == "booked" and new.get("status") == "cancelled":
        return cancellation_emails(new, _venue(new.get("venue_id"), venues))
    if event == "MODIFY" and new and _withdrawn(new, old):
        return withdrawal_emails(new, _venue(new.get("venue_id"), venues))
    return []


def _venue(venue_id: Any, cache: dict[str, Any], booked: dict[str, Any] | None = None) -> Any:
    """The booking's venue, read once per batch; a venue gone for good sends what it can.

    ``booked``: a new booking, which copied what its emails need of the venue
    (seconds ago): that copy, with no read. Later emails (a cancellation days
    after) read the venue, whose booking address may have changed since.
    """
    if not venue_id:
        return None
    if venue_id not in cache and booked is not None and booked.get("venue_booking_email"):
        cache[venue_id] = _copied_venue(str(venue_id), booked)
    if venue_id not in cache:
        from passculture.models.venues import Venue

        try:
            cache[venue_id] = Venue.get(str(venue_id))
        except Venue.DoesNotExist:
            logger.warning("booking of an unknown venue %s: no venue email", venue_id)
            cache[venue_id] = None
    return cache[venue_id]


def _copied_venue(venue_id: str, booking: dict[str, Any]) -> Any:
    """The venue as a booking copied it (``Booking.venue_*``)."""
    from passculture.models.venues import Venue

    copied = ("name", "address", "postal_code", "city", "booking_email", "is_virtual", "department_code", "public_id")
    return Venue(venue_id, siren=booking.get("siren"), **{name: booking.get(f"venue_{name}") for name in copied})


# -- sending once --------------------------------------------------------------


class LeaseHeld(Exception):
    """Another delivery holds this email's lease (it may be sending it): report the record, retry later."""


def claim_key(record: dict[str, Any], role: str) -> str:
    from passculture.models.uniques import unique_key

    event_id = record.get("eventID") or (record.get("dynamodb") or {}).get("SequenceNumber")
    return unique_key("notify", f"{event_id}#{role}")


def _claim(key: str, token: str, now: datetime, lease: timedelta) -> Any:
    """Takes the email's lease and counts the attempt; None when it is settled (sent or parked).

    One conditional ``UpdateItem``: a claim that does not exist yet, or whose
    lease ran out, is taken. Raises ``LeaseHeld`` while another delivery's lease runs.
    """
    from pynamodb.exceptions import UpdateError

    from passculture.models.uniques import Unique

    claim = Unique(key)
    free = Unique.key.does_not_exist() | ((Unique.extra == CLAIMED) & (Unique.lease_until < now))
    try:
        claim.update(
            actions=[
                Unique.target.set(token),
                Unique.created_at.set(Unique.created_at | now),
                Unique.expires_at.set(now + CLAIM_KEEP),
                Unique.extra.set(CLAIMED),
                Unique.lease_until.set(now + lease),
                Unique.count.add(1),
            ],
            condition=free,
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        current = Unique.get(key, consistent_read=True)
        if current.extra == CLAIMED:
            raise LeaseHeld(current.lease_until) from exc
        return None  # sent or parked
    return claim


def _settle(claim: Any, actions: list[Any]) -> None:
    """Records the outcome on the claim, only while this delivery still holds its lease."""
    from passculture.models.uniques import Unique

    held = (Unique.extra == CLAIMED) & (Unique.lease_until == claim.lease_until)
    claim.update(actions=actions, condition=held)


def _wait_for(lease_until: datetime | None, remaining_ms: Any) -> bool:
    """Waits for another delivery's lease to run out when this invocation can afford it; True when it waited."""
    import time

    from passculture.models.base import utcnow

    if lease_until is None or remaining_ms is None:
        return False
    wait = (lease_until - utcnow()).total_seconds() + 0.05
    if wait > MAX_LEASE_WAIT.total_seconds() or remaining_ms() - wait * 1000 < SEND_BUDGET_MS:
        return False
    time.sleep(max(wait, 0))
    return True


def send_once(
    record: dict[str, Any],
    role: str,
    to: str,
    subject: str,
    body: str,
    remaining_ms: Any = None,
) -> bool:
    """Sends unless this record already sent (or parked) this email; True when it sent.

    Raises when the send failed and may be retried (the lease is released, so the
    redelivery sends at once), or when another delivery holds the lease.
    """
    from passculture.adapters.email import send_email
    from passculture.config import get_settings
    from passculture.models.base import utcnow
    from passculture.models.uniques import Unique
    from passculture.services.notifications.failed_mails import Email, describe, is_permanent, park

    settings = get_settings()
    lease = timedelta(seconds=settings.notify_lease_seconds)
    token = str((image_values((record.get("dynamodb") or {}).get("Keys")) or {}).get("token", ""))
    key = claim_key(record, role)
    try:
        claim = _claim(key, token, utcnow(), lease)
    except LeaseHeld as held:
        if not _wait_for(held.args[0], remaining_ms):
            raise
        claim = _claim(key, token, utcnow(), lease)
    if claim is None:
        return False
    email = Email(kind_of(record), f"booking:{token}", (to,), subject, body)
    attempts = int(claim.count or 1)

    def give_up(reason: str) -> bool:
        park(email, function="notify", reason=reason, attempts=attempts, first_attempt_at=claim.created_at, mail_id=key)
        _settle(claim, [Unique.extra.set(PARKED), Unique.lease_until.remove()])
        return False

    if attempts > settings.notify_max_attempts:
        # Every earlier attempt ended without an outcome (the function timed out while sending).
        return give_up(f"no answer from SES in {attempts - 1} attempts (the function stopped while sending)")
    try:
        message_id = send_email([to], subject, body)
    except Exception as exc:
        if is_permanent(exc) or attempts >= settings.notify_max_attempts:
            return give_up(describe(exc))
        try:
            _settle(claim, [Unique.lease_until.set(utcnow())])  # released: the redelivery sends at once
        except Exception:
            logger.exception("could not release the claim %s", key)
        raise
    try:
        _settle(claim, [Unique.extra.set(SENT), Unique.used_at.set(utcnow()), Unique.message_id.set(message_id)])
    except Exception:
        # SES took it: the email is sent. A redelivery after the lease would send it again, but no
        # redelivery comes for a record reported as done.
        logger.exception("email %s sent (SES %s) but not recorded as sent", key, message_id)
    return True


def handle_record(
    record: dict[str, Any],
    venues: dict[str, Any] | None = None,
    remaining_ms: Any = None,
    partners: dict[str, Any] | None = None,
) -> int:
    """One change of a booking: its emails, then its messages to partners, each sent at most once; how many were sent.

    ``venues`` and ``partners`` are the batch's caches (a venue, and the providers to tell for a venue).
    """
    from passculture.services.notifications import partner_messages

    venues = {} if venues is None else venues
    sent = _send_all(record, emails_for(record, venues), remaining_ms)
    sent += partner_messages.handle_record(record, venues, {} if partners is None else partners, remaining_ms)
    return sent


def _send_all(record: dict[str, Any], emails: list[tuple[str, str, str, str]], remaining_ms: Any) -> int:
    """Sends a record's emails (the booker's, the venue's) side by side; how many were sent.

    Each is claimed, sent and settled on its own (``send_once``), so they do not
    wait for each other: a new booking's two emails cost one email's three
    round trips of latency, not six. The first failure is raised once all are
    done; a redelivery sends only what was not sent.
    """
    if emails:
        from passculture.adapters.email import prepare
        from passculture.models.base import connection

        connection().client  # noqa: B018 (the claims' DynamoDB client first: they need it at once)
        prepare()  # then SES's, made on a thread while the claims are on their way
    if len(emails) < 2:
        return sum(send_once(record, *email, remaining_ms) for email in emails)
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(emails) - 1) as pool:
        # Each in a copy of the invocation's context: its deadline (passculture.transport) holds there too.
        others = [pool.submit(contextvars.copy_context().run, send_once, record, *e, remaining_ms) for e in emails[1:]]
        outcomes: list[Any] = []
        try:
            outcomes.append(send_once(record, *emails[0], remaining_ms))
        except Exception as exc:
            outcomes.append(exc)
        for other in others:
            try:
                outcomes.append(other.result())
            except Exception as exc:
                outcomes.append(exc)
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            raise outcome
    return sum(outcomes)


def handle_stream_batch(records: list[dict[str, Any]], remaining_ms: Any = None) -> dict[str, Any]:
    """Handles the records in order; from the first failure on, they are returned for Lambda to retry.

    ``remaining_ms`` is the invocation's clock (Lambda's ``context.get_remaining_time_in_millis``).
    """
    venues: dict[str, Any] = {}
    partners: dict[str, Any] = {}
    for position, record in enumerate(records):
        try:
            handle_record(record, venues, remaining_ms, partners)
        except Exception:
            sequence = (record.get("dynamodb") or {}).get("SequenceNumber")
            logger.exception("notify failed for record %s", sequence)
            return {
                "batchItemFailures": [
                    {"itemIdentifier": (r.get("dynamodb") or {}).get("SequenceNumber")} for r in records[position:]
                ]
            }
    return {"batchItemFailures": []}

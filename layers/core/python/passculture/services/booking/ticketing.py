"""Ticketing: booking an offer a partner created with ``hasTicket`` calls the partner's ticketing.

Booking (``reserve``, in ``bookings._book`` after every check and before the
booking transaction): one signed POST (``rules.partners.ticketing_fields``,
encoded and signed like a booking notification) to the booking URL that applies
(the venue's grant's, else the provider's), through the feeds' guarded fetcher
(``adapters.feeds.post_for_answer``: the address guards, the local allowance),
one attempt only (a booking must not reach the partner twice) and
``TICKETING_TIMEOUT_SECONDS`` (8) for all of it. Answers:

- 2xx with one ticket per place: the tickets go on the booking (``Booking.tickets``)
  and, once it committed, ``remainingQuantity`` sets the date's quantity
  (``booked + remaining``, one ``UpdateItem``);
- 409 ``sold_out`` / ``not_enough_seats``: the date's quantity follows
  ``remainingQuantity`` and the booking route answers its precise 409;
- anything else (a 5xx, a 4xx, garbage, a wrong number of tickets): 502
  ``ticketing``; no answer in time: 504 ``ticketing``; both with ``Retry-After``.
  Nothing is booked, no place is taken.

Compensation (``settle`` with no committed booking): when the booking
transaction did not commit the partner's tickets (a refusal, a conflict, an
unexpected error, an Idempotency-Key replay), they are cancelled at the
partner's cancellation URL at once; when that fails they are parked in
``failed_mails`` (``channel`` ``ticketing``, counted in
``TicketCancellationsParked``, the alarm's metric) and retried by notify's
schedule (every 10 minutes) and its ``resend-mail`` action until the partner
accepts: a parked cancellation is never dropped, except when it turns out the
booking did commit (an error whose write in fact happened: checked by reading
the attempted countermarks before each try).

Cancellation (``on_cancelled``, from ``cancellation.cancel_booking``, so the booker,
the venue, the partner API and a stock deletion alike): the local cancellation
stands whatever the partner says (the booker is refunded, the place is freed);
the partner's cancellation URL is called at once with the barcodes (a 409
``already_cancelled`` counts as done, ``remainingQuantity`` sets the date's
quantity) and, when it refuses or is down, parked and retried like a compensation.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

from passculture import config
from passculture.adapters import metrics
from passculture.errors import BadGateway, Conflict, GatewayTimeout

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
PARKED_METRIC = "TicketCancellationsParked"
CHANNEL = "ticketing"
KIND = "ticket-cancellation"
ATTEMPT_REF = "attempt:"  # a compensation's ref: the countermarks its booking attempts used


@dataclass
class Reservation:
    """The partner's tickets for a booking being made."""

    provider: Any
    venue_id: str
    offer_id: str
    stock_id: str
    tickets: list[dict[str, str | None]]
    remaining: int | None
    tokens: list[str] = field(default_factory=list)  # the countermarks of the attempts that carried them


def _provider_and_grant(provider_id: int, venue_id: str) -> tuple[Any, Any]:
    """The provider and its grant of the venue (None when missing), in one ``BatchGetItem``."""
    from passculture.models.base import batch_get
    from passculture.models.providers import Provider
    from passculture.models.venue_providers import VenueProvider

    found = batch_get(
        [
            (Provider, {"id": {"N": str(provider_id)}}),
            (VenueProvider, {"venue_id": {"S": venue_id}, "provider_id": {"N": str(provider_id)}}),
        ]
    )
    providers, grants = found[Provider], found[VenueProvider]
    return (providers[0] if providers else None), (grants[0] if grants else None)


def _not_available() -> BadGateway:
    return BadGateway(
        RETRY_AFTER_SECONDS, "The venue's ticketing is not reachable: this offer cannot be booked for now"
    )


def _signed(provider: Any, text: str) -> tuple[bytes, dict[str, str]]:
    from passculture.rules.partners import SIGNATURE_HEADER, message_body, signature

    return message_body(text), {SIGNATURE_HEADER: signature(provider.hmac_key, text)}


def _refused(error: Exception) -> BadGateway:
    from passculture.adapters.feeds import FeedError

    seconds = config.get_settings().ticketing_timeout_seconds
    if isinstance(error, FeedError) and error.timed_out:
        metrics.count("TicketingFailed", why="timeout")
        return GatewayTimeout(
            RETRY_AFTER_SECONDS,
            f"The venue's ticketing did not answer within {seconds:g} s: nothing was booked, try again later",
        )
    metrics.count("TicketingFailed", why="error")
    return BadGateway(
        RETRY_AFTER_SECONDS, "The venue's ticketing failed to issue the tickets: nothing was booked, try again later"
    )


def reserve(offer: Any, prototype: Any) -> Reservation | None:
    """The partner's tickets for ``prototype`` (the booking about to be made), or None for an offer without ticketing.

    Raises the booking route's answer otherwise: 409 (sold out, not enough seats), 502, 504.
    """
    if not offer.has_ticket:
        return None
    from passculture.adapters.feeds import FeedError, post_for_answer
    from passculture.rules.partners import (
        SOLD_OUT,
        BadAnswer,
        booking_answer,
        message_text,
        ticketing_fields,
        urls_of,
    )

    provider_id = int(offer.provider_id) if str(offer.provider_id or "").isdigit() else None
    if provider_id is None:
        raise _not_available()
    provider, grant = _provider_and_grant(provider_id, offer.venue_id)
    if provider is None or grant is None or not provider.is_active:
        raise _not_available()  # the grant was withdrawn: nobody may issue the tickets
    url = urls_of(grant, provider)["booking_url"]
    if not url:
        raise _not_available()
    quantity = int(prototype.quantity)
    values = dict(prototype.attribute_values)
    text = message_text(ticketing_fields(values, prototype.created_at, prototype.begins_at, {}))
    body, headers = _signed(provider, text)
    seconds = config.get_settings().ticketing_timeout_seconds
    try:
        status, answer = post_for_answer(url, body, headers, timeout=seconds, total=seconds, attempts=1)
        kind, tickets, remaining = booking_answer(status, answer, quantity)
    except (FeedError, BadAnswer) as exc:
        logger.warning("ticketing of offer %s at provider %s failed: %s", offer.id, provider_id, exc)
        raise _refused(exc) from exc
    if kind != "tickets":
        set_remaining(offer.id, prototype.stock_id, remaining or 0)
        metrics.count("TicketingRefused", why=kind)
        if kind == SOLD_OUT:
            raise Conflict("Sold out: the venue's ticketing has no place left", field="stockId")
        left = remaining or 0
        raise Conflict(f"Not enough seats: the venue's ticketing has {left} place(s) left", field="quantity")
    return Reservation(provider, offer.venue_id, offer.id, prototype.stock_id, tickets, remaining)


def attach(reservation: Reservation | None, booking: Any) -> None:
    """Puts the tickets on the booking of this attempt (and notes its countermark)."""
    if reservation is None:
        return
    from passculture.models.bookings import Ticket

    booking.tickets = [Ticket(barcode=t["barcode"], seat=t["seat"]) for t in reservation.tickets]
    booking.ticketing_provider_id = int(reservation.provider.id)
    reservation.tokens.append(booking.token)


def settle(reservation: Reservation | None, committed: Any) -> None:
    """After the booking transaction: the date follows the partner's count, or the tickets are given back."""
    if reservation is None:
        return
    if committed is not None:
        if reservation.remaining is not None:
            set_remaining(reservation.offer_id, reservation.stock_id, reservation.remaining)
        return
    compensate(reservation)


def set_remaining(offer_id: str, stock_id: str, remaining: int) -> None:
    """The date's quantity becomes ``booked + remaining`` (the partner's count); never fails the caller."""
    from pynamodb.exceptions import UpdateError

    from passculture.models.stocks import Stock
    from passculture.services.catalogue.publication import refresh_if_places_changed

    not_deleted = Stock.is_deleted.does_not_exist() | (Stock.is_deleted == False)  # noqa: E712
    try:
        Stock(stock_id).update(
            actions=[Stock.quantity.set((Stock.booked | 0) + int(remaining))],
            condition=Stock.id.exists() & not_deleted,
        )
        refresh_if_places_changed(offer_id, stock_id)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            logger.exception("stock %s: the partner's count (%s left) could not be written", stock_id, remaining)
    except Exception:
        logger.exception("stock %s: the partner's count (%s left) could not be written", stock_id, remaining)


# -- giving tickets back --------------------------------------------------------------


def _text(barcodes: list[str]) -> str:
    from passculture.rules.partners import message_text

    return message_text({"barcodes": barcodes})


def _cancel_at(provider: Any, url: str, text: str) -> int | None:
    """One cancellation call (retried on 5xx within the budget): the places left, or FeedError / BadAnswer."""
    from passculture.adapters.feeds import post_for_answer
    from passculture.rules.partners import cancel_answer

    body, headers = _signed(provider, text)
    seconds = config.get_settings().ticketing_timeout_seconds
    status, answer = post_for_answer(url, body, headers, timeout=seconds, total=seconds)
    return cancel_answer(status, answer)


def _committed(tokens: list[str]) -> bool:
    """Whether one of the attempts' bookings exists after all (its write happened though it seemed to fail)."""
    from passculture.models.bookings import Booking

    for token in tokens:
        try:
            Booking.get(token, consistent_read=True, attributes_to_get=["token"])
        except Booking.DoesNotExist:
            continue
        return True
    return False


def compensate(reservation: Reservation) -> None:
    """The tickets of a booking that was not made go back to the partner: at once, else parked. Never raises."""
    barcodes = [str(t["barcode"]) for t in reservation.tickets]
    ref = ATTEMPT_REF + ",".join(reservation.tokens)
    metrics.count("TicketingCompensations")
    url = None
    try:
        if _committed(reservation.tokens):
            return
        from passculture.rules.partners import urls_of

        provider, grant = _provider_and_grant(int(reservation.provider.id), reservation.venue_id)
        url = urls_of(grant, provider or reservation.provider)["cancel_url"]
        if not url:
            raise ValueError("no cancellation URL is set")
        _cancel_at(provider or reservation.provider, url, _text(barcodes))
    except Exception as exc:
        logger.warning("compensation of tickets %s at provider %s failed: %s", barcodes, reservation.provider.id, exc)
        _park(int(reservation.provider.id), reservation.venue_id, url, barcodes, ref, exc)


def on_cancelled(booking: Any, *, free_place: bool = True) -> None:
    """A ticketed booking was cancelled: its tickets are cancelled at the partner, at once, else parked."""
    if not booking.tickets or booking.ticketing_provider_id is None:
        return
    from passculture.rules.partners import urls_of

    barcodes = [str(t.barcode) for t in booking.tickets]
    provider_id = int(booking.ticketing_provider_id)
    url = None
    try:
        provider, grant = _provider_and_grant(provider_id, booking.venue_id)
        if provider is None:
            raise ValueError(f"the provider {provider_id} is gone")
        url = urls_of(grant, provider)["cancel_url"]
        if not url:
            raise ValueError("no cancellation URL is set")
        remaining = _cancel_at(provider, url, _text(barcodes))
    except Exception as exc:
        logger.warning("cancelling tickets of booking %s at provider %s failed: %s", booking.token, provider_id, exc)
        _park(provider_id, booking.venue_id, url, barcodes, f"booking:{booking.token}", exc)
        return
    if remaining is not None and free_place:
        set_remaining(booking.offer_id, booking.stock_id, remaining)


def _park(provider_id: int, venue_id: str, url: str | None, barcodes: list[str], ref: str, error: Exception) -> None:
    """Keeps the cancellation in ``failed_mails`` (as ``notifications.failed_mails.park`` does, without its mailer).

    One record per set of tickets (a second park of them is a no-op); counted in ``TicketCancellationsParked``.
    """
    from pynamodb.exceptions import PutError

    from passculture.models.base import utcnow
    from passculture.models.failed_mails import PARKED, FailedMail

    digest = hashlib.sha256("\n".join(sorted(barcodes)).encode()).hexdigest()[:32]
    reason = getattr(error, "reason", None) or f"{type(error).__name__}: {error}"
    now = utcnow()
    item = FailedMail(
        f"ticketing#{provider_id}#{digest}",
        status="parked",
        parked=PARKED,
        function=metrics.function_name("bookings"),
        kind=KIND,
        ref=ref,
        recipients=[url or ""],
        subject=f"cancel {len(barcodes)} ticket(s) at provider {provider_id}",
        body=_text(barcodes),
        reason=str(reason)[:2000],
        attempts=1,
        first_attempt_at=now,
        parked_at=now,
        last_attempt_at=now,
        channel=CHANNEL,
        provider_id=provider_id,
        venue_id=venue_id,
    )
    try:
        item.save(condition=FailedMail.id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return
        logger.exception("could not park the cancellation of tickets %s at provider %s", barcodes, provider_id)
        return
    except Exception:
        # Even the table failed: the log line is all that is left of it (the errors alarm fires).
        logger.exception("could not park the cancellation of tickets %s at provider %s", barcodes, provider_id)
        return
    logger.error("tickets %s of provider %s parked for cancellation: %s", barcodes, provider_id, item.reason)
    metrics.count(PARKED_METRIC, function=item.function)


def resend(item: Any) -> str | None:
    """Retries a parked cancellation: ``"HTTP 200"`` once done; None when not due (the booking committed after all).

    The URL is the one that applies now (the venue's grant, else the provider's), else the one it was parked
    with; it raises (and stays parked) while the partner refuses or is down.
    """
    from passculture.models.failed_mails import FailedMail
    from passculture.rules.partners import urls_of

    if item.ref.startswith(ATTEMPT_REF) and _committed([t for t in item.ref[len(ATTEMPT_REF) :].split(",") if t]):
        return None
    provider, grant = _provider_and_grant(int(item.provider_id), item.venue_id)
    if provider is None:
        raise ValueError(f"the provider {int(item.provider_id)} is gone")
    url = urls_of(grant, provider)["cancel_url"] or (item.recipients[0] if item.recipients else None)
    if not url:
        raise ValueError("no cancellation URL is set")
    if list(item.recipients) != [url]:
        item.update(actions=[FailedMail.recipients.set([url])])
    _cancel_at(provider, url, item.body)
    return "HTTP 200"

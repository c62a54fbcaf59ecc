"""The partner API's pure rules: provider keys' format, integer ids, the booker's cancellation period.

A provider key is ``<env>_<12 hex>_<64 hex>``: the prefix ``<env>_<12 hex>`` is its
name (stored in clear), the 64 hex its secret. The secret's first 14 hex digits
are the provider's id (53 bits fit in 14 hex digits), the other 50 are random (200
bits): the id is what lets a call read the key and its provider in one batch, and
the stored hash covers the whole key, so an altered id no longer matches.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

# Integer ids are random in [1, 2**53 - 1]: safe in any JSON reader (JavaScript's integers).
MAX_PUBLIC_ID = 2**53 - 1
PROVIDER_ID_HEX = 14
SECRET_HEX = 64
PREFIX_HEX = 12
_KEY = re.compile(r"^([a-z0-9]{1,20})_([0-9a-f]{12})_([0-9a-f]{64})$")
_PREFIX = re.compile(r"^[a-z0-9]{1,20}_[0-9a-f]{12}$")

# The booker may cancel an event booking for 48 hours after booking, ending 48 hours before it starts.
CANCELLATION_PERIOD = timedelta(hours=48)


def new_public_id() -> int:
    return secrets.randbelow(MAX_PUBLIC_ID) + 1


def key_env(stage: str) -> str:
    """The ``<env>`` of the keys made on ``stage``: its letters and digits, lower case."""
    return re.sub(r"[^a-z0-9]", "", stage.lower())[:20] or "env"


def new_provider_key(env: str, provider_id: int) -> tuple[str, str]:
    """(the key shown once, its prefix)."""
    prefix = f"{env}_{secrets.token_hex(PREFIX_HEX // 2)}"
    secret = f"{provider_id:0{PROVIDER_ID_HEX}x}{secrets.token_hex((SECRET_HEX - PROVIDER_ID_HEX) // 2)}"
    return f"{prefix}_{secret}", prefix


def parse_provider_key(key: str) -> tuple[str, int] | None:
    """(prefix, the provider id it names) of a well-formed key; None otherwise."""
    match = _KEY.match(key)
    if match is None:
        return None
    provider_id = int(match.group(3)[:PROVIDER_ID_HEX], 16)
    if not 1 <= provider_id <= MAX_PUBLIC_ID:
        return None
    return f"{match.group(1)}_{match.group(2)}", provider_id


def is_key_prefix(value: str) -> bool:
    return _PREFIX.match(value) is not None


def cancellation_period_end(created_at: datetime, begins_at: datetime | None) -> datetime | None:
    """When the booker's cancellation period ends: ``max(min(start - 48 h, created + 48 h), created)``.

    None for a thing (no start): it has no such period.
    """
    if begins_at is None:
        return None
    return max(min(begins_at - CANCELLATION_PERIOD, created_at + CANCELLATION_PERIOD), created_at)


# -- messages to partners ----------------------------------------------------------

BOOK, CANCEL = "BOOK", "CANCEL"
SIGNATURE_HEADER = "PassCulture-Signature"


def utc_z(moment: datetime | None) -> str | None:
    """UTC with a ``Z``, as the partner API writes dates."""
    from datetime import UTC

    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _int(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def notification_fields(
    booking: dict, action: str, created_at: datetime, begins_at: datetime | None, venue: dict
) -> dict[str, object]:
    """A booking notification: the ticketing request's fields (snake_case) and ``action``.

    ``booking`` is the booking item's values (its copies of the offer, the venue and
    the booker, its integer ids); ``venue`` what the item lacks of its venue (older
    items carry no copy). Ids a booking has not got yet (``*_at_provider``, price
    categories, EAN) are null.
    """
    quantity = int(booking.get("quantity") or 1)
    return {
        "action": action,
        "booking_confirmation_date": utc_z(cancellation_period_end(created_at, begins_at)),
        "booking_creation_date": utc_z(created_at),
        "booking_quantity": quantity,
        "offer_ean": booking.get("offer_ean"),
        "offer_id": _int(booking.get("offer_public_id")),
        "offer_id_at_provider": booking.get("offer_id_at_provider"),
        "offer_name": booking.get("offer_name"),
        "offer_price": int(booking.get("amount_cents") or 0) // max(1, quantity),
        "price_category_id": _int(booking.get("price_category_public_id")),
        "price_category_id_at_provider": booking.get("price_category_id_at_provider"),
        "price_category_label": booking.get("price_category_label"),
        "stock_id": _int(booking.get("stock_public_id")),
        "stock_id_at_provider": booking.get("stock_id_at_provider"),
        "user_birth_date": booking.get("user_date_of_birth"),
        "user_email": booking.get("user_email"),
        "user_first_name": booking.get("user_first_name") or booking.get("user_public_name"),
        "user_last_name": booking.get("user_last_name"),
        "user_phone": booking.get("user_phone"),
        "venue_address": booking.get("venue_address") or venue.get("address"),
        "venue_department_code": booking.get("venue_department_code") or venue.get("department_code"),
        "venue_id": _int(booking.get("venue_public_id")),
        "venue_name": booking.get("venue_name") or venue.get("name"),
    }


def message_text(fields: dict[str, object]) -> str:
    """The JSON text a message carries (and its signature covers): keys sorted, compact, UTF-8 as is."""
    import json

    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def message_body(text: str) -> bytes:
    """The POST's body: the JSON text encoded once more as a JSON *string* (partners parse it twice)."""
    import json

    return json.dumps(text, ensure_ascii=False).encode("utf-8")


def signature(hmac_key: str, text: str) -> str:
    """``hex(HMAC-SHA256(key, text))``: the key as the team was given it (its characters' UTF-8 bytes)."""
    import hashlib
    import hmac

    return hmac.new(hmac_key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


URL_FIELDS = ("notification_url", "booking_url", "cancel_url")


def urls_of(grant: object, provider: object) -> dict[str, str | None]:
    """The URLs that apply to a venue for a provider: the venue's (on its grant) win over the provider's."""
    return {name: getattr(grant, name, None) or getattr(provider, name, None) for name in URL_FIELDS}


# -- ticketing -----------------------------------------------------------------------

SOLD_OUT, NOT_ENOUGH_SEATS, ALREADY_CANCELLED = "sold_out", "not_enough_seats", "already_cancelled"
MAX_BARCODE = 200  # characters of a barcode or a seat kept: beyond, the answer is not a ticket


class BadAnswer(ValueError):
    """The partner's ticketing answered something that is not the documented answer."""


def ticketing_fields(booking: dict, created_at: datetime, begins_at: datetime | None, venue: dict) -> dict[str, object]:
    """The ticketing request's fields: a booking notification's, without ``action``."""
    fields = notification_fields(booking, BOOK, created_at, begins_at, venue)
    del fields["action"]
    return fields


def _json(body: bytes) -> object:
    import json

    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadAnswer("the answer is not JSON") from exc


def _count(value: object, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadAnswer(f"`{name}` is not a count")
    return value


def booking_answer(status: int, body: bytes, quantity: int) -> tuple[str, list[dict[str, str | None]], int | None]:
    """``("tickets", tickets, remaining)``, ``("sold_out" | "not_enough_seats", [], remaining)``, or BadAnswer.

    A 2xx must carry one ticket per place (a barcode each, distinct); a 409 one of the two errors.
    """
    answer = _json(body)
    if not isinstance(answer, dict):
        raise BadAnswer("the answer is not a JSON object")
    if status == 409:
        error = answer.get("error")
        if error not in (SOLD_OUT, NOT_ENOUGH_SEATS):
            raise BadAnswer(f"HTTP 409 with the error {error!r}")
        return str(error), [], _count(answer.get("remainingQuantity"), "remainingQuantity")
    tickets = answer.get("tickets")
    if not isinstance(tickets, list) or len(tickets) != quantity:
        raise BadAnswer(f"{quantity} ticket(s) expected")
    out: list[dict[str, str | None]] = []
    for ticket in tickets:
        barcode = ticket.get("barcode") if isinstance(ticket, dict) else None
        seat = ticket.get("seat") if isinstance(ticket, dict) else None
        if not isinstance(barcode, str) or not barcode.strip() or len(barcode) > MAX_BARCODE:
            raise BadAnswer("a ticket has no barcode")
        if seat is not None and (not isinstance(seat, str) or len(seat) > MAX_BARCODE):
            raise BadAnswer("a ticket's seat is not a text")
        out.append({"barcode": barcode, "seat": seat or None})
    if len({t["barcode"] for t in out}) != len(out):
        raise BadAnswer("two tickets have the same barcode")
    return "tickets", out, _count(answer.get("remainingQuantity"), "remainingQuantity")


def cancel_answer(status: int, body: bytes) -> int | None:
    """The places left after a cancellation (None: not said); BadAnswer unless done (409 ``already_cancelled`` is)."""
    answer = _json(body) if body.strip() else {}
    if not isinstance(answer, dict):
        raise BadAnswer("the answer is not a JSON object")
    if status == 409:
        if answer.get("error") != ALREADY_CANCELLED:
            raise BadAnswer(f"HTTP 409 with the error {answer.get('error')!r}")
        return None
    return _count(answer.get("remainingQuantity"), "remainingQuantity")


# -- offers (/public/offers/v1) ------------------------------------------------------


def partner_status(status: str, bookable: bool, still_open: bool) -> str:
    """pass Culture's status of an offer from ours (``catalogue.publication``).

    ``bookable``: a date or stock can be booked now; ``still_open``: one has not
    begun nor passed its booking limit (so, not bookable, it is sold out).
    """
    if status in ("inactive", "pending", "draft", "scheduled"):
        return status.upper()
    if bookable:
        return "ACTIVE"
    return "SOLD_OUT" if still_open else "EXPIRED"


def still_open(begins_at: datetime | None, booking_limit_at: datetime | None, now: datetime) -> bool:
    """Whether a date (or a thing's stock) has neither begun nor passed its booking limit."""
    return (begins_at is None or begins_at > now) and (booking_limit_at is None or booking_limit_at > now)

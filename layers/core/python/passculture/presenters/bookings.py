"""Bookings as their booker (``passculture.schemas.bookings``) and the structure (``schemas.transactions``) see them."""

from __future__ import annotations

from typing import Any

from passculture.presenters import iso


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def booking_venue(venue: Any) -> dict[str, Any]:
    """The public view of a venue, with its id: where it is, never who runs it."""
    return {
        "id": venue.id,
        "name": venue.name,
        "address": venue.address,
        "postalCode": venue.postal_code,
        "city": venue.city,
        "latitude": _float(venue.latitude),
        "longitude": _float(venue.longitude),
    }


def booking(view: Any) -> dict[str, Any]:
    """A ``services.booking.bookings.BookingView``: the booking as its booker sees it."""
    booking = view.booking
    return {
        "token": booking.token,
        "status": booking.status,
        "quantity": int(booking.quantity),
        "amountCents": int(booking.amount_cents or 0),
        "debits": booking.debits_by_credit(),
        "stockId": booking.stock_id,
        "offer": {"id": booking.offer_id, "name": booking.offer_name, "category": booking.offer_category},
        "beginsAt": iso(booking.begins_at),
        "venue": None if view.venue is None else booking_venue(view.venue),
        "createdAt": iso(booking.created_at),
        "cancellableUntil": iso(view.cancellable_until),
        "cancelledAt": iso(booking.cancelled_at),
        "usedAt": iso(booking.used_at),
        "dateWithdrawnAt": iso(booking.date_withdrawn_at),
        "tickets": None if not booking.tickets else [{"barcode": t.barcode, "seat": t.seat} for t in booking.tickets],
    }


def booking_page(views: list[Any], next_cursor: str | None) -> dict[str, Any]:
    """My bookings (``GET /bookings``)."""
    return {"items": [booking(v) for v in views], "nextCursor": next_cursor}


def transaction(row: Any) -> dict[str, Any]:
    """A ``services.countermarks.transactions.TransactionRow``: the booking and its venue's name."""
    booking = row.booking
    return {
        "token": booking.token,
        "bookedAt": iso(booking.created_at),
        "status": booking.status,
        "offerId": booking.offer_id,
        "offerName": booking.offer_name,
        "offerCategory": booking.offer_category,
        "beginsAt": iso(booking.begins_at),
        "venueId": booking.venue_id,
        "venueName": row.venue_name,
        "quantity": int(booking.quantity or 1),
        "unitPriceCents": int(booking.unit_price_cents),
        "amountCents": int(booking.amount_cents or 0),
        "usedAt": iso(booking.used_at),
        "usedBy": booking.used_by,
        "cancelledAt": iso(booking.cancelled_at),
        "cancelledBy": booking.cancelled_by,
        "reimbursedAt": iso(booking.reimbursed_at),
        "userPublicName": booking.user_public_name,
        "userEmail": booking.user_email,
    }


def transaction_page(rows: list[Any], next_cursor: str | None) -> dict[str, Any]:
    """A structure's transactions (``GET /bookings/pro``, JSON)."""
    return {"items": [transaction(r) for r in rows], "nextCursor": next_cursor}

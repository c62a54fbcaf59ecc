"""A booker's bookings as they read them: light enough for ``GET /bookings`` on a cold container.

``GET /bookings`` needs the bookings, their venues and each one's cancellation
deadline, none of the booking machinery (wallets, places, ticketing,
publication, jobs) that ``services.booking.bookings`` imports: a cold
container's first listing loads only this (``tests/unit/test_cold_start.py``).
``bookings`` re-exports every name here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from passculture.config import get_settings
from passculture.models.bookings import Booking
from passculture.models.venues import Venue

if TYPE_CHECKING:
    from passculture.services.accounts.auth import Principal


@dataclass(frozen=True)
class BookingView:
    """A booking as its booker sees it: with its venue, and until when it can be cancelled."""

    booking: Booking
    venue: Venue | None
    cancellable_until: datetime | None


# -- reading -------------------------------------------------------------------


def cancellable_until(booking: Booking, begins_at: datetime | None = None) -> datetime | None:
    """Events: the deadline before the start; things and withdrawn dates (None): any time before use."""
    begins_at = begins_at if begins_at is not None else booking.begins_at
    if begins_at is None or booking.date_withdrawn_at is not None:
        # A date the venue's agenda withdrew: its holder may get the credit back until the door.
        return None
    return begins_at - timedelta(hours=get_settings().cancellation_deadline_hours)


def view_of(booking: Booking, venue: Venue | None) -> BookingView:
    """The booking, its venue, and its cancellation deadline while it can still be cancelled."""
    return BookingView(booking, venue, cancellable_until(booking) if booking.status == "booked" else None)


def venue_of(venue_id: str) -> Venue | None:
    try:
        return Venue.get(venue_id)
    except Venue.DoesNotExist:
        return None


def my_bookings(principal: Principal, limit: int, cursor: str | None) -> tuple[list[BookingView], str | None]:
    """The user's bookings, newest first, with their venues: one Query, then one BatchGetItem.

    A deferred principal's user is read in that batch, beside the venues (two round
    trips instead of three): the bookings are shown only once it is active.
    """
    from passculture.models.base import batch_get
    from passculture.models.users import User
    from passculture.services.accounts.auth import principal_of
    from passculture.services.pagination import paginate

    bookings, next_cursor = paginate(
        partial(Booking.user_index.query, principal.user_id, scan_index_forward=False), limit, cursor
    )
    venue_ids = sorted({b.venue_id for b in bookings})
    wanted: list[tuple[type, dict[str, Any]]] = [(Venue, {"id": {"S": venue_id}}) for venue_id in venue_ids]
    if principal.deferred:
        wanted.append((User, {"id": {"S": principal.user_id}}))
    found = batch_get(wanted) if wanted else {}
    if principal.deferred:
        users = found.get(User) or []
        principal_of(users[0] if users else None)  # gone or disabled: 401, as on every route
    venues = {venue.id: venue for venue in found.get(Venue) or []}
    return [view_of(b, venues.get(b.venue_id)) for b in bookings], next_cursor

"""Bookings as the app sends and sees them, and their presenter."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from passculture.presenters import bookings as present
from passculture.schemas.base import CamelModel, PageQuery, examples
from passculture.schemas.venues import BookingVenue
from passculture.vocabulary import BookingStatus


class BookingIn(CamelModel):
    model_config = examples({"stockId": "5d0c8b7e-6f4a-4b8e-9a61-2f3c9d1e7a42", "quantity": 1})

    stock_id: str = Field(min_length=1, max_length=64)
    # 2 only for duo offers (checked against the offer: a 400 naming quantity).
    quantity: Literal[1, 2] = 1


class BookingsQuery(PageQuery):
    pass


class BookedOffer(CamelModel):
    id: str
    name: str | None = None
    category: str | None = None


class TicketOut(CamelModel):
    barcode: str
    seat: str | None = None


class BookingOut(CamelModel):
    token: str = Field(description="The countermark to show at the venue")
    status: BookingStatus
    quantity: int
    amount_cents: int
    debits: dict[str, int] = Field(description="What each credit paid, in cents: {creditId: cents}")
    stock_id: str
    offer: BookedOffer
    begins_at: datetime | None = None
    venue: BookingVenue | None = None
    created_at: datetime
    cancellable_until: datetime | None = Field(
        default=None,
        description="Events: the cancellation deadline; null for things and withdrawn dates (any time before use)",
    )
    cancelled_at: datetime | None = None
    used_at: datetime | None = None
    date_withdrawn_at: datetime | None = Field(
        default=None,
        description="When the venue's agenda withdrew this date (an agenda import): the booking stays valid, "
        "the venue can say whether the event takes place, and it may be cancelled (refunded) until used",
    )
    tickets: list[TicketOut] | None = Field(
        default=None,
        description="A ticketed offer: the tickets the venue's ticketing issued, one per place (null otherwise)",
    )

    @classmethod
    def of(cls, view: Any) -> BookingOut:
        """A ``services.booking.bookings.BookingView``: the booking as its booker sees it."""
        return cls(**present.booking(view))


class BookingCreated(CamelModel):
    token: str
    booking: BookingOut

    @classmethod
    def of(cls, view: Any) -> BookingCreated:
        return cls(token=view.booking.token, booking=BookingOut.of(view))


class BookingPage(CamelModel):
    items: list[BookingOut]
    next_cursor: str | None = None

    @classmethod
    def of(cls, views: list[Any], next_cursor: str | None) -> BookingPage:
        """Validates ``presenters.bookings.booking_page``, the body ``GET /bookings`` sends."""
        return cls(**present.booking_page(views, next_cursor))

"""Bookings as the app sends and sees them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from passculture.schemas.base import CamelModel, PageQuery
from passculture.vocabulary import BookingStatus


class BookingIn(CamelModel):
    stock_id: str = Field(min_length=1, max_length=64)
    # 2 only for duo offers (checked against the offer: a 400 naming quantity).
    quantity: Literal[1, 2] = 1


class BookingsQuery(PageQuery):
    pass


class BookedOffer(CamelModel):
    id: str
    name: str | None = None
    category: str | None = None


class BookingVenue(CamelModel):
    id: str
    name: str
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None


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
        default=None, description="Events: the cancellation deadline; null for things (any time before use)"
    )
    cancelled_at: datetime | None = None
    used_at: datetime | None = None


class BookingCreated(CamelModel):
    token: str
    booking: BookingOut


class BookingPage(CamelModel):
    items: list[BookingOut]
    next_cursor: str | None = None

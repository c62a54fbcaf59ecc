"""The app's feed and an offer's public page."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from passculture.schemas.base import CamelModel, PageQuery
from passculture.vocabulary import Category


class FeedQuery(PageQuery):
    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)
    radius_km: float = Field(default=20, ge=1, le=100, allow_inf_nan=False)
    category: Category | None = None
    # Digital offers have no place: asked for, they come after the located ones of their category.
    digital: bool = False


class FeedItem(CamelModel):
    id: str
    name: str
    category: str
    hook: str | None = None
    image_url: str | None = None
    thumb_url: str | None = None
    video_url: str | None = None
    distance_km: float | None = Field(default=None, description="null for digital offers")
    next_dates: list[datetime]
    price_cents: int | None = Field(default=None, description="The lowest price of its bookable dates")
    is_duo: bool
    is_digital: bool
    highlighted: bool = Field(description="Highlighted by the territory of the caller's department")


class FeedPage(CamelModel):
    items: list[FeedItem]
    next_cursor: str | None = None


class PublicVenue(CamelModel):
    name: str
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class PublicStock(CamelModel):
    id: str
    begins_at: datetime | None = None
    price_cents: int
    quantity: int | None = None
    remaining_quantity: int | None = Field(default=None, description="null when unlimited")
    booking_limit_at: datetime | None = None
    bookable: bool


class PublicOffer(CamelModel):
    id: str
    name: str
    category: str
    description: str | None = None
    hook: str | None = None
    image_url: str | None = None
    thumb_url: str | None = None
    video_url: str | None = None
    duration_minutes: int | None = None
    is_duo: bool
    is_digital: bool
    venue: PublicVenue | None = None
    stocks: list[PublicStock]

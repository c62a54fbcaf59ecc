"""The app's feed and an offer's public page, and their presenters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from passculture.schemas.base import CamelModel, PageQuery
from passculture.schemas.venues import PublicVenue
from passculture.vocabulary import Category, LocalValidation


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
    local_validation: LocalValidation | None = Field(
        default=None, description="`validated` when the territory of the caller's department validated it locally"
    )
    local_labels: list[str] = Field(
        default_factory=list, description="Labels of the caller's department's label-only programmes that hold it"
    )

    @classmethod
    def of(cls, entry: Any) -> FeedItem:
        """An entry of ``services.booking.feed.feed``: the offer, its distance, dates, images."""
        offer = entry.offer
        return cls(
            id=offer.id,
            name=offer.name,
            category=offer.category,
            hook=offer.hook,
            image_url=entry.image_url,
            thumb_url=entry.thumb_url,
            video_url=offer.video_url,
            distance_km=None if entry.distance_km is None else round(entry.distance_km, 1),
            next_dates=entry.next_dates,
            price_cents=None if offer.min_price_cents is None else int(offer.min_price_cents),
            is_duo=bool(offer.is_duo),
            is_digital=bool(offer.is_digital),
            highlighted=entry.highlighted,
            local_validation=entry.local_validation,
            local_labels=list(entry.local_labels),
        )


class FeedPage(CamelModel):
    items: list[FeedItem]
    next_cursor: str | None = None

    @classmethod
    def of(cls, entries: list[Any], next_cursor: str | None) -> FeedPage:
        return cls(items=[FeedItem.of(e) for e in entries], next_cursor=next_cursor)


class PublicStock(CamelModel):
    id: str
    begins_at: datetime | None = None
    price_cents: int
    quantity: int | None = None
    remaining_quantity: int | None = Field(default=None, description="null when unlimited")
    booking_limit_at: datetime | None = None
    bookable: bool

    @classmethod
    def of(cls, stock: Any, bookable: bool) -> PublicStock:
        return cls(
            id=stock.id,
            begins_at=stock.begins_at,
            price_cents=int(stock.price_cents or 0),
            quantity=None if stock.quantity is None else int(stock.quantity),
            remaining_quantity=stock.places_left,
            booking_limit_at=stock.booking_limit_at,
            bookable=bookable,
        )


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
    highlighted: bool = Field(default=False, description="Highlighted by the territory of the caller's department")
    local_validation: LocalValidation | None = Field(
        default=None, description="`validated` when the territory of the caller's department validated it locally"
    )
    local_labels: list[str] = Field(
        default_factory=list, description="Labels of the caller's department's label-only programmes that hold it"
    )

    @classmethod
    def of(cls, view: Any) -> PublicOffer:
        """``services.booking.feed.public_offer``'s view: the offer, its venue, its dates and images."""
        offer = view.offer
        return cls(
            id=offer.id,
            name=offer.name,
            category=offer.category,
            description=offer.description,
            hook=offer.hook,
            image_url=view.image_url,
            thumb_url=view.thumb_url,
            video_url=offer.video_url,
            duration_minutes=None if offer.duration_minutes is None else int(offer.duration_minutes),
            is_duo=bool(offer.is_duo),
            is_digital=bool(offer.is_digital),
            venue=None if view.venue is None else PublicVenue.of(view.venue),
            stocks=[PublicStock.of(stock, bookable) for stock, bookable in view.stocks],
            highlighted=view.highlighted,
            local_validation=view.local_validation,
            local_labels=list(view.local_labels),
        )

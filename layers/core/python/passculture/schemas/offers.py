"""Offers: creation, changes, lists and the image upload, over HTTP, and the offer's presenter."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, StringConstraints

from passculture.presenters import catalogue as present
from passculture.rules.text import check_name
from passculture.schemas.base import CamelModel, Description, Name, Page, PageQuery, examples
from passculture.schemas.crossfield import CrossChecked, given
from passculture.schemas.price_categories import PriceCategoryOut
from passculture.schemas.stocks import StockOut
from passculture.vocabulary import Category, OfferStatus

ImageType = Literal["image/jpeg", "image/png", "image/webp"]


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http(s) URL")
    return value


Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(_check_url)]
# The accroche: one or two sentences that make people want to go.
Hook = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), AfterValidator(check_name)
]
Duration = Annotated[int, Field(ge=1, le=60 * 24 * 30, description="minutes")]
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class OfferIn(CamelModel):
    """A new offer on one of the structure's venues (the virtual venue for a digital offer)."""

    model_config = examples(
        {
            "venueId": "0b6f3c1e-2d4a-4f7b-8c9e-1a2b3c4d5e6f",
            "name": "Le Misanthrope",
            "category": "LIVE_SHOW",
            "description": "La comédie de Molière, par la troupe du Quai.",
            "hook": "Alceste contre tous : une soirée pour rire de nos hypocrisies.",
            "durationMinutes": 120,
            "isDuo": True,
        },
        {
            "venueId": "7e8f9a0b-1c2d-4e3f-a4b5-c6d7e8f90a1b",
            "name": "Abonnement numérique au journal",
            "category": "PRESS",
            "url": "https://journal.example.org/abonnement",
        },
    )

    venue_id: Id
    name: Name
    category: Category
    description: Description | None = None
    hook: Hook | None = None
    video_url: Url | None = None
    duration_minutes: Duration | None = None
    url: Url | None = Field(default=None, description="required for a digital offer, refused otherwise")
    is_duo: bool = False


NOT_NULL = (("name", "name"), ("category", "category"), ("isDuo", "is_duo"), ("isActive", "is_active"))


class OfferPatch(CrossChecked):
    """Any of the offer's fields; null clears an optional one. ``isActive`` deactivates or reactivates."""

    model_config = examples({"hook": "Dernières places pour la première !"}, {"isActive": False})

    name: Name | None = None
    category: Category | None = None
    description: Description | None = None
    hook: Hook | None = None
    video_url: Url | None = None
    duration_minutes: Duration | None = None
    url: Url | None = None
    is_duo: bool | None = None
    is_active: bool | None = None

    @classmethod
    def cross_errors(cls, data: dict[str, Any]) -> dict[str, str]:
        return {
            alias: "Cannot be null"
            for alias, name in NOT_NULL
            if (alias in data or name in data) and given(data, alias, name) is None
        }


class OfferQuery(PageQuery):
    venue_id: Id | None = None
    siren: Annotated[str, StringConstraints(pattern=r"^\d{9}$")] | None = None
    status: OfferStatus | None = None
    category: Category | None = None


class OfferOut(CamelModel):
    id: str
    venue_id: str
    siren: str
    name: str
    category: str
    description: str | None = None
    hook: str | None = None
    video_url: str | None = None
    duration_minutes: int | None = None
    url: str | None = None
    is_duo: bool
    is_digital: bool
    status: OfferStatus
    is_active: bool
    is_visible_in_app: bool = Field(description="shown in the app now: published, bookable, free-only phase respected")
    image_url: str | None = None
    thumb_url: str | None = None
    image_error: str | None = Field(default=None, description="why the last uploaded image was refused")
    department_code: str | None = None
    created_at: datetime
    updated_at: datetime | None = None
    stocks: list[StockOut] | None = Field(default=None, description="the live stocks, by date (absent in lists)")
    price_categories: list[PriceCategoryOut] = Field(default_factory=list, description="an event's prices")

    @classmethod
    def of(cls, view: Any) -> OfferOut:
        """A ``services.catalogue.offers.OfferView``: ``presenters.catalogue.offer`` validated."""
        return cls(**present.offer(view))


class OfferPage(Page[OfferOut]):
    @classmethod
    def of(cls, views: list[Any], next_cursor: str | None) -> OfferPage:
        """Validates ``presenters.catalogue.offer_page``, the body ``GET /offers`` sends."""
        return cls(**present.offer_page(views, next_cursor))


class ImageUploadIn(CamelModel):
    model_config = examples({"contentType": "image/jpeg"})

    content_type: ImageType


class PresignedPost(CamelModel):
    url: str
    fields: dict[str, str]


class ImageUploadOut(CamelModel):
    """POST the file to ``upload.url`` as multipart form data: ``upload.fields`` first, then ``file``."""

    upload: PresignedPost
    key: str
    expires_at: datetime

    @classmethod
    def of(cls, upload: Any) -> ImageUploadOut:
        """A ``services.catalogue.media.Upload``."""
        return cls(
            upload=PresignedPost(url=upload.url, fields=upload.fields), key=upload.key, expires_at=upload.expires_at
        )

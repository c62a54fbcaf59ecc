"""``/public/offers/v1`` events, their price categories and dates, and products, as partners speak them.

Bodies forbid unknown fields (``PartnerBody``); ids are integers; prices are
cents; dates are timezone-aware in, UTC with a ``Z`` out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StrictBool, StrictInt, StringConstraints

from passculture.config import get_settings
from passculture.models.base import utcnow
from passculture.rules.dates import check_future_within
from passculture.rules.partners import utc_z
from passculture.rules.text import check_name
from passculture.schemas.base import CamelModel, Description, Email, examples
from passculture.schemas.offers import Url
from passculture.schemas.partners import MAX_ID, PartnerBody
from passculture.schemas.stocks import MAX_PRICE_CENTS, MAX_QUANTITY

PublicId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
EventName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=90), AfterValidator(check_name)
]
IdAtProvider = Annotated[str, StringConstraints(min_length=1, max_length=70)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Price = Annotated[StrictInt, Field(ge=0, le=MAX_PRICE_CENTS, description="in euro cents")]
Quantity = Annotated[StrictInt, Field(ge=0, le=MAX_QUANTITY)] | Literal["unlimited"]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("The datetime must be timezone-aware.")
    return value.astimezone(UTC)


def _future(value: datetime) -> datetime:
    now = utcnow()
    if value <= now:
        raise ValueError("The datetime must be in the future.")
    return check_future_within(value, now, get_settings().max_event_days_ahead)


PartnerDatetime = Annotated[datetime, AfterValidator(_aware)]
FutureDatetime = Annotated[datetime, AfterValidator(_aware), AfterValidator(_future)]

AN_EVENT = {
    "name": "Le Misanthrope",
    "location": {"type": "physical", "venueId": 4503599627370497},
    "categoryRelatedFields": {"category": "SPECTACLE_REPRESENTATION"},
    "accessibility": {
        "audioDisabilityCompliant": True,
        "mentalDisabilityCompliant": False,
        "motorDisabilityCompliant": True,
        "visualDisabilityCompliant": False,
    },
    "hasTicket": False,
    "idAtProvider": "misanthrope-2028",
    "eventDuration": 150,
    "priceCategories": [{"label": "Carré or", "price": 3500}, {"label": "Balcon", "price": 1500}],
}


class LocationIn(PartnerBody):
    """``physical`` (the venue's address) or ``digital`` (on the structure's virtual venue, with its ``url``)."""

    type: Literal["physical", "digital"]
    venue_id: PublicId
    url: Url | None = None


class CategoryFieldsIn(PartnerBody):
    """pass Culture's category id (``GET /public/offers/v1/events/categories`` or ``products/categories``)."""

    category: Annotated[str, StringConstraints(min_length=1, max_length=100)]


class AccessibilityIn(PartnerBody):
    audio_disability_compliant: StrictBool
    mental_disability_compliant: StrictBool
    motor_disability_compliant: StrictBool
    visual_disability_compliant: StrictBool


class PriceCategoryIn(PartnerBody):
    label: Label
    price: Price
    id_at_provider: IdAtProvider | None = None


# A base64 image fits the 1 MB request body: about 750 KB of image.
MAX_IMAGE_BASE64 = 1_000_000


class ImageIn(PartnerBody):
    """A JPEG, PNG or WebP image of at least 400x400 pixels, base64-encoded in `file`, and whom to credit."""

    file: Annotated[str, StringConstraints(min_length=1, max_length=MAX_IMAGE_BASE64)]
    credit: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None = None


class _OfferFields(PartnerBody):
    """What an event and a product share, every field optional (an edition)."""

    name: EventName | None = None
    location: LocationIn | None = None
    category_related_fields: CategoryFieldsIn | None = None
    accessibility: AccessibilityIn | None = None
    id_at_provider: IdAtProvider | None = None
    description: Description | None = None
    booking_email: Email | None = None
    booking_contact: Email | None = None
    video_url: Url | None = None
    image: ImageIn | None = None


class _NewOffer(_OfferFields):
    """A creation: `name`, `location`, `categoryRelatedFields` and `accessibility` required."""

    name: EventName
    location: LocationIn
    category_related_fields: CategoryFieldsIn
    accessibility: AccessibilityIn


class EventIn(_NewOffer):
    """A new event; `priceCategories` (at most 50) may come with it, its dates after (`.../dates`)."""

    model_config = examples(AN_EVENT)

    has_ticket: StrictBool
    event_duration: int | None = Field(default=None, ge=0, lt=1440, description="minutes")
    price_categories: list[PriceCategoryIn] | None = None
    publication_datetime: Literal["now"] | PartnerDatetime | None = Field(
        default="now",
        description='`"now"` (the default); a future moment: `SCHEDULED` until then (published within the hour '
        "after it); `null`: not published (inactive)",
    )
    booking_allowed_datetime: PartnerDatetime | None = None
    enable_double_bookings: StrictBool | None = None


# Fields of an edition that may not be null (they have no "absent" state).
NOT_NULL = ("name", "location", "category_related_fields", "accessibility", "has_ticket", "is_active", "image")


class EventPatch(_OfferFields):
    """Any field of the creation but `priceCategories`, plus `isActive`; `category` and `hasTicket` may not change."""

    model_config = examples({"name": "Le Misanthrope (reprise)"}, {"isActive": False})

    has_ticket: StrictBool | None = None
    event_duration: int | None = Field(default=None, ge=0, lt=1440)
    publication_datetime: Literal["now"] | PartnerDatetime | None = None
    booking_allowed_datetime: PartnerDatetime | None = None
    enable_double_bookings: StrictBool | None = None
    is_active: StrictBool | None = None


class EventsQuery(CamelModel):
    venue_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    ids_at_provider: str | None = Field(default=None, description="comma-separated, at most 100")
    limit: int = Field(default=50, ge=1, le=50)
    first_index: int = Field(default=1, ge=1, le=MAX_ID)


class IdsAtProviderQuery(CamelModel):
    ids_at_provider: str | None = Field(default=None, description="comma-separated, at most 100")


class DatesQuery(EventsQuery):
    venue_id: None = Field(default=None, exclude=True)


# -- answers -------------------------------------------------------------------------


class LocationOut(CamelModel):
    type: Literal["physical", "digital"]
    venue_id: int
    url: str | None = None


class PriceCategoryOut(CamelModel):
    id: int
    label: str
    price: int
    id_at_provider: str | None = None

    @classmethod
    def of(cls, category: Any) -> PriceCategoryOut:
        return cls(
            id=int(category.id),
            label=category.label,
            price=int(category.price_cents),
            id_at_provider=category.id_at_provider,
        )


class PriceCategoryList(CamelModel):
    price_categories: list[PriceCategoryOut]

    @classmethod
    def of(cls, categories: list[Any]) -> PriceCategoryList:
        return cls(price_categories=[PriceCategoryOut.of(c) for c in categories])


class ImageOut(CamelModel):
    url: str
    credit: str | None = None


def _accessibility(offer: Any) -> dict[str, bool | None]:
    a = offer.accessibility
    names = ("audio", "mental", "motor", "visual")
    return {f"{n}DisabilityCompliant": getattr(a, f"{n}_disability_compliant", None) if a else None for n in names}


def _common(view: Any) -> dict[str, Any]:
    offer = view.offer
    return {
        "id": int(offer.public_id),
        "name": offer.name,
        "description": offer.description,
        "location": LocationOut(
            type="digital" if offer.is_digital else "physical",
            venue_id=view.venue_public_id,
            url=offer.url if offer.is_digital else None,
        ),
        "category_related_fields": {"category": offer.partner_category},
        "accessibility": _accessibility(offer),
        "id_at_provider": offer.id_at_provider,
        "booking_email": offer.booking_email,
        "booking_contact": offer.booking_contact,
        "video_url": offer.video_url,
        "image": ImageOut(url=view.image_url, credit=offer.image_credit) if view.image_url else None,
        "is_active": bool(offer.is_active),
        "status": view.status,
    }


class EventOut(CamelModel):
    """``Event``: `status` is one of `DRAFT PENDING REJECTED INACTIVE SCHEDULED PUBLISHED ACTIVE SOLD_OUT EXPIRED`."""

    id: int
    name: str
    description: str | None = None
    location: LocationOut
    category_related_fields: dict[str, str | None]
    accessibility: dict[str, bool | None]
    has_ticket: bool
    id_at_provider: str | None = None
    event_duration: int | None = None
    booking_email: str | None = None
    booking_contact: str | None = None
    video_url: str | None = None
    image: ImageOut | None = None
    price_categories: list[PriceCategoryOut]
    publication_datetime: str | None = None
    booking_allowed_datetime: str | None = None
    enable_double_bookings: bool
    is_active: bool
    status: str

    @classmethod
    def of(cls, view: Any) -> EventOut:
        """A ``services.partners.events.PartnerOffer``."""
        offer = view.offer
        return cls(
            **_common(view),
            has_ticket=bool(offer.has_ticket),
            event_duration=None if offer.duration_minutes is None else int(offer.duration_minutes),
            price_categories=[PriceCategoryOut.of(c) for c in offer.price_categories or []],
            publication_datetime=utc_z(offer.publish_at or offer.created_at) if offer.is_active else None,
            booking_allowed_datetime=utc_z(offer.booking_opens_at) if offer.booking_opens_at else None,
            enable_double_bookings=bool(offer.is_duo),
        )


class EventList(CamelModel):
    events: list[EventOut]

    @classmethod
    def of(cls, views: list[Any]) -> EventList:
        return cls(events=[EventOut.of(v) for v in views])


# -- price categories ----------------------------------------------------------------

MAX_PRICE_CATEGORIES = 50
MAX_DATES = 2500


class PriceCategoriesIn(PartnerBody):
    """Price categories to add to the event (the event holds at most 50), unique by (label, price) and idAtProvider."""

    model_config = examples({"priceCategories": [{"label": "Fosse", "price": 2500, "idAtProvider": "fosse"}]})

    price_categories: list[PriceCategoryIn] = Field(min_length=1, max_length=MAX_PRICE_CATEGORIES)


class PriceCategoryPatch(PartnerBody):
    """Any of `label`, `price`, `idAtProvider` (null unsets it); a new price is copied onto the category's dates."""

    model_config = examples({"price": 3000}, {"label": "Carré or (placement libre)"})

    label: Label | None = None
    price: Price | None = None
    id_at_provider: IdAtProvider | None = None


# -- dates ---------------------------------------------------------------------------


class DateIn(PartnerBody):
    """A date of the event: its start, its price category, its quantity (`"unlimited"` or a number of places).

    `bookingLimitDatetime` defaults to the start.
    """

    beginning_datetime: FutureDatetime
    booking_limit_datetime: FutureDatetime | None = None
    price_category_id: PublicId
    quantity: Quantity
    id_at_provider: IdAtProvider | None = None


class DatesIn(PartnerBody):
    model_config = examples(
        {
            "dates": [
                {
                    "beginningDatetime": "2028-06-12T18:30:00Z",
                    "bookingLimitDatetime": "2028-06-12T12:00:00Z",
                    "priceCategoryId": 4503599627370497,
                    "quantity": 200,
                    "idAtProvider": "misanthrope-2028-06-12",
                }
            ]
        }
    )

    dates: list[DateIn] = Field(min_length=1, max_length=MAX_DATES)


# Fields of a date's edition that may not be null.
DATE_NOT_NULL = ("beginning_datetime", "price_category_id", "quantity")


class DatePatch(PartnerBody):
    """Any field of the creation. **`quantity` is the number of places still available**: the date's total
    becomes that plus what is booked (answers show the total)."""

    model_config = examples({"quantity": 10}, {"beginningDatetime": "2028-06-13T18:30:00Z"})

    beginning_datetime: FutureDatetime | None = None
    booking_limit_datetime: FutureDatetime | None = None
    price_category_id: PublicId | None = None
    quantity: Quantity | None = None
    id_at_provider: IdAtProvider | None = None


def quantity_out(value: Any) -> int | Literal["unlimited"]:
    return "unlimited" if value is None else int(value)


class DateOut(CamelModel):
    """``Date``: `quantity` is the total (`"unlimited"` or a number), `bookedQuantity` what is booked of it."""

    id: int
    beginning_datetime: str | None
    booking_limit_datetime: str | None = None
    booked_quantity: int
    quantity: int | Literal["unlimited"]
    price_category: PriceCategoryOut | None = None
    id_at_provider: str | None = None

    @classmethod
    def of(cls, stock: Any, categories: list[Any]) -> DateOut:
        category = None
        if stock.price_category_id is not None:
            wanted = int(stock.price_category_id)
            category = next((c for c in categories if int(c.id) == wanted), None)
        return cls(
            id=int(stock.public_id),
            beginning_datetime=utc_z(stock.begins_at),
            booking_limit_datetime=utc_z(stock.booking_limit_at),
            booked_quantity=int(stock.booked or 0),
            quantity=quantity_out(stock.quantity),
            price_category=PriceCategoryOut.of(category) if category is not None else None,
            id_at_provider=stock.id_at_provider,
        )


class DateList(CamelModel):
    dates: list[DateOut]

    @classmethod
    def of(cls, stocks: list[Any], categories: list[Any]) -> DateList:
        return cls(dates=[DateOut.of(s, categories) for s in stocks])


# -- products (things) ---------------------------------------------------------------

A_PRODUCT = {
    "name": "Le Petit Prince",
    "location": {"type": "physical", "venueId": 4503599627370497},
    "categoryRelatedFields": {"category": "LIVRE_PAPIER"},
    "accessibility": AN_EVENT["accessibility"],
    "idAtProvider": "9782070612758",
    "stock": {"price": 890, "quantity": 12},
}


class ProductStockIn(PartnerBody):
    """The product's stock: its price, its quantity (`"unlimited"` or null: no limit), its booking limit."""

    price: Price
    quantity: Quantity | None = "unlimited"
    booking_limit_datetime: FutureDatetime | None = None


class ProductStockPatch(PartnerBody):
    """The stock's fields sent change; **`quantity` is the number still available** (answers show the total).

    A product without a stock gets this one (`price` then required)."""

    price: Price | None = None
    quantity: Quantity | None = None
    booking_limit_datetime: FutureDatetime | None = None


class ProductIn(_NewOffer):
    """A new product (a thing), with its stock or without (`stock` absent or null)."""

    model_config = examples(A_PRODUCT)

    stock: ProductStockIn | None = None


# Fields of a product's edition that may not be null.
PRODUCT_NOT_NULL = ("name", "location", "category_related_fields", "accessibility", "is_active", "image")


class ProductPatch(_OfferFields):
    """`offerId` names the product; any field of the creation, plus `isActive`. `stock: null` deletes the stock
    (its bookings not yet used cancelled); `category` may not change."""

    model_config = examples({"offerId": 4503599627370497, "stock": {"quantity": 3}})

    offer_id: PublicId
    stock: ProductStockPatch | None = None
    is_active: StrictBool | None = None


class ProductsQuery(EventsQuery):
    pass


class ProductStockOut(CamelModel):
    price: int
    quantity: int | Literal["unlimited"]
    booked_quantity: int
    booking_limit_datetime: str | None = None


class ProductOut(CamelModel):
    """``Product``: `stock` null when it has none; `status` as an event's."""

    id: int
    name: str
    description: str | None = None
    location: LocationOut
    category_related_fields: dict[str, str | None]
    accessibility: dict[str, bool | None]
    id_at_provider: str | None = None
    booking_email: str | None = None
    booking_contact: str | None = None
    video_url: str | None = None
    image: ImageOut | None = None
    stock: ProductStockOut | None = None
    is_active: bool
    status: str

    @classmethod
    def of(cls, view: Any, stock: Any = None) -> ProductOut:
        """A ``services.partners.events.PartnerOffer`` and its live stock (None: it has none)."""
        shown = None
        if stock is not None:
            shown = ProductStockOut(
                price=int(stock.price_cents),
                quantity=quantity_out(stock.quantity),
                booked_quantity=int(stock.booked or 0),
                booking_limit_datetime=utc_z(stock.booking_limit_at),
            )
        return cls(**_common(view), stock=shown)


class ProductList(CamelModel):
    products: list[ProductOut]

    @classmethod
    def of(cls, items: list[Any]) -> ProductList:
        """(view, stock) pairs."""
        return cls(products=[ProductOut.of(v, s) for v, s in items])

"""The partner API and the routes that set partners up: providers, their keys, venues' grants, bookings v1."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, StrictBool, StrictInt, StringConstraints, field_validator

from passculture.presenters import partners as present
from passculture.rules.partners import utc_z as _z
from passculture.schemas.base import CamelModel, Name, examples
from passculture.schemas.offers import Url

MAX_ID = 2**53 - 1


# -- providers (the team) ----------------------------------------------------------


class ProviderIn(CamelModel):
    model_config = examples({"name": "Billetterie Exemple", "logoUrl": "https://billetterie.example.org/logo.png"})

    name: Name
    logo_url: Url | None = None


class ProviderPatch(CamelModel):
    model_config = examples({"isActive": False}, {"name": "Billetterie Exemple 2"})

    name: Name | None = None
    logo_url: Url | None = None
    is_active: StrictBool | None = None


class ProviderOut(CamelModel):
    id: int
    name: str
    logo_url: str | None = None
    is_active: bool

    @classmethod
    def of(cls, provider: Any) -> ProviderOut:
        return cls(id=int(provider.id), name=provider.name, logo_url=provider.logo_url, is_active=provider.is_active)


class ProviderCreated(ProviderOut):
    """With the HMAC key that signs the messages sent to the provider: in this reply only."""

    hmac_key: str

    @classmethod
    def of(cls, new: Any) -> ProviderCreated:
        p = new.provider
        return cls(id=int(p.id), name=p.name, logo_url=p.logo_url, is_active=p.is_active, hmac_key=new.hmac_key)


class ProviderList(CamelModel):
    providers: list[ProviderOut]

    @classmethod
    def of(cls, providers: list[Any]) -> ProviderList:
        return cls(providers=[ProviderOut.of(p) for p in providers])


class ProviderKeyCreated(CamelModel):
    """The key is in this reply only: it is stored hashed."""

    key: str
    prefix: str

    @classmethod
    def of(cls, new: Any) -> ProviderKeyCreated:
        return cls(key=new.key, prefix=new.item.prefix)


class PublicProvider(CamelModel):
    id: int
    name: str
    logo_url: str | None = None

    @classmethod
    def of(cls, provider: Any) -> PublicProvider:
        return cls(**present.public_provider(provider))


class PublicProviderList(CamelModel):
    providers: list[PublicProvider]

    @classmethod
    def of(cls, providers: list[Any]) -> PublicProviderList:
        """Validates ``presenters.partners.public_provider_list``, the body ``GET /providers`` sends."""
        return cls(**present.public_provider_list(providers))


# -- grants (a structure) -----------------------------------------------------------


class GrantIn(CamelModel):
    model_config = examples({"providerId": 4503599627370497})

    provider_id: StrictInt = Field(ge=1, le=MAX_ID)


class GrantOut(CamelModel):
    provider: PublicProvider
    venue_id: str
    created_at: datetime

    @classmethod
    def of(cls, grant: Any) -> GrantOut:
        """A ``services.partners.grants.Grant``."""
        return cls(
            provider=PublicProvider.of(grant.provider), venue_id=grant.grant.venue_id, created_at=grant.grant.created_at
        )


class GrantList(CamelModel):
    partners: list[GrantOut]

    @classmethod
    def of(cls, grants: list[Any]) -> GrantList:
        return cls(partners=[GrantOut.of(g) for g in grants])


# -- /public/bookings/v1 ------------------------------------------------------------


class PartnerBookingsQuery(CamelModel):
    """The list's filters; ``offerId`` or ``venueId`` is required (checked by the service, with the contract's body)."""

    offer_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    venue_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    price_category_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    stock_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    status: Literal["CONFIRMED", "USED", "CANCELLED", "REIMBURSED"] | None = None
    beginning_datetime: datetime | date | None = None

    @field_validator("beginning_datetime", mode="before")
    @classmethod
    def _date_or_aware_datetime(cls, value: Any) -> Any:
        """``YYYY-MM-DD`` is a day; anything longer a timezone-aware datetime."""
        if not isinstance(value, str):
            return value
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("must be a date (YYYY-MM-DD) or an ISO 8601 datetime") from exc
        if moment.tzinfo is None:
            raise ValueError("The datetime must be timezone-aware.")
        return moment

    limit: int = Field(default=50, ge=1, le=50)
    first_index: int = Field(default=1, ge=1, le=MAX_ID)

    def beginning_range(self) -> tuple[datetime, datetime]:
        """A date: its UTC day; a datetime: that instant."""
        value = self.beginning_datetime
        if isinstance(value, datetime):
            moment = value.astimezone(UTC)
            return moment, moment
        assert value is not None
        starts = datetime(value.year, value.month, value.day, tzinfo=UTC)
        return starts, starts + timedelta(days=1) - timedelta(microseconds=1)


class PartnerBooking(CamelModel):
    """A booking as the partner API shows it (``Booking`` of the contract)."""

    id: int
    quantity: int
    creation_date: str
    confirmation_date: str | None
    price: int
    status: Literal["CONFIRMED", "USED", "CANCELLED", "REIMBURSED"]
    offer_id: int
    stock_id: int
    price_category_id: int | None = None
    price_category_label: str | None = None
    offer_name: str | None
    offer_ean: str | None = None
    offer_address: str | None
    offer_department_code: str | None
    venue_id: int
    venue_name: str | None
    user_email: str | None
    user_phone_number: str | None
    user_first_name: str | None
    user_last_name: str | None
    user_birth_date: str | None
    user_postal_code: str | None = None

    @classmethod
    def of(cls, view: Any) -> PartnerBooking:
        """A ``services.partners.bookings.PartnerBooking``."""
        b = view.booking
        return cls(
            id=int(b.public_id),
            quantity=int(b.quantity or 1),
            creation_date=_z(b.created_at) or "",
            confirmation_date=_z(view.confirmation_date),
            price=b.unit_price_cents,
            status={"booked": "CONFIRMED", "used": "USED", "cancelled": "CANCELLED"}.get(b.status, "REIMBURSED"),
            offer_id=view.offer_id,
            stock_id=view.stock_id,
            price_category_id=None if b.price_category_public_id is None else int(b.price_category_public_id),
            offer_name=b.offer_name,
            offer_address=b.venue_address,
            offer_department_code=b.venue_department_code,
            venue_id=view.venue_id,
            venue_name=b.venue_name,
            user_email=b.user_email,
            user_phone_number=b.user_phone,
            user_first_name=b.user_first_name or b.user_public_name,
            user_last_name=b.user_last_name,
            user_birth_date=b.user_date_of_birth,
        )


class PartnerBookingList(CamelModel):
    bookings: list[PartnerBooking]

    @classmethod
    def of(cls, views: list[Any]) -> PartnerBookingList:
        return cls(bookings=[PartnerBooking.of(v) for v in views])


# -- /public/providers/v1 -----------------------------------------------------------


def _partner_url(value: str) -> str:
    """An address this project will POST to: the agenda import's checks (``adapters.feeds``)."""
    from passculture.adapters.feeds import FeedError, check_partner_url

    try:
        return check_partner_url(value)
    except FeedError as exc:
        raise ValueError(exc.reason) from None


PartnerUrl = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(_partner_url)]


class PartnerBody(CamelModel):
    """A partner API body: an unknown field is a 400 ``{"<field>": ["extra fields not permitted"]}``."""

    model_config = ConfigDict(extra="forbid")


class ProviderUrlsPatch(PartnerBody):
    """The URLs sent are set (``null`` unsets one); the others stay. ``bookingUrl`` and ``cancelUrl`` go together."""

    model_config = examples(
        {"notificationUrl": "https://billetterie.example.org/pass-culture/notifications"},
        {
            "bookingUrl": "https://billetterie.example.org/pass-culture/book",
            "cancelUrl": "https://billetterie.example.org/pass-culture/cancel",
        },
    )

    notification_url: PartnerUrl | None = None
    booking_url: PartnerUrl | None = None
    cancel_url: PartnerUrl | None = None


class ProviderSettings(CamelModel):
    """The calling provider, with its URLs."""

    id: int
    name: str
    logo_url: str | None
    notification_url: str | None
    booking_url: str | None
    cancel_url: str | None

    @classmethod
    def of(cls, provider: Any) -> ProviderSettings:
        return cls(
            id=int(provider.id),
            name=provider.name,
            logo_url=provider.logo_url,
            notification_url=provider.notification_url,
            booking_url=provider.booking_url,
            cancel_url=provider.cancel_url,
        )

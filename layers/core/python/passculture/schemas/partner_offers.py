"""``/public/offers/v1`` as partners speak it: venues, categories (and, route by route, events and products)."""

from __future__ import annotations

from typing import Any

from pydantic import RootModel

from passculture.rules.partners import utc_z
from passculture.schemas.base import CamelModel


class PartnerLocation(CamelModel):
    type: str
    address: str | None = None
    city: str | None = None
    postal_code: str | None = None


class PartnerVenueOut(CamelModel):
    """``Venue`` of the contract; the three URLs are the grant's (the venue's own for this provider)."""

    id: int
    created_datetime: str
    location: PartnerLocation
    legal_name: str
    public_name: str
    siret: str | None = None
    siret_comment: str | None = None
    activity_domain: str | None = None
    accessibility: dict[str, bool | None] | None = None
    notification_url: str | None = None
    booking_url: str | None = None
    cancel_url: str | None = None

    @classmethod
    def of(cls, item: Any) -> PartnerVenueOut:
        """A ``services.partners.offers.PartnerVenue``."""
        venue, grant, offerer = item.venue, item.grant, item.offerer
        if venue.is_virtual:
            location = PartnerLocation(type="digital")
        else:
            location = PartnerLocation(
                type="physical", address=venue.address, city=venue.city, postal_code=venue.postal_code
            )
        return cls(
            id=int(venue.public_id),
            created_datetime=utc_z(venue.created_at),
            location=location,
            legal_name=offerer.name if offerer is not None else venue.name,
            public_name=venue.name,
            siret=venue.siret,
            siret_comment=None if venue.siret else "Lieu sans SIRET",
            notification_url=getattr(grant, "notification_url", None),
            booking_url=getattr(grant, "booking_url", None),
            cancel_url=getattr(grant, "cancel_url", None),
        )


class PartnerOfferer(CamelModel):
    id: int
    created_datetime: str
    name: str
    siren: str


class OffererVenues(CamelModel):
    offerer: PartnerOfferer
    venues: list[PartnerVenueOut]


class OffererVenuesList(RootModel[list[OffererVenues]]):
    """The provider's venues, by structure (SIREN order), each list by venue id."""

    @classmethod
    def of(cls, groups: list[tuple[Any, list[Any]]]) -> OffererVenuesList:
        return cls(
            [
                OffererVenues(
                    offerer=PartnerOfferer(
                        id=int(o.public_id), created_datetime=utc_z(o.created_at), name=o.name, siren=o.siren
                    ),
                    venues=[PartnerVenueOut.of(v) for v in venues],
                )
                for o, venues in groups
            ]
        )


class EventCategoryOut(CamelModel):
    id: str
    label: str
    conditional_fields: dict[str, bool]


class EventCategoryList(RootModel[list[EventCategoryOut]]):
    @classmethod
    def of(cls) -> EventCategoryList:
        from passculture.rules.partner_categories import EVENT_CATEGORIES

        return cls([EventCategoryOut(id=k, label=v.label, conditional_fields={}) for k, v in EVENT_CATEGORIES.items()])


class ProductCategoryOut(CamelModel):
    id: str
    conditional_fields: dict[str, bool]
    location_type: str


class ProductCategoryList(RootModel[list[ProductCategoryOut]]):
    @classmethod
    def of(cls) -> ProductCategoryList:
        from passculture.rules.partner_categories import PRODUCT_CATEGORIES

        return cls(
            [
                ProductCategoryOut(id=k, conditional_fields={}, location_type=v.location_type)
                for k, v in PRODUCT_CATEGORIES.items()
            ]
        )


class OffererVenuesQuery(CamelModel):
    siren: str | None = None

"""Venues over HTTP, and their two presenters: the pro view (``VenueOut.of``) and the public one.

A structure's page lists its venues with fewer fields (``VenueSummaryOut``), taken
from the pro view; the app shows where a venue is and never who runs it
(``PublicVenue.of``), with its id on a booking (``BookingVenue``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints

from passculture.presenters.bookings import booking_venue
from passculture.rules.geo import department_of_postal_code
from passculture.rules.siren import check_siret
from passculture.rules.text import check_name
from passculture.schemas.base import CamelModel, Email, Name, Page, examples
from passculture.schemas.crossfield import CrossChecked, given

LOCATION_FIELDS = ("address", "postalCode", "city", "latitude", "longitude")


def _check_postal_code(value: str) -> str:
    department_of_postal_code(value)
    return value


Siret = Annotated[str, StringConstraints(max_length=32), AfterValidator(check_siret)]
PostalCode = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_postal_code)]
Address = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(check_name)
]
City = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), AfterValidator(check_name)
]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


class VenueIn(CrossChecked):
    """A place with its address and location, or the structure's virtual venue (``isVirtual``)."""

    model_config = examples(
        {
            "name": "Théâtre du Quai",
            "siret": "12345678200028",
            "address": "12 quai Saint-Vincent",
            "postalCode": "69001",
            "city": "Lyon",
            "latitude": 45.7676,
            "longitude": 4.827,
            "bookingEmail": "billetterie@theatre-du-quai.fr",
        },
        {
            "name": "Médiathèque Jean-Macé",
            "address": "2 rue Jean-Macé",
            "postalCode": "69007",
            "city": "Lyon",
            "latitude": 45.7459,
            "longitude": 4.8421,
            "bookingEmail": "mediatheque@example.org",
        },
    )

    name: Name
    siret: Siret | None = None
    address: Address | None = None
    postal_code: PostalCode | None = None
    city: City | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    booking_email: Email | None = None
    is_virtual: bool = False

    @classmethod
    def cross_errors(cls, data: dict[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        if given(data, "isVirtual", "is_virtual") is True:
            if given(data, "siret") is not None:
                errors["siret"] = "A virtual venue has no SIRET"
            return errors
        for name in (*LOCATION_FIELDS, "bookingEmail"):
            if given(data, name, _snake(name)) is None:
                errors[name] = "Required for a physical venue"
        return errors


class VenuePatch(CamelModel):
    """Any subset of the venue's fields; ``siret: null`` removes the SIRET."""

    model_config = examples({"bookingEmail": "reservations@theatre-du-quai.fr"}, {"siret": None})

    name: Name | None = None
    siret: Siret | None = None
    address: Address | None = None
    postal_code: PostalCode | None = None
    city: City | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    booking_email: Email | None = None


class VenueOut(CamelModel):
    id: str
    siren: str
    name: str
    siret: str | None = None
    is_virtual: bool
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    department_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    booking_email: str | None = None
    created_at: datetime

    @classmethod
    def of(cls, venue: Any) -> VenueOut:
        return cls(
            id=venue.id,
            siren=venue.siren,
            name=venue.name,
            siret=venue.siret,
            is_virtual=bool(venue.is_virtual),
            address=venue.address,
            postal_code=venue.postal_code,
            city=venue.city,
            department_code=venue.department_code,
            latitude=venue.latitude,
            longitude=venue.longitude,
            booking_email=venue.booking_email,
            created_at=venue.created_at,
        )


class VenuePage(Page[VenueOut]):
    @classmethod
    def of(cls, venues: list[Any], next_cursor: str | None) -> VenuePage:
        return cls(items=[VenueOut.of(v) for v in venues], next_cursor=next_cursor)


class VenueSummaryOut(CamelModel):
    id: str
    name: str
    siret: str | None = None
    is_virtual: bool
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    department_code: str | None = None
    booking_email: str | None = None

    @classmethod
    def of(cls, venue: Any) -> VenueSummaryOut:
        """The pro view's fields that a structure's page lists."""
        return cls.model_validate(VenueOut.of(venue), from_attributes=True)


class PublicVenue(CamelModel):
    name: str
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    @classmethod
    def of(cls, venue: Any) -> PublicVenue:
        """What the app shows of a venue: where it is, never who runs it."""
        return cls(
            name=venue.name,
            address=venue.address,
            postal_code=venue.postal_code,
            city=venue.city,
            latitude=venue.latitude,
            longitude=venue.longitude,
        )


class BookingVenue(CamelModel):
    id: str
    name: str
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    @classmethod
    def of(cls, venue: Any) -> BookingVenue:
        """The public view, with the venue's id (``presenters.bookings.booking_venue``)."""
        return cls(**booking_venue(venue))


def _snake(camel: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), camel)

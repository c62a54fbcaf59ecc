"""Venues: what a structure's places look like over HTTP."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints

from passculture.rules.geo import department_of_postal_code
from passculture.rules.siren import check_siret
from passculture.schemas.base import CamelModel, Email, Name, Page
from passculture.schemas.crossfield import CrossChecked, given

LOCATION_FIELDS = ("address", "postalCode", "city", "latitude", "longitude")


def _check_postal_code(value: str) -> str:
    department_of_postal_code(value)
    return value


Siret = Annotated[str, StringConstraints(max_length=32), AfterValidator(check_siret)]
PostalCode = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_postal_code)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
City = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


class VenueIn(CrossChecked):
    """A place with its address and location, or the structure's virtual venue (``isVirtual``)."""

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
    pass


def _snake(camel: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), camel)

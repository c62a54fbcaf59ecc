"""Venues: what a structure's places look like over HTTP."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints

from passculture.schemas.base import CamelModel, Name, Page
from passculture.schemas.crossfield import CrossChecked, given

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LOCATION_FIELDS = ("address", "postalCode", "city", "latitude", "longitude")


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch not in " .-\u00a0")


def luhn_valid(digits: str) -> bool:
    """True when the ASCII ``digits`` pass the Luhn checksum."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


LA_POSTE_SIREN = "356000000"


def _check_siret(value: str) -> str:
    siret = _digits(value)
    if len(siret) != 14 or not siret.isascii() or not siret.isdigit():
        raise ValueError("A SIRET is 14 digits")
    # La Poste has more establishments than a Luhn key allows: its rule is a digit sum divisible by 5.
    valid = sum(map(int, siret)) % 5 == 0 if siret.startswith(LA_POSTE_SIREN) else luhn_valid(siret)
    if not valid:
        raise ValueError("This SIRET's check digit is wrong (Luhn)")
    return siret


def _check_email(value: str) -> str:
    if not EMAIL.match(value):
        raise ValueError("This is not an email address")
    return value.lower()


def _check_postal_code(value: str) -> str:
    from passculture.services.geo import department_of_postal_code

    department_of_postal_code(value)
    return value


Siret = Annotated[str, AfterValidator(_check_siret)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_check_email)]
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

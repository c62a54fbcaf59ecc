"""The countermark API's reply, field for field as Pass Culture publishes it (v2)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class V2Booking(BaseModel):
    """``GET /v2/bookings/token/{token}``: names are the published ones, not our camelCase rule."""

    model_config = ConfigDict(populate_by_name=True)

    booking_id: str = Field(alias="bookingId")
    date_of_birth: str = Field(alias="dateOfBirth", description='ISO date, or "" when unknown')
    datetime: str = Field(description='the event start (ISO 8601), or "" for a thing')
    ean13: str = Field(default="", description='"" when the offer has none')
    email: str
    formula: str = Field(description='"PLACE" for a cinema event, "" otherwise')
    is_used: bool = Field(alias="isUsed")
    offer_id: str = Field(alias="offerId")
    offer_name: str = Field(alias="offerName")
    offer_type: str = Field(alias="offerType", description='"EVENEMENT" or "BIEN"')
    phone_number: str = Field(default="", alias="phoneNumber")
    price: float = Field(description="the unit price in euros")
    price_cents: int = Field(alias="priceCents", description="the unit price in cents")
    quantity: int
    user_name: str = Field(alias="userName", description="the booker's public name")
    venue_address: str | None = Field(alias="venueAddress")
    venue_departement_code: str | None = Field(alias="venueDepartementCode")
    venue_name: str = Field(alias="venueName")

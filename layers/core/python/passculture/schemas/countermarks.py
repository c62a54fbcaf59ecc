"""The countermark API's reply, field for field as Pass Culture publishes it (v2), and its presenter."""

from __future__ import annotations

from typing import Any

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

    @classmethod
    def of(cls, checked: Any) -> V2Booking:
        """A ``services.countermarks.v2.CheckedBooking``, in the published fields."""
        booking = checked.booking
        is_event = booking.begins_at is not None
        unit_cents = booking.unit_price_cents
        return cls(
            booking_id=booking.token,
            date_of_birth=checked.date_of_birth or "",
            datetime=booking.begins_at.isoformat() if is_event else "",
            ean13="",
            email=booking.user_email or "",
            formula="PLACE" if is_event and booking.offer_category == "CINEMA" else "",
            is_used=booking.status in ("used", "reimbursed"),
            offer_id=booking.offer_id,
            offer_name=booking.offer_name or "",
            offer_type="EVENEMENT" if is_event else "BIEN",
            phone_number="",
            price=unit_cents / 100,
            price_cents=unit_cents,
            quantity=int(booking.quantity or 1),
            user_name=booking.user_public_name or "",
            venue_address=checked.venue_address,
            venue_departement_code=checked.venue_department_code,
            venue_name=checked.venue_name or "",
        )

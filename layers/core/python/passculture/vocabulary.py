"""The closed sets of words the domain uses, once: models, schemas and services import them.

Pure typing (no pydantic, no pynamodb), so importing it costs nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, get_args

Category = Literal[
    "MUSEUM_HERITAGE",
    "LIVE_SHOW",
    "ART_CLASS",
    "CINEMA",
    "AUDIOVISUAL",
    "MUSIC",
    "BOOK",
    "PRESS",
    "GAME",
    "CONFERENCE",
]
# "scheduled": to be published at its ``publish_at`` (a partner's future ``publicationDatetime``).
OfferStatus = Literal["draft", "pending", "published", "inactive", "scheduled"]
OffererStatus = Literal["pending", "validated", "rejected", "deleted"]
BookingStatus = Literal["booked", "used", "cancelled", "reimbursed"]
Role = Literal["admin", "editor"]
MembershipStatus = Literal["pending", "validated"]
# A territory's local decision on an offer; "pending" is the absence of one.
LocalValidation = Literal["validated", "rejected"]
LocalValidationFilter = Literal["pending", "validated", "rejected"]

CATEGORIES: tuple[str, ...] = get_args(Category)
OFFER_STATUSES: tuple[str, ...] = get_args(OfferStatus)
OFFERER_STATUSES: tuple[str, ...] = get_args(OffererStatus)
BOOKING_STATUSES: tuple[str, ...] = get_args(BookingStatus)
ROLES: tuple[str, ...] = get_args(Role)
MEMBERSHIP_STATUSES: tuple[str, ...] = get_args(MembershipStatus)


class CapKind(StrEnum):
    """A cap of the national credit; the value is what a booking stores in ``cap_kind``."""

    PHYSICAL = "physical"  # the cap on physical goods
    DIGITAL = "digital"  # the cap on digital offers

    @classmethod
    def of_offer(cls, *, is_digital: bool, is_event: bool) -> CapKind | None:
        """The cap a booking counts against: digital offers, physical goods; events none."""
        if is_digital:
            return cls.DIGITAL
        if not is_event:
            return cls.PHYSICAL
        return None

    @classmethod
    def of_booking(cls, stored: str | None) -> CapKind | None:
        return cls(stored) if stored in cls._value2member_map_ else None

    @property
    def words(self) -> str:
        """What users call it, in refusals: "physical goods", "digital offers"."""
        return "digital offers" if self == CapKind.DIGITAL else "physical goods"

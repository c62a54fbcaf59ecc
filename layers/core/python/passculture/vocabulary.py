"""The closed sets of words the domain uses, once: models, schemas and services import them.

Pure typing (no pydantic, no pynamodb), so importing it costs nothing.
"""

from __future__ import annotations

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
OfferStatus = Literal["draft", "pending", "published", "inactive"]
OffererStatus = Literal["pending", "validated", "rejected", "deleted"]
BookingStatus = Literal["booked", "used", "cancelled", "reimbursed"]
Role = Literal["admin", "editor"]
MembershipStatus = Literal["pending", "validated"]

CATEGORIES: tuple[str, ...] = get_args(Category)
OFFER_STATUSES: tuple[str, ...] = get_args(OfferStatus)
OFFERER_STATUSES: tuple[str, ...] = get_args(OffererStatus)
BOOKING_STATUSES: tuple[str, ...] = get_args(BookingStatus)
ROLES: tuple[str, ...] = get_args(Role)
MEMBERSHIP_STATUSES: tuple[str, ...] = get_args(MembershipStatus)

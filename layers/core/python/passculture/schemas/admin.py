"""Request and response bodies of the validation function (the team's routes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from passculture.rules.accounts import check_email, check_role
from passculture.schemas.accounts import OffererOut, UserOut
from passculture.schemas.base import CamelModel, PageQuery
from passculture.vocabulary import OffererStatus, OfferStatus

Role = Annotated[str, StringConstraints(max_length=32), AfterValidator(check_role)]


class OfferersQuery(PageQuery):
    status: OffererStatus = "pending"


class OffersQuery(PageQuery):
    status: OfferStatus = "pending"


class UserQuery(CamelModel):
    email: Annotated[str, AfterValidator(check_email)]


class OffererStatusIn(CamelModel):
    status: Literal["validated", "rejected", "deleted"]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


class RolesIn(CamelModel):
    roles: list[Role] = Field(max_length=50)


class OffererListOut(CamelModel):
    items: list[OffererOut]
    next_cursor: str | None = None


class AdminOfferOut(CamelModel):
    id: str
    name: str
    category: str
    status: OfferStatus
    siren: str
    venue_id: str
    department_code: str | None = None
    is_digital: bool
    offerer_name: str | None = None
    offerer_status: str | None = None
    created_at: datetime


class AdminOfferListOut(CamelModel):
    items: list[AdminOfferOut]
    next_cursor: str | None = None


__all__ = [
    "AdminOfferListOut",
    "OffererListOut",
    "OffererStatusIn",
    "OfferersQuery",
    "OffersQuery",
    "RolesIn",
    "UserOut",
    "UserQuery",
]

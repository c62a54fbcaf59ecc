"""Request and response bodies of the validation function (the team's routes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints

from passculture.presenters import accounts as present
from passculture.rules.accounts import check_email, check_role
from passculture.rules.text import check_description
from passculture.schemas.accounts import OffererOut, UserOut
from passculture.schemas.base import CamelModel, PageQuery, examples
from passculture.vocabulary import OffererStatus, OfferStatus

Role = Annotated[str, StringConstraints(max_length=32), AfterValidator(check_role)]


class OfferersQuery(PageQuery):
    status: OffererStatus = "pending"


class OffersQuery(PageQuery):
    status: OfferStatus = "pending"


class UserQuery(CamelModel):
    email: Annotated[str, AfterValidator(check_email)]


class OffererStatusIn(CamelModel):
    model_config = examples(
        {"status": "validated"},
        {"status": "rejected", "reason": "Ce SIREN n'est pas celui d'une structure culturelle"},
    )

    status: Literal["validated", "rejected", "deleted"]
    reason: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000), AfterValidator(check_description)]
        | None
    ) = None


class RolesIn(CamelModel):
    model_config = examples({"roles": ["team"]}, {"roles": ["territory:69"]})

    roles: list[Role] = Field(max_length=50)


class OffererListOut(CamelModel):
    items: list[OffererOut]
    next_cursor: str | None = None

    @classmethod
    def of(cls, offerers: list[Any], next_cursor: str | None) -> OffererListOut:
        """Validates ``presenters.accounts.offerer_list``, the body ``GET /admin/offerers`` sends."""
        return cls(**present.offerer_list(offerers, next_cursor))


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

    @classmethod
    def of(cls, offer: Any, offerer: Any) -> AdminOfferOut:
        return cls(
            id=offer.id,
            name=offer.name,
            category=offer.category,
            status=offer.status,
            siren=offer.siren,
            venue_id=offer.venue_id,
            department_code=offer.department_code,
            is_digital=bool(offer.is_digital),
            offerer_name=offerer.name if offerer else None,
            offerer_status=offerer.status if offerer else None,
            created_at=offer.created_at,
        )


class AdminOfferListOut(CamelModel):
    items: list[AdminOfferOut]
    next_cursor: str | None = None

    @classmethod
    def of(cls, items: list[tuple[Any, Any]], next_cursor: str | None) -> AdminOfferListOut:
        return cls(items=[AdminOfferOut.of(offer, offerer) for offer, offerer in items], next_cursor=next_cursor)


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

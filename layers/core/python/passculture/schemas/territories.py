"""Request and response bodies of the territories function (a department's referents)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from passculture.schemas.accounts import OffererOut
from passculture.schemas.base import AwareDatetime, CamelModel, Name, PageQuery, examples
from passculture.schemas.crossfield import CrossChecked, given
from passculture.vocabulary import Category, LocalValidation, LocalValidationFilter, OffererStatus

# The largest local credit a programme gives one user (1 000 €): a typo of a zero is refused.
MAX_PROGRAMME_CENTS = 100_000
VenueId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class TerritoryOffersQuery(PageQuery):
    status: LocalValidationFilter | None = Field(
        default=None, description="`pending`: no decision yet; `validated`, `rejected`: the territory's decision"
    )


class LocalDecisionIn(CrossChecked):
    model_config = examples(
        {"localValidation": "validated", "highlighted": True}, {"localValidation": "rejected"}, {"highlighted": False}
    )

    local_validation: LocalValidation | None = None
    highlighted: bool | None = None

    @classmethod
    def cross_errors(cls, data: dict[str, Any]) -> dict[str, str]:
        if given(data, "localValidation", "local_validation") is None and given(data, "highlighted") is None:
            return {"localValidation": "Give localValidation, highlighted or both"}
        return {}


class LocalOfferOut(CamelModel):
    id: str
    name: str
    category: str
    status: str = Field(description="National publication status, which local validation never changes")
    siren: str
    venue_id: str
    department_code: str | None = None
    local_validation: LocalValidation | None = Field(default=None, description="null: pending")
    highlighted: bool
    created_at: datetime

    @classmethod
    def of(cls, local: Any) -> LocalOfferOut:
        offer = local.offer
        return cls(
            id=offer.id,
            name=offer.name,
            category=offer.category,
            status=offer.status,
            siren=offer.siren,
            venue_id=offer.venue_id,
            department_code=offer.department_code,
            local_validation=local.local_validation,
            highlighted=local.highlighted,
            created_at=offer.created_at,
        )


class LocalOfferPage(CamelModel):
    items: list[LocalOfferOut]
    next_cursor: str | None = None

    @classmethod
    def of(cls, locals_: list[Any], next_cursor: str | None) -> LocalOfferPage:
        return cls(items=[LocalOfferOut.of(x) for x in locals_], next_cursor=next_cursor)


class Perimeter(CamelModel):
    """One of `categories`, `venueIds`, or `labelOnly` (a label without money, narrowed by either if given)."""

    categories: list[Category] | None = Field(default=None, min_length=1, max_length=10)
    venue_ids: list[VenueId] | None = Field(default=None, min_length=1, max_length=100)
    label_only: Literal[True] | None = None


class ProgrammeIn(CrossChecked):
    model_config = examples(
        {
            "label": "100 € de la Région Auvergne-Rhône-Alpes",
            "amountCents": 10_000,
            "perimeter": {"categories": ["BOOK", "LIVE_SHOW"]},
            "startsAt": "2028-06-01T00:00:00+02:00",
            "endsAt": "2028-12-31T23:59:59+01:00",
        },
        {
            "label": "Bon plan du Rhône",
            "amountCents": 0,
            "perimeter": {"labelOnly": True},
            "startsAt": "2028-06-01T00:00:00+02:00",
            "endsAt": "2028-09-01T00:00:00+02:00",
        },
    )

    label: Name
    amount_cents: int = Field(ge=0, le=MAX_PROGRAMME_CENTS)
    perimeter: Perimeter
    starts_at: AwareDatetime
    ends_at: AwareDatetime

    @classmethod
    def cross_errors(cls, data: dict[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        perimeter = given(data, "perimeter")
        if isinstance(perimeter, dict):
            kinds = [k for k in ("categories", "venueIds") if perimeter.get(k) is not None]
            label_only = perimeter.get("labelOnly") is True
            if len(kinds) > 1 or (not kinds and not label_only):
                errors["perimeter"] = (
                    'A perimeter is one of {"categories": [...]}, {"venueIds": [...]}, {"labelOnly": true}'
                )
            amount = given(data, "amountCents", "amount_cents")
            if isinstance(amount, int) and not isinstance(amount, bool):
                if label_only and amount != 0:
                    errors["amountCents"] = "A label-only programme gives no money: amountCents is 0"
                elif not label_only and amount <= 0:
                    errors["amountCents"] = "A local credit gives at least 1 cent"
        starts, ends = given(data, "startsAt", "starts_at"), given(data, "endsAt", "ends_at")
        if isinstance(starts, str) and isinstance(ends, str):
            try:
                if datetime.fromisoformat(ends) <= datetime.fromisoformat(starts):
                    errors["endsAt"] = "A programme ends after it starts"
            except (TypeError, ValueError):
                pass
        return errors

    def perimeter_dict(self) -> dict[str, Any]:
        """The perimeter as stored (and shown): its JSON names, absent parts left out."""
        return self.perimeter.model_dump(by_alias=True, exclude_none=True)


class ProgrammeOut(CamelModel):
    id: str
    department: str
    label: str
    amount_cents: int
    perimeter: dict[str, Any]
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    granted_users: int
    granted_cents: int
    spent_cents: int
    grant_status: Literal["waiting", "running", "done"] | None = Field(
        default=None, description="The grant to the department's existing users; null for a label-only programme"
    )
    created_at: datetime | None = None

    @classmethod
    def of(cls, programme: Any) -> ProgrammeOut:
        item = programme.item
        return cls(
            id=item.id.removeprefix("credit#"),
            department=item.department,
            label=item.label,
            amount_cents=int(item.amount_cents or 0),
            perimeter=dict(item.perimeter or {}),
            starts_at=item.starts_at,
            ends_at=item.ends_at,
            granted_users=int(item.granted_users or 0),
            granted_cents=int(item.granted_cents or 0),
            spent_cents=int(programme.spent_cents),
            grant_status=item.grant_status,
            created_at=item.created_at,
        )


class ProgrammeList(CamelModel):
    items: list[ProgrammeOut]
    next_cursor: str | None = Field(default=None, description="Always null: a department's programmes fit one page")

    @classmethod
    def of(cls, programmes: list[Any]) -> ProgrammeList:
        return cls(items=[ProgrammeOut.of(p) for p in programmes])


class TerritoryOfferersQuery(PageQuery):
    status: OffererStatus = "pending"


class TerritoryOffererList(CamelModel):
    items: list[OffererOut]
    next_cursor: str | None = None

    @classmethod
    def of(cls, offerers: list[Any], next_cursor: str | None) -> TerritoryOffererList:
        return cls(items=[OffererOut.of(o) for o in offerers], next_cursor=next_cursor)

"""Price categories of an offer (the pro routes): label, price in cents, the partner's id."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from passculture.presenters import catalogue as present
from passculture.rules.price_categories import MAX_PRICE_CATEGORIES
from passculture.schemas.base import CamelModel, examples
from passculture.schemas.crossfield import CrossChecked, given
from passculture.schemas.stocks import PriceCents

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
IdAtProvider = Annotated[str, StringConstraints(min_length=1, max_length=70)]


class PriceCategoryIn(CamelModel):
    label: Label
    price_cents: PriceCents
    id_at_provider: IdAtProvider | None = None


class PriceCategoriesIn(CamelModel):
    """Categories to add (1 to 50; the offer holds at most 50), unique by (label, price) and `idAtProvider`."""

    model_config = examples(
        {"priceCategories": [{"label": "Carré or", "priceCents": 3500}, {"label": "Balcon", "priceCents": 1500}]}
    )

    price_categories: list[PriceCategoryIn] = Field(min_length=1, max_length=MAX_PRICE_CATEGORIES)


class PriceCategoryPatch(CrossChecked):
    """Any of the fields; a new price is copied onto every date of the category."""

    model_config = examples({"priceCents": 3000}, {"label": "Carré or (placement libre)"})

    label: Label | None = None
    price_cents: PriceCents | None = None
    id_at_provider: IdAtProvider | None = None

    @classmethod
    def cross_errors(cls, data: dict[str, Any]) -> dict[str, str]:
        return {
            alias: "Cannot be null"
            for alias, name in (("label", "label"), ("priceCents", "price_cents"))
            if (alias in data or name in data) and given(data, alias, name) is None
        }

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class PriceCategoryOut(CamelModel):
    id: int
    label: str
    price_cents: int
    id_at_provider: str | None = None

    @classmethod
    def of(cls, category: Any) -> PriceCategoryOut:
        return cls(**present.price_category(category))


class PriceCategoryList(CamelModel):
    price_categories: list[PriceCategoryOut]

    @classmethod
    def of(cls, categories: list[Any]) -> PriceCategoryList:
        return cls(price_categories=[PriceCategoryOut.of(c) for c in categories])

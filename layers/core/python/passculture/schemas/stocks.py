"""Stocks: the dates of an event offer, or the single stock of a thing."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, TypeAdapter

from passculture.config import get_settings
from passculture.models.base import utcnow
from passculture.presenters import catalogue as present
from passculture.rules.dates import check_future_within
from passculture.schemas.base import AwareDatetime, CamelModel, examples
from passculture.schemas.crossfield import CrossChecked, given

# Pass Culture's ceiling for one offer's price: 300 €.
MAX_PRICE_CENTS = 30_000
MAX_QUANTITY = 1_000_000
# One TransactWriteItems holds at most 100 items: one request's dates are one transaction.
MAX_BATCH = 100
# Examples' dates must be in the future and at most MAX_EVENT_DAYS_AHEAD (2 years) ahead: move them on before 2028-06.
AN_EVENING = {"beginsAt": "2028-06-12T20:30:00+02:00", "priceCents": 1250, "quantity": 200}
A_THING = {"priceCents": 1500, "quantity": 30}
SOME_EVENINGS = {
    "stocks": [
        AN_EVENING,
        {**AN_EVENING, "beginsAt": "2028-06-13T20:30:00+02:00"},
        {**AN_EVENING, "beginsAt": "2028-06-14T15:00:00+02:00", "bookingLimitAt": "2028-06-14T12:00:00+02:00"},
    ]
}


def _future(value: datetime) -> datetime:
    """After now, and within ``MAX_EVENT_DAYS_AHEAD`` (no year 9999)."""
    return check_future_within(value, utcnow(), get_settings().max_event_days_ahead)


FutureDatetime = Annotated[AwareDatetime, AfterValidator(_future)]
PriceCents = Annotated[int, Field(ge=0, le=MAX_PRICE_CENTS, description="in cents; 0 is free")]
Quantity = Annotated[int, Field(ge=0, le=MAX_QUANTITY, description="absent or null: unlimited")]


CategoryId = Annotated[int, Field(ge=1, le=2**53 - 1)]
PRICE_IS_THE_CATEGORY = "A date with a price category takes the category's price"


def _price_or_category(data: dict[str, Any]) -> dict[str, str]:
    price = given(data, "priceCents", "price_cents")
    category = given(data, "priceCategoryId", "price_category_id")
    if category is not None and price is not None:
        return {"priceCents": PRICE_IS_THE_CATEGORY}
    if category is None and price is None and not ("priceCents" in data or "price_cents" in data):
        return {"priceCents": "Field required"}
    if category is None and price is None:
        return {"priceCents": "Cannot be null"}
    return {}


def _parsed(raw: Any) -> datetime | None:
    try:
        value = TypeAdapter(AwareDatetime).validate_python(raw)
    except ValueError:
        return None
    return value


def _limit_after_start(data: dict[str, Any]) -> dict[str, str]:
    begins, limit = (
        _parsed(given(data, "beginsAt", "begins_at")),
        _parsed(given(data, "bookingLimitAt", "booking_limit_at")),
    )
    if begins is not None and limit is not None and limit > begins:
        return {"bookingLimitAt": "The booking limit cannot be after the event's start"}
    return {}


class StockIn(CrossChecked):
    """One date of an event (``beginsAt``) or the stock of a thing (no ``beginsAt``).

    ``bookingLimitAt`` defaults to the day before an event (its start when that
    day is already past); a thing has none unless given.
    """

    model_config = examples(AN_EVENING, A_THING)

    begins_at: FutureDatetime | None = None
    price_cents: PriceCents | None = Field(default=None, description="required unless `priceCategoryId` is given")
    price_category_id: CategoryId | None = Field(
        default=None, description="an event's date: its price is the category's"
    )
    quantity: Quantity | None = None
    booking_limit_at: FutureDatetime | None = None
    shards: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="places spread over this many items so a rush of bookings of this date does not queue on one; "
        "absent: 1 under 200 places, then one per 100, at most 64 (ignored when the quantity is unlimited)",
    )

    @classmethod
    def cross_errors(cls, data: dict[str, Any]) -> dict[str, str]:
        errors = _limit_after_start(data)
        errors.update(_price_or_category(data))
        return errors


class StockBatchIn(CamelModel):
    """Many dates at once (up to 100), written together or not at all."""

    model_config = examples(SOME_EVENINGS)

    stocks: list[StockIn] = Field(min_length=1, max_length=MAX_BATCH)


class StockCreation:
    """``POST /offers/{id}/stocks`` takes one stock (the contract's form) or ``{"stocks": [...]}``."""

    @classmethod
    def model_validate(cls, data: Any) -> StockIn | StockBatchIn:
        if isinstance(data, dict) and "stocks" in data:
            return StockBatchIn.model_validate(data)
        return StockIn.model_validate(data)

    @classmethod
    def model_json_schema(cls, by_alias: bool = True, ref_template: str = "#/$defs/{model}") -> dict[str, Any]:
        adapter: TypeAdapter[Any] = TypeAdapter(StockIn | StockBatchIn)
        return {
            **adapter.json_schema(by_alias=by_alias, ref_template=ref_template),
            "examples": [AN_EVENING, A_THING, SOME_EVENINGS],
        }


class StockPatch(CrossChecked):
    """Any of the stock's fields; ``quantity: null`` makes it unlimited."""

    model_config = examples({"quantity": 250}, {"priceCents": 1000, "quantity": None})

    begins_at: FutureDatetime | None = None
    price_cents: PriceCents | None = None
    price_category_id: CategoryId | None = Field(default=None, description="the date takes this category's price")
    quantity: Quantity | None = None
    booking_limit_at: FutureDatetime | None = None

    @classmethod
    def cross_errors(cls, data: dict[str, Any]) -> dict[str, str]:
        errors = _limit_after_start(data)
        if given(data, "priceCategoryId", "price_category_id") is not None and "priceCents" in data:
            errors["priceCents"] = PRICE_IS_THE_CATEGORY
        for alias, name in (("priceCents", "price_cents"), ("beginsAt", "begins_at")):
            if (alias in data or name in data) and given(data, alias, name) is None:
                errors[alias] = "Cannot be null"
        return errors


class StockPriceCategory(CamelModel):
    id: int
    label: str
    price_cents: int

    @classmethod
    def of(cls, category: Any) -> StockPriceCategory:
        return cls(id=int(category.id), label=category.label, price_cents=int(category.price_cents))


class StockOut(CamelModel):
    id: str
    offer_id: str
    begins_at: datetime | None = None
    price_cents: int
    price_category_id: int | None = None
    price_category: StockPriceCategory | None = Field(default=None, description="the date's price category")
    quantity: int | None = None
    booked: int
    remaining_quantity: int | None = None
    booking_limit_at: datetime | None = None
    shards: int = Field(default=1, description="items the places are spread over (1: not split)")

    @classmethod
    def of(cls, stock: Any, categories: Any = None) -> StockOut:
        """``stock``, with its price category found in ``categories`` (its offer's, when the caller read them)."""
        return cls(**present.stock(stock, categories))


class StockList(CamelModel):
    stocks: list[StockOut]

    @classmethod
    def of(cls, stocks: list[Any], categories: Any = None) -> StockList:
        return cls(stocks=[StockOut.of(s, categories) for s in stocks])


class StockCreated:
    """The answer to ``POST /offers/{id}/stocks``: the stock, or ``{"stocks": [...]}`` for a batch."""

    @classmethod
    def model_json_schema(cls, by_alias: bool = True, ref_template: str = "#/$defs/{model}") -> dict[str, Any]:
        adapter: TypeAdapter[Any] = TypeAdapter(StockOut | StockList)
        return adapter.json_schema(by_alias=by_alias, ref_template=ref_template)

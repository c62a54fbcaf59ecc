"""A structure's transactions (bookings of its offers), as a page or a CSV export."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from passculture.presenters import bookings as present
from passculture.rules.dates import check_period_bound
from passculture.schemas.base import AwareDatetime, CamelModel, PageQuery
from passculture.vocabulary import BookingStatus

# Years 2000 to 2099: the pass's history, and no year 9999.
PeriodBound = Annotated[AwareDatetime, AfterValidator(check_period_bound)]


class TransactionsQuery(PageQuery):
    """Filters of ``GET /bookings/pro``; the period is on the booking date, both ends included."""

    venue_id: str | None = Field(default=None, min_length=1, max_length=64)
    siren: str | None = Field(
        default=None, pattern=r"^\d{9}$", description="needed when the caller belongs to several structures"
    )
    from_: PeriodBound | None = Field(default=None, alias="from")
    to: PeriodBound | None = None
    status: BookingStatus | None = None
    format: Literal["json", "csv"] = "json"

    @field_validator("from_", "to", mode="before")
    @classmethod
    def _unescaped_plus(cls, value: Any) -> Any:
        # An offset's "+" sent unencoded in a query string arrives as a space.
        if isinstance(value, str) and " " in value.strip():
            return value.strip().replace(" ", "+")
        return value

    @field_validator("to")
    @classmethod
    def _after_from(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("from_")
        if value is not None and start is not None and start > value:
            raise ValueError("must not be before `from`")
        return value


class Transaction(CamelModel):
    token: str
    booked_at: datetime
    status: BookingStatus
    offer_id: str
    offer_name: str | None = None
    offer_category: str | None = None
    begins_at: datetime | None = None
    venue_id: str
    venue_name: str | None = None
    quantity: int
    unit_price_cents: int
    amount_cents: int
    used_at: datetime | None = None
    used_by: str | None = None
    cancelled_at: datetime | None = None
    cancelled_by: str | None = None
    reimbursed_at: datetime | None = None
    user_public_name: str | None = None
    user_email: str | None = None

    @classmethod
    def of(cls, row: Any) -> Transaction:
        """A ``services.countermarks.transactions.TransactionRow``: the booking and its venue's name."""
        return cls(**present.transaction(row))


class TransactionPage(CamelModel):
    items: list[Transaction]
    next_cursor: str | None = None

    @classmethod
    def of(cls, rows: list[Any], next_cursor: str | None) -> TransactionPage:
        """Validates ``presenters.bookings.transaction_page``, the JSON body ``GET /bookings/pro`` sends."""
        return cls(**present.transaction_page(rows, next_cursor))

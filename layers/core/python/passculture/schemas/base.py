"""Shared schema pieces: camelCase models, pages, bounded text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from passculture.rules.accounts import check_email
from passculture.rules.text import check_description, check_name

T = TypeVar("T")


class CamelModel(BaseModel):
    """JSON names in camelCase; unknown fields are ignored, not errors."""

    # defer_build: a model's validator is built on first use, not at import (cold start).
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", defer_build=True)


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a timezone offset (ISO 8601, e.g. 2026-05-01T20:00:00+02:00)")
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # year 1 or 9999 shifted past the calendar's ends
        raise ValueError("is out of range") from exc


def examples(*bodies: Any) -> ConfigDict:
    """A request schema's examples: shown in the OpenAPI document, and each one must validate (a test checks)."""
    return ConfigDict(json_schema_extra={"examples": list(bodies)})


# Times in requests must carry an offset; they are stored in UTC.
AwareDatetime = Annotated[datetime, AfterValidator(_aware_utc)]
# One line (no control character nor line separator: rules/text.py); a description keeps its line breaks.
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=140), AfterValidator(check_name)
]
Description = Annotated[str, StringConstraints(max_length=10_000), AfterValidator(check_description)]
# Checked, stripped and lower-cased: every email the API takes.
Email = Annotated[str, AfterValidator(check_email)]


class PageQuery(CamelModel):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None


class Page(CamelModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None

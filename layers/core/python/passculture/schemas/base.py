"""Shared schema pieces: camelCase models, pages, bounded text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from passculture.rules.accounts import check_email

T = TypeVar("T")


class CamelModel(BaseModel):
    """JSON names in camelCase; unknown fields are ignored, not errors."""

    # defer_build: a model's validator is built on first use, not at import (cold start).
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", defer_build=True)


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a timezone offset (ISO 8601, e.g. 2026-05-01T20:00:00+02:00)")
    return value.astimezone(UTC)


def examples(*bodies: Any) -> ConfigDict:
    """A request schema's examples: shown in the OpenAPI document, and each one must validate (a test checks)."""
    return ConfigDict(json_schema_extra={"examples": list(bodies)})


# Times in requests must carry an offset; they are stored in UTC.
AwareDatetime = Annotated[datetime, AfterValidator(_aware_utc)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=140)]
Description = Annotated[str, StringConstraints(max_length=10_000)]
# Checked, stripped and lower-cased: every email the API takes.
Email = Annotated[str, AfterValidator(check_email)]


class PageQuery(CamelModel):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None


class Page(CamelModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None

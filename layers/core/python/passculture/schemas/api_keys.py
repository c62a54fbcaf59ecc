"""A structure's API keys for the countermark API."""

from __future__ import annotations

from datetime import datetime

from passculture.schemas.base import CamelModel


class ApiKeyCreated(CamelModel):
    """The key itself is in this reply only: it is stored hashed."""

    api_key: str
    prefix: str
    created_at: datetime


class ApiKeyOut(CamelModel):
    prefix: str
    created_at: datetime
    last_used_at: datetime | None = None


class ApiKeyPage(CamelModel):
    items: list[ApiKeyOut]
    next_cursor: str | None = None

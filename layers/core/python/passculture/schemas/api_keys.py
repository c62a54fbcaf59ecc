"""A structure's API keys for the countermark API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from passculture.schemas.base import CamelModel


class ApiKeyCreated(CamelModel):
    """The key itself is in this reply only: it is stored hashed."""

    api_key: str
    prefix: str
    created_at: datetime

    @classmethod
    def of(cls, new: Any) -> ApiKeyCreated:
        """A ``services.countermarks.api_keys.NewApiKey``."""
        return cls(api_key=new.key, prefix=new.api_key.prefix, created_at=new.api_key.created_at)


class ApiKeyOut(CamelModel):
    prefix: str
    created_at: datetime
    last_used_at: datetime | None = None

    @classmethod
    def of(cls, key: Any) -> ApiKeyOut:
        """Never the key nor its hash."""
        return cls(prefix=key.prefix, created_at=key.created_at, last_used_at=key.last_used_at)


class ApiKeyPage(CamelModel):
    items: list[ApiKeyOut]
    next_cursor: str | None = None

    @classmethod
    def of(cls, keys: list[Any]) -> ApiKeyPage:
        return cls(items=[ApiKeyOut.of(k) for k in keys])

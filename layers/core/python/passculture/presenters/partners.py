"""Providers as the contract shows them to a pro (``passculture.schemas.partners``)."""

from __future__ import annotations

from typing import Any


def public_provider(provider: Any) -> dict[str, Any]:
    return {"id": int(provider.id), "name": provider.name, "logoUrl": provider.logo_url}


def public_provider_list(providers: list[Any]) -> dict[str, Any]:
    """The active providers a structure may grant (``GET /providers``)."""
    return {"providers": [public_provider(p) for p in providers]}

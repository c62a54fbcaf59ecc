"""pynamodb models: one module per table, the only place that knows table shapes.

Import the model you need from its module (``from passculture.models.users
import User``) so a handler loads only its tables; ``all_models()`` is for
infrastructure code that needs every table.
"""

from __future__ import annotations

from importlib import import_module

TABLE_MODULES = {
    "users": "User",
    "uniques": "Unique",
    "offerers": "Offerer",
    "memberships": "Membership",
    "venues": "Venue",
    "offers": "Offer",
    "stocks": "Stock",
    "stock_shards": "StockShard",
    "bookings": "Booking",
    "wallets": "Wallet",
    "api_keys": "ApiKey",
    "providers": "Provider",
    "provider_keys": "ProviderKey",
    "venue_providers": "VenueProvider",
    "agenda_links": "AgendaLink",
    "territories": "TerritoryItem",
    "rate_limits": "RateLimit",
    "failed_mails": "FailedMail",
}


def all_models() -> list[type]:
    return [getattr(import_module(f"passculture.models.{m}"), cls) for m, cls in TABLE_MODULES.items()]

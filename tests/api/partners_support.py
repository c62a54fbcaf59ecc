"""Builders for the partner API's tests: providers with keys and grants, through the services."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from passculture.models.base import utcnow
from tests.factories import (
    bearer,
    make_booking,
    make_member,
    make_offer,
    make_offerer,
    make_stock,
    make_team_user,
    make_venue,
    make_young,
)

# The ticketing request's fields (PARTNER_API.md, "Messages to partners"); a notification adds ``action``.
TICKETING_FIELDS = frozenset(
    {
        *("booking_confirmation_date", "booking_creation_date", "booking_quantity"),
        *("offer_ean", "offer_id", "offer_id_at_provider", "offer_name", "offer_price"),
        *("price_category_id", "price_category_id_at_provider", "price_category_label"),
        *("stock_id", "stock_id_at_provider"),
        *("user_birth_date", "user_email", "user_first_name", "user_last_name", "user_phone"),
        *("venue_address", "venue_department_code", "venue_id", "venue_name"),
    }
)


# The four accessibility answers an offer's creation requires (PARTNER_API.md, event creation).
ACCESSIBLE = {
    "audioDisabilityCompliant": True,
    "mentalDisabilityCompliant": False,
    "motorDisabilityCompliant": True,
    "visualDisabilityCompliant": False,
}


EVENTS = "/public/offers/v1/events"
PRODUCTS = "/public/offers/v1/products"


def event_body(scene: Any, *, accessibility: dict[str, bool] = ACCESSIBLE, **fields: Any) -> dict:
    """A valid event's creation (no price categories) on ``offer_scene()``'s venue; ``fields`` add or replace."""
    return {
        "name": "Le Misanthrope",
        "location": {"type": "physical", "venueId": scene.venue_public_id},
        "categoryRelatedFields": {"category": "SPECTACLE_REPRESENTATION"},
        "accessibility": dict(accessibility),
        "hasTicket": False,
        **fields,
    }


def product_body(scene: Any, *, accessibility: dict[str, bool] = ACCESSIBLE, **fields: Any) -> dict:
    """A valid product's creation (a book, no stock) on ``offer_scene()``'s venue; ``fields`` add or replace."""
    return {
        "name": "Le Petit Prince",
        "location": {"type": "physical", "venueId": scene.venue_public_id},
        "categoryRelatedFields": {"category": "LIVRE_PAPIER"},
        "accessibility": dict(accessibility),
        **fields,
    }


def team_principal() -> Any:
    from passculture.services.accounts.auth import load_principal

    return load_principal(make_team_user().id)


def make_provider(*venues: Any, name: str = "Billetterie") -> SimpleNamespace:
    """A provider with one key, granted ``venues`` (by their structure's admin)."""
    from passculture.services.accounts.auth import load_principal
    from passculture.services.partners import grants, providers

    team = team_principal()
    provider = providers.create_provider(team, name, None).provider
    key = providers.create_key(team, int(provider.id))
    for venue in venues:
        admin = load_principal(make_member(SimpleNamespace(siren=venue.siren)).id)
        grants.grant(admin, venue.id, int(provider.id))
    return SimpleNamespace(provider=provider, id=int(provider.id), key=key.key, prefix=key.item.prefix, team=team)


def provider_headers(provider: Any) -> dict[str, str]:
    return bearer(provider.key)


def build_partner_scene() -> SimpleNamespace:
    """A structure's venue with an event in 10 days, a young booker, a provider granted the venue;
    another structure's venue with its own booking, not granted."""
    offerer = make_offerer()
    venue = make_venue(offerer)
    offer = make_offer(venue, category="LIVE_SHOW", is_duo=True)
    stock = make_stock(offer, begins_at=utcnow() + timedelta(days=10), price_cents=1250, quantity=20)
    young = make_young()
    other = make_offerer()
    other_venue = make_venue(other)
    other_offer = make_offer(other_venue)
    other_stock = make_stock(other_offer, begins_at=utcnow() + timedelta(days=10))
    provider = make_provider(venue)
    return SimpleNamespace(
        offerer=offerer,
        venue=venue,
        offer=offer,
        stock=stock,
        young=young,
        other_venue=other_venue,
        other_offer=other_offer,
        other_stock=other_stock,
        provider=provider,
        headers=provider_headers(provider),
    )


def book(scene: Any, *, status: str = "booked", other: bool = False, days_ago: float = 3, **fields: Any) -> Any:
    """A booking made ``days_ago`` (past the booker's 48 h by default), of the scene's date or the other one."""
    fields.setdefault("created_at", utcnow() - timedelta(days=days_ago))
    if other:
        return make_booking(
            scene.other_stock, scene.other_offer, scene.other_venue, scene.young, status=status, **fields
        )
    return make_booking(scene.stock, scene.offer, scene.venue, scene.young, status=status, **fields)


def partners_client() -> Iterator[Any]:
    """The body of a module's ``client`` fixture (inside ``aws``): the partners function."""
    from chalice.test import Client

    from infra.catalog import load_app

    with Client(load_app("partners")) as c:
        yield c


class JsonHttp:
    """Chalice's test client with bodies given as Python values (sent as JSON): ``client.http.post(path, body=...)``."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.http = self

    def _call(self, method: str, path: str, headers: dict[str, str] | None = None, body: Any = None) -> Any:
        import json

        headers = {"Content-Type": "application/json", **(headers or {})}
        data = json.dumps(body) if body is not None else None
        call = getattr(self.client.http, method)
        return call(path, headers=headers, body=data) if data is not None else call(path, headers=headers)

    def get(self, path: str, headers: dict[str, str] | None = None, body: Any = None) -> Any:
        return self._call("get", path, headers)

    def post(self, path: str, headers: dict[str, str] | None = None, body: Any = None) -> Any:
        return self._call("post", path, headers, body)

    def patch(self, path: str, headers: dict[str, str] | None = None, body: Any = None) -> Any:
        return self._call("patch", path, headers, body)

    def delete(self, path: str, headers: dict[str, str] | None = None, body: Any = None) -> Any:
        return self._call("delete", path, headers, body)


def json_partners_client() -> Iterator[Any]:
    """``partners_client``, its bodies sent as JSON (``JsonHttp``)."""
    for c in partners_client():
        yield JsonHttp(c)


def offer_scene() -> SimpleNamespace:
    """``build_partner_scene()`` with its venue's integer id (``venue_public_id``), as the offer routes name it."""
    from passculture.models.venues import Venue

    scene = build_partner_scene()
    scene.venue_public_id = int(Venue.get(scene.venue.id).public_id)
    return scene

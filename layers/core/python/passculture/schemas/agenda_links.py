"""Agenda links ("providers" in the contract): a venue's OpenAgenda agenda or iCalendar feed, and its presenter."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from passculture.schemas.base import CamelModel, examples
from passculture.schemas.crossfield import CrossChecked, given
from passculture.schemas.stocks import PriceCents, Quantity
from passculture.vocabulary import Category

Pasted = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class AgendaLinkIn(CrossChecked):
    """An OpenAgenda agenda (its id, or the export address copied from OpenAgenda) or any iCalendar feed."""

    model_config = examples(
        {"provider": "openagenda", "agendaId": "47826291"},
        {
            "provider": "ics",
            "url": "https://billetterie.example.org/agenda.ics",
            "defaultPriceCents": 800,
            "defaultQuantity": 100,
            "defaultCategory": "LIVE_SHOW",
        },
    )

    provider: Literal["openagenda", "ics"]
    agenda_id: Pasted | None = Field(
        default=None, description="openagenda: digits, or any URL containing /agendas/<digits>"
    )
    url: Pasted | None = Field(default=None, description="ics: the feed's https address")
    default_price_cents: PriceCents = 0
    default_quantity: Quantity | None = None
    default_category: Category | None = Field(
        default=None, description="for events whose category cannot be guessed (else the venue's usual one)"
    )

    @classmethod
    def cross_errors(cls, data: dict[str, Any]) -> dict[str, str]:
        provider = given(data, "provider")
        if provider == "openagenda" and not given(data, "agendaId", "agenda_id"):
            return {"agendaId": "An OpenAgenda link needs the agenda's id (or its export address)"}
        if provider == "ics" and not given(data, "url"):
            return {"url": "An iCalendar link needs the feed's address"}
        return {}


class RejectedOut(CamelModel):
    uid: str
    reason: str


class ReportOut(CamelModel):
    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    occurrences: int = 0
    rejected: list[RejectedOut] = Field(default_factory=list)


class AgendaLinkOut(CamelModel):
    id: str
    venue_id: str
    provider: Literal["openagenda", "ics"]
    agenda_id: str | None = None
    url: str | None = None
    status: Literal["syncing", "ok", "error"]
    last_sync_at: datetime | None = None
    last_error: str | None = Field(default=None, description="why the last import failed, in words")
    last_report: ReportOut | None = Field(default=None, description="what the last import did")
    consecutive_failures: int = 0
    default_price_cents: int
    default_quantity: int | None = None
    default_category: str | None = None
    created_at: datetime

    @classmethod
    def of(cls, link: Any) -> AgendaLinkOut:
        """A ``models.agenda_links.AgendaLink``."""
        return cls(
            id=link.id,
            venue_id=link.venue_id,
            provider=link.provider,
            agenda_id=link.agenda_id,
            url=link.url,
            status=link.status,
            last_sync_at=link.last_sync_at,
            last_error=link.last_error,
            last_report=ReportOut(**link.last_report) if link.last_report else None,
            consecutive_failures=int(link.consecutive_failures or 0),
            default_price_cents=int(link.default_price_cents or 0),
            default_quantity=None if link.default_quantity is None else int(link.default_quantity),
            default_category=link.default_category,
            created_at=link.created_at,
        )


class AgendaLinkList(CamelModel):
    items: list[AgendaLinkOut]

    @classmethod
    def of(cls, links: list[Any]) -> AgendaLinkList:
        return cls(items=[AgendaLinkOut.of(link) for link in links])

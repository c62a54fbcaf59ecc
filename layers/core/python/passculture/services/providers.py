"""Agenda links (OpenAgenda, iCalendar): which ones the schedule pulls."""

from __future__ import annotations

from datetime import timedelta

from passculture.models.base import utcnow
from passculture.models.providers import Provider

ACTIVE = "active"
SYNC_INTERVAL = timedelta(hours=1)


def due_links(limit: int = 500) -> list[Provider]:
    """Active links not synced within the interval, least recently synced first (a Query, no Scan)."""
    cutoff = (utcnow() - SYNC_INTERVAL).isoformat()
    query = Provider.schedule_index.query(ACTIVE, Provider.last_sync_key < cutoff, limit=limit)
    return list(query)

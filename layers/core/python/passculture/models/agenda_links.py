"""agenda_links: a venue's links to an external agenda (OpenAgenda or any iCalendar feed).

The contract calls them "providers" (``/venues/{id}/providers``); the table is
``agenda_links`` because partner companies are the providers of the partner API.
"""

from __future__ import annotations

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from passculture.models.base import meta_for


class AgendaLinkScheduleIndex(GlobalSecondaryIndex["AgendaLink"]):
    """Sparse: active links carry ``schedule`` ("active"), least recently synced first."""

    class Meta:
        index_name = "schedule-last_sync_key-index"
        projection = AllProjection()

    schedule = UnicodeAttribute(hash_key=True)
    last_sync_key = UnicodeAttribute(range_key=True)


class AgendaLink(Model):
    Meta = meta_for("agenda_links")

    venue_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    siren = UnicodeAttribute()
    provider = UnicodeAttribute()  # openagenda | ics
    agenda_id = UnicodeAttribute(null=True)
    url = UnicodeAttribute(null=True)
    # The feed's identity on its venue (``openagenda:<id>`` or the normalised URL): one link per feed.
    feed_key = UnicodeAttribute()
    default_price_cents = NumberAttribute(default=0)
    default_quantity = NumberAttribute(null=True)
    default_category = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default="syncing")  # syncing | ok | error
    sync_started_at = UTCDateTimeAttribute(null=True)
    schedule = UnicodeAttribute(null=True)
    last_sync_key = UnicodeAttribute(default="0")
    last_sync_at = UTCDateTimeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    last_report = JSONAttribute(null=True)
    consecutive_failures = NumberAttribute(default=0)
    etag = UnicodeAttribute(null=True)
    last_modified = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()

    schedule_index = AgendaLinkScheduleIndex()

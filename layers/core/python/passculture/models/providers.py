"""providers: a venue's links to an external agenda (OpenAgenda or any iCalendar feed)."""

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


class ProviderScheduleIndex(GlobalSecondaryIndex["Provider"]):
    """Sparse: active links carry ``schedule`` ("active"), least recently synced first."""

    class Meta:
        index_name = "schedule-last_sync_key-index"
        projection = AllProjection()

    schedule = UnicodeAttribute(hash_key=True)
    last_sync_key = UnicodeAttribute(range_key=True)


class Provider(Model):
    Meta = meta_for("providers")

    venue_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    provider = UnicodeAttribute()  # openagenda | ics
    agenda_id = UnicodeAttribute(null=True)
    url = UnicodeAttribute(null=True)
    default_price_cents = NumberAttribute(default=0)
    default_quantity = NumberAttribute(null=True)
    status = UnicodeAttribute(default="syncing")  # syncing | ok | error
    schedule = UnicodeAttribute(null=True)
    last_sync_key = UnicodeAttribute(default="0")
    last_sync_at = UTCDateTimeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    last_report = JSONAttribute(null=True)
    etag = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()

    schedule_index = ProviderScheduleIndex()

"""territories: what a local authority decides for its department.

Items share the department as hash key; the sort key says what they are:
``offer#<offer id>`` (local validation, highlight), ``credit#<id>`` (a
labelled local credit programme, with its granted totals) or
``credit#<id>#spent#<n>`` (one of the programme's ``SPENT_SHARDS`` spent
counters: every booking paid from the programme adds to one of them, so no
single item takes every booking's write; the spent total is their sum).
A programme's items sort together, so one Query of ``credit#`` reads them all.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from passculture.models.base import meta_for

# Spent counters per programme: a booking writes one chosen at random (see services/territories/programmes.py).
SPENT_SHARDS = 8
GRANT_WAITING = "waiting"


class TerritoryGrantIndex(GlobalSecondaryIndex["TerritoryItem"]):
    """Sparse: programmes whose grant to the department's existing users has not finished, by start."""

    class Meta:
        index_name = "grant_due-starts_at-index"
        projection = KeysOnlyProjection()

    grant_due = UnicodeAttribute(hash_key=True)
    starts_at = UTCDateTimeAttribute(range_key=True)


class TerritoryItem(Model):
    Meta = meta_for("territories")

    department = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    # offer#<id>
    local_validation = UnicodeAttribute(null=True)
    highlighted = BooleanAttribute(null=True)
    # credit#<id>
    label = UnicodeAttribute(null=True)
    amount_cents = NumberAttribute(null=True)
    perimeter = JSONAttribute(null=True)
    starts_at = UTCDateTimeAttribute(null=True)
    ends_at = UTCDateTimeAttribute(null=True)
    granted_cents = NumberAttribute(null=True)
    granted_users = NumberAttribute(null=True)
    # The grant job: "waiting" (not started: GRANT_WAITING, also in the sparse index), "running", "done".
    grant_status = UnicodeAttribute(null=True)
    grant_due = UnicodeAttribute(null=True)
    grant_finished_at = UTCDateTimeAttribute(null=True)
    # credit#<id>#spent#<n>: this shard's share of the spent total (refunds subtract from the shard they hit).
    spent_cents = NumberAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute(null=True)

    grant_index = TerritoryGrantIndex()


def offer_key(offer_id: str) -> str:
    return f"offer#{offer_id}"


def programme_key(programme_id: str) -> str:
    return f"credit#{programme_id}"


def spent_key(programme_id: str, shard: int) -> str:
    return f"credit#{programme_id}#spent#{shard}"


def is_programme(item: TerritoryItem) -> bool:
    return item.id.startswith("credit#") and "#spent#" not in item.id

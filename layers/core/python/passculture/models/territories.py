"""territories: what a local authority decides for its department.

Items share the department as hash key; the sort key says what they are:
``offer#<offer id>`` (local validation, highlight) or ``credit#<id>`` (a
labelled local credit programme).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model

from passculture.models.base import meta_for


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
    spent_cents = NumberAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()

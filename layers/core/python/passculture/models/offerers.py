"""offerers: one item per structure, keyed by its SIREN (the natural unique key)."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from passculture.models.base import meta_for


class OffererStatusIndex(GlobalSecondaryIndex["Offerer"]):
    """Structures by status, oldest first: the team's validation queue."""

    class Meta:
        index_name = "status-created_at-index"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class Offerer(Model):
    Meta = meta_for("offerers")

    siren = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    status = UnicodeAttribute(default="pending")
    address = UnicodeAttribute(null=True)
    postal_code = UnicodeAttribute(null=True)
    city = UnicodeAttribute(null=True)
    department_code = UnicodeAttribute(null=True)
    # A venue run directly by a local authority (régie directe) sits under it.
    parent_siren = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    status_reason = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    validated_at = UTCDateTimeAttribute(null=True)
    status_changed_at = UTCDateTimeAttribute(null=True)
    status_changed_by = UnicodeAttribute(null=True)
    # Validated admins, kept by conditional updates so the last one cannot leave
    # under concurrency; absent on items written before it existed (then counted once).
    admin_count = NumberAttribute(null=True)
    # The integer id partners see (services.partners.ids): random, unique through ``uniques``.
    public_id = NumberAttribute(null=True)

    status_index = OffererStatusIndex()

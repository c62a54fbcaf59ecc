"""venues: places of a structure (with or without SIRET) and its one virtual venue."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from passculture.models.base import meta_for


class VenueSirenIndex(GlobalSecondaryIndex["Venue"]):
    """The venues of one structure."""

    class Meta:
        index_name = "siren-created_at-index"
        projection = AllProjection()

    siren = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class Venue(Model):
    Meta = meta_for("venues")

    id = UnicodeAttribute(hash_key=True)
    siren = UnicodeAttribute()
    name = UnicodeAttribute()
    siret = UnicodeAttribute(null=True)
    is_virtual = BooleanAttribute(default=False)
    address = UnicodeAttribute(null=True)
    postal_code = UnicodeAttribute(null=True)
    city = UnicodeAttribute(null=True)
    department_code = UnicodeAttribute(null=True)
    latitude = NumberAttribute(null=True)
    longitude = NumberAttribute(null=True)
    geohash = UnicodeAttribute(null=True)
    booking_email = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    # The integer id partners see (services.partners.ids): random, unique through ``uniques``.
    public_id = NumberAttribute(null=True)

    siren_index = VenueSirenIndex()

"""providers: the partners (ticketing systems, bookshops' tools, agenda tools) the team registers.

Keyed by their integer id (random, 53-bit safe: ``services.partners.ids``).
``venue_ids`` is the set of venues granted to the provider (kept in the same
transaction as each ``venue_providers`` item), read with the provider's key in
the partner API's one batch.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from passculture.models.base import meta_for

ALL = "all"


class ProviderListIndex(GlobalSecondaryIndex["Provider"]):
    """Every provider under one key (``listed``): the lists read it with a Query, never a Scan.

    One partition is enough: providers are a few hundred, and the lists are not the partner API's hot path.
    """

    class Meta:
        index_name = "listed-id-index"
        projection = AllProjection()

    listed = UnicodeAttribute(hash_key=True)
    id = NumberAttribute(range_key=True)


class Provider(Model):
    Meta = meta_for("providers")

    id = NumberAttribute(hash_key=True)
    name = UnicodeAttribute()
    logo_url = UnicodeAttribute(null=True)
    is_active = BooleanAttribute(default=True)
    # Signs the messages sent to the provider (part 3): kept so the service can sign; the
    # table is encrypted at rest (SSE), and the key is shown to the team once.
    hmac_key = UnicodeAttribute()
    venue_ids = UnicodeSetAttribute(default=set)
    # Set by the provider (PATCH /public/providers/v1/provider); a venue's own (its grant's) win.
    notification_url = UnicodeAttribute(null=True)
    booking_url = UnicodeAttribute(null=True)  # with cancel_url: both or neither
    cancel_url = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute(null=True)
    listed = UnicodeAttribute(default=ALL)

    list_index = ProviderListIndex()

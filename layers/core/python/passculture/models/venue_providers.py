"""venue_providers: a structure's grant of one of its venues to a provider (one item per pair), with its URLs."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from passculture.models.base import meta_for


class VenueProviderProviderIndex(GlobalSecondaryIndex["VenueProvider"]):
    """The venues granted to one provider (the partner API's venue lists)."""

    class Meta:
        index_name = "provider_id-venue_id-index"
        projection = AllProjection()

    provider_id = NumberAttribute(hash_key=True)
    venue_id = UnicodeAttribute(range_key=True)


class VenueProvider(Model):
    Meta = meta_for("venue_providers")

    venue_id = UnicodeAttribute(hash_key=True)
    provider_id = NumberAttribute(range_key=True)
    siren = UnicodeAttribute()
    created_by = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    # The provider's URLs for this venue (PATCH /public/providers/v1/venues/{id}); they win over the
    # provider's own, and go with the grant when it is withdrawn.
    notification_url = UnicodeAttribute(null=True)
    booking_url = UnicodeAttribute(null=True)  # with cancel_url: both or neither
    cancel_url = UnicodeAttribute(null=True)

    provider_index = VenueProviderProviderIndex()

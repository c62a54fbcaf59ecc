"""offers: what a venue publishes. Stocks (dates, prices) live in their own table."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from passculture.models.base import meta_for


class OfferVenueIndex(GlobalSecondaryIndex["Offer"]):
    class Meta:
        index_name = "venue_id-created_at-index"
        projection = AllProjection()

    venue_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class OfferSirenIndex(GlobalSecondaryIndex["Offer"]):
    """A structure's offers, newest first; also what validation republishes."""

    class Meta:
        index_name = "siren-created_at-index"
        projection = AllProjection()

    siren = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class OfferStatusIndex(GlobalSecondaryIndex["Offer"]):
    """Offers by status: the team's list of offers waiting for validation."""

    class Meta:
        index_name = "status-created_at-index"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class OfferDepartmentIndex(GlobalSecondaryIndex["Offer"]):
    """Offers of the venues of one department: a territory's view."""

    class Meta:
        index_name = "department_code-created_at-index"
        projection = AllProjection()

    department_code = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class OfferFeedIndex(GlobalSecondaryIndex["Offer"]):
    """Sparse: only offers visible in the app carry ``feed_cell`` (a geohash prefix)."""

    class Meta:
        index_name = "feed_cell-id-index"
        projection = AllProjection()

    feed_cell = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class OfferProviderIndex(GlobalSecondaryIndex["Offer"]):
    """Sparse: imported offers by (agenda link, event UID), with what the feed last gave (its hash)."""

    class Meta:
        index_name = "provider_id-external_id-index"
        projection = IncludeProjection(["import_hash"])

    provider_id = UnicodeAttribute(hash_key=True)
    external_id = UnicodeAttribute(range_key=True)


class Offer(Model):
    Meta = meta_for("offers")

    id = UnicodeAttribute(hash_key=True)
    venue_id = UnicodeAttribute()
    siren = UnicodeAttribute()
    department_code = UnicodeAttribute(null=True)
    name = UnicodeAttribute()
    category = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    hook = UnicodeAttribute(null=True)
    video_url = UnicodeAttribute(null=True)
    url = UnicodeAttribute(null=True)
    duration_minutes = NumberAttribute(null=True)
    is_duo = BooleanAttribute(default=False)
    is_digital = BooleanAttribute(default=False)
    status = UnicodeAttribute(default="draft")
    is_active = BooleanAttribute(default=True)
    image_key = UnicodeAttribute(null=True)
    thumb_key = UnicodeAttribute(null=True)
    # Why the last uploaded image was refused (cleared when one is accepted).
    image_error = UnicodeAttribute(null=True)
    latitude = NumberAttribute(null=True)
    longitude = NumberAttribute(null=True)
    geohash = UnicodeAttribute(null=True)
    feed_cell = UnicodeAttribute(null=True)
    # Denormalised by the publication refresh so the feed needs no stock reads:
    # the next bookable dates (events) and the lowest bookable price.
    next_dates = ListAttribute(of=UTCDateTimeAttribute, null=True)
    min_price_cents = NumberAttribute(null=True)
    # Imports: the agenda link and the event's UID, a hash of what the feed owns (texts, category,
    # dates) so an unchanged event is not written again, and the image address last fetched.
    provider_id = UnicodeAttribute(null=True)
    external_id = UnicodeAttribute(null=True)
    import_hash = UnicodeAttribute(null=True)
    image_source = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute(null=True)

    venue_index = OfferVenueIndex()
    siren_index = OfferSirenIndex()
    status_index = OfferStatusIndex()
    department_index = OfferDepartmentIndex()
    feed_index = OfferFeedIndex()
    provider_index = OfferProviderIndex()

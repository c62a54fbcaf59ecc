"""offers: what a venue publishes. Stocks (dates, prices) live in their own table."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
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


# What a feed item shows and ranks by, and nothing else: about 0.4 KB an offer, so one
# Query answer (at most 1 MB) holds a dense cell's first thousand offers.
FEED_PROJECTION = (
    *("name", "category", "hook", "video_url", "image_key", "thumb_key", "is_duo", "is_digital"),
    *("latitude", "longitude", "next_dates", "min_price_cents", "feed_cell_70km"),
)


class OfferFeed5kmIndex(GlobalSecondaryIndex["Offer"]):
    """Sparse, as the two below: only offers visible in the app carry a feed cell (``rules.geo.FEED_LEVELS``)."""

    class Meta:
        index_name = "feed_cell_5km-id-index"
        projection = IncludeProjection(list(FEED_PROJECTION))

    feed_cell_5km = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class OfferFeed20kmIndex(GlobalSecondaryIndex["Offer"]):
    class Meta:
        index_name = "feed_cell_20km-id-index"
        projection = IncludeProjection(list(FEED_PROJECTION))

    feed_cell_20km = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class OfferFeed70kmIndex(GlobalSecondaryIndex["Offer"]):
    """Also holds the digital offers visible in the app, under the cell ``digital``."""

    class Meta:
        index_name = "feed_cell_70km-id-index"
        projection = IncludeProjection([a for a in FEED_PROJECTION if a != "feed_cell_70km"])

    feed_cell_70km = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class OfferProviderIndex(GlobalSecondaryIndex["Offer"]):
    """Sparse: imported offers by (agenda link, event UID), with what the feed last gave (its hash)."""

    class Meta:
        index_name = "provider_id-external_id-index"
        projection = IncludeProjection(["import_hash"])

    provider_id = UnicodeAttribute(hash_key=True)
    external_id = UnicodeAttribute(range_key=True)


class OfferPartnerIndex(GlobalSecondaryIndex["Offer"]):
    """Sparse: a provider's offers (``/public/offers/v1``) by integer id, the partner lists' ``firstIndex``.

    Partner offers hold the provider's integer id as text in ``provider_id``; an agenda import's hold
    their link's uuid, and only those that were given an integer id are here (never under a provider's).
    """

    class Meta:
        index_name = "provider_id-public_id-index"
        projection = AllProjection()

    provider_id = UnicodeAttribute(hash_key=True)
    public_id = NumberAttribute(range_key=True)


class Accessibility(MapAttribute):
    """What a partner says of an offer's accessibility (``/public/offers/v1``)."""

    audio_disability_compliant = BooleanAttribute(null=True)
    mental_disability_compliant = BooleanAttribute(null=True)
    motor_disability_compliant = BooleanAttribute(null=True)
    visual_disability_compliant = BooleanAttribute(null=True)


class PriceCategory(MapAttribute):
    """One price of an event (``services.catalogue.price_categories``): its dates copy ``price_cents``."""

    # A random integer (``rules.partners.new_public_id``), unique within the offer: the pro and partner id.
    id = NumberAttribute()
    label = UnicodeAttribute()
    price_cents = NumberAttribute()
    id_at_provider = UnicodeAttribute(null=True)


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
    # Who to credit for the image (a partner's ``image.credit``, /public/offers/v1).
    image_credit = UnicodeAttribute(null=True)
    # Published only from then on (status "scheduled" until; the hourly refresh publishes it).
    publish_at = UTCDateTimeAttribute(null=True)
    # Bookable only from then on (a partner's future ``bookingAllowedDatetime``): its dates copy it.
    booking_opens_at = UTCDateTimeAttribute(null=True)
    latitude = NumberAttribute(null=True)
    longitude = NumberAttribute(null=True)
    geohash = UnicodeAttribute(null=True)
    # The offer's cell at each level of the feed's grid, set only while the app shows it.
    feed_cell_5km = UnicodeAttribute(null=True)
    feed_cell_20km = UnicodeAttribute(null=True)
    feed_cell_70km = UnicodeAttribute(null=True)
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
    # The integer id partners see (services.partners.ids): random, unique through ``uniques``.
    public_id = NumberAttribute(null=True)
    # Price categories (at most 50), written whole under ``price_categories_version`` (conditional on it).
    price_categories = ListAttribute(of=PriceCategory, null=True)
    price_categories_version = NumberAttribute(null=True)
    # Offers a partner made (/public/offers/v1): ``provider_id`` is then the provider's integer id as text
    # (an agenda import's offers hold their link's id there), ``id_at_provider`` the partner's own id
    # (unique per venue through ``uniques``), ``has_ticket`` whether booking calls the partner's booking URL
    # (``services.booking.ticketing``).
    id_at_provider = UnicodeAttribute(null=True)
    has_ticket = BooleanAttribute(null=True)
    # pass Culture's category id the partner gave (``rules.partner_categories``): an event's or a product's.
    partner_category = UnicodeAttribute(null=True)
    accessibility = Accessibility(null=True)
    booking_email = UnicodeAttribute(null=True)
    booking_contact = UnicodeAttribute(null=True)
    venue_public_id = NumberAttribute(null=True)  # the venue's integer id, copied when a partner creates it
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute(null=True)

    venue_index = OfferVenueIndex()
    siren_index = OfferSirenIndex()
    status_index = OfferStatusIndex()
    department_index = OfferDepartmentIndex()
    feed_5km_index = OfferFeed5kmIndex()
    feed_20km_index = OfferFeed20kmIndex()
    feed_70km_index = OfferFeed70kmIndex()
    provider_index = OfferProviderIndex()
    partner_index = OfferPartnerIndex()

    @property
    def in_feed(self) -> bool:
        """Whether the app shows the offer: every visible offer, digital ones too, has a cell at the coarsest level."""
        return self.feed_cell_70km is not None

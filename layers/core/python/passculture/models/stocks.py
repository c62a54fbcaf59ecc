"""stocks: one date (event) or the single stock (thing) of an offer.

``booked`` changes only inside the booking and cancellation transactions,
conditioned on its own value (never on a version attribute).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from passculture.models.base import meta_for


class StockOfferIndex(GlobalSecondaryIndex["Stock"]):
    """The stocks of one offer, by date."""

    class Meta:
        index_name = "offer_id-begins_key-index"
        projection = AllProjection()

    offer_id = UnicodeAttribute(hash_key=True)
    begins_key = UnicodeAttribute(range_key=True)


class Stock(Model):
    Meta = meta_for("stocks")

    id = UnicodeAttribute(hash_key=True)
    offer_id = UnicodeAttribute()
    # Sort key of the offer index: the start in ISO form, or "thing" for things.
    begins_key = UnicodeAttribute()
    begins_at = UTCDateTimeAttribute(null=True)
    price_cents = NumberAttribute(default=0)
    quantity = NumberAttribute(null=True)  # None: unlimited
    booked = NumberAttribute(default=0)  # a sharded stock: 0 on the item, the sum of its shards once counted
    # Places spread over this many ``stock_shards`` items (services/booking/places.py); absent or 1: none.
    shards = NumberAttribute(null=True)
    booking_limit_at = UTCDateTimeAttribute(null=True)
    # Bookings open then (a copy of its offer's ``booking_opens_at``, kept in step like the other copies).
    bookable_from = UTCDateTimeAttribute(null=True)
    is_deleted = BooleanAttribute(default=False)
    # Imports: (event UID, start), a hash of what the feed owns, and whether the pro has taken
    # over the price and quantity.
    external_id = UnicodeAttribute(null=True)
    import_hash = UnicodeAttribute(null=True)
    edited_by_pro = BooleanAttribute(default=False)
    # Set with ``is_deleted`` when an import withdrew the date (gone from the feed): its bookings
    # are kept, and the date comes back if the feed gives it again. Absent: deleted by the pro.
    withdrawn_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute(null=True)
    # The integer id partners see (services.partners.ids): random, unique through ``uniques``.
    public_id = NumberAttribute(null=True)
    # An event's date may have a price category of its offer (its id): ``price_cents`` is then a copy of
    # the category's price, kept in step when it changes (``catalogue.price_categories``).
    price_category_id = NumberAttribute(null=True)
    # Copies of that category's label and partner id, kept in step with it: the booking copies them.
    price_category_label = UnicodeAttribute(null=True)
    price_category_id_at_provider = UnicodeAttribute(null=True)
    # A partner's own id for the date (/public/offers/v1), unique within the offer.
    id_at_provider = UnicodeAttribute(null=True)
    # Copies of what a booking needs of its offer, structure and venue (``services/booking/copies.py``),
    # kept in step by the offer's refresh and the venue's changes; absent on stocks written before them.
    siren = UnicodeAttribute(null=True)
    offer_state = UnicodeAttribute(null=True)  # "published" iff the offer is bookable, else its status
    offer_copy = MapAttribute(null=True)  # raw map: copies.OFFER_FIELDS
    venue_copy = MapAttribute(null=True)  # raw map: copies.VENUE_FIELDS

    offer_index = StockOfferIndex()

    @property
    def shard_count(self) -> int:
        return max(1, int(self.shards or 1))

    @property
    def places_left(self) -> int | None:
        """Places still bookable; None when the quantity is unlimited."""
        if self.quantity is None:
            return None
        return max(0, int(self.quantity) - int(self.booked or 0))

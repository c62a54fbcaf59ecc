"""bookings: keyed by the countermark itself, so the key is the uniqueness guard.

The stream (new and old images) feeds ``notify``.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from passculture.models.base import meta_for


class BookingUserIndex(GlobalSecondaryIndex["Booking"]):
    class Meta:
        index_name = "user_id-created_at-index"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class BookingVenueIndex(GlobalSecondaryIndex["Booking"]):
    class Meta:
        index_name = "venue_id-created_at-index"
        projection = AllProjection()

    venue_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class BookingStockIndex(GlobalSecondaryIndex["Booking"]):
    """The bookings of one date: what deleting a stock cancels and refunds."""

    class Meta:
        index_name = "stock_id-created_at-index"
        projection = AllProjection()

    stock_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class BookingSirenIndex(GlobalSecondaryIndex["Booking"]):
    """All the transactions of a structure, for the pro list and CSV export."""

    class Meta:
        index_name = "siren-created_at-index"
        projection = AllProjection()

    siren = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class BookingVenuePublicIndex(GlobalSecondaryIndex["Booking"]):
    """Sparse: a venue's bookings that carry an integer id, by that id (the partner list's ``firstIndex``)."""

    class Meta:
        index_name = "venue_id-public_id-index"
        projection = AllProjection()

    venue_id = UnicodeAttribute(hash_key=True)
    public_id = NumberAttribute(range_key=True)


class BookingOfferPublicIndex(GlobalSecondaryIndex["Booking"]):
    """Sparse: an offer's bookings that carry an integer id, by that id."""

    class Meta:
        index_name = "offer_id-public_id-index"
        projection = AllProjection()

    offer_id = UnicodeAttribute(hash_key=True)
    public_id = NumberAttribute(range_key=True)


class Ticket(MapAttribute):
    """One place's ticket, as the partner's ticketing issued it (``services.booking.ticketing``)."""

    barcode = UnicodeAttribute()
    seat = UnicodeAttribute(null=True)


class Booking(Model):
    Meta = meta_for("bookings", stream="NEW_AND_OLD_IMAGES")

    token = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    stock_id = UnicodeAttribute()
    offer_id = UnicodeAttribute()
    venue_id = UnicodeAttribute()
    siren = UnicodeAttribute()
    quantity = NumberAttribute(default=1)
    amount_cents = NumberAttribute(default=0)
    # Which wallet credits paid how much: {credit_id: cents}, refunded exactly.
    debits = MapAttribute(default=dict)
    # Local credits: {credit_id: "<department>#<spent counter key>"}, the programme counter it added to.
    local_counters = MapAttribute(null=True)
    # The national credit's cap this booking counts against: a ``CapKind`` value (models/wallets.py) or None.
    cap_kind = UnicodeAttribute(null=True)
    # A sharded stock: {shard number: places} this booking took (a cancellation gives them back there).
    shards = MapAttribute(null=True)
    status = UnicodeAttribute(default="booked")
    # Denormalised at booking time for emails, the countermark API and exports.
    offer_name = UnicodeAttribute(null=True)
    offer_category = UnicodeAttribute(null=True)
    begins_at = UTCDateTimeAttribute(null=True)
    user_email = UnicodeAttribute(null=True)
    user_public_name = UnicodeAttribute(null=True)
    user_date_of_birth = UnicodeAttribute(null=True)  # ISO date, for the countermark API
    # The venue as the countermark API and exports show it; absent on older items (then read from venues).
    venue_name = UnicodeAttribute(null=True)
    venue_address = UnicodeAttribute(null=True)
    venue_department_code = UnicodeAttribute(null=True)
    # And what a new booking's emails need of it, so that ``notify`` sends them without reading the venue.
    venue_postal_code = UnicodeAttribute(null=True)
    venue_city = UnicodeAttribute(null=True)
    venue_booking_email = UnicodeAttribute(null=True)
    venue_is_virtual = BooleanAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    used_at = UTCDateTimeAttribute(null=True)
    used_by = UnicodeAttribute(null=True)
    cancelled_at = UTCDateTimeAttribute(null=True)
    cancelled_by = UnicodeAttribute(null=True)
    reimbursed_at = UTCDateTimeAttribute(null=True)
    # The date was withdrawn from the venue's agenda (an import) after this booking: it stays
    # valid, its holder is told once (``notify`` sees the mark appear), and may cancel until used.
    date_withdrawn_at = UTCDateTimeAttribute(null=True)
    # The integer ids partners see: the booking's (given in the booking transaction) and, copied
    # when known, its offer's, stock's and venue's (services.partners.ids).
    public_id = NumberAttribute(null=True)
    offer_public_id = NumberAttribute(null=True)
    stock_public_id = NumberAttribute(null=True)
    venue_public_id = NumberAttribute(null=True)
    user_first_name = UnicodeAttribute(null=True)
    user_last_name = UnicodeAttribute(null=True)
    user_phone = UnicodeAttribute(null=True)
    # The date's price category when it was booked (its integer id, label and partner id), and the
    # partner ids of the offer and date: what the booking paid for, as the partner API shows it.
    price_category_public_id = NumberAttribute(null=True)
    price_category_label = UnicodeAttribute(null=True)
    price_category_id_at_provider = UnicodeAttribute(null=True)
    offer_id_at_provider = UnicodeAttribute(null=True)
    stock_id_at_provider = UnicodeAttribute(null=True)
    # Ticketing (an offer with ``has_ticket``): the tickets the partner issued, one per place, and the
    # provider whose booking URL issued them (its cancellation URL is called when the booking is cancelled).
    tickets = ListAttribute(of=Ticket, null=True)
    ticketing_provider_id = NumberAttribute(null=True)

    user_index = BookingUserIndex()
    venue_index = BookingVenueIndex()
    siren_index = BookingSirenIndex()
    stock_index = BookingStockIndex()
    venue_public_index = BookingVenuePublicIndex()
    offer_public_index = BookingOfferPublicIndex()

    @property
    def unit_price_cents(self) -> int:
        return int(self.amount_cents or 0) // max(1, int(self.quantity or 1))

    def debits_by_credit(self) -> dict[str, int]:
        """``{credit_id: cents}`` the booking took from the user's wallet (what a cancellation gives back)."""
        raw = self.debits.as_dict() if hasattr(self.debits, "as_dict") else dict(self.debits or {})
        return {credit_id: int(cents) for credit_id, cents in raw.items()}

    def counters_by_credit(self) -> dict[str, tuple[str, str]]:
        """``{credit_id: (department, counter key)}`` of the programmes' spent counters this booking added to."""
        raw = self.local_counters
        raw = raw.as_dict() if hasattr(raw, "as_dict") else dict(raw or {})
        out = {}
        for credit_id, where in raw.items():
            department, _, key = str(where).partition("#")
            out[credit_id] = (department, key)
        return out

"""Integer ids for everything the partner API shows, kept beside the internal (uuid) id.

An id is a random integer in [1, 2**53 - 1] (``rules.partners``), so ids say
nothing of how many there are nor which came next. Its uniqueness, across every
kind, is a ``uniques`` item ``public-id#<n>`` (``target``: ``<kind>:<internal
id>``) written in the same transaction as the attribute, which is also the
lookup from the integer back to the item.

Bookings get theirs in the booking transaction; venues when they are granted to
a provider, and then the venue's older bookings by the ``venue-booking-ids`` job
(``venue_bookings_page``), so the partner's lists find them; providers when
they are created; offers, stocks, structures (and anything made before) on
first partner access, with ``ensure``: conditional on the item having none, so
two racing requests agree on one.
"""

from __future__ import annotations

from typing import Any

from passculture.errors import Conflict
from passculture.models.base import Transaction, TransactionConflict, utcnow
from passculture.models.uniques import Unique, unique_key
from passculture.rules.partners import MAX_PUBLIC_ID, new_public_id

KINDS = ("venue", "offer", "stock", "booking", "offerer", "provider")


def guard_key(public_id: int) -> str:
    return unique_key("public-id", str(public_id))


def guard(kind: str, internal_id: str, public_id: int) -> Unique:
    """The ``uniques`` item to save (``attribute_not_exists``) with an item that takes ``public_id``."""
    return Unique(guard_key(public_id), target=f"{kind}:{internal_id}", created_at=utcnow())


def _hash_key(item: Any) -> Any:
    return getattr(item, item._hash_keyname)


def ensure(item: Any, kind: str) -> int:
    """``item``'s integer id, given now (one transaction) when it has none yet."""
    if item.public_id is not None:
        return int(item.public_id)
    model = type(item)
    for _ in range(5):
        public_id = new_public_id()
        tx = Transaction()
        tx.save("guard", guard(kind, str(_hash_key(item)), public_id), condition=Unique.key.does_not_exist())
        hash_attr = getattr(model, item._hash_keyname)
        tx.update(
            "item",
            item,
            actions=[model.public_id.set(public_id)],
            condition=hash_attr.exists() & model.public_id.does_not_exist(),
        )
        try:
            failed = tx.commit()
        except TransactionConflict:
            failed = {"item": "conflict"}
        if not failed:
            item.public_id = public_id
            return public_id
        if "item" in failed:
            item.refresh(consistent_read=True)
            if item.public_id is not None:  # another request gave it one first
                return int(item.public_id)
        # else: that integer is taken (a collision): draw another
    raise Conflict("Could not give this item an id; try again")


def lookup(kind: str, public_id: int | None) -> str | None:
    """The internal id of the ``kind`` item whose integer id is ``public_id``; None when there is none."""
    if public_id is None or not 1 <= public_id <= MAX_PUBLIC_ID:
        return None
    try:
        target = Unique.get(guard_key(public_id), consistent_read=True).target
    except Unique.DoesNotExist:
        return None
    found_kind, _, internal = target.partition(":")
    return internal if found_kind == kind else None


PAGE = 100


def venue_bookings_page(args: dict[str, Any], cursor: Any) -> Any:
    """One page of the ``venue-booking-ids`` job: the venue's bookings (100, oldest first) given what they lack.

    Harmless to run again: an id is given only where there is none.
    """
    from passculture.models.bookings import Booking
    from passculture.services.jobs import Progress

    page = Booking.venue_index.query(args["venueId"], limit=PAGE, last_evaluated_key=cursor)
    bookings = list(page)
    lacking = [b for b in bookings if None in (b.public_id, b.offer_public_id, b.stock_public_id, b.venue_public_id)]
    fill_booking_ids(lacking, save=True)
    return Progress.next(page.last_evaluated_key, len(lacking))


def fill_booking_ids(bookings: list[Any], save: bool = False) -> None:
    """Gives each booking its id and copies its offer's, stock's and venue's (given them if need be).

    With ``save``, what a booking lacked is written on it (one UpdateItem), so the
    next partner call reads it with the booking.
    """
    from passculture.models.base import batch_get
    from passculture.models.bookings import Booking
    from passculture.models.offers import Offer
    from passculture.models.stocks import Stock
    from passculture.models.venues import Venue

    missing = [b for b in bookings if None in (b.offer_public_id, b.stock_public_id, b.venue_public_id, b.public_id)]
    if not missing:
        return
    wanted = {}
    for b in missing:
        for model, key in ((Offer, b.offer_id), (Stock, b.stock_id), (Venue, b.venue_id)):
            wanted[(model, key)] = (model, {"id": {"S": key}})
    found = batch_get(list(wanted.values()))
    known: dict[tuple[str, str], int] = {}
    for model, kind in ((Offer, "offer"), (Stock, "stock"), (Venue, "venue")):
        for item in found[model]:
            known[(kind, item.id)] = ensure(item, kind)
    for b in missing:
        ensure(b, "booking")
        b.offer_public_id = b.offer_public_id or known.get(("offer", b.offer_id))
        b.stock_public_id = b.stock_public_id or known.get(("stock", b.stock_id))
        b.venue_public_id = b.venue_public_id or known.get(("venue", b.venue_id))
        if save and None not in (b.offer_public_id, b.stock_public_id, b.venue_public_id):
            b.update(
                actions=[
                    Booking.offer_public_id.set(b.offer_public_id),
                    Booking.stock_public_id.set(b.stock_public_id),
                    Booking.venue_public_id.set(b.venue_public_id),
                ]
            )

"""What a stock carries of its offer, structure and venue, so a booking reads the stock alone.

A booking needs, besides the stock: whether the offer is bookable, the offer's
fields it copies onto the booking or that the rules read (duo, digital, category,
department, ticketing), the structure's SIREN and the venue's name, address and
booking email (the booking's copy for the countermark API, the reply and the new
booking's emails). Reading the offer
and the venue after the stock costs two sequential round trips, so each stock carries:

- ``siren``: the offer's structure;
- ``offer_state``: ``published`` iff the offer is bookable (published, active, its
  structure validated: what the offer's status says), else that status;
- ``offer_copy``: ``OFFER_FIELDS`` of the offer;
- ``venue_copy``: ``VENUE_FIELDS`` of the offer's venue;
- ``bookable_from``: the offer's ``booking_opens_at`` (a partner's booking opening), if any.

Kept in step: a new stock is written with them; every change of an offer or of
its publication goes through ``publication.refresh_offer``, which calls
``follow`` with the offer's live stocks; a venue's change calls ``follow_venue``.
Only stocks whose copy differs are written, 100 per ``TransactWriteItems``
(one ``UpdateItem`` each when a transaction keeps conflicting with bookings),
setting only the copies (never ``booked``). Deleted stocks are left as they are.
A stock without copies (written before them) is booked as before: offer and
venue read after it (``copied_offer`` / ``copied_venue`` answer None).
"""

from __future__ import annotations

import logging
from typing import Any

from passculture.errors import Conflict
from passculture.models.base import Transaction, commit_retrying
from passculture.models.offers import Offer
from passculture.models.stocks import Stock
from passculture.models.venues import Venue

logger = logging.getLogger(__name__)

OFFER_FIELDS = (
    *("name", "category", "venue_id", "department_code", "is_duo", "is_digital"),
    *("public_id", "has_ticket", "provider_id", "id_at_provider"),
)
VENUE_FIELDS = (
    *("name", "address", "postal_code", "city", "latitude", "longitude", "department_code", "public_id"),
    *("booking_email", "is_virtual"),
)
PUBLISHED = "published"
TX_ITEMS = 100


def _fields(item: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The fields that have a value (a raw map stores no None), numbers as int or float."""
    values = {}
    for name in names:
        value = getattr(item, name, None)
        if value is None:
            continue
        if isinstance(value, float) and value.is_integer() and name == "public_id":
            value = int(value)
        values[name] = value
    return values


def offer_copy(offer: Offer) -> dict[str, Any]:
    return _fields(offer, OFFER_FIELDS)


def venue_copy(venue: Venue) -> dict[str, Any]:
    return _fields(venue, VENUE_FIELDS)


def offer_state(offer: Offer, status: str | None = None) -> str:
    """``published`` iff the offer is bookable; ``status``: the one the refresh just computed."""
    status = status if status is not None else offer.status
    return PUBLISHED if status == PUBLISHED and offer.is_active is not False else str(status)


def as_dict(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    return raw.as_dict() if hasattr(raw, "as_dict") else dict(raw)


def offer_values(offer: Offer, status: str | None = None) -> dict[str, Any]:
    """The stock attributes copied from the offer (its booking opening, when it has one in the future)."""
    return {
        "siren": offer.siren,
        "offer_state": offer_state(offer, status),
        "offer_copy": offer_copy(offer),
        "bookable_from": offer.booking_opens_at,
    }


def stamp(stock: Stock, offer: Offer, venue: Venue | None = None, status: str | None = None) -> Stock:
    """Sets the copies on a stock about to be written (``status``: the offer's once the stock is in)."""
    for name, value in offer_values(offer, status).items():
        setattr(stock, name, value)
    if venue is not None:
        stock.venue_copy = venue_copy(venue)
    return stock


def stamp_all(stocks: list[Stock], offer: Offer, venue: Venue, status: str) -> list[Stock]:
    """``stamp`` on new stocks of one offer: the copies made once and shared by them (an import's new dates)."""
    from passculture.models.base import assign_shared

    assign_shared(stocks, **offer_values(offer, status), venue_copy=venue_copy(venue))
    return stocks


def expected_status(offer: Offer) -> str:
    """The offer's status once it has a live stock: a draft (validated structure, no stock yet) gets published."""
    return PUBLISHED if offer.status == "draft" and offer.is_active is not False else str(offer.status)


def _stale(stock: Stock, wanted: dict[str, Any]) -> list[Any]:
    actions = []
    for name, value in wanted.items():
        current = getattr(stock, name)
        if name.endswith("_copy"):
            current = as_dict(current)
        if current != value:
            attribute = getattr(Stock, name)
            actions.append(attribute.remove() if value is None else attribute.set(value))
    return actions


def follow(offer: Offer, stocks: list[Stock], status: str | None = None, venue: Venue | None = None) -> int:
    """Writes the offer's (and ``venue``'s) copies on its live stocks whose copy differs; returns how many."""
    wanted = offer_values(offer, status)
    if venue is not None:
        wanted["venue_copy"] = venue_copy(venue)
    return _write([(stock, wanted) for stock in stocks if not stock.is_deleted])


def follow_venue(venue: Venue, offers: list[Offer]) -> int:
    """Writes ``venue``'s copy on the live stocks of its offers whose copy differs; returns how many."""
    wanted = {"venue_copy": venue_copy(venue)}
    changed = 0
    for offer in offers:
        stocks = [s for s in Stock.offer_index.query(offer.id) if not s.is_deleted]
        changed += _write([(stock, wanted) for stock in stocks])
    return changed


def _write(targets: list[tuple[Stock, dict[str, Any]]]) -> int:
    stale = [(stock, actions, wanted) for stock, wanted in targets if (actions := _stale(stock, wanted))]
    for start in range(0, len(stale), TX_ITEMS):
        chunk = stale[start : start + TX_ITEMS]

        def build(chunk: list[Any] = chunk) -> Transaction:
            tx = Transaction()
            for stock, actions, _ in chunk:
                tx.update(stock.id, Stock(stock.id), actions=actions, condition=Stock.id.exists())
            return tx

        try:
            commit_retrying(build)  # a stock deleted for good meanwhile fails its condition: nothing to copy
        except Conflict:  # bookings kept conflicting with the transaction: one update each, outside one
            for stock, actions, _ in chunk:
                _one(stock, actions)
    for stock, _, wanted in stale:
        for name, value in wanted.items():
            setattr(stock, name, value)
    return len(stale)


def _one(stock: Stock, actions: list[Any]) -> None:
    from pynamodb.exceptions import UpdateError

    try:
        Stock(stock.id).update(actions=actions, condition=Stock.id.exists())
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


# -- reading them back, for the booking --------------------------------------------


def copied_offer(stock: Stock) -> Offer | None:
    """The offer as its stock's copy says (not saved, never to be), or None for a stock without copies."""
    copy = as_dict(stock.offer_copy)
    if copy is None or stock.siren is None or stock.offer_state is None:
        return None
    published = stock.offer_state == PUBLISHED
    return Offer(
        stock.offer_id,
        siren=stock.siren,
        status=PUBLISHED if published else str(stock.offer_state),
        is_active=published,
        **{name: copy.get(name) for name in OFFER_FIELDS},
    )


def copied_venue(stock: Stock, offer: Offer) -> Venue | None:
    """The venue as its stock's copy says, or None for a stock without it."""
    copy = as_dict(stock.venue_copy)
    if copy is None:
        return None
    return Venue(offer.venue_id, siren=offer.siren, **{name: copy.get(name) for name in VENUE_FIELDS})

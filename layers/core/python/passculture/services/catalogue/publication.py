"""The publication rule: what status an offer has and whether the app shows it.

An offer is visible in the app only when its structure is validated, the offer
is active, it has a future bookable stock and, while ``FREE_OFFERS_ONLY`` is
on, its price is 0. Offers of a structure not yet validated wait in
``pending``; validating the structure refreshes them (no action by the pro),
in the background: the ``offerer-offers`` job (``services.jobs``), page by page.

Statuses: ``inactive`` (deactivated, or the structure was rejected/deleted),
``pending`` (structure not validated yet), ``draft`` (no date or stock yet),
``published`` (everything the pro controls is done). Visibility in the app is
the offer's feed cells being set (one per level of the grid, ``rules.geo``,
each a sparse index; a digital offer has the cell ``digital`` at the coarsest
level only), which also needs a future bookable stock and the free-only phase
rule.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Any

from passculture.config import get_settings
from passculture.models.base import utcnow
from passculture.models.offerers import Offerer
from passculture.models.offers import Offer
from passculture.models.stocks import Stock
from passculture.rules.geo import FEED_LEVELS
from passculture.services.jobs import Progress

logger = logging.getLogger(__name__)

DIGITAL_CELL = "digital"


def live_stocks(offer_id: str) -> list[Stock]:
    """The offer's stocks not deleted; a sharded one's ``booked`` summed over its shards (BatchGetItem)."""
    from passculture.services.booking.places import count_booked

    return count_booked([s for s in Stock.offer_index.query(offer_id) if not s.is_deleted])


def is_bookable(stock: Stock, now: datetime) -> bool:
    if stock.is_deleted:
        return False
    if stock.begins_at is not None and stock.begins_at <= now:
        return False
    if stock.booking_limit_at is not None and stock.booking_limit_at <= now:
        return False
    return stock.quantity is None or stock.booked < stock.quantity


def offer_status(offer: Offer, offerer_status: str, stocks: list[Stock]) -> str:
    if not offer.is_active or offerer_status in ("rejected", "deleted"):
        return "inactive"
    if offerer_status != "validated":
        return "pending"
    if offer.publish_at is not None and offer.publish_at > utcnow():
        return "scheduled"
    if not stocks:
        return "draft"
    return "published"


def cell_attribute(level_name: str) -> Any:
    """The offer's attribute holding its cell at one level of the feed's grid."""
    return getattr(Offer, f"feed_cell_{level_name}")


def feed_cells(offer: Offer, status: str, stocks: list[Stock], now: datetime) -> dict[str, str | None]:
    """The offer's cell at each level (by level name) when the app shows it, else every one None."""
    cells: dict[str, str | None] = {level.name: None for level in FEED_LEVELS}
    if status != "published":
        return cells
    bookable = [s for s in stocks if is_bookable(s, now)]
    if get_settings().free_offers_only:
        bookable = [s for s in bookable if s.price_cents == 0]
    if not bookable:
        return cells
    if offer.is_digital or offer.latitude is None or offer.longitude is None:
        cells[FEED_LEVELS[-1].name] = DIGITAL_CELL
        return cells
    lat, lng = float(offer.latitude), float(offer.longitude)
    return {level.name: level.cell_of(lat, lng) for level in FEED_LEVELS}


FEED_NEXT_DATES = 5


def feed_summary(stocks: list[Stock], now: datetime) -> tuple[list[datetime], int | None]:
    """(the next bookable dates, the lowest bookable price): what the feed shows without reading stocks."""
    bookable = [s for s in stocks if is_bookable(s, now)]
    dates = sorted(s.begins_at for s in bookable if s.begins_at is not None)[:FEED_NEXT_DATES]
    prices = [int(s.price_cents) for s in bookable]
    return dates, (min(prices) if prices else None)


def offerer_status_of(siren: str) -> str:
    """The structure's status; a structure that no longer exists counts as deleted."""
    try:
        return Offerer.get(siren, consistent_read=True).status
    except Offerer.DoesNotExist:
        return "deleted"


def begins_key(begins_at: datetime | None) -> str:
    """The stock index's sort key: the start in ISO form, or "thing" (sorted after every date)."""
    return begins_at.isoformat() if begins_at is not None else "thing"


def refresh_offer(
    offer: Offer,
    offerer_status: str | None = None,
    stocks: list[Stock] | None = None,
    actions: list[Any] | None = None,
    venue: Any = None,
) -> Offer:
    """Recomputes ``status``, the feed cells and the feed summary, and saves what changed.

    ``actions`` are the caller's own changes to the offer, already applied to
    ``offer`` in memory: they are written in the same update. ``stocks`` are the
    offer's live stocks when the caller knows them (the stock index is only
    eventually consistent just after a write). Then the stocks' copies of the
    offer (and of ``venue`` when given) follow, where they differ (``booking.copies``).
    """
    from passculture.services.booking.copies import follow

    if offerer_status is None:
        offerer_status = offerer_status_of(offer.siren)
    stocks = live_stocks(offer.id) if stocks is None else [s for s in stocks if not s.is_deleted]
    now = utcnow()
    status = offer_status(offer, offerer_status, stocks)
    cells = feed_cells(offer, status, stocks, now)
    writes: list[Any] = list(actions or [])
    if status != offer.status:
        writes.append(Offer.status.set(status))
    for name, cell in cells.items():
        if cell != getattr(offer, f"feed_cell_{name}"):
            attribute = cell_attribute(name)
            writes.append(attribute.set(cell) if cell else attribute.remove())
    dates, min_price = feed_summary(stocks, now)
    if (dates, min_price) != (offer.next_dates or [], offer.min_price_cents):
        writes.append(Offer.next_dates.set(dates) if dates else Offer.next_dates.remove())
        price = Offer.min_price_cents
        writes.append(price.set(min_price) if min_price is not None else price.remove())
    if writes:
        writes.append(Offer.updated_at.set(utcnow()))
        offer.update(actions=writes, condition=Offer.id.exists())
    offer.status = status
    follow(offer, stocks, status, venue)
    return offer


def refresh_if_places_changed(offer_id: str, stock_id: str, *, freed: int = 0, stock: Stock | None = None) -> None:
    """After a booking or a cancellation: the feed follows a stock that just filled up or reopened.

    Only a stock at its quantity matters, so this costs one consistent read of
    the stock (none when the caller read it, ``stock``) and, when it is full (or was full before
    ``freed`` came back), a refresh of its offer. A ``stock`` read beside the cancellation's transaction
    may show the count before or after it: "full before" or "full once ``freed`` is added" covers both,
    and the refresh reads it again.
    It never fails the booking or cancellation it follows.
    """
    try:
        from passculture.services.booking.places import count_booked

        read_beside = stock is not None
        if stock is None:
            stock = Stock.get(stock_id, consistent_read=True)
        if stock.quantity is None:
            return
        count_booked([stock])
        booked, quantity = int(stock.booked or 0), int(stock.quantity)
        if booked >= quantity or (freed and booked + freed >= quantity):
            if read_beside:  # it may show the count before the change: the refresh needs the one after
                stock = Stock.get(stock_id, consistent_read=True)
                count_booked([stock])
            offer = Offer.get(offer_id)
            # The stock index may not show the new count yet: use the one just read.
            stocks = [stock if s.id == stock.id else s for s in live_stocks(offer.id)]
            refresh_offer(offer, stocks=stocks)
    except Exception:
        logger.exception("feed refresh after a change of places failed for offer %s", offer_id)


# Offers per page of the publication jobs: one Query of an offer index, then each offer's stocks.
JOB_PAGE_SIZE = 100


def refresh_offerer_page(args: dict[str, Any], cursor: Any) -> Progress:
    """One page of the ``offerer-offers`` job: a structure's offers after its status changed.

    The status is read again after the page: when it changed meanwhile (validated,
    then rejected at once), the same page runs again with the new one, so a slower
    chain started by the first change cannot leave an offer published.
    """
    from passculture.services.pagination import key_page

    siren = args["siren"]
    offerer_status = offerer_status_of(siren)
    offers, next_key = key_page(partial(Offer.siren_index.query, siren), JOB_PAGE_SIZE, cursor)
    for offer in offers:
        refresh_offer(offer, offerer_status)
    if offerer_status_of(siren) != offerer_status:
        return Progress(len(offers), cursor)
    return Progress.next(next_key, len(offers))


def refresh_published_page(args: dict[str, Any], cursor: Any) -> Progress:
    """One page of the ``published-offers`` job, run hourly: the rule again on published offers.

    Its first page also refreshes the scheduled offers whose ``publish_at`` has passed (so they are
    published within the hour).

    The feed loses offers whose dates have passed, and a switch of the
    ``FREE_OFFERS_ONLY`` phase reaches every offer (only published offers can be
    in the app). A Query on the status index, never a Scan.
    """
    from passculture.services.pagination import key_page

    offers, next_key = key_page(partial(Offer.status_index.query, "published"), JOB_PAGE_SIZE, cursor)
    if cursor is None:  # the first page also publishes the scheduled offers whose time has come
        now = utcnow()
        offers = [
            o for o in Offer.status_index.query("scheduled") if o.publish_at is None or o.publish_at <= now
        ] + offers
    statuses: dict[str, str] = {}
    for offer in offers:
        if offer.siren not in statuses:
            statuses[offer.siren] = offerer_status_of(offer.siren)
        refresh_offer(offer, statuses[offer.siren])
    return Progress.next(next_key, len(offers))

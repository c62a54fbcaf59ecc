"""The publication rule: what status an offer has and whether the app shows it.

An offer is visible in the app only when its structure is validated, the offer
is active, it has a future bookable stock and, while ``FREE_OFFERS_ONLY`` is
on, its price is 0. Offers of a structure not yet validated wait in
``pending``; validating the structure refreshes them (no action by the pro).

Statuses: ``inactive`` (deactivated, or the structure was rejected/deleted),
``pending`` (structure not validated yet), ``draft`` (no date or stock yet),
``published`` (everything the pro controls is done). Visibility in the app is
``feed_cell`` being set (the sparse feed index), which also needs a future
bookable stock and the free-only phase rule.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from passculture.config import get_settings
from passculture.models.base import utcnow
from passculture.models.offerers import Offerer
from passculture.models.offers import Offer
from passculture.models.stocks import Stock

FEED_CELL_PRECISION = 4
DIGITAL_CELL = "digital"


def live_stocks(offer_id: str) -> list[Stock]:
    return [s for s in Stock.offer_index.query(offer_id) if not s.is_deleted]


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
    if not stocks:
        return "draft"
    return "published"


def feed_cell(offer: Offer, status: str, stocks: list[Stock], now: datetime) -> str | None:
    """The feed index cell when the app shows the offer, else None."""
    if status != "published":
        return None
    bookable = [s for s in stocks if is_bookable(s, now)]
    if get_settings().free_offers_only:
        bookable = [s for s in bookable if s.price_cents == 0]
    if not bookable:
        return None
    if offer.is_digital or not offer.geohash:
        return DIGITAL_CELL
    return offer.geohash[:FEED_CELL_PRECISION]


FEED_NEXT_DATES = 5


def feed_summary(stocks: list[Stock], now: datetime) -> tuple[list[datetime], int | None]:
    """(the next bookable dates, the lowest bookable price): what the feed shows without reading stocks."""
    bookable = [s for s in stocks if is_bookable(s, now)]
    dates = sorted(s.begins_at for s in bookable if s.begins_at is not None)[:FEED_NEXT_DATES]
    prices = [int(s.price_cents) for s in bookable]
    return dates, (min(prices) if prices else None)


def refresh_offer(offer: Offer, offerer_status: str | None = None, stocks: list[Stock] | None = None) -> Offer:
    """Recomputes ``status``, ``feed_cell`` and the feed summary, and saves them if they changed."""
    if offerer_status is None:
        offerer_status = Offerer.get(offer.siren).status
    stocks = live_stocks(offer.id) if stocks is None else stocks
    now = utcnow()
    status = offer_status(offer, offerer_status, stocks)
    cell = feed_cell(offer, status, stocks, now)
    dates, min_price = feed_summary(stocks, now)
    before = (offer.status, offer.feed_cell, offer.next_dates or [], offer.min_price_cents)
    if (status, cell, dates, min_price) != before:
        actions: list[Any] = [Offer.status.set(status), Offer.updated_at.set(now)]
        actions.append(Offer.feed_cell.set(cell) if cell else Offer.feed_cell.remove())
        actions.append(Offer.next_dates.set(dates) if dates else Offer.next_dates.remove())
        price = Offer.min_price_cents
        actions.append(price.set(min_price) if min_price is not None else price.remove())
        offer.update(actions=actions)
    return offer


def refresh_offerer_offers(siren: str) -> int:
    """Refreshes every offer of a structure after its status changed; returns how many changed."""
    offerer_status = Offerer.get(siren, consistent_read=True).status
    from passculture.services.pagination import paginate

    changed, cursor = 0, None
    while True:
        offers, cursor = paginate(partial(Offer.siren_index.query, siren), 100, cursor)
        for offer in offers:
            before = (offer.status, offer.feed_cell)
            refresh_offer(offer, offerer_status)
            changed += before != (offer.status, offer.feed_cell)
        if cursor is None:
            return changed

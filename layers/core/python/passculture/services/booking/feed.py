"""The app's feed: published offers around a point, ranked for discovery.

Served from the offers' sparse feed indexes (one per level of the grid of
``rules/geo.py``, hash ``feed_cell_<level>``, set by
``catalogue/publication.py`` on offers visible in the app), never from a table
scan: the feed picks the finest level whose cells covering the circle number
at most ``CELL_BUDGET``, runs one Query per cell, a few at a time, then the
exact haversine distance filters what the cells brought.

The grid keeps its cells' size in km at every latitude (equal-area bands), so
the cost is bounded anywhere: 5 km cells for radii up to about 7 km, 20 km
cells up to about 30 km, 70 km cells up to the 100 km maximum; at most
``CELL_BUDGET`` Queries of cells, plus one for the digital offers (asked for)
and one for the territory's highlights: at most ``QUERY_BUDGET`` in all.

Ranking: offers the territory of the caller's department highlights first;
within each of those two tiers, offers with a hook first, then categories take
turns (round robin, the category with the nearest offer first), each
category's offers nearest first. ``highlighted``, ``localValidation`` and
``localLabels`` (the department's label-only programmes whose perimeter holds
the offer) come from one Query of the department's territory
(``territories/offers.local_marks``); matching a label by venue or department
reads the page's offers' venue and department once (one BatchGetItem, only when
the department has a running label-only programme: the feed indexes do not
project them). The structure's name is never part of an item: the feed
is about discovering offers, not brands.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from passculture.adapters.media_links import media_url
from passculture.config import get_settings
from passculture.errors import InvalidInput
from passculture.models.base import utcnow
from passculture.models.offers import Offer
from passculture.models.stocks import Stock
from passculture.models.venues import Venue
from passculture.rules.geo import FEED_LEVELS, GridLevel, feed_covering, haversine_km
from passculture.services.catalogue.publication import DIGITAL_CELL
from passculture.services.territories.offers import LocalMarks, local_marks

# A dense cell (inner Paris) contributes at most the first this many offers it holds (one Query).
CELL_READ_LIMIT = 1000
QUERY_BUDGET = 20
# The cells' share of the budget: the digital offers' cell and the highlights take one Query each.
CELL_BUDGET = QUERY_BUDGET - 2
QUERY_WORKERS = 8
NEXT_DATES_SHOWN = 3


# -- reading the index ---------------------------------------------------------


def _index(level: GridLevel) -> Any:
    return getattr(Offer, f"feed_{level.name}_index")


def _query_cell(level: GridLevel, cell: str, category: str | None) -> list[Offer]:
    """The cell's offers from ONE Query: its first ``CELL_READ_LIMIT`` (or 1 MB, which the projection keeps above)."""
    condition = (Offer.category == category) if category else None
    results = _index(level).query(cell, filter_condition=condition, limit=CELL_READ_LIMIT, page_size=CELL_READ_LIMIT)
    # Only the first answer: a cell costs one Query whatever it holds (the feed's bound).
    answer = next(iter(results.page_iter))
    return [Offer.from_raw_data(item) for item in answer.get("Items", ())]


def read_cells(cells: list[tuple[GridLevel, str]], category: str | None) -> list[Offer]:
    """Each cell's offers: one Query per (level, cell), a few in flight at once."""
    if not cells:
        return []
    # The first runs alone: it creates the connection the others then share.
    offers = _query_cell(*cells[0], category)
    if len(cells) > 1:
        with ThreadPoolExecutor(max_workers=min(QUERY_WORKERS, len(cells) - 1)) as pool:
            # Each in a copy of the request's context: its deadline (passculture.transport) holds there too.
            runs = [pool.submit(contextvars.copy_context().run, _query_cell, *c, category) for c in cells[1:]]
            for run in runs:
                offers.extend(run.result())
    return offers


def highlighted_offer_ids(department: str | None) -> set[str]:
    """Offers the territory of ``department`` highlights (one Query, with its other marks)."""
    return local_marks(department).highlighted


def offer_places(offer_ids: list[str]) -> dict[str, Offer]:
    """The offers' venue and department (the feed indexes do not project them): one BatchGetItem."""
    if not offer_ids:
        return {}
    attributes = ["id", "venue_id", "department_code", "category"]
    return {o.id: o for o in Offer.batch_get(offer_ids, attributes_to_get=attributes)}


# -- ranking -------------------------------------------------------------------


@dataclass
class Candidate:
    offer: Offer
    distance_km: float | None  # None: a digital offer

    @property
    def order(self) -> tuple[bool, float, str]:
        return (self.distance_km is None, self.distance_km or 0.0, self.offer.id)


def has_hook(offer: Offer) -> bool:
    return bool((offer.hook or "").strip())


def rank(candidates: list[Candidate], highlighted: set[str] | None = None) -> list[Candidate]:
    """Highlighted first; within that, hook first; then categories in turn (the nearest first); nearest first."""
    highlighted = highlighted or set()
    ranked: list[Candidate] = []
    for up in (True, False):
        ranked.extend(_rank_tier([c for c in candidates if (c.offer.id in highlighted) is up]))
    return ranked


def _rank_tier(candidates: list[Candidate]) -> list[Candidate]:
    ranked: list[Candidate] = []
    for tier in (True, False):
        groups: dict[str, list[Candidate]] = {}
        for candidate in sorted((c for c in candidates if has_hook(c.offer) is tier), key=lambda c: c.order):
            groups.setdefault(candidate.offer.category, []).append(candidate)
        queues = sorted(groups.values(), key=lambda g: g[0].order)
        depth = max((len(q) for q in queues), default=0)
        for i in range(depth):
            ranked.extend(q[i] for q in queues if i < len(q))
    return ranked


# -- the feed ------------------------------------------------------------------


def future_dates(offer: Offer, now: datetime) -> list[datetime]:
    return [d for d in (offer.next_dates or []) if d > now]


@dataclass(frozen=True)
class FeedEntry:
    """One offer of a feed page, with what the app shows beside it."""

    offer: Offer
    distance_km: float | None  # None: a digital offer
    next_dates: list[datetime]
    highlighted: bool
    image_url: str | None
    thumb_url: str | None
    local_validation: str | None = None  # "validated" by the caller's department, else None
    local_labels: tuple[str, ...] = ()


def labels_for(marks: LocalMarks, offer: Offer, place: Offer | None = None) -> tuple[str, ...]:
    """The labels of the caller's department's label-only programmes that hold the offer."""
    if not marks.labels:
        return ()
    place = place or offer
    return tuple(
        marks.labels_of(offer.id, category=offer.category, venue_id=place.venue_id, department=place.department_code)
    )


def entry_of(candidate: Candidate, marks: LocalMarks, now: datetime, place: Offer | None = None) -> FeedEntry:
    offer = candidate.offer
    return FeedEntry(
        offer=offer,
        distance_km=candidate.distance_km,
        next_dates=future_dates(offer, now)[:NEXT_DATES_SHOWN],
        highlighted=offer.id in marks.highlighted,
        image_url=media_url(offer.image_key),
        thumb_url=media_url(offer.thumb_key),
        local_validation="validated" if offer.id in marks.validated else None,
        local_labels=labels_for(marks, offer, place) if place is not None else (),
    )


def _fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:16]


def feed(
    *,
    latitude: float,
    longitude: float,
    radius_km: float,
    category: str | None,
    include_digital: bool,
    department: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[FeedEntry], str | None]:
    """One page of the ranked feed and the cursor of the next one."""
    from passculture.services.pagination import decode_cursor, encode_cursor

    # The department too: its highlights are ranked first.
    fingerprint = _fingerprint(latitude, longitude, radius_km, category, include_digital, department)
    offset = 0
    if cursor:
        position = decode_cursor(cursor) or {}
        if position.get("q") != fingerprint or not isinstance(position.get("o"), int):
            raise InvalidInput("This cursor belongs to another feed", field="cursor")
        offset = position["o"]

    now = utcnow()
    level, covering = feed_covering(latitude, longitude, radius_km, CELL_BUDGET)
    cells = [(level, cell) for cell in covering]
    if include_digital:
        cells.append((FEED_LEVELS[-1], DIGITAL_CELL))
    candidates: dict[str, Candidate] = {}
    for offer in read_cells(cells, category):
        if offer.next_dates and not future_dates(offer, now):
            continue  # every date passed since the last refresh of the offer
        if offer.feed_cell_70km == DIGITAL_CELL or offer.latitude is None or offer.longitude is None:
            if include_digital:
                candidates[offer.id] = Candidate(offer, None)
            continue
        distance = haversine_km(latitude, longitude, float(offer.latitude), float(offer.longitude))
        if distance <= radius_km:
            candidates[offer.id] = Candidate(offer, distance)
    marks = local_marks(department) if candidates else LocalMarks()
    ranked = rank(list(candidates.values()), marks.highlighted)
    page = ranked[offset : offset + limit]
    places = offer_places([c.offer.id for c in page]) if marks.labels else {}
    items = [entry_of(c, marks, now, places.get(c.offer.id)) for c in page]
    more = offset + limit < len(ranked)
    return items, encode_cursor({"o": offset + limit, "q": fingerprint}) if more else None


# -- one offer -----------------------------------------------------------------


@dataclass(frozen=True)
class PublicOfferView:
    """A published offer's page: its venue, its future stocks by date (each with whether it can be booked now)."""

    offer: Offer
    venue: Venue | None
    stocks: list[tuple[Stock, bool]]
    image_url: str | None
    thumb_url: str | None
    highlighted: bool = False
    local_validation: str | None = None
    local_labels: tuple[str, ...] = ()


def public_offer(offer_id: str, department: str | None = None) -> PublicOfferView:
    """A published offer's practical information: venue address, dates, places left, prices.

    Sold out, it is still answered while it has a future date (every stock then
    has ``remainingQuantity`` 0 and is not bookable): a user who has the page
    open sees "sold out", not "no such offer". Not published, or nothing left
    to come, is a 404.
    """
    from passculture.errors import NotFound
    from passculture.services.catalogue.publication import is_bookable, live_stocks

    try:
        offer = Offer.get(offer_id)
    except Offer.DoesNotExist as exc:
        raise NotFound("No such offer") from exc
    if offer.status != "published" or not offer.is_active:
        raise NotFound("No such offer")
    now = utcnow()
    free_only = get_settings().free_offers_only
    upcoming = [
        stock
        for stock in sorted(live_stocks(offer.id), key=lambda s: (s.begins_at is not None, s.begins_at or now))
        if stock.begins_at is None or stock.begins_at > now
    ]
    if not any(not (free_only and stock.price_cents) for stock in upcoming):
        # Every date past, or (while FREE_OFFERS_ONLY is on) only priced ones: the app does not show it.
        raise NotFound("No such offer")
    try:
        venue: Venue | None = Venue.get(offer.venue_id)
    except Venue.DoesNotExist:
        venue = None
    stocks = [(stock, is_bookable(stock, now) and not (free_only and stock.price_cents)) for stock in upcoming]
    # The caller's department's marks, for an offer of that department only (one Query).
    marks = local_marks(department) if department and offer.department_code == department else LocalMarks()
    return PublicOfferView(
        offer,
        venue,
        stocks,
        media_url(offer.image_key),
        media_url(offer.thumb_key),
        highlighted=offer.id in marks.highlighted,
        local_validation="validated" if offer.id in marks.validated else None,
        local_labels=labels_for(marks, offer),
    )

"""One import of an agenda link: fetch, parse, map, then write only what changed.

- **Fetch** with the link's ETag / Last-Modified: a "not modified" answer is an
  import that reads and writes nothing but the link (``ok``, ``lastSyncAt``).
  A failed fetch or an unreadable feed marks the link ``error`` with the reason
  in words and changes no imported data.
- **Ids** come from the feed: an offer is ``uuid5(link id, UID)``, a stock
  ``uuid5(offer id, occurrence key)`` (``mapping.occurrence_key``: UID and
  start), so an import run twice writes the same items.
- **What the feed owns** (title, description, category, duration, dates, image,
  location text) is hashed onto the offer (``import_hash``, also in the link's
  offer index) and onto each stock: an event whose hash is unchanged is neither
  read nor written, so a re-sync of an unchanged feed writes nothing even when
  its ETag changed. A new stock takes the link's default price and quantity;
  an existing one keeps its price, quantity and bookings (what the pro edits
  is theirs). New offers and stocks are written with BatchWriteItem (25 a
  call), stocks first and the offer last, so an import cut in the middle is
  finished by the next one; a changed offer is one UpdateItem. The new events'
  batches are written by a few background threads (``background.BatchWriter``:
  one event group of 25 offers, dates first, per thread, several at once) while
  the next ones are mapped; a failed batch stops its group and every group not
  yet started, and fails the import, as a failed call in line would.
- **Checks**: an imported offer passes the API's checks (a title the name rule
  accepts, a category allowed on a physical venue, dates within
  ``MAX_EVENT_DAYS_AHEAD``); what fails is in ``lastReport.rejected`` with its
  reason, and an already imported offer of that UID is left alone.
- **Removal**: a future date gone from a complete feed is withdrawn
  (``catalogue.stock_withdrawal``): its stock soft-deleted, its bookings kept,
  marked by the ``withdrawn-bookings`` job and their holders told by ``notify``;
  past dates simply pass. A withdrawn date the feed gives again is restored (a
  date the pro deleted stays deleted). Nothing is removed from a feed that a
  bound cut (``complete`` False), nor for a UID that was rejected.
- **Publication**: an offer's status, feed cell and summary follow the
  publication rule (``catalogue.publication``), computed from the stocks just
  written: pending until the structure is validated, like any offer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from passculture.config import get_settings
from passculture.models.agenda_links import AgendaLink
from passculture.models.base import utcnow
from passculture.models.offers import Offer
from passculture.models.stocks import Stock
from passculture.services.jobs import Progress

logger = logging.getLogger(__name__)

FAILURES_ALERT = 3  # consecutive failed imports of one link that raise ImportLinkFailedThrice
MAX_REPORTED_REJECTIONS = 100  # a report stays small; the count of the rest is said in the last one

# (stage, done, total): a progress callback (``make import``'s bar); "event" while reading, "write" while writing.
ProgressCallback = Callable[[str, int, int], None]


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    occurrences: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)

    def reject(self, uid: str, reason: str) -> None:
        self.rejected.append({"uid": uid, "reason": reason})

    def as_dict(self) -> dict[str, Any]:
        rejected = self.rejected
        if len(rejected) > MAX_REPORTED_REJECTIONS:
            more = len(rejected) - MAX_REPORTED_REJECTIONS + 1
            rejected = [*rejected[: MAX_REPORTED_REJECTIONS - 1], {"uid": "…", "reason": f"{more} more rejected"}]
        return {
            "created": self.created,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "occurrences": self.occurrences,
            "rejected": rejected,
        }


@dataclass(frozen=True)
class Outcome:
    """What one import did: the link's status after it, and its report or error."""

    link_id: str
    status: str  # ok | error | skipped (another import was running, or the link is gone)
    report: dict[str, Any] | None = None
    error: str | None = None
    seconds: float = 0.0


# -- ids and hashes ------------------------------------------------------------------


def offer_id_for(link_id: str, uid: str) -> str:
    return str(uuid.uuid5(uuid.UUID(link_id), uid))


def stock_id_for(offer_id: str, key: str) -> str:
    return str(uuid.uuid5(uuid.UUID(offer_id), key))


# json.dumps(value, sort_keys=True, ensure_ascii=False, default=str), its encoder made once: the same text.
_DIGEST_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


def _digest(value: Any) -> str:
    text = _DIGEST_JSON.encode(value)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


# -- one event, checked and mapped ---------------------------------------------------


@dataclass
class Planned:
    """An event as it will be written: its offer's fields and its dates."""

    uid: str
    offer_id: str
    fields: Any  # mapping.OfferFields
    location: str | None
    dates: dict[str, tuple[datetime, str, str]]  # stock id -> (start, hash, occurrence key)
    truncated: bool
    hash: str


def _plan(link: AgendaLink, event: Any, now: datetime, report: Report) -> Planned | None:
    from passculture.rules.dates import check_future_within
    from passculture.rules.text import check_description, check_name
    from passculture.services.catalogue.offers import channel_errors
    from passculture.services.imports.mapping import occurrence_key, offer_fields

    fields = offer_fields(event, link.default_category or "LIVE_SHOW")
    if not fields.name:
        report.reject(event.uid, "The event has no title")
        return None
    try:
        check_name(fields.name)
        if fields.description is not None:
            check_description(fields.description)
    except ValueError as exc:
        report.reject(event.uid, str(exc))
        return None
    errors = channel_errors(fields.category, False, None)
    if errors:
        report.reject(event.uid, f"Category {fields.category}: " + "; ".join(m for ms in errors.values() for m in ms))
        return None
    offer_id = offer_id_for(link.id, event.uid)
    namespace = uuid.UUID(offer_id)  # stock_id_for's, read once for all the event's dates
    max_days = get_settings().max_event_days_ahead
    dates: dict[str, tuple[datetime, str, str]] = {}
    for occurrence in event.occurrences:
        try:
            check_future_within(occurrence.start, now, max_days)
        except ValueError as exc:
            report.reject(event.uid, f"The date {occurrence.start:%Y-%m-%d %H:%M} UTC {exc}")
            continue
        key = occurrence_key(event.uid, occurrence.start)
        owned = [occurrence.start.isoformat(), occurrence.end.isoformat() if occurrence.end else None]
        dates[str(uuid.uuid5(namespace, key))] = (occurrence.start, _digest([key, *owned, occurrence.all_day]), key)
    if not dates:
        if event.occurrences:
            return None  # each date was rejected above, with its reason
        report.reject(event.uid, "The event has no date to offer")
        return None
    location = event.location or None
    owned = {
        "name": fields.name,
        "description": fields.description,
        "category": fields.category,
        "duration": fields.duration_minutes,
        "image": fields.image_url,
        "location": location,
        "dates": sorted(h for _, h, _ in dates.values()),
    }
    return Planned(event.uid, offer_id, fields, location, dates, bool(event.truncated), _digest(owned))


# -- the import ----------------------------------------------------------------------


def _fetch(link: AgendaLink) -> Any:
    from passculture.adapters import feeds

    validators = {"etag": link.etag, "last_modified": link.last_modified}
    if link.provider == "openagenda":
        return feeds.fetch_openagenda(link.agenda_id or "", **validators)
    return feeds.fetch_feed(link.url or "", **validators)


def import_link(link: AgendaLink, *, now: datetime | None = None, progress: ProgressCallback | None = None) -> Outcome:
    """Runs one import of ``link`` (already claimed: ``syncing``) and records its outcome on the link."""
    from passculture.adapters.feeds import FeedError
    from passculture.services.imports.parallel import parse_feed

    started = time.monotonic()
    now = now or utcnow()
    try:
        fetched = _fetch(link)
    except FeedError as exc:
        return _failed(link, exc.reason, started)
    if fetched.not_modified:
        return _succeeded(link, link.last_report, fetched, started, now)
    parsed = parse_feed(fetched.body or b"", now=now)
    if parsed.error:
        return _failed(link, parsed.error, started)
    from passculture.services.imports.background import collector_held

    try:
        with collector_held():
            report = _apply(link, parsed, now, progress)
    except _Unusable as exc:
        return _failed(link, str(exc), started)
    except Exception:
        # Ours, not the feed's: logged whole; what was written is completed by the next import.
        logger.exception("agenda link %s: import failed", link.id)
        return _failed(link, "The import failed on our side; it will be tried again at the next sync", started)
    return _succeeded(link, report.as_dict(), fetched, started, now)


class _Unusable(Exception):
    """The link's venue or structure can no longer take offers: the import fails, in words."""


def _apply(link: AgendaLink, parsed: Any, now: datetime, progress: ProgressCallback | None) -> Report:
    from passculture.models.venues import Venue
    from passculture.services.catalogue.publication import offerer_status_of

    try:
        venue = Venue.get(link.venue_id, consistent_read=True)
    except Venue.DoesNotExist as exc:
        raise _Unusable("The venue no longer exists") from exc
    offerer_status = offerer_status_of(link.siren)
    if offerer_status in ("rejected", "deleted"):
        raise _Unusable(f"The structure is {offerer_status}: it cannot offer these events")
    report = Report()
    for rejection in parsed.rejected:
        report.reject(rejection.label, rejection.reason)
    known = {offer.external_id: offer for offer in Offer.provider_index.query(link.id)}
    planned: list[Planned] = []
    total = len(parsed.events)
    for done, event in enumerate(parsed.events, 1):
        plan = _plan(link, event, now, report)
        if plan is not None:
            planned.append(plan)
            report.occurrences += len(plan.dates)
        if progress is not None:
            progress("event", done, total)
    rejected_uids = {r["uid"] for r in report.rejected} | {r.uid for r in parsed.rejected if r.uid}
    changed = [p for p in planned if p.uid not in known or known[p.uid].import_hash != p.hash]
    report.unchanged = len(planned) - len(changed)
    writer = _Writer(link, venue, offerer_status, now, report)
    writer.complete = parsed.complete
    try:
        writer.write(changed, progress)
        if writer.images:
            from passculture.services.imports.images import start_image_jobs

            start_image_jobs(writer.images)
        if parsed.complete:
            seen = {p.uid for p in planned} | rejected_uids
            gone = [offer for uid, offer in known.items() if uid not in seen and offer.import_hash != GONE]
            writer.remove_events(gone)
    finally:
        writer.close()
    return report


GONE = "gone"  # the import hash of an offer whose event left the feed (its future dates removed once)


class _Writer:
    def __init__(self, link: AgendaLink, venue: Any, offerer_status: str, now: datetime, report: Report) -> None:
        from passculture.services.imports.background import BatchWriter

        self.link, self.venue, self.offerer_status, self.now, self.report = link, venue, offerer_status, now, report
        self._pending_stocks: list[Stock] = []
        self._pending_offers: list[Offer] = []
        self._background = BatchWriter(_write_group)  # new events' batches, written while the next are mapped
        from passculture.services.catalogue.venues import location_of

        self._location = location_of(venue)  # the offers' copy of the venue's place, the same for every event
        quantity = link.default_quantity
        self._price_cents = int(link.default_price_cents or 0)
        self._quantity = None if quantity is None else int(quantity)
        self.images: list[tuple[str, str]] = []  # (offer id, image URL) to fetch once the offers are written
        self.complete = True  # False: a bound cut the feed, so a date missing from it may still be there

    def write(self, changed: list[Planned], progress: ProgressCallback | None = None) -> None:
        if not changed:
            return
        stored = {o.id: o for o in Offer.batch_get([p.offer_id for p in changed], consistent_read=True)}
        fresh = [p for p in changed if p.offer_id not in stored]
        done = 0
        for plan in fresh:
            self._create(plan)
            done += 1
            if progress is not None and (done % 25 == 0 or done == len(changed)):
                progress("write", done, len(changed))
        self.flush()
        for plan in changed:
            if plan.offer_id in stored:
                self._update(plan, stored[plan.offer_id])
                done += 1
                if progress is not None:
                    progress("write", done, len(changed))

    # A new event: its stocks, then its offer (the offer's hash says the event is in).
    def _create(self, plan: Planned) -> None:
        from passculture.models.base import new_item
        from passculture.services.booking.copies import stamp_all
        from passculture.services.catalogue.publication import feed_cells, feed_summary, offer_status

        stocks = [self._new_stock(plan, stock_id, date) for stock_id, date in plan.dates.items()]
        fields = plan.fields
        offer = new_item(
            Offer,
            id=plan.offer_id,
            venue_id=self.venue.id,
            siren=self.venue.siren,
            name=fields.name,
            category=fields.category,
            description=fields.description,
            duration_minutes=fields.duration_minutes,
            is_duo=False,
            is_digital=False,
            is_active=True,
            provider_id=self.link.id,
            external_id=plan.uid,
            import_hash=plan.hash,
            created_at=self.now,
            **self._location,
        )
        offer.status = offer_status(offer, self.offerer_status, stocks)
        stamp_all(stocks, offer, self.venue, offer.status)  # what a booking needs of the offer and venue
        for name, cell in feed_cells(offer, offer.status, stocks, self.now).items():
            setattr(offer, f"feed_cell_{name}", cell)
        dates, min_price = feed_summary(stocks, self.now)
        offer.next_dates, offer.min_price_cents = dates or None, min_price
        if fields.image_url:
            self.images.append((offer.id, fields.image_url))
        self._pending_stocks.extend(stocks)
        self._pending_offers.append(offer)
        self.report.created += 1
        if len(self._pending_offers) >= 25:
            self._hand_over()

    def _new_stock(self, plan: Planned, stock_id: str, date: tuple[datetime, str, str]) -> Stock:
        from passculture.models.base import new_item
        from passculture.services.catalogue.publication import begins_key
        from passculture.services.catalogue.stocks import default_booking_limit

        start, digest, key = date
        return new_item(
            Stock,
            id=stock_id,
            offer_id=plan.offer_id,
            begins_key=begins_key(start),
            begins_at=start,
            price_cents=self._price_cents,
            quantity=self._quantity,
            booked=0,
            booking_limit_at=default_booking_limit(start, self.now),
            is_deleted=False,
            external_id=key,
            import_hash=digest,
            edited_by_pro=False,
            created_at=self.now,
        )

    def _hand_over(self) -> None:
        if self._pending_stocks or self._pending_offers:
            self._background.hand_over((self._pending_stocks, self._pending_offers))
        self._pending_stocks, self._pending_offers = [], []

    def flush(self) -> None:
        """Writes what is pending and waits for every batch handed over (a failure of one is raised here)."""
        self._hand_over()
        self._background.wait()

    def close(self) -> None:
        self._background.close()

    # A changed event: new dates written (ids confirmed free), gone ones removed, the offer updated.
    def _update(self, plan: Planned, offer: Offer) -> None:
        from passculture.services.booking.copies import expected_status, stamp
        from passculture.services.catalogue.publication import refresh_offer

        self.flush()
        existing = {s.id: s for s in Stock.offer_index.query(offer.id)}
        missing = [stock_id for stock_id in plan.dates if stock_id not in existing]
        if missing:
            existing.update({s.id: s for s in Stock.batch_get(missing, consistent_read=True)})
        new = [
            stamp(self._new_stock(plan, stock_id, date), offer, self.venue, expected_status(offer))
            for stock_id, date in plan.dates.items()
            if stock_id not in existing
        ]
        if new:
            put_items(Stock, new)
        for stock_id in plan.dates:
            stock = existing.get(stock_id)
            if stock is not None and stock.is_deleted and stock.withdrawn_at is not None:
                self._restore(stock)
        for stock_id, (_, digest, _) in plan.dates.items():
            stock = existing.get(stock_id)
            if stock is not None and not stock.is_deleted and stock.import_hash != digest:
                stock.update(actions=[Stock.import_hash.set(digest)], condition=Stock.id.exists())
        live = [s for s in existing.values() if not s.is_deleted]
        if self.complete and not plan.truncated:
            for stock in live:
                if stock.id not in plan.dates and stock.begins_at is not None and stock.begins_at > self.now:
                    self._withdraw(stock)
        live = [s for s in live if not s.is_deleted] + new
        fields = plan.fields
        values = {
            "name": fields.name,
            "category": fields.category,
            "description": fields.description,
            "duration_minutes": fields.duration_minutes,
            "import_hash": plan.hash,
        }
        actions = []
        for name, value in values.items():
            setattr(offer, name, value)
            attribute = getattr(Offer, name)
            actions.append(attribute.set(value) if value is not None else attribute.remove())
        refresh_offer(offer, self.offerer_status, stocks=live, actions=actions)
        if fields.image_url and fields.image_url != offer.image_source:
            self.images.append((offer.id, fields.image_url))
        self.report.updated += 1

    def _withdraw(self, stock: Stock) -> None:
        from passculture.services.catalogue.stocks import withdraw_stock

        if withdraw_stock(stock):
            self.report.removed += 1

    def _restore(self, stock: Stock) -> None:
        from passculture.services.catalogue.stocks import restore_stock

        restore_stock(stock)

    # Events gone from the feed: their future dates removed, the offer marked so it is not looked at again.
    def remove_events(self, gone: list[Offer]) -> None:
        from passculture.services.catalogue.publication import refresh_offer

        self.flush()
        for keys in gone:
            try:
                offer = Offer.get(keys.id, consistent_read=True)
            except Offer.DoesNotExist:
                continue
            live = [s for s in Stock.offer_index.query(offer.id) if not s.is_deleted]
            for stock in live:
                if stock.begins_at is not None and stock.begins_at > self.now:
                    self._withdraw(stock)
            offer.import_hash = GONE
            refresh_offer(
                offer,
                self.offerer_status,
                stocks=[s for s in live if not s.is_deleted],
                actions=[Offer.import_hash.set(GONE)],
            )


def _write_group(group: tuple[list[Stock], list[Offer]]) -> None:
    """One group of new events: their stocks, then their offers (an offer written says its dates are in)."""
    stocks, offers = group
    if stocks:
        put_items(Stock, stocks)
    if offers:
        put_items(Offer, offers)


def put_items(model: Any, items: list[Any]) -> None:
    """``items`` (of ``model``) written with BatchWriteItem, 25 a call, in order (``models.base.batch_put``: what
    DynamoDB left unprocessed is sent again, a failure is a ``PutError``); serialised by ``models.base.serialised``
    (the maps pynamodb would send, made quicker)."""
    from passculture.models.base import BATCH_WRITE_LIMIT, batch_put, serialised

    raw = serialised(items)
    for first in range(0, len(raw), BATCH_WRITE_LIMIT):
        batch_put(model, raw[first : first + BATCH_WRITE_LIMIT])


# -- the link's outcome --------------------------------------------------------------


def _succeeded(link: AgendaLink, report: Any, fetched: Any, started: float, now: datetime) -> Outcome:
    from pynamodb.exceptions import UpdateError

    finished = utcnow()
    actions = [
        AgendaLink.status.set("ok"),
        AgendaLink.last_sync_at.set(finished),
        AgendaLink.last_sync_key.set(finished.isoformat()),
        AgendaLink.last_error.remove(),
        AgendaLink.consecutive_failures.set(0),
        AgendaLink.sync_started_at.remove(),
    ]
    if report is not None:
        actions.append(AgendaLink.last_report.set(report))
    if not fetched.not_modified or fetched.etag or fetched.last_modified:
        # A 304 without validators keeps the previous ones.
        etag, modified = fetched.etag, fetched.last_modified
        actions.append(AgendaLink.etag.set(etag) if etag else AgendaLink.etag.remove())
        actions.append(AgendaLink.last_modified.set(modified) if modified else AgendaLink.last_modified.remove())
    try:
        link.update(actions=actions, condition=AgendaLink.id.exists())
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        logger.info("agenda link %s was removed during its import", link.id)
    return Outcome(link.id, "ok", report=report, seconds=time.monotonic() - started)


def _failed(link: AgendaLink, reason: str, started: float) -> Outcome:
    from pynamodb.exceptions import UpdateError

    from passculture.adapters import metrics

    finished = utcnow()
    logger.warning("agenda link %s: import failed: %s", link.id, reason)
    try:
        link.update(
            actions=[
                AgendaLink.status.set("error"),
                AgendaLink.last_error.set(reason[:1000]),
                AgendaLink.last_sync_key.set(finished.isoformat()),
                AgendaLink.consecutive_failures.add(1),
                AgendaLink.sync_started_at.remove(),
            ],
            condition=AgendaLink.id.exists(),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return Outcome(link.id, "error", error=reason, seconds=time.monotonic() - started)
    if int(link.consecutive_failures or 0) == FAILURES_ALERT:
        metrics.count("ImportLinkFailedThrice", provider=link.provider)
    return Outcome(link.id, "error", error=reason, seconds=time.monotonic() - started)


# -- the job -------------------------------------------------------------------------


def run_import(venue_id: str, link_id: str, claim: str | None = None, **options: Any) -> Outcome:
    """Imports one link unless another import of it is running (or it is gone): the job's whole work."""
    from passculture.services.imports.links import claim as claim_link

    try:
        link = AgendaLink.get(venue_id, link_id, consistent_read=True)
    except AgendaLink.DoesNotExist:
        return Outcome(link_id, "skipped")
    if claim is not None:
        # Claimed by the request that started this job: still ours unless a stale takeover happened.
        if link.sync_started_at is None or link.sync_started_at.isoformat() != claim:
            return Outcome(link_id, "skipped")
    elif not claim_link(link, utcnow()):
        return Outcome(link_id, "skipped")
    return import_link(link, **options)


def import_page(args: dict[str, Any], cursor: Any) -> Progress:
    """The ``agenda-import`` job: one link's whole import (one page: a feed is read at once)."""
    run_import(args["venue_id"], args["link_id"], args.get("claim"))
    return Progress(1, done=True)


# -- one pass now (the local runner's ``make import``) -------------------------------

# (kind, payload): "links" {count}, "link" {n, id, name}, "event" {n, done, total}, "outcome" {...}.
PassCallback = Callable[[str, dict[str, Any]], None]


def active_links() -> list[AgendaLink]:
    """Every active link, least recently synced first (Query pages of the schedule index, never a Scan)."""
    from passculture.services.imports.links import ACTIVE

    return list(AgendaLink.schedule_index.query(ACTIVE))


def run_pass(report: PassCallback) -> list[Outcome]:
    """Imports every active link now, one after the other, saying how far it is; each link's outcome."""
    from passculture.services.imports.links import claim as claim_link

    links = active_links()
    report("links", {"count": len(links)})
    outcomes = []
    for n, link in enumerate(links, 1):
        name = link.url or f"openagenda {link.agenda_id}"
        report("link", {"n": n, "id": link.id, "name": name})
        started = time.monotonic()
        if not claim_link(link, utcnow()):
            outcome = Outcome(link.id, "skipped", error="an import of it is already running")
        else:

            def progress(what: str, done: int, total: int, n: int = n) -> None:
                report("event", {"n": n, "stage": what, "done": done, "total": total})

            try:
                outcome = import_link(link, progress=progress)
            except Exception as exc:  # one link must not stop the pass
                logger.exception("agenda link %s: import failed", link.id)
                outcome = Outcome(link.id, "error", error=str(exc), seconds=time.monotonic() - started)
        outcomes.append(outcome)
        report(
            "outcome",
            {
                "n": n,
                "id": link.id,
                "name": name,
                "status": outcome.status,
                "report": outcome.report,
                "error": outcome.error,
                "seconds": round(outcome.seconds or time.monotonic() - started, 2),
            },
        )
    return outcomes

"""Reading an iCalendar feed into events and their future dates. Pure: no HTTP, no database.

``parse_feed(data)`` never raises: bytes that are not a calendar give a
``ParsedFeed`` with ``error`` set; otherwise every VEVENT either goes into an
event or is in ``rejected`` with its reason.

- Events are keyed by UID (a feed may give one VEVENT per date sharing a UID,
  as OpenAgenda does, RRULE series with EXDATE and RECURRENCE-ID overrides, or
  both), dates by (UID, start); a duplicate date keeps its highest SEQUENCE.
- Times: a TZID known to the time zone database (or a Windows name such as
  "Romance Standard Time") is that zone; an unknown TZID uses the calendar's
  own VTIMEZONE (never icalendar's process-wide cache, which keeps the first
  feed's definition of a name); floating times and all-day dates are in the
  calendar's zone (``X-WR-TIMEZONE``, else Europe/Paris). An all-day event
  starts at local midnight, and a multi-day one is one date. ``DURATION``
  stands in for ``DTEND``.
- Only what a venue can still sell is kept: dates after ``now`` and within the
  horizon (``IMPORT_HORIZON_DAYS``), not ``STATUS:CANCELLED`` (on the event or
  on an override). An event without such a date is counted, not returned.
- Recurring VEVENTs (and only those: a single date is read directly, which
  keeps the whole parse close to icalendar's own speed) are expanded with
  recurring-ical-events, lazily and within bounds: a rule is stopped at the
  horizon, at ``IMPORT_MAX_OCCURRENCES_PER_EVENT`` future dates, and when its
  expansion costs more than ``MAX_RULE_CALLS`` (a ``FREQ=SECONDLY`` rule begun
  years ago, or one that almost never matches, is refused, not a hang); a feed
  imports at most ``IMPORT_MAX_EVENTS`` events and ``IMPORT_MAX_OCCURRENCES``
  dates, in the feed's order. What a bound cuts is reported in ``rejected`` and makes
  ``complete`` False: dates missing then are not gone from the feed.

Past dates are left out, so an importer must only remove stocks that are still
in the future. Output order is by UID, then start: the same bytes (and ``now``)
give equal results.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any

from passculture.config import get_settings
from passculture.services.imports.mapping import clean_description, clean_line, clean_title, guess_category, http_url
from passculture.vocabulary import Category

logger = logging.getLogger(__name__)

DEFAULT_ZONE = "Europe/Paris"
# Work allowed to expand recurrences, in Python calls (deterministic, unlike time): dateutil loops
# without yielding on a rule that matches almost never, up to the year 9999.
MAX_RULE_CALLS = 200_000  # one event, about 1 s: a year of daily dates needs about 22,000
MAX_FEED_RULE_CALLS = 3_000_000  # a whole feed: 20,000 dates need about 1,200,000
MAX_UID_LENGTH = 255
MAX_CATEGORIES = 20
_RECURRENCE = ("RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")
_IMAGE_SUFFIX = re.compile(r"\.(?:jpe?g|png|webp|gif)(?:[?#]|$)", re.IGNORECASE)
_UTC = UTC


@dataclass(frozen=True)
class Occurrence:
    """One date of an event: an aware UTC start, and its end when the feed gives one."""

    start: datetime
    end: datetime | None = None
    all_day: bool = False


@dataclass(frozen=True)
class FeedEvent:
    """An event of the feed with its dates to offer (sorted, at least one)."""

    uid: str
    title: str
    description: str | None
    url: str | None
    image_url: str | None
    location: str | None
    categories: tuple[str, ...]
    category: Category | None  # guessed from ``categories``; None: the venue's default
    occurrences: tuple[Occurrence, ...]
    truncated: bool = False  # more dates than the bounds let in: only the first ones are here


@dataclass(frozen=True)
class Rejection:
    """A VEVENT (or, at position 0, part of the feed) that was not imported, and why."""

    uid: str | None
    position: int  # rank of the VEVENT in the feed, from 1; 0 for the feed as a whole
    reason: str

    @property
    def label(self) -> str:
        if self.uid:
            return self.uid
        return f"VEVENT #{self.position}" if self.position else "feed"


@dataclass(frozen=True)
class Limits:
    max_events: int
    max_occurrences_per_event: int
    max_occurrences: int
    max_rule_calls: int = MAX_RULE_CALLS
    max_feed_rule_calls: int = MAX_FEED_RULE_CALLS

    @classmethod
    def from_settings(cls) -> Limits:
        s = get_settings()
        return cls(s.import_max_events, s.import_max_occurrences_per_event, s.import_max_occurrences)


@dataclass(frozen=True)
class ParsedFeed:
    events: tuple[FeedEvent, ...] = ()
    rejected: tuple[Rejection, ...] = ()
    error: str | None = None  # set when the bytes are not a readable calendar at all
    vevents: int = 0  # VEVENTs in the feed
    events_seen: int = 0  # distinct UIDs read, offered or not
    events_without_dates: int = 0  # of those, the ones with no future, non-cancelled date
    complete: bool = True  # False when a bound cut events or dates

    @property
    def occurrences(self) -> int:
        return sum(len(e.occurrences) for e in self.events)


class _Rejected(Exception):
    def __init__(self, reason: str, uid: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.uid = uid


class _TooFrequent(Exception):
    pass


def ordered_rejections(rejected: Iterable[Rejection]) -> tuple[Rejection, ...]:
    """``rejected`` without repeats, in the feed's order (position, then UID and reason)."""
    unique = {(r.position, r.uid or "", r.reason): r for r in rejected}
    return tuple(unique[k] for k in sorted(unique))


def parse_feed(
    data: bytes | str,
    *,
    now: datetime | None = None,
    horizon_days: int | None = None,
    limits: Limits | None = None,
) -> ParsedFeed:
    """The events of an iCalendar feed and their dates to offer, after ``now`` and within the horizon."""
    try:
        return _parser(now, horizon_days, limits).parse(data)
    except Exception:
        # The last guard of "never raises": a bug here must fail one feed, not the whole run.
        logger.exception("agenda feed could not be parsed")
        return ParsedFeed(error="The feed could not be read as an iCalendar calendar")


def parse_counted(
    text: str, *, now: datetime | None = None, horizon_days: int | None = None, limits: Limits | None = None
) -> tuple[ParsedFeed, frozenset[str], int]:
    """``parse_feed`` of ``text`` (which may raise), with what joining two parts of one feed needs: the UIDs
    read and the calls the recurrences counted against the feed's budget (``services.imports.parallel``)."""
    parser = _parser(now, horizon_days, limits)
    parsed = parser.parse(text)
    return parsed, parser.uids, parser.rule_calls


def _parser(now: datetime | None, horizon_days: int | None, limits: Limits | None) -> _Parser:
    now = (now or datetime.now(_UTC)).astimezone(_UTC)
    days = get_settings().import_horizon_days if horizon_days is None else horizon_days
    return _Parser(now, days, limits or Limits.from_settings())


# -- time zones ----------------------------------------------------------------------


@lru_cache(maxsize=512)
def _named_zone(name: str) -> tzinfo | None:
    """The zone a TZID names in the time zone database, directly or as a Windows name, else None."""
    from zoneinfo import ZoneInfo

    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

    cleaned = name.strip().strip('"').strip("/")
    candidates = [cleaned, WINDOWS_TO_OLSON.get(cleaned)]
    if name.strip().startswith("/"):
        # RFC 5545 "globally unique" ids: /vendor/Europe/Paris
        parts = cleaned.split("/")
        candidates += ["/".join(parts[i:]) for i in range(1, len(parts))]
    for candidate in candidates:
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (ValueError, KeyError, OSError):
            continue
    return None


class _Zones:
    """The time zones of one calendar: its default zone and its own VTIMEZONE definitions."""

    def __init__(self, calendar: Any) -> None:
        declared = _text_of(calendar.get("X-WR-TIMEZONE"))
        named = _named_zone(declared) if declared else None
        self.declared = named is not None  # X-WR-TIMEZONE: UTC times of a series repeat in this zone
        self.default = named or _named_zone(DEFAULT_ZONE)
        self._definitions = {
            str(c.get("TZID")): c for c in calendar.subcomponents if c.name == "VTIMEZONE" and c.get("TZID")
        }
        self._built: dict[str, tzinfo] = {}

    def zone(self, tzid: str) -> tzinfo:
        named = _named_zone(tzid)
        if named is not None:
            return named
        if tzid not in self._built:
            built = None
            definition = self._definitions.get(tzid)
            if definition is not None:
                try:
                    built = definition.to_tz(lookup_tzid=False)
                except Exception:  # a malformed VTIMEZONE: its times are read as the calendar's
                    logger.info("unreadable VTIMEZONE %r", tzid, exc_info=True)
            self._built[tzid] = built or self.default
        return self._built[tzid]

    def value(self, prop: Any) -> date | datetime:
        """A DTSTART-like property's value: a date, or an aware datetime (raises on a broken value)."""
        value = prop.dt
        if isinstance(value, datetime):
            tzid = prop.params.get("TZID") if hasattr(prop, "params") else None
            if tzid:
                return value.replace(tzinfo=self.zone(str(tzid)))
            if value.tzinfo is None:
                return value.replace(tzinfo=self.default)
            return value
        if isinstance(value, date):
            return value
        raise ValueError(f"not a date: {value!r}")

    def midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.default)


# -- reading one VEVENT --------------------------------------------------------------


@dataclass
class _Piece:
    """One VEVENT, read."""

    uid: str
    position: int
    component: Any
    zones: _Zones
    start: date | datetime
    end: date | datetime | None
    duration: timedelta | None
    recurring: bool
    override: bool
    cancelled: bool
    sequence: int

    @property
    def rank(self) -> tuple[int, int]:
        return (self.sequence, self.position)


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _text_of(value: Any) -> str | None:
    value = _first(value)
    if value is None or isinstance(value, list):
        return None
    try:
        return str(value)
    except Exception:
        return None


def _raw(prop: Any) -> str:
    """A broken property's text as the feed wrote it, short."""
    try:
        return clean_line(str(prop), 40)
    except Exception:
        return "?"


def _read_piece(component: Any, position: int, zones: _Zones) -> _Piece:
    from icalendar.prop import vBroken

    uid = clean_line(_text_of(component.get("UID")) or "", MAX_UID_LENGTH + 1)
    if not uid:
        raise _Rejected("has no UID: it could not be followed from one import to the next")
    if len(uid) > MAX_UID_LENGTH:
        raise _Rejected(f"has a UID longer than {MAX_UID_LENGTH} characters")
    prop = _first(component.get("DTSTART"))
    if prop is None:
        raise _Rejected("has no start date (DTSTART)", uid)
    try:
        start = zones.value(prop)
    except Exception:
        raise _Rejected(f"has an unreadable start date (DTSTART:{_raw(prop)})", uid) from None
    end = duration = None
    end_prop = _first(component.get("DTEND"))
    if end_prop is not None:
        try:
            end = zones.value(end_prop)
        except Exception:
            end = None  # the start is what a date needs; a broken end is dropped
    if end is None:
        duration_prop = _first(component.get("DURATION"))
        try:
            duration = duration_prop.dt if duration_prop is not None else None
        except Exception:
            duration = None
        if not isinstance(duration, timedelta) or duration <= timedelta(0):
            duration = None
    for name in _RECURRENCE:
        for item in _listed(component.get(name)):
            if isinstance(item, vBroken):
                raise _Rejected(f"has an unreadable {name} ({name}:{_raw(item)})", uid)
    try:
        sequence = int(_first(component.get("SEQUENCE", 0)))
    except Exception:
        sequence = 0
    return _Piece(
        uid=uid,
        position=position,
        component=component,
        zones=zones,
        start=start,
        end=end,
        duration=duration,
        recurring=any(name in component for name in _RECURRENCE),
        override="RECURRENCE-ID" in component,
        cancelled=(_text_of(component.get("STATUS")) or "").strip().upper() == "CANCELLED",
        sequence=sequence,
    )


def _span(piece: _Piece) -> Occurrence:
    """The date of a VEVENT that does not repeat."""
    return _occurrence(piece.zones, piece.start, piece.end, piece.duration)


def _occurrence(zones: _Zones, start: date | datetime, end: Any, duration: timedelta | None) -> Occurrence:
    all_day = not isinstance(start, datetime)
    begins = start if isinstance(start, datetime) else zones.midnight(start)
    if isinstance(end, datetime):
        ends = end
    elif isinstance(end, date):
        ends = zones.midnight(end) if all_day else None  # a date ending a timed event says nothing precise
    elif duration is not None:
        ends = begins + duration
    else:
        ends = begins + timedelta(days=1) if all_day else None
    if ends is not None and ends.tzinfo is None:
        ends = ends.replace(tzinfo=zones.default)
    if ends is not None and ends <= begins:
        ends = begins + timedelta(days=1) if all_day else None
    return Occurrence(
        start=begins.astimezone(_UTC),
        end=ends.astimezone(_UTC) if ends is not None else None,
        all_day=all_day,
    )


# -- recurring VEVENTs ---------------------------------------------------------------


class _Work:
    """Counts the Python calls made while expanding recurrences, and stops them past a budget.

    A profile hook, because dateutil's loop never yields on a rule that does not match
    (``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30`` runs to the year 9999): nothing else can interrupt it.
    """

    def __init__(self, feed_budget: int) -> None:
        self.feed_left = feed_budget
        self.event_left = 0

    @contextmanager
    def bounded(self, event_budget: int, *, needed: bool = True) -> Iterator[None]:
        if not needed:  # the hook triples the cost of an expansion: only rules that may run away pay it
            yield
            return
        self.event_left = event_budget
        previous = sys.getprofile()
        sys.setprofile(self._count)
        try:
            yield
        finally:
            sys.setprofile(previous)

    def _count(self, frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            self.event_left -= 1
            self.feed_left -= 1
            if self.event_left < 0 or self.feed_left < 0:
                raise _TooFrequent


def _is_utc(value: Any) -> bool:
    """A time written in UTC (``...Z``), not merely in a zone at offset 0 such as London in winter."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        return False
    return value.tzinfo is _UTC or getattr(value.tzinfo, "key", None) in ("UTC", "Etc/UTC")


def _prepare_for_series(piece: _Piece) -> None:
    """Rewrite a recurring VEVENT's times as they were read (zones repaired) for recurring-ical-events."""
    from icalendar.prop import vDDDLists, vDDDTypes

    component, zones = piece.component, piece.zones
    start = piece.start
    if zones.declared and _is_utc(start):
        start = start.astimezone(zones.default)  # Google: UTC times of a series repeat at local time
    component["DTSTART"] = vDDDTypes(start)
    end = piece.end
    if zones.declared and _is_utc(end):
        end = end.astimezone(zones.default)
    if end is not None and type(end) is type(start) and end > start:
        component["DTEND"] = vDDDTypes(end)
    elif "DTEND" in component:
        del component["DTEND"]
    for name in ("EXDATE", "RDATE"):
        props = component.get(name)
        if props is None:
            continue
        values: list[Any] = []
        for prop in props if isinstance(props, list) else [props]:
            values.extend(_zoned(zones, prop, item) for item in prop.dts)
        del component[name]
        if values:
            component[name] = vDDDLists(values)
    if "RECURRENCE-ID" in component:
        recurrence_id = _first(component.get("RECURRENCE-ID"))
        fixed = vDDDTypes(zones.value(recurrence_id))
        fixed.params.update({k: v for k, v in recurrence_id.params.items() if k == "RANGE"})
        component["RECURRENCE-ID"] = fixed


def _zoned(zones: _Zones, prop: Any, item: Any) -> Any:
    value = item.dt
    if isinstance(value, tuple):  # an RDATE period: its start is what repeats
        return (_zoned_value(zones, prop, item, value[0]), value[1])
    return _zoned_value(zones, prop, item, value)


def _zoned_value(zones: _Zones, prop: Any, item: Any, value: Any) -> Any:
    if not isinstance(value, datetime):
        return value
    tzid = item.params.get("TZID") or prop.params.get("TZID")
    if tzid:
        return value.replace(tzinfo=zones.zone(str(tzid)))
    return value if value.tzinfo is not None else value.replace(tzinfo=zones.default)


def _series_bounds(first: _Piece, now: datetime, horizon: datetime) -> tuple[datetime, datetime]:
    """The window in the series' own kind of time: aware, or naive local wall time for all-day series."""
    if isinstance(first.start, datetime):
        return now, horizon
    zone = first.zones.default
    return now.astimezone(zone).replace(tzinfo=None), horizon.astimezone(zone).replace(tzinfo=None)


_PERIOD_DAYS = {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 28, "YEARLY": 365}
_TAME_PARTS = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYDAY"})
MAX_TAME_PAST_PERIODS = 20_000  # a daily rule begun up to 55 years ago


def _may_run_away(pieces: list[_Piece], now: datetime) -> bool:
    """Whether a rule could cost more than its dates: sub-daily, filtered, or begun very long ago.

    A daily-or-slower rule whose only filter is plain weekdays matches in every period, so its cost
    is its number of periods since DTSTART plus the dates kept: no need to count its work.
    """
    for piece in pieces:
        for rule in _listed(piece.component.get("RRULE")):
            freq = (rule.get("FREQ") or [None])[0]
            if freq not in _PERIOD_DAYS or not set(rule) <= _TAME_PARTS:
                return True
            if any(any(c.isdigit() for c in str(day)) for day in rule.get("BYDAY", [])):
                return True  # "-1FR", "2MO": some periods may have none
            try:
                interval = int((rule.get("INTERVAL") or [1])[0])
            except (TypeError, ValueError):
                return True
            start = piece.start if isinstance(piece.start, datetime) else piece.zones.midnight(piece.start)
            if interval < 1 or (now - start).days / (_PERIOD_DAYS[freq] * interval) > MAX_TAME_PAST_PERIODS:
                return True
    return False


def _stop_for(series: Any, low: datetime, high: datetime, cap: int) -> tuple[datetime, bool]:
    """Where to stop so the series gives at most about ``cap`` dates after ``low``, and whether that cuts it."""
    # recurring-ical-events keeps the series' rules (dateutil, lazy) on ``recurrence.rrules``.
    recurrence = series.recurrence
    slack = len(getattr(recurrence, "exdates", ()))  # excluded dates do not count towards the cap
    stop, cut = high, False
    for rule in getattr(recurrence, "rrules", ()):
        future = 0
        for start in rule:
            if start >= stop:
                break
            if start > low:
                future += 1
                if future > cap + slack:
                    stop, cut = start, True
                    break
    return stop, cut


def _series_dates(
    pieces: list[_Piece], now: datetime, horizon: datetime, cap: int
) -> tuple[list[tuple[Occurrence, bool, tuple[int, int]]], bool]:
    """(date, cancelled, rank) of the repetitions of a UID's recurring VEVENTs in the window, and if cut."""
    from recurring_ical_events import EventAdapter, Series

    for piece in pieces:
        _prepare_for_series(piece)
    adapters = [(piece, EventAdapter(piece.component)) for piece in pieces]
    overrides = [(p, a) for p, a in adapters if a.is_modification()]
    cores = [(p, a) for p, a in adapters if not a.is_modification()]
    override_by_id = {rid: p for p, a in overrides for rid in a.recurrence_ids}
    # One series per core: recurring-ical-events would keep only the highest SEQUENCE of several.
    groups = [[core, *overrides] for core in cores] or [overrides]
    dates: list[tuple[Occurrence, bool, tuple[int, int]]] = []
    cut = False
    for group in groups:
        head = group[0][0]
        series = Series([a for _, a in group])
        low, high = _series_bounds(head, now, horizon)
        stop, cut_here = _stop_for(series, low, high, cap)
        cut = cut or cut_here
        for found in series.between(low, stop):
            ids = found.recurrence_ids
            source = next((override_by_id[i] for i in ids if i in override_by_id), None) if ids else None
            piece = source or (head if not head.override else None)
            if piece is not None:
                dates.append((_occurrence(head.zones, found.start, found.end, None), piece.cancelled, piece.rank))
    return dates, cut


# -- the feed ------------------------------------------------------------------------


class _Parser:
    def __init__(self, now: datetime, horizon_days: int, limits: Limits) -> None:
        self.now = now
        self.horizon_days = horizon_days
        self.horizon = now + timedelta(days=max(horizon_days, 0))
        self.limits = limits
        self.rejected: list[Rejection] = []
        self.complete = True
        self.uids: frozenset[str] = frozenset()  # the events read (UIDs with a VEVENT read), offered or not
        self.rule_calls = 0  # calls the recurrence expansions counted against the feed's budget

    def parse(self, data: bytes | str) -> ParsedFeed:
        text = decoded_text(data)
        if text[:15].upper() != "BEGIN:VCALENDAR":
            return ParsedFeed(error="The feed is not an iCalendar calendar (it does not start with BEGIN:VCALENDAR)")
        from icalendar import Calendar

        try:
            calendars = Calendar.from_ical(text, multiple=True)
        except Exception as error:  # icalendar raises several kinds on malformed input
            return ParsedFeed(error=f"The feed is not a readable iCalendar calendar: {clean_line(str(error), 200)}")
        groups, vevents = self._read(calendars)
        self.uids = frozenset(groups)
        events: list[FeedEvent] = []
        without_dates = 0
        budget = self.limits.max_occurrences
        work = _Work(self.limits.max_feed_rule_calls)
        for uid, pieces in groups.items():
            if budget <= 0:
                limit = self.limits.max_occurrences
                self._cut(f"the feed has more than {limit} dates to import: later events were left out")
                continue
            event = self._event(uid, pieces, budget, work)
            if event is None:
                without_dates += 1
                continue
            events.append(event)
            budget -= len(event.occurrences)
        events.sort(key=lambda e: e.uid)
        self.rule_calls = self.limits.max_feed_rule_calls - work.feed_left
        return ParsedFeed(
            events=tuple(events),
            rejected=ordered_rejections(self.rejected),
            vevents=vevents,
            events_seen=len(groups),
            events_without_dates=without_dates,
            complete=self.complete,
        )

    def _cut(self, reason: str, uid: str | None = None, position: int = 0) -> None:
        self.complete = False
        self.rejected.append(Rejection(uid, position, reason))

    def _read(self, calendars: list[Any]) -> tuple[dict[str, list[_Piece]], int]:
        groups: dict[str, list[_Piece]] = {}
        position = skipped = 0
        for calendar in calendars:
            if getattr(calendar, "name", None) != "VCALENDAR":
                continue
            zones = _Zones(calendar)
            for component in calendar.subcomponents:
                if component.name != "VEVENT":
                    continue
                position += 1
                try:
                    piece = _read_piece(component, position, zones)
                except _Rejected as rejected:
                    self.rejected.append(Rejection(rejected.uid, position, rejected.reason))
                    continue
                except Exception:  # whatever a broken VEVENT does, the others go in
                    logger.info("VEVENT #%s could not be read", position, exc_info=True)
                    self.rejected.append(Rejection(None, position, "could not be read"))
                    continue
                group = groups.get(piece.uid)
                if group is None:
                    if len(groups) >= self.limits.max_events:
                        skipped += 1
                        continue
                    group = groups[piece.uid] = []
                group.append(piece)
        if skipped:
            self._cut(
                f"the feed has more than {self.limits.max_events} events: "
                f"{skipped} VEVENTs of later events were left out"
            )
        return groups, position

    def _event(self, uid: str, pieces: list[_Piece], budget: int, work: _Work) -> FeedEvent | None:
        per_event = self.limits.max_occurrences_per_event
        cap = min(per_event, budget)
        found: dict[datetime, tuple[tuple[int, int], Occurrence, bool]] = {}

        def keep(occurrence: Occurrence, cancelled: bool, rank: tuple[int, int]) -> None:
            if not self.now < occurrence.start <= self.horizon:
                return
            current = found.get(occurrence.start)
            if current is None or rank >= current[0]:
                found[occurrence.start] = (rank, occurrence, cancelled)

        for piece in pieces:
            if piece.recurring:
                continue
            try:
                keep(_span(piece), piece.cancelled, piece.rank)
            except (OverflowError, ValueError):  # year 1 in Paris is before the first year in UTC
                self.rejected.append(Rejection(uid, piece.position, "has a date out of range"))
        recurring = [p for p in pieces if p.recurring]
        cut = False
        if recurring:
            first = recurring[0].position
            import recurring_ical_events  # noqa: F401 (its import is not the expansion's work)

            try:
                with work.bounded(self.limits.max_rule_calls, needed=_may_run_away(recurring, self.now)):
                    repeated, cut = _series_dates(recurring, self.now, self.horizon, cap)
                for occurrence, cancelled, rank in repeated:
                    keep(occurrence, cancelled, rank)
            except _TooFrequent:
                self._cut(
                    "has a recurrence too costly to expand (it repeats too often, or almost never): "
                    "its repetitions were not imported",
                    uid,
                    first,
                )
            except Exception as error:  # recurring-ical-events and dateutil raise several kinds on bad rules
                logger.info("series %r could not be expanded", uid, exc_info=True)
                self.rejected.append(
                    Rejection(uid, first, f"has a recurrence that could not be read: {clean_line(str(error), 120)}")
                )
        dates = sorted((o for _, o, cancelled in found.values() if not cancelled), key=lambda o: o.start)
        if not dates:
            return None
        truncated = cut or len(dates) > cap
        if truncated:
            dates = dates[:cap]
            if cap == per_event:
                self._cut(
                    f"has more than {per_event} dates in the next {self.horizon_days} days: "
                    f"only the first {per_event} were imported",
                    uid,
                    pieces[0].position,
                )
            else:
                self._cut(
                    f"the feed has more than {self.limits.max_occurrences} dates to import: "
                    f"only the first {cap} of this event were imported",
                    uid,
                    pieces[0].position,
                )
        return self._describe(uid, pieces, tuple(dates), truncated)

    def _describe(
        self, uid: str, pieces: list[_Piece], dates: tuple[Occurrence, ...], truncated: bool
    ) -> FeedEvent | None:
        # The event's own VEVENT (not an override), latest SEQUENCE, first in the feed.
        ordered = sorted(pieces, key=lambda p: (p.override, -p.sequence, p.position))
        title = next((t for t in (clean_title(_text_of(p.component.get("SUMMARY"))) for p in ordered) if t), "")
        if not title:
            self.rejected.append(Rejection(uid, pieces[0].position, "has no title (SUMMARY)"))
            return None
        main = ordered[0].component
        categories = _categories(main)
        return FeedEvent(
            uid=uid,
            title=title,
            description=clean_description(_text_of(main.get("DESCRIPTION"))),
            url=http_url(_text_of(main.get("URL"))),
            image_url=_image(main),
            location=clean_line(_text_of(main.get("LOCATION"))) or None,
            categories=categories,
            category=guess_category(categories),
            occurrences=dates,
            truncated=truncated,
        )


def decoded_text(data: bytes | str) -> str:
    """The feed's text: UTF-8, else Windows-1252; a byte-order mark and leading blank lines left out."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # Older exports are often Windows-1252; a wrong guess only garbles accents.
            text = data.decode("cp1252", errors="replace")
    elif isinstance(data, str):
        text = data
    else:
        return ""
    return text.lstrip("\ufeff \t\r\n")


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _categories(component: Any) -> tuple[str, ...]:
    labels: list[str] = []
    for prop in _listed(component.get("CATEGORIES")):
        items = getattr(prop, "cats", None)
        for item in items if isinstance(items, list) else [prop]:
            label = clean_line(_text_of(item) or "")
            if label and label not in labels:
                labels.append(label)
    return tuple(labels[:MAX_CATEGORIES])


def _image(component: Any) -> str | None:
    """The first image URL: IMAGE (RFC 7986), else an ATTACH that is an image."""
    for prop in _listed(component.get("IMAGE")):
        url = http_url(_text_of(prop))
        if url:
            return url
    for prop in _listed(component.get("ATTACH")):
        params = getattr(prop, "params", {})
        if str(params.get("VALUE", "")).upper() == "BINARY" or params.get("ENCODING"):
            continue
        url = http_url(_text_of(prop))
        if url and (str(params.get("FMTTYPE", "")).lower().startswith("image/") or _IMAGE_SUFFIX.search(url)):
            return url
    return None

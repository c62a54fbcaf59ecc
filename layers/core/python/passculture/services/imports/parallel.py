"""A big feed read by two processes at once, with ``ical.parse_feed``'s result exactly.

icalendar's parse is pure Python, so one process reads a feed on one CPU: it is
about half of a big import's time. Where the function has two CPUs
(``IMPORT_PARSE_PROCESSES``; ``auto``: on Lambda from 3,538 MB of memory, which
gives two vCPUs, elsewhere when the process may run on two CPUs), a feed of at
least ``PARALLEL_MIN_CHARS`` characters is cut in two between two VEVENTs where
no UID is on both sides (an event's overrides stay with it). Each half keeps
the calendar's own properties and every component that is not a VEVENT (its
VTIMEZONEs). A forked child parses the second half while this process parses
the first; the child's result comes back pickled through a pipe.

The two halves give the whole feed's result or nothing: when icalendar's own
UIDs are on both sides, a half fails, raises or is cut by a bound, a half's
VEVENT count is not the splitter's, or the two together reach one of the
feed's bounds (events, dates, recurrence work), the whole feed is parsed again
in this process, so every bound and every rejection is the one ``parse_feed``
gives. A feed the splitter does not follow line by line (two calendars, a
component left open, text after the end) is parsed whole.
``tests/unit/test_import_parallel.py`` holds both ways equal.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from passculture.config import get_settings
from passculture.services.imports import ical
from passculture.services.imports.ical import ParsedFeed

logger = logging.getLogger(__name__)

PARALLEL_MIN_CHARS = 256 * 1024  # below, a feed parses in tens of milliseconds: a fork would not pay
LAMBDA_VCPU_MB = 1769  # Lambda gives one vCPU per 1,769 MB of memory


def parse_processes() -> int:
    """How many processes may parse one feed: ``IMPORT_PARSE_PROCESSES``, or from the CPUs this function has."""
    settings = get_settings()
    if settings.import_parse_processes:
        return max(1, settings.import_parse_processes)
    if settings.lambda_memory_mb:
        return 2 if settings.lambda_memory_mb >= 2 * LAMBDA_VCPU_MB else 1
    return 2 if len(os.sched_getaffinity(0)) >= 2 else 1


def parse_feed(
    data: bytes | str,
    *,
    now: datetime | None = None,
    horizon_days: int | None = None,
    limits: ical.Limits | None = None,
    processes: int | None = None,
) -> ParsedFeed:
    """``ical.parse_feed``'s result, its two halves read at once when that pays; never raises."""
    now = (now or datetime.now(UTC)).astimezone(UTC)  # one time for both halves
    limits = limits or ical.Limits.from_settings()  # read once: the bounds both halves and the join use
    text = ical.decoded_text(data)
    if (processes or parse_processes()) >= 2 and len(text) >= PARALLEL_MIN_CHARS and hasattr(os, "fork"):
        halves = split_calendar(text)
        if halves is not None:
            from passculture.services.imports.background import collector_held

            try:
                with collector_held():  # frozen before the fork: the child's collections never walk (and copy) our heap
                    joined = _parse_halves(halves, now, horizon_days, limits)
            except Exception:  # ours: the whole feed is still read below
                logger.exception("agenda feed: reading it in two halves failed")
                joined = None
            if joined is not None:
                return joined
    return ical.parse_feed(text, now=now, horizon_days=horizon_days, limits=limits)


# -- the cut ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Halves:
    """One calendar's text cut in two calendars."""

    first: str
    second: str
    first_vevents: int  # VEVENTs in the first half, as the splitter counted them
    second_vevents: int


_Event = tuple[int, int, frozenset[str]]  # a VEVENT: its lines [start, end) and its UIDs


def split_calendar(text: str) -> Halves | None:
    """``text`` (one VCALENDAR) as two calendars, each with half of the VEVENTs; None when it cannot be cut."""
    lines = _lines(text)
    if not lines or _name_and_value(lines[0]) != ("BEGIN", "VCALENDAR"):
        return None
    shared: list[str] = [lines[0]]  # the calendar's own lines and its other components, in both halves
    events: list[_Event] = []
    stack: list[str] = []  # components open inside the calendar
    start, uids = 0, set()
    after_marker = True  # the last line with content was a BEGIN or an END
    for index in range(1, len(lines)):
        line = lines[index]
        if line[:1] in (" ", "\t"):  # a folded line continues the one before (blank lines between are folded too)
            if after_marker:
                return None  # it would change a BEGIN or END line: not a calendar this splitter follows
            if not stack:
                shared.append(line)
            continue
        if line[:1] in _MARKER_INITIALS:
            name, value = _name_and_value(line)
        else:  # a property (most lines: not worth splitting) or a blank line
            name, value = "", ""
        if line.strip():
            after_marker = name in ("BEGIN", "END")
        if name == "BEGIN":
            if not stack:
                start, uids = index, set()
            stack.append(value)
        elif name == "END":
            if not stack:
                if value != "VCALENDAR" or any(rest.strip() for rest in lines[index + 1 :]):
                    return None  # a second calendar, or text after the end
                if len(events) < 2:
                    return None
                return _halves(lines, shared, events, end=line)
            if stack.pop() != value:
                return None
            if not stack:
                if value == "VEVENT":
                    events.append((start, index + 1, frozenset(uids)))
                else:
                    shared.extend(lines[start : index + 1])
        elif not stack:
            shared.append(line)
        elif len(stack) == 1 and stack[0] == "VEVENT" and name == "UID":
            uids.add(_uid_key(lines, index))
    return None  # the calendar never ends


def _halves(lines: list[str], shared: list[str], events: list[_Event], end: str) -> Halves | None:
    cut = _cut_near_middle([uids for _, _, uids in events])
    if cut is None:
        return None
    closing = end if end.endswith(("\n", "\r")) else end + "\r\n"
    head = "".join(shared if shared[-1].endswith(("\n", "\r")) else [*shared, "\r\n"])

    def calendar(part: list[_Event]) -> str:
        return head + "".join("".join(lines[a:b]) for a, b, _ in part) + closing

    return Halves(calendar(events[:cut]), calendar(events[cut:]), cut, len(events) - cut)


def _cut_near_middle(uids: list[frozenset[str]]) -> int | None:
    """The cut ``k`` (0 < k < n) nearest n/2 with no UID both in ``uids[:k]`` and in ``uids[k:]``."""
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for position, keys in enumerate(uids):
        for key in keys:
            first.setdefault(key, position)
            last[key] = position
    spans = [0] * (len(uids) + 1)  # spans[k] > 0: a UID is on both sides of the cut before position k
    for key, begin in first.items():
        if last[key] > begin:
            spans[begin + 1] += 1
            spans[last[key] + 1] -= 1
    open_spans, free = 0, []
    for k in range(len(uids)):
        open_spans += spans[k]
        if k and not open_spans:
            free.append(k)
    if not free:
        return None
    middle = len(uids) / 2
    return min(free, key=lambda k: abs(k - middle))


_MARKER_INITIALS = frozenset("BbEeUu")  # BEGIN, END and UID lines: the only ones the splitter reads


def _lines(text: str) -> list[str]:
    """``text``'s lines with their ends, cut where icalendar cuts them: at LF (CRLF's CR stays in the line)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _name_and_value(line: str) -> tuple[str, str]:
    """A content line's name and, for BEGIN and END, its value, upper case (its parameters left out)."""
    head, colon, value = line.partition(":")
    name = head.split(";", 1)[0].strip().upper()
    if name in ("BEGIN", "END") and colon:
        return name, value.strip().upper()
    return name, ""


def _uid_key(lines: list[str], index: int) -> str:
    """The UID line at ``index`` with its folded continuation, as a key: only for finding a cut (the parse's own
    UIDs decide whether the halves can be joined)."""
    parts = [lines[index].rstrip("\r\n")]
    for following in range(index + 1, len(lines)):
        line = lines[following]
        if line[:1] not in (" ", "\t"):
            break
        parts.append(line.rstrip("\r\n")[1:])
    unfolded = "".join(parts)
    value = _after_parameters(unfolded)
    return value.replace("\\", "").strip().lower()


def _after_parameters(line: str) -> str:
    """What follows the first colon outside a quoted parameter value."""
    quoted = False
    for position, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return line[position + 1 :]
    return ""


# -- the two processes ---------------------------------------------------------------


def _parse_halves(halves: Halves, now: datetime, days: int | None, limits: ical.Limits) -> ParsedFeed | None:
    def parse(text: str) -> tuple[ParsedFeed, frozenset[str], int]:
        return ical.parse_counted(text, now=now, horizon_days=days, limits=limits)

    # Imported before the fork: a module another thread is importing at that moment would stay locked in the child.
    import icalendar  # noqa: F401
    import recurring_ical_events  # noqa: F401

    child = _Child.start(lambda: parse(halves.second))
    if child is None:
        return None
    try:
        first = parse(halves.first)
    except BaseException:
        child.stop()
        raise
    second = child.result()
    if second is None:
        return None
    return join(first, second, limits, halves)


def join(
    first: tuple[ParsedFeed, frozenset[str], int],
    second: tuple[ParsedFeed, frozenset[str], int],
    limits: ical.Limits,
    halves: Halves,
) -> ParsedFeed | None:
    """The whole feed's result from its two halves' (``ical.parse_counted``), or None when it may differ."""
    (a, a_uids, a_calls), (b, b_uids, b_calls) = first, second
    if a.error or b.error or not (a.complete and b.complete):
        return None  # a bound cut a half (or it is not readable): the whole feed tells which and how
    if (a.vevents, b.vevents) != (halves.first_vevents, halves.second_vevents) or a_uids & b_uids:
        return None
    if (
        len(a_uids) + len(b_uids) > limits.max_events
        or a.occurrences + b.occurrences >= limits.max_occurrences
        or a_calls + b_calls > limits.max_feed_rule_calls
    ):
        return None  # together they reach a bound of the feed: the whole feed cuts where it does
    shifted = [replace(r, position=r.position + a.vevents) if r.position else r for r in b.rejected]
    return ParsedFeed(
        events=tuple(sorted(a.events + b.events, key=lambda e: e.uid)),
        rejected=ical.ordered_rejections([*a.rejected, *shifted]),
        vevents=a.vevents + b.vevents,
        events_seen=a.events_seen + b.events_seen,
        events_without_dates=a.events_without_dates + b.events_without_dates,
        complete=True,
    )


class _Child:
    """A forked process running one function; its result comes back pickled through a pipe."""

    def __init__(self, pid: int, pipe: int) -> None:
        self.pid, self.pipe = pid, pipe

    @classmethod
    def start(cls, work: Callable[[], Any]) -> _Child | None:
        try:
            read_end, write_end = os.pipe()
        except OSError:
            logger.warning("agenda feed: no pipe to a second process; read whole", exc_info=True)
            return None
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            logger.warning("agenda feed: no second process to parse it (fork failed); read whole", exc_info=True)
            return None
        if pid == 0:  # the child: its result into the pipe, then gone without the parent's exit handlers
            code = 1
            try:
                os.close(read_end)
                payload = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(payload)
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        return cls(pid, read_end)

    def result(self) -> Any:
        """The child's result, or None when it failed."""
        try:
            with os.fdopen(self.pipe, "rb") as pipe:
                payload = pipe.read()
        finally:
            _, status = os.waitpid(self.pid, 0)
        if status != 0 or not payload:
            logger.warning("agenda feed: the second process failed (status %s); read whole", status)
            return None
        return pickle.loads(payload)  # noqa: S301 (our own child's bytes, through a pipe only we hold)

    def stop(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        os.close(self.pipe)
        os.waitpid(self.pid, 0)

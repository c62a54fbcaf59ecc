"""Properties of the feed parser: whatever the bytes, it answers (never raises) and answers the same twice."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passculture.services.imports.ical import Limits, ParsedFeed, parse_feed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ics"
FEEDS = {p.stem: p.read_bytes() for p in sorted(FIXTURES.glob("*.ics"))}
NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
LIMITS = Limits(200, 50, 1000, max_rule_calls=20_000, max_feed_rule_calls=100_000)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def unexpected_failures():
    """The records of code paths that caught an exception nobody anticipated (bugs, not bad feeds)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.exc_info and (record.levelno >= logging.ERROR or "could not be read" in record.getMessage()):
                records.append(record)

    logger = logging.getLogger("passculture.services.imports.ical")
    handler, level = Keep(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def parse_twice(data: bytes | str) -> ParsedFeed:
    with unexpected_failures() as failures:
        first = parse_feed(data, now=NOW, horizon_days=365, limits=LIMITS)
        second = parse_feed(data, now=NOW, horizon_days=365, limits=LIMITS)
    assert isinstance(first, ParsedFeed)
    assert first == second
    assert failures == [], [r.exc_info for r in failures]
    return first


@SETTINGS
@given(st.binary(max_size=2000))
def test_any_bytes_give_a_result(data):
    parse_twice(data)


@SETTINGS
@given(st.text(max_size=2000))
def test_any_text_after_begin_vcalendar_gives_a_result(text):
    parse_twice("BEGIN:VCALENDAR\r\n" + text)


NAMES = ["DTSTART", "DTEND", "DURATION", "RRULE", "EXDATE", "RDATE", "RECURRENCE-ID", "UID", "SUMMARY", "STATUS"]
PARAMS = ["", ";VALUE=DATE", ";TZID=Europe/Paris", ";TZID=Romance Standard Time", ";TZID=Nowhere"]
PARAMS += [";RANGE=THISANDFUTURE", ";TZID=Heure de la salle"]
VALUES = [
    "20270320T190000Z",
    "20270320T190000",
    "20270320",
    "00010101T000000",
    "99991231T235959Z",
    "99991231",
    "2027",
    "FREQ=DAILY;COUNT=3",
    "FREQ=WEEKLY;UNTIL=20270401",
    "FREQ=MONTHLY;BYDAY=-1FR;BYSETPOS=9",
    "FREQ=DAILY;INTERVAL=0",
    "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30",
    "PT1H",
    "-P1D",
    "CANCELLED",
    "x",
    "",
]
content_line = st.builds(
    lambda name, param, value: f"{name}{param}:{value}",
    st.sampled_from(NAMES),
    st.sampled_from(PARAMS),
    st.one_of(st.sampled_from(VALUES), st.text(max_size=30)),
)
vevent = st.lists(content_line, max_size=8).map(lambda lines: ["BEGIN:VEVENT", *lines, "END:VEVENT"])


@SETTINGS
@given(st.lists(vevent, max_size=6), st.sampled_from(["", "X-WR-TIMEZONE:America/Martinique", "X-WR-TIMEZONE:???"]))
def test_calendars_of_odd_vevents_give_a_result(vevents, header):
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN", header, *(line for v in vevents for line in v)]
    parse_twice("\r\n".join([*lines, "END:VCALENDAR", ""]))


@st.composite
def mutated_feed(draw):
    name = draw(st.sampled_from(sorted(FEEDS)))
    lines = FEEDS[name].decode("utf-8").splitlines()
    for _ in range(draw(st.integers(1, 6))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "replace", "cut", "swap"]))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "replace":
            lines[i] = draw(st.one_of(content_line, st.text(max_size=40)))
        elif action == "cut":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        else:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
    return "\r\n".join(lines).encode("utf-8", "surrogatepass")


@SETTINGS
@given(mutated_feed())
def test_mutated_real_feeds_give_a_result_and_the_same_one_twice(data):
    parse_twice(data)

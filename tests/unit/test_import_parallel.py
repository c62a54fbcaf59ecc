"""A big feed read in two processes (services.imports.parallel) gives exactly what one process gives."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passculture.services.imports import ical, parallel
from tests.unit.test_ical import FIXTURES, LIMITS, NOW, calendar
from tests.unit.test_import_properties import vevent

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def joins(monkeypatch):
    """Every feed is worth two processes here; yields what each attempt to join two halves gave (None: read whole)."""
    monkeypatch.setattr(parallel, "PARALLEL_MIN_CHARS", 0)
    results: list = []
    original = parallel.join

    def recording(*args):
        results.append(original(*args))
        return results[-1]

    monkeypatch.setattr(parallel, "join", recording)
    return results


def both_ways(data: bytes, limits: ical.Limits = LIMITS) -> tuple[ical.ParsedFeed, ical.ParsedFeed]:
    whole = ical.parse_feed(data, now=NOW, horizon_days=365, limits=limits)
    halves = parallel.parse_feed(data, now=NOW, horizon_days=365, limits=limits, processes=2)
    return whole, halves


def events(*uids: str, start: int = 1) -> list[str]:
    return [
        f"UID:{uid}\r\nDTSTART:2027{3 + n % 9:02d}{1 + n % 27:02d}T190000Z\r\nSUMMARY:Concert {n}"
        for n, uid in enumerate(uids, start)
    ]


# -- the same result ---------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.ics")), ids=lambda p: p.stem)
def test_each_project_feed_reads_the_same_in_two_processes(joins, path):
    whole, halves = both_ways(path.read_bytes())
    assert halves == whole


def test_an_openagenda_export_is_read_by_two_processes_and_joined(joins):
    whole, halves = both_ways((FIXTURES / "openagenda.ics").read_bytes())
    assert joins and joins[-1] is not None  # the halves were joined, not read again whole
    assert halves == whole and len(whole.events) >= 2


def test_rejections_keep_their_place_in_the_whole_feed(joins):
    body = calendar(*events("a@x", "b@x"), "DTSTART:20270401T190000Z\r\nSUMMARY:No UID", *events("c@x", "d@x"))
    whole, halves = both_ways(body)
    assert joins[-1] is not None
    assert [(r.position, r.reason) for r in halves.rejected] == [(3, r.reason) for r in whole.rejected]
    assert halves == whole


@SETTINGS
@given(vevents=st.lists(vevent(), min_size=2, max_size=12))
def test_any_feed_reads_the_same_in_two_processes(joins, vevents):
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", *[line for event in vevents for line in event], "END:VCALENDAR"]
    whole, halves = both_ways(("\r\n".join(body) + "\r\n").encode("utf-8", "surrogatepass"))
    assert halves == whole


# -- read whole when the halves may differ ------------------------------------------


def test_an_override_at_the_far_end_of_the_feed_keeps_the_feed_whole(joins):
    override = "UID:a@x\r\nRECURRENCE-ID:20270402T190000Z\r\nDTSTART:20270402T210000Z\r\nSUMMARY:Later"
    series = "UID:a@x\r\nDTSTART:20270401T190000Z\r\nRRULE:FREQ=DAILY;COUNT=3\r\nSUMMARY:Series"
    body = calendar(series, *events("b@x", "c@x", "d@x"), override)
    assert parallel.split_calendar(body.decode()) is None  # no cut leaves a@x on one side
    whole, halves = both_ways(body)
    assert halves == whole and joins == []
    assert [o.start.hour for o in {e.uid: e for e in whole.events}["a@x"].occurrences] == [19, 21, 19]


def test_one_uid_written_two_ways_is_found_by_the_parse_and_read_whole(joins):
    # "a  b" and "a b" are one UID once read (spaces collapsed), two for the splitter: it may cut between them.
    body = calendar(*events("a  b", "c@x"), *events("d@x", "a b", start=3))
    whole, halves = both_ways(body)
    assert joins == [None]
    assert halves == whole


def test_halves_that_together_pass_a_bound_are_read_whole_and_cut_where_the_whole_feed_cuts(joins):
    limits = ical.Limits(max_events=3, max_occurrences_per_event=10, max_occurrences=100)
    whole, halves = both_ways(calendar(*events("a@x", "b@x", "c@x", "d@x")), limits)
    assert joins == [None]
    assert halves == whole and not whole.complete and len(whole.events) == 3


def test_halves_that_together_reach_the_feeds_dates_are_read_whole(joins):
    limits = ical.Limits(max_events=10, max_occurrences_per_event=10, max_occurrences=4)
    whole, halves = both_ways(calendar(*events("a@x", "b@x", "c@x", "d@x", "e@x")), limits)
    assert joins == [None]
    assert halves == whole and not whole.complete


def test_a_child_that_fails_leaves_the_feed_to_be_read_whole(joins, monkeypatch, caplog):
    counted = ical.parse_counted

    def failing_in_the_second_half(text, **options):
        if "UID:d@x" in text:
            raise RuntimeError("the child's half")
        return counted(text, **options)

    monkeypatch.setattr(ical, "parse_counted", failing_in_the_second_half)
    with caplog.at_level(logging.WARNING, logger="passculture.services.imports.parallel"):
        whole, halves = both_ways(calendar(*events("a@x", "b@x", "c@x", "d@x")))
    assert joins == []  # nothing to join: the child's half never came back
    assert halves == whole and len(whole.events) == 4
    assert "the second process failed" in caplog.text


def test_a_failure_in_this_processs_half_stops_the_child_and_reads_the_feed_whole(joins, monkeypatch):
    counted = ical.parse_counted
    children: list[int] = []
    fork = os.fork

    def recorded_fork():
        pid = fork()
        if pid:
            children.append(pid)
        return pid

    def failing_in_the_first_half(text, **options):
        if "UID:a@x" in text:
            raise RuntimeError("our half")
        return counted(text, **options)

    monkeypatch.setattr(os, "fork", recorded_fork)
    monkeypatch.setattr(ical, "parse_counted", failing_in_the_first_half)
    whole, halves = both_ways(calendar(*events("a@x", "b@x", "c@x", "d@x")))
    assert halves == whole and len(whole.events) == 4
    assert len(children) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(children[0], 0)  # already reaped: no process left behind


def test_without_a_second_process_the_feed_is_read_whole(joins, monkeypatch, caplog):
    def no_fork():
        raise OSError("no more processes")

    pipes: list[tuple[int, int]] = []
    closed: list[int] = []
    pipe, close = os.pipe, os.close

    def recorded_pipe():
        pipes.append(pipe())
        return pipes[-1]

    def recorded_close(fd):
        closed.append(fd)
        close(fd)

    monkeypatch.setattr(os, "fork", no_fork)
    monkeypatch.setattr(os, "pipe", recorded_pipe)
    monkeypatch.setattr(os, "close", recorded_close)
    with caplog.at_level(logging.WARNING, logger="passculture.services.imports.parallel"):
        whole, halves = both_ways(calendar(*events("a@x", "b@x", "c@x", "d@x")))
    assert halves == whole and len(whole.events) == 4
    assert "fork failed" in caplog.text
    assert set(pipes[0]) <= set(closed)  # the pipe made for the child is closed again


def test_one_process_or_a_small_feed_never_forks(monkeypatch):
    def no_fork():
        raise AssertionError("forked")

    monkeypatch.setattr(os, "fork", no_fork)
    body = calendar(*events("a@x", "b@x", "c@x", "d@x"))
    whole = ical.parse_feed(body, now=NOW, limits=LIMITS)
    assert parallel.parse_feed(body, now=NOW, limits=LIMITS, processes=1) == whole
    assert len(body) < parallel.PARALLEL_MIN_CHARS
    assert parallel.parse_feed(body, now=NOW, limits=LIMITS, processes=2) == whole


# -- the cut ---------------------------------------------------------------------------


def test_each_half_keeps_the_calendars_zone_and_its_vtimezones():
    zone = "BEGIN:VTIMEZONE\r\nTZID:Custom\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\n"
    zone += "DTSTART:19700101T000000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
    body = calendar(*events("a@x", "b@x", "c@x", "d@x"), header="X-WR-TIMEZONE:America/Cayenne\r\n" + zone)
    halves = parallel.split_calendar(body.decode())
    assert (halves.first_vevents, halves.second_vevents) == (2, 2)
    for half in (halves.first, halves.second):
        assert half.startswith("BEGIN:VCALENDAR\r\n") and half.endswith("END:VCALENDAR\r\n")
        assert "X-WR-TIMEZONE:America/Cayenne" in half and zone in half
    assert "UID:a@x" in halves.first and "UID:d@x" in halves.second and "UID:d@x" not in halves.first


def test_a_uid_of_an_alarm_inside_an_event_does_not_tie_events_together():
    alarm = "BEGIN:VALARM\r\nUID:c@x\r\nACTION:DISPLAY\r\nTRIGGER:-PT1H\r\nEND:VALARM"
    first, *rest = events("a@x", "b@x", "c@x", "d@x")
    halves = parallel.split_calendar(calendar(f"{first}\r\n{alarm}", *rest).decode())
    assert (halves.first_vevents, halves.second_vevents) == (2, 2)


@pytest.mark.parametrize(
    "body",
    [
        calendar(*events("a@x", "b@x")) + calendar(*events("c@x", "d@x")),  # two calendars
        calendar(*events("a@x", "b@x"))[: -len(b"END:VCALENDAR\r\n")],  # never ends
        calendar(*events("a@x", "b@x")).replace(b"END:VEVENT\r\n", b"END:VTODO\r\n", 1),  # closes another
        calendar(*events("a@x", "b@x")).replace(b"END:VEVENT\r\n", b"END:VEVENT\r\n X\r\n", 1),  # folds an END
        calendar(*events("a@x")),  # one event
        b"VERSION:2.0\r\n",  # not a calendar
    ],
    ids=["two-calendars", "never-ends", "mismatched-end", "folded-end", "one-event", "not-a-calendar"],
)
def test_a_feed_the_splitter_does_not_follow_is_not_cut(body):
    assert parallel.split_calendar(body.decode()) is None


# -- how many processes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "lambda_memory", "cpus", "processes"),
    [
        ("1", "10240", {0, 1}, 1),
        ("2", "512", {0}, 2),
        ("auto", "512", {0, 1}, 1),  # a fraction of a vCPU, whatever the CPUs visible
        ("auto", "3538", {0, 1}, 2),  # two vCPUs
        ("auto", None, {0}, 1),
        ("auto", None, {0, 1, 2, 3}, 2),
    ],
)
def test_two_processes_where_the_function_has_two_cpus(monkeypatch, setting, lambda_memory, cpus, processes):
    from passculture.config import get_settings

    monkeypatch.setenv("IMPORT_PARSE_PROCESSES", setting)
    if lambda_memory is None:
        monkeypatch.delenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", raising=False)
    else:
        monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", lambda_memory)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: cpus)
    get_settings.cache_clear()
    try:
        assert parallel.parse_processes() == processes
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_a_date_dropped_by_the_horizon_is_dropped_in_both_halves(joins):
    late = (NOW + timedelta(days=400)).strftime("%Y%m%dT%H%M%SZ")
    body = calendar(*events("a@x", "b@x"), f"UID:c@x\r\nDTSTART:{late}\r\nSUMMARY:Too late", *events("d@x", start=4))
    whole, halves = both_ways(body)
    assert joins[-1] is not None
    assert halves == whole and "c@x" not in {e.uid for e in whole.events} and whole.events_without_dates == 1


# -- an import ------------------------------------------------------------------------


def test_an_import_through_two_processes_writes_what_one_process_writes(aws, joins, monkeypatch):
    from passculture.adapters.feeds import FetchedFeed
    from passculture.config import get_settings
    from passculture.models.offers import Offer
    from passculture.models.stocks import Stock
    from passculture.services.imports import sync
    from tests.factories import make_agenda_link, make_offerer, make_venue

    body = calendar(*events("a@x", "b@x", "c@x", "d@x", "e@x"), "DTSTART:20270401T190000Z\r\nSUMMARY:No UID")
    monkeypatch.setattr(sync, "_fetch", lambda link: FetchedFeed(url="test", body=body, etag=None))
    imported = {}
    for processes in ("1", "2"):
        monkeypatch.setenv("IMPORT_PARSE_PROCESSES", processes)
        get_settings.cache_clear()
        venue = make_venue(make_offerer(status="validated"))
        link = make_agenda_link(venue, f"https://agenda.example/{processes}.ics", status="syncing")
        outcome = sync.import_link(link, now=NOW)
        offers = sorted(o.external_id for o in Offer.provider_index.query(link.id))
        stocks = sorted(s.begins_at for o in Offer.provider_index.query(link.id) for s in Stock.query(o.id))
        imported[processes] = (outcome.status, outcome.report["created"], outcome.report["rejected"], offers, stocks)
    monkeypatch.undo()  # the environment as it was, before the settings are read again
    get_settings.cache_clear()
    assert [j is not None for j in joins] == [True]  # the second import was read by two processes, and joined
    assert imported["2"] == imported["1"]
    assert imported["1"][:2] == ("ok", 5) and imported["1"][3] == ["a@x", "b@x", "c@x", "d@x", "e@x"]

"""The hourly pull: the schedule lists the due links (a Query) and starts one import per link."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import timedelta

import pytest

from bench.counting import count_dynamodb_calls
from infra.catalog import load_handler
from infra.events import schedule_event
from infra.import_now import Progress, table
from passculture.models.agenda_links import AgendaLink
from passculture.models.base import utcnow
from tests.factories import make_offerer, make_venue
from tests.imports_support import Event, allow_local_feeds, days_ahead, ics
from tests.unit.test_import_sync import new_link


@pytest.fixture
def served(httpserver, monkeypatch):
    allow_local_feeds(monkeypatch)
    httpserver.expect_request("/good.ics").respond_with_data(ics(Event("a@x", starts=[days_ahead(4)])))
    httpserver.expect_request("/bad.ics").respond_with_data("nope", status=500)
    return lambda path: f"http://127.0.0.1:{httpserver.port}{path}"


def test_the_schedule_starts_one_import_per_due_link_and_a_failing_feed_blocks_none(jobs, served):
    venue = make_venue(make_offerer())
    bad, good = new_link(venue, served("/bad.ics")), new_link(venue, served("/good.ics"))
    recent = new_link(venue, served("/good.ics") + "?recent", last_sync_key=utcnow().isoformat())
    with count_dynamodb_calls() as calls:
        load_handler("openagenda")(schedule_event(), None)
    assert calls["Scan"] == 0 and calls["Query"] >= 1
    started = sorted(event["args"]["link_id"] for function, event in jobs.pending)
    assert started == sorted([bad.id, good.id]), "one job per due link; the recent one waits"
    assert all(f == "openagenda" and e["job"] == "agenda-import" for f, e in jobs.pending)
    jobs.run()
    for link in (bad, good, recent):
        link.refresh()
    assert (bad.status, good.status, recent.status) == ("error", "ok", "ok")
    assert good.last_report["created"] == 1 and recent.last_sync_at is None


def test_a_schedule_that_runs_out_of_time_hands_its_rest_on_from_its_cursor(jobs, served, monkeypatch):
    import passculture.config
    from passculture.services.imports import links

    settings = replace(passculture.config.get_settings(), job_max_pages=1)
    monkeypatch.setattr(passculture.config, "get_settings", lambda: settings)
    monkeypatch.setattr(links, "SCHEDULE_PAGE_SIZE", 2)
    venue = make_venue(make_offerer())
    made = [new_link(venue, served("/good.ics") + f"?{n}") for n in range(5)]
    load_handler("openagenda")(schedule_event(), None)
    first = [e for _, e in jobs.pending]
    assert [e["job"] for e in first] == ["agenda-import", "agenda-import", "agenda-schedule"]
    assert first[2]["cursor"] is not None and first[2]["attempt"] == 2
    jobs.run()
    imports = [e["args"]["link_id"] for _, e in jobs.invocations if e["job"] == "agenda-import"]
    assert sorted(imports) == sorted(link.id for link in made), "every link once"
    assert all(AgendaLink.get(venue.id, link.id).status == "ok" for link in made)


def test_a_link_synced_more_than_an_hour_ago_is_due_again(jobs, served):
    venue = make_venue(make_offerer())
    link = new_link(venue, served("/good.ics"), last_sync_key=(utcnow() - timedelta(minutes=61)).isoformat())
    load_handler("openagenda")(schedule_event(), None)
    assert [e["args"]["link_id"] for _, e in jobs.pending] == [link.id]


# -- make import's output ------------------------------------------------------------


def messages():
    yield {"kind": "links", "count": 1}
    yield {"kind": "link", "n": 1, "id": "l1", "name": "https://agenda.example.org/a.ics"}
    for done in range(1, 41):
        yield {"kind": "event", "n": 1, "stage": "event", "done": done, "total": 40}
    yield {
        "kind": "outcome",
        "n": 1,
        "id": "l1",
        "name": "https://agenda.example.org/a.ics",
        "status": "ok",
        "error": None,
        "seconds": 1.5,
        "report": {"created": 40, "updated": 0, "removed": 0, "unchanged": 0, "occurrences": 41, "rejected": []},
    }


def test_make_imports_progress_is_plain_lines_off_a_terminal():
    out = io.StringIO()
    progress = Progress(out, tty=False)
    for message in messages():
        progress.on(message)
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert lines[0] == "1 active agenda links"
    assert lines[-1] == "[1/1] https://agenda.example.org/a.ics: ok (1.5 s)"
    assert sum("reading events" in line for line in lines) == 11, "one line per tenth of the events"


def test_make_imports_progress_rewrites_one_line_on_a_terminal():
    out = io.StringIO()
    progress = Progress(out, tty=True)
    for message in messages():
        progress.on(message)
    assert out.getvalue().count("\r") == 42 and "[########################] 40/40" in out.getvalue()


def test_make_imports_summary_is_a_table_of_each_link():
    outcome = list(messages())[-1]
    failed = {**outcome, "name": "openagenda 1", "status": "error", "report": None, "error": "HTTP 500", "seconds": 0.2}
    lines = table([outcome, failed]).splitlines()
    assert lines[0].split() == ["link", "status", "created", "updated", "removed", "unchanged", "rejected", "seconds"]
    assert lines[2].split() == ["https://agenda.example.org/a.ics", "ok", "40", "0", "0", "0", "0", "1.50"]
    assert lines[3].split() == ["openagenda", "1", "error", "0.20"]
    assert json.dumps(outcome)

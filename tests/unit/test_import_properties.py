"""Properties of the whole import (parse, map, upsert on moto): it never raises, and a second sync changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.counting import count_dynamodb_calls
from passculture.adapters.feeds import FetchedFeed
from passculture.models.base import new_id, utcnow
from passculture.services.imports import sync
from passculture.services.imports.links import claim
from tests.factories import make_agenda_link, make_offerer, make_venue
from tests.imports_support import days_ahead

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
line_text = text.map(lambda t: t.replace("\r", " ").replace("\n", "\\n"))


@st.composite
def vevent(draw):
    start = days_ahead(draw(st.integers(-30, 900)), hour=draw(st.integers(0, 23)))
    lines = [
        "BEGIN:VEVENT",
        f"UID:{draw(st.sampled_from(['a@x', 'b@x', 'c@x', '']))}",
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
    ]
    if draw(st.booleans()):
        lines.append(f"DTEND:{start + timedelta(minutes=draw(st.integers(-60, 5000))):%Y%m%dT%H%M%SZ}")
    lines.append(f"SUMMARY:{draw(line_text)}")
    if draw(st.booleans()):
        lines.append(f"DESCRIPTION:{draw(line_text)}")
    if draw(st.booleans()):
        lines.append(
            f"CATEGORIES:{draw(st.sampled_from(['Concert', 'Presse', 'Cinéma', 'Exposition']))},{draw(line_text)}"
        )
    if draw(st.booleans()):
        lines.append(
            f"RRULE:FREQ={draw(st.sampled_from(['DAILY', 'WEEKLY', 'SECONDLY']))};COUNT={draw(st.integers(1, 30))}"
        )
    if draw(st.booleans()):
        lines.append(draw(line_text))  # a line that may be anything
    lines.append("END:VEVENT")
    return lines


@st.composite
def feeds(draw):
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=300))
    events = draw(st.lists(vevent(), max_size=6))
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", *[line for event in events for line in event], "END:VCALENDAR"]
    return ("\r\n".join(body) + "\r\n").encode("utf-8", "surrogatepass")


@pytest.fixture
def venue(aws):
    return make_venue(make_offerer(status="validated"))


def imported(link, body):
    link.refresh(consistent_read=True)
    assert claim(link, utcnow())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sync, "_fetch", lambda link: FetchedFeed(url="test", body=body, etag=new_id()))
        with count_dynamodb_calls() as calls:
            outcome = sync.import_link(link)
    return outcome, calls


@SETTINGS
@given(body=feeds())
def test_the_import_never_raises_and_a_second_sync_changes_nothing(venue, body):
    link = make_agenda_link(venue)
    first, _ = imported(link, body)
    assert first.status in ("ok", "error")
    second, calls = imported(link, body)
    assert second.status == first.status
    written = {table for (op, table), n in calls.tables.items() if op in WRITES}
    assert written <= {"passculture-test-agenda_links"}, dict(calls.tables)
    if second.status == "ok":
        report = second.report
        assert (report["created"], report["updated"], report["removed"]) == (0, 0, 0)
        assert report["unchanged"] == first.report["created"] + first.report["updated"] + first.report["unchanged"]

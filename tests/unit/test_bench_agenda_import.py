"""The agenda import bench measures what it says: the store's time apart from ours, a re-sync writing nothing."""

from __future__ import annotations

import io
import logging

from bench.agenda_import import print_agenda_import, run_agenda_import


def test_the_import_splits_into_ours_and_the_stores_and_a_resync_writes_nothing():
    quiet = logging.getLogger("passculture")
    level = quiet.level
    try:
        figures = run_agenda_import(events=40)  # its own in-process moto
    finally:
        quiet.setLevel(level)  # the bench quietens the package's logs; later tests read them
    assert figures["offers"] > 0 and figures["stocks"] >= figures["offers"]
    assert 0 < figures["store_s"] < figures["import_s"]
    # Rounded to the hundredth each: ours and the store's make the whole import.
    assert abs(figures["ours_s"] + figures["store_s"] - figures["import_s"]) <= 0.02
    assert 0 <= figures["gc_ours_s"] <= figures["gc_s"]
    assert figures["import_calls"]["BatchWriteItem"] >= 1 and "Scan" not in figures["import_calls"]
    assert figures["resync_write_calls"] == 0 and figures["resync_unchanged"] == figures["offers"]
    # The same import against moto's server in a child process: everything written there too.
    twin = figures["twin"]
    assert twin["created"] == figures["offers"] and twin["calls"] == figures["import_calls"]
    assert twin["import_cpu_s"] > 0 and twin["import_wall_s"] > 0 and twin["import_to_icalendar"] > 0
    # And against the modelled store (its own process, DynamoDB-like latency): the same import, the same calls.
    modelled = figures["modelled"]
    assert modelled["created"] == figures["offers"] and modelled["calls"] == figures["import_calls"]
    assert modelled["import_wall_s"] > 0 and modelled["import_to_icalendar"] > 0
    out = io.StringIO()
    print_agenda_import(figures, out)
    assert "ratio ours / icalendar" in out.getvalue() and "store: botocore + moto" in out.getvalue()
    assert "ratio import / icalendar, wall" in out.getvalue() and "on a modelled store" in out.getvalue()


def test_an_agenda_of_1500_events_is_imported_in_fewer_than_0_1_calls_per_vevent():
    quiet = logging.getLogger("passculture")
    level = quiet.level
    try:
        figures = run_agenda_import(events=1500, twin=False, modelled=False)
    finally:
        quiet.setLevel(level)
    calls = figures["import_calls"]
    assert figures["calls_per_vevent"] < 0.1, calls  # issue 11's goal: batched writes
    # Writes are batches of 25 (BatchWriteItem), never one call per item; the link's own status is the one update.
    assert calls.get("PutItem", 0) == 0 and calls.get("UpdateItem", 0) == 1 and "TransactWriteItems" not in calls
    assert calls["BatchWriteItem"] >= (figures["offers"] + figures["stocks"]) / 25
    assert figures["resync_write_calls"] == 0

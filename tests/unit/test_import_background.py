"""An import's writes on their background threads: a failed batch halfway leaves no offer without its dates,
the next import completes the rest, and the writers keep the caller's deadline; the collector is restored."""

from __future__ import annotations

import gc
import json

import pytest
from botocore.client import BaseClient

from passculture import transport
from passculture.models.offers import Offer
from passculture.models.stocks import Stock
from passculture.services.imports.background import BatchWriter, collector_held
from tests.imports_support import Event, days_ahead, ics
from tests.unit.test_import_sync import feed, new_link, sync, venue  # noqa: F401 (fixtures)

EVENTS = [Event(f"event-{n}@agenda", starts=[days_ahead(3 + n % 20)]) for n in range(60)]
UIDS = sorted(e.uid for e in EVENTS)  # the import's order: groups of 25 events by UID


def stored(link):
    offers = list(Offer.provider_index.query(link.id))
    return offers, {o.id: list(Stock.offer_index.query(o.id)) for o in offers}


def test_a_batch_failing_halfway_fails_the_import_leaves_no_offer_without_its_date_and_the_next_completes(
    feed,  # noqa: F811
    venue,  # noqa: F811
    monkeypatch,
):
    feed.serve(ics(*EVENTS))
    link = new_link(venue, feed.url)
    original = BaseClient._make_api_call
    batches = []

    def second_groups_stocks_fail(client, operation, params):
        if operation == "BatchWriteItem":
            batches.append(operation)
            if f"{UIDS[30]}|" in json.dumps(params):  # the second group's stocks: its offers must not go in
                raise RuntimeError("the store failed")
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", second_groups_stocks_fail)
    outcome = sync(link)
    assert (outcome.status, link.status) == ("error", "error")
    assert "our side" in link.last_error
    offers, stocks = stored(link)
    # Groups of 25 events, each written by one thread (its stocks, then its offers), several at once: the first
    # and maybe the third (in flight beside the second) are in; the second's offers are not, its stocks failed.
    assert {o.external_id for o in offers} & set(UIDS[25:50]) == set()
    assert len(offers) in (25, 35) and set(UIDS[:25]) <= {o.external_id for o in offers}
    assert all(len(dates) == 1 for dates in stocks.values()), "no offer without its date"
    assert len(batches) <= 5, "no group started after the failure"

    offers_before = offers
    monkeypatch.setattr(BaseClient, "_make_api_call", original)
    outcome = sync(link)
    assert (outcome.status, link.status) == ("ok", "ok")
    offers, stocks = stored(link)
    assert len(offers) == 60 and all(len(dates) == 1 for dates in stocks.values())
    assert link.last_report["created"] + link.last_report["unchanged"] == 60
    assert link.last_report["unchanged"] == len(offers_before)


def test_the_writer_thread_keeps_the_callers_deadline_and_raises_its_failure_at_the_wait():
    seen = []

    def write(group):
        seen.append((group, transport.remaining()))
        if group == "second":
            raise ValueError("second failed")

    writer = BatchWriter(write, threads=1)  # one thread: the groups in order, so "nothing after" is exact
    with transport.deadline(30):
        writer.hand_over("first")
        writer.hand_over("second")
        writer.hand_over("third")
        with pytest.raises(ValueError, match="second failed"):
            writer.wait()
    writer.close()
    assert [group for group, _ in seen] == ["first", "second"], "nothing written after a failure"
    assert all(left is not None and 0 < left <= 30 for _, left in seen)


def test_the_collector_is_given_back_as_it_was_even_when_the_import_raises():
    thresholds = gc.get_threshold()

    def failing_import():
        with collector_held():
            with collector_held():
                assert gc.get_threshold()[0] >= 50_000 and gc.get_freeze_count() > 0
            assert gc.get_threshold()[0] >= 50_000, "still held by the outer import"
            raise RuntimeError("the import failed")

    with pytest.raises(RuntimeError, match="the import failed"):
        failing_import()
    assert gc.get_threshold() == thresholds and gc.get_freeze_count() == 0


def test_several_writers_write_groups_side_by_side_and_start_none_after_a_failure():
    import threading

    started, release, seen = threading.Barrier(3, timeout=10), threading.Event(), []

    def write(group):
        seen.append(group)
        if group in ("a", "b", "c"):
            started.wait()  # three groups in flight at once, or this times out
        if group == "b":
            raise ValueError("b failed")
        release.wait(timeout=10)

    writer = BatchWriter(write, threads=3)
    with transport.deadline(30):
        for group in ("a", "b", "c"):
            writer.hand_over(group)
        release.set()
        with pytest.raises(ValueError, match="b failed"):
            writer.wait()
        writer.hand_over("d")  # after the failure: taken, not written
        writer.wait()
    writer.close()
    assert sorted(seen) == ["a", "b", "c"]

"""An import's writes on their background thread: a failed batch halfway leaves no offer without its dates,
the next import completes the rest, and the writer keeps the caller's deadline; the collector is restored."""

from __future__ import annotations

import gc

import pytest
from botocore.client import BaseClient

from passculture import transport
from passculture.models.offers import Offer
from passculture.models.stocks import Stock
from passculture.services.imports.background import BatchWriter, collector_held
from tests.imports_support import Event, days_ahead, ics
from tests.unit.test_import_sync import feed, new_link, sync, venue  # noqa: F401 (fixtures)

EVENTS = [Event(f"event-{n}@agenda", starts=[days_ahead(3 + n % 20)]) for n in range(60)]


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

    def third_batch_fails(client, operation, params):
        if operation == "BatchWriteItem":
            batches.append(operation)
            if len(batches) == 3:  # the second group's stocks: its 25 offers must not be written either
                raise RuntimeError("the store failed")
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", third_batch_fails)
    outcome = sync(link)
    assert (outcome.status, link.status) == ("error", "error")
    assert "our side" in link.last_error
    offers, stocks = stored(link)
    assert len(offers) == 25, "the first group only: stocks then offers, nothing after the failure"
    assert all(len(dates) == 1 for dates in stocks.values())
    assert len(batches) == 3, "no batch after the failed one"

    monkeypatch.setattr(BaseClient, "_make_api_call", original)
    outcome = sync(link)
    assert (outcome.status, link.status) == ("ok", "ok")
    offers, stocks = stored(link)
    assert len(offers) == 60 and all(len(dates) == 1 for dates in stocks.values())
    assert link.last_report["created"] == 35 and link.last_report["unchanged"] == 25


def test_the_writer_thread_keeps_the_callers_deadline_and_raises_its_failure_at_the_wait():
    seen = []

    def write(group):
        seen.append((group, transport.remaining()))
        if group == "second":
            raise ValueError("second failed")

    writer = BatchWriter(write)
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

"""How the offers routes talk to DynamoDB: dates in batches, lists by Query on an index, never a Scan.

Counts, not timings (those are in ``bench/``): ten dates must not be ten round trips.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager

import pytest
from botocore.client import BaseClient

from tests.api.offers_support import build_scene, later, offers_api
from tests.factories import make_offer


@pytest.fixture
def api(aws):
    yield from offers_api()


@pytest.fixture
def scene(aws):
    return build_scene()


@contextmanager
def dynamodb_calls(monkeypatch):
    calls: Counter = Counter()
    original = BaseClient._make_api_call

    def counting(self, operation_name, params):
        if self.meta.service_model.service_name == "dynamodb":
            calls[operation_name] += 1
        return original(self, operation_name, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counting)  # undone by monkeypatch after the test
    yield calls


def test_ten_dates_are_one_transaction(api, scene, monkeypatch):
    offer = make_offer(scene.venue, status="draft")
    dates = [{"beginsAt": later(20 + n), "priceCents": 500, "quantity": 30} for n in range(10)]
    with dynamodb_calls(monkeypatch) as calls:
        answer = api.post(f"/offers/{offer.id}/stocks", as_=scene.admin, json={"stocks": dates})
    assert answer.status == 201
    assert calls["TransactWriteItems"] == 1
    assert calls["PutItem"] == 0 and calls["BatchWriteItem"] == 0 and calls["Scan"] == 0
    # user, offer, membership, venue (copied on the stocks), structure; the offer's stocks; its new status
    assert calls == {"GetItem": 5, "Query": 1, "TransactWriteItems": 1, "UpdateItem": 1}


def test_a_structures_offers_are_one_query_on_its_index(api, scene, monkeypatch):
    for _ in range(3):
        make_offer(scene.venue)
    with dynamodb_calls(monkeypatch) as calls:
        answer = api.get(f"/offers?siren={scene.offerer.siren}", as_=scene.admin)
    assert answer.status == 200 and len(answer.body["items"]) == 3
    assert calls == {"BatchGetItem": 1, "Query": 1}  # the user and the membership in one batch; the siren index

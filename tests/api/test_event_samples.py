"""Every function's Lambda handler answers the sample events in ``events/``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.catalog import FUNCTIONS, HTTP_FUNCTIONS, event_kinds, load_app, load_handler

EVENTS = Path(__file__).resolve().parents[2] / "events"


def samples():
    for name in FUNCTIONS:
        for kind in event_kinds(name):
            yield name, kind


@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_catalog_says_which_functions_serve_http(name):
    assert bool(load_app(name).routes) == (name in HTTP_FUNCTIONS)
    assert load_handler(name).event_kinds == event_kinds(name)


@pytest.mark.parametrize("name", sorted(set(FUNCTIONS) - set(HTTP_FUNCTIONS)))
def test_a_function_without_routes_answers_an_http_event_with_the_contracts_404(aws, name):
    event = json.loads((EVENTS / "accounts.http.json").read_text())
    result = load_handler(name)(event, None)
    assert result["statusCode"] == 404
    assert set(json.loads(result["body"])) == {"errors"}


@pytest.mark.parametrize(("name", "kind"), list(samples()))
def test_handler_answers_its_sample_event(aws, name, kind):
    path = EVENTS / f"{name}.{kind}.json"
    assert path.exists(), f"missing sample event {path.name}"
    result = load_handler(name)(json.loads(path.read_text()), None)
    if kind == "http":
        assert isinstance(result["statusCode"], int)
        assert result["statusCode"] < 500
        body = json.loads(result["body"]) if result["body"] else {}
        if result["statusCode"] >= 400:
            assert set(body) == {"errors"}
    elif kind == "dynamodb":
        assert result["batchItemFailures"] == []
    else:
        assert isinstance(result, dict)


def test_every_sample_belongs_to_a_function():
    known = {f"{name}.{kind}.json" for name, kind in samples()}
    assert {p.name for p in EVENTS.glob("*.json")} <= known

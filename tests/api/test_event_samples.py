"""Every function's Lambda handler answers the sample events in ``events/``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.catalog import EVENT_SOURCES, FUNCTIONS, load_handler

EVENTS = Path(__file__).resolve().parents[2] / "events"


def samples():
    for name in FUNCTIONS:
        kinds = [s["kind"] for s in EVENT_SOURCES.get(name, ())]
        if name != "notify":
            kinds.insert(0, "http")
        for kind in kinds:
            yield name, kind


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

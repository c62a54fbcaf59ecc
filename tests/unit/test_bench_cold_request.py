"""The cold-request bench sends each function the event API Gateway (or the stream) would, afresh each run."""

from __future__ import annotations

import json
from pathlib import Path

from bench.cold_request import Probe, _fresh_event, http_event, not_in_the_layer

ROOT = Path(__file__).resolve().parents[2]


def test_a_route_with_a_parameter_gets_the_event_api_gateway_sends():
    event = http_event("GET", "/offers/abc-123/public", {"Authorization": "Bearer x"}, "radiusKm=5")
    assert (event["resource"], event["path"], event["httpMethod"]) == (
        "/offers/{id}/public",
        "/offers/abc-123/public",
        "GET",
    )
    assert event["pathParameters"] == {"id": "abc-123"}
    assert event["queryStringParameters"] == {"radiusKm": "5"}
    assert event["headers"]["Authorization"] == "Bearer x"
    assert event["requestContext"]["httpMethod"] == "GET"


def test_a_stream_record_gets_a_new_id_each_run_so_the_replay_guard_does_not_skip_it():
    sample = json.loads((ROOT / "events" / "notify.dynamodb.json").read_text())
    probe = Probe("notify", "stream", sample)
    first, second = _fresh_event(probe), _fresh_event(probe)
    ids = {sample["Records"][0]["eventID"], first["Records"][0]["eventID"], second["Records"][0]["eventID"]}
    assert len(ids) == 3
    assert first["Records"][0]["dynamodb"] == sample["Records"][0]["dynamodb"]


def test_the_child_lacks_what_only_development_installs_and_keeps_what_the_layer_ships():
    absent = set(not_in_the_layer())
    assert {"moto", "cryptography", "pytest"} <= absent  # cryptography: PyJWT would load it if present
    assert not absent & {"chalice", "pynamodb", "botocore", "boto3", "pydantic", "pydantic_core", "jwt", "argon2"}
    assert not absent & {"requests", "urllib3", "PIL", "icalendar", "dateutil"}

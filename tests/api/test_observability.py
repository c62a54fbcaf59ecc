"""What an on-call engineer reads: one JSON log line per request and per event, EMF metrics, nothing secret in clear."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from chalice.test import Client

from infra.catalog import load_app
from passculture.adapters import logs, metrics
from passculture.models.base import utcnow
from passculture.web.entry import make_handler
from tests.factories import (
    auth,
    bearer,
    make_api_key,
    make_booking,
    make_offer,
    make_offerer,
    make_stock,
    make_team_user,
    make_user,
    make_venue,
    make_young,
)


def request_lines(caplog):
    return [r.fields for r in caplog.records if r.name == "passculture.events" and "status" in r.fields]


def emf(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]


# -- the request line ------------------------------------------------------------


def test_each_request_has_one_line_with_route_status_latency_and_caller(aws, caplog):
    caplog.set_level(logging.INFO)
    user, team = make_user(), make_team_user()
    with Client(load_app("accounts")) as client:
        client.http.get("/users/current", headers=auth(user))
        client.http.get("/users/current", headers=auth(team))
        client.http.get("/users/current")
    first, second, anonymous = request_lines(caplog)
    assert {k: first[k] for k in ("function", "route", "method", "status", "caller")} == {
        "function": "accounts",
        "route": "/users/current",
        "method": "GET",
        "status": 200,
        "caller": "user",
    }
    assert isinstance(first["latencyMs"], float) and first["latencyMs"] >= 0 and first["requestId"]
    assert (second["caller"], second["status"]) == ("team", 200)
    assert (anonymous["caller"], anonymous["status"]) == ("anonymous", 401)


def test_a_countermark_call_logs_its_route_template_and_caller_kind_never_the_code(aws, caplog, capsys):
    caplog.set_level(logging.INFO)
    offerer = make_offerer()
    venue = make_venue(offerer)
    offer = make_offer(venue)
    stock = make_stock(offer, begins_at=utcnow() + timedelta(hours=24))
    booking = make_booking(stock, offer, venue, make_young())
    key, _ = make_api_key(offerer)
    with Client(load_app("countermarks")) as client:
        assert client.http.get(f"/v2/bookings/token/{booking.token}", headers=bearer(key)).status_code == 200
    (line,) = request_lines(caplog)
    assert (line["route"], line["caller"], line["status"]) == ("/v2/bookings/token/{token}", "api_key", 200)
    formatter = logs.JsonFormatter()
    written = "\n".join(formatter.format(record) for record in caplog.records)
    assert booking.token not in written and key not in written
    checks = [p for p in emf(capsys) if "CountermarkChecks" in p]
    assert [(p["CountermarkChecks"], p["caller"]) for p in checks] == [(1, "api_key")]


def test_routes_count_requests_4xx_and_5xx_per_route_in_one_line_per_request(aws, capsys):
    with Client(load_app("accounts")) as client:
        client.http.get("/users/current")  # 401
    points = [p for p in emf(capsys) if "HttpRequests" in p]
    assert [(p["route"], p["HttpRequests"], p["Http4xx"], p["Http5xx"]) for p in points] == [
        ("GET /users/current", 1, 1, 0)
    ]
    (definition,) = points[0]["_aws"]["CloudWatchMetrics"]
    assert definition["Dimensions"] == [["stage"], ["stage", "function"], ["stage", "function", "route"]]


def test_an_unknown_resource_counts_as_unrouted_not_as_its_path(aws, capsys, caplog):
    caplog.set_level(logging.INFO)
    app = load_app("accounts")
    event = {
        "resource": "/nowhere/{x}",
        "path": "/nowhere/1",
        "httpMethod": "GET",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"x": "1"},
        "stageVariables": None,
        "requestContext": {"resourcePath": "/nowhere/{x}", "httpMethod": "GET", "requestId": "r-1", "path": "/x"},
        "body": None,
        "isBase64Encoded": False,
    }
    assert make_handler(app)(event, None)["statusCode"] == 404
    (line,) = request_lines(caplog)
    assert (line["route"], line["status"]) == ("-", 404)
    assert [p["route"] for p in emf(capsys) if "HttpRequests" in p] == ["unrouted"]


# -- the event line ----------------------------------------------------------------


class Context:
    aws_request_id = "req-42"

    def get_remaining_time_in_millis(self):
        return 30_000


def event_lines(caplog):
    return [r for r in caplog.records if r.name == "passculture.events" and "kind" in r.fields]


def test_each_event_has_one_line_with_kind_records_outcome_and_latency(caplog):
    caplog.set_level(logging.INFO)
    app = load_app("territories")
    handler = make_handler(
        app,
        dynamodb=lambda event, context: {"batchItemFailures": [{"itemIdentifier": "2"}]},
        schedule=lambda event, context: {"due": 0},
    )
    handler({"Records": [{"eventSource": "aws:dynamodb"}] * 3}, Context())
    handler({"source": "aws.events", "detail-type": "Scheduled Event"}, Context())
    stream, schedule = (r.fields for r in event_lines(caplog))
    assert {k: stream[k] for k in ("function", "kind", "records", "outcome", "failedRecords")} == {
        "function": "territories",
        "kind": "dynamodb",
        "records": 3,
        "outcome": "partial",
        "failedRecords": 1,
    }
    assert (schedule["kind"], schedule["records"], schedule["outcome"]) == ("schedule", 1, "ok")
    assert schedule["latencyMs"] >= 0
    line = json.loads(logs.JsonFormatter().format(event_lines(caplog)[0]))
    assert line["requestId"] == "req-42" and line["kind"] == "dynamodb"


def test_a_failing_event_is_logged_failed_and_still_raised_for_lambda_to_retry(caplog):
    caplog.set_level(logging.INFO)

    def broken(event, context):
        raise RuntimeError("agenda down")

    handler = make_handler(load_app("territories"), job=broken)
    with pytest.raises(RuntimeError):
        handler({"job": "refresh", "args": {}, "attempt": 2}, Context())
    (record,) = event_lines(caplog)
    assert record.levelno == logging.ERROR
    assert (record.fields["outcome"], record.fields["job"], record.fields["attempt"]) == ("failed", "refresh", 2)


# -- JSON lines and masking ------------------------------------------------------------


def test_a_line_is_one_json_object_with_lambda_s_field_names_and_its_fields():
    record = logging.LogRecord("passculture.events", logging.INFO, __file__, 1, "GET /x 200", None, None)
    record.fields = {"status": 200, "route": "/x"}
    line = logs.JsonFormatter().format(record)
    assert "\n" not in line
    document = json.loads(line)
    assert (document["level"], document["logger"], document["message"]) == ("INFO", "passculture.events", "GET /x 200")
    assert (document["status"], document["route"]) == (200, "/x")
    assert document["timestamp"].endswith("+00:00")


@pytest.mark.parametrize(
    ("text", "hidden", "kept"),
    [
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl", "eyJzdWIiOiJ1MSJ9", "Bearer ***"),
        ("key pck_0a1b2c3d_Zm9vYmFyYmF6cXV4c2VjcmV0", "Zm9vYmFyYmF6", "pck_0a1b2c3d_***"),
        ('{"email": "x@y.fr", "password": "Quai-des-arts-2026"}', "Quai-des-arts", '"password": "***'),
        ("could not send to lea.martin@theatre-du-quai.test", "lea.martin", "l***@theatre-du-quai.test"),
        ("the booking email of booking:ABC234 failed", "ABC234", "booking:AB****"),
        ("GET /v2/bookings/token/XYZ789 token=XYZ789", "XYZ789", "/token/XY****"),
        ("Authorization: Basic bGVhQGV4YW1wbGUub3JnOnNlY3JldA==", "bGVhQGV4", "Basic ***"),
    ],
)
def test_secrets_and_personal_data_are_masked_in_messages(text, hidden, kept):
    masked = logs.mask(text)
    assert hidden not in masked and kept in masked


def test_fields_and_tracebacks_are_masked_too():
    try:
        raise ValueError("refused camille@example.org")
    except ValueError:
        import sys

        record = logging.LogRecord("passculture", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    record.fields = {"to": ["camille@example.org"]}
    line = logs.JsonFormatter().format(record)
    assert "camille@" not in line and "c***@example.org" in line


# -- metrics batches -------------------------------------------------------------------


def test_points_of_one_invocation_are_summed_into_one_line_per_dimension_set(capsys):
    with metrics.batch():
        metrics.count("BookingsMade", category="CINEMA")
        metrics.count("BookingsMade", category="CINEMA")
        metrics.count("BookingsMade", category="LIVE_SHOW")
        assert emf(capsys) == []  # nothing written before the end
    lines = emf(capsys)
    assert sorted((p["category"], p["BookingsMade"]) for p in lines) == [("CINEMA", 2), ("LIVE_SHOW", 1)]


def test_an_import_run_follows_the_metric_contract(capsys):
    metrics.import_run(ok=True, consecutive_failures=0, imported=12, rejected=1)
    metrics.import_run(ok=False, consecutive_failures=2)
    metrics.import_run(ok=False, consecutive_failures=3)
    ok, second, third = emf(capsys)
    assert (ok["outcome"], ok["EventsImported"], ok["EventsRejected"]) == ("ok", 12, 1)
    assert "ImportLinkFailedThrice" not in second and second["outcome"] == "failed"
    assert third["ImportLinkFailedThrice"] == 1


def test_every_metric_the_code_counts_is_named_and_documented():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    source = (root / "layers" / "core" / "python" / "passculture").rglob("*.py")
    used = set()
    for path in source:
        used |= set(re.findall(r"metrics\.count\(\s*\"(\w+)\"", path.read_text()))
    used |= {"HttpRequests", "Http4xx", "Http5xx", "ImportRuns", "ImportLinkFailedThrice"}
    assert used <= set(metrics.NAMES), sorted(used - set(metrics.NAMES))
    readme = (root / "README.md").read_text()
    assert [name for name in metrics.NAMES if f"`{name}`" not in readme] == []

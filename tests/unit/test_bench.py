"""The bench's DynamoDB-call counting, run on its operations so it cannot rot (structure counts, no timings)."""

from __future__ import annotations

from collections import Counter

import pytest

# Imported at collection, before any test creates a botocore client: that is when the hook is installed.
from bench import counting
from bench.api import Api
from bench.counting import count_dynamodb_calls
from bench.dynamo import measure
from bench.imports import heaviest_imports, parse_importtime
from bench.registry import Request, discover
from tests.factories import make_user

OPERATIONS = discover()


def table(short: str) -> str:
    from passculture.config import get_settings

    return get_settings().table_name(short)


def operation(name: str):
    return next(op for op in OPERATIONS if op.name == name)


@pytest.fixture
def api(aws):
    return Api()


def test_the_current_user_costs_one_get_item_one_query_and_no_scan(api):
    result = measure(operation("GET /users/current"), api)
    assert (result.function, result.route, result.status) == ("accounts", "/users/current", 200)
    assert result.calls == {"GetItem": 1, "Query": 1}
    assert result.calls.tables == {("GetItem", table("users")): 1, ("Query", table("memberships")): 1}
    assert result.scans == 0


def test_an_anonymous_caller_is_refused_before_any_read(api):
    result = measure(operation("GET /users/current anonymous"), api)
    assert result.status == 401
    assert result.calls.total() == 0
    assert result.first_calls.total() == 0


def test_the_openapi_document_reads_no_table(api):
    result = measure(operation("GET /openapi.json"), api)
    assert result.status == 200
    assert result.calls.total() == 0


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: f"{op.area}: {op.name}")
def test_every_registered_operation_answers_as_declared_without_scan(api, op):
    result = measure(op, api)
    assert result.error is None
    assert result.status == op.expect_status
    assert result.scans == 0, f"{op.name} scans: {dict(result.calls)}"
    if op.expect_calls is not None:
        assert +result.calls == +Counter(op.expect_calls)
    if op.expect_round_trips is not None:
        assert result.round_trips == op.expect_round_trips, f"{op.name}: {dict(result.calls.threads)}"


def test_a_booking_is_two_round_trips_and_three_calls(api):
    result = measure(operation("POST /bookings (event, national credit)"), api)
    assert result.status == 201
    assert result.calls == {"BatchGetItem": 1, "Query": 1, "TransactWriteItems": 1}
    assert result.calls.tables[("BatchGetItem", table("users"))] == 1  # the user, the stock, the structure
    assert result.calls.tables[("BatchGetItem", table("stocks"))] == 1
    assert result.calls.tables[("BatchGetItem", table("offerers"))] == 1
    assert counting.count_round_trips(result.calls) == 2


def test_round_trips_are_the_calls_one_thread_makes_in_turn(aws):
    import threading

    from passculture.models.users import User

    user = make_user()
    with count_dynamodb_calls() as calls:
        beside = threading.Thread(target=lambda: User.get(user.id))
        beside.start()
        User.get(user.id)
        User.get(user.id)
        beside.join()
    assert calls == {"GetItem": 3}
    assert counting.count_round_trips(calls) == 2
    with count_dynamodb_calls() as none:
        pass
    assert counting.count_round_trips(none) == 0


def test_a_scan_is_counted(aws):
    from passculture.models.users import User

    make_user()
    with count_dynamodb_calls() as calls:
        list(User.scan(limit=1))
    assert calls == {"Scan": 1}


def test_counts_belong_to_their_block_and_each_call_counts_once(aws):
    from passculture.adapters.aws import client

    with count_dynamodb_calls() as outer:
        client("dynamodb").list_tables()
        with count_dynamodb_calls() as inner:
            make_user()
    assert inner == {"TransactWriteItems": 1}
    assert inner.tables == {("TransactWriteItems", table("users")): 1, ("TransactWriteItems", table("uniques")): 1}
    assert outer == {"ListTables": 1, "TransactWriteItems": 1}


def test_a_pynamodb_client_made_before_the_hook_is_adopted(aws):
    from passculture.models.users import User

    user = make_user()
    events = User._get_connection().connection.client.meta.events
    # As if the client had been created before bench.counting was imported.
    events.unregister(counting._EVENT, counting._on_call)
    events.unregister(counting._EVENT, unique_id=counting._UNIQUE_ID)
    with count_dynamodb_calls() as calls:
        User.get(user.id)
    assert calls == {"GetItem": 1}


def test_an_unknown_route_is_reported_not_measured(api):
    with pytest.raises(LookupError):
        api.route(Request("GET", "/no/such/route"))


def test_importtime_report_names_who_imported_what():
    report = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:       500 |        500 |     pydantic_core",
            "import time:       300 |        800 |   pydantic",
            "import time:       100 |       1000 | passculture.schemas.base",
            "import time:      2000 |       2000 |   chalice",
            "import time:        50 |       3000 | functions.offers.routes",
        ]
    )
    nodes = parse_importtime(report)
    assert {n.module: n.imported_by for n in nodes} == {
        "pydantic_core": "pydantic",
        "pydantic": "passculture.schemas.base",
        "passculture.schemas.base": None,
        "chalice": "functions.offers.routes",
        "functions.offers.routes": None,
    }
    assert [n.module for n in heaviest_imports(nodes)] == ["chalice", "pydantic"]


def test_the_import_probe_runs_a_fresh_process():
    from bench.imports import measure_imports

    timings = measure_imports(["bench.bare_app", "functions.accounts.app"], repeat=1)
    assert [len(t.samples_ms) for t in timings.values()] == [1, 1]
    with pytest.raises(RuntimeError, match="no_such_module"):
        measure_imports(["no_such_module"], repeat=1)


def test_validating_a_structure_or_deleting_a_stock_reads_none_of_its_offers_or_bookings(api):
    validation = measure(operation("PATCH /admin/offerers/{siren} 20 offers"), api)
    assert not {name for _, name in validation.calls.tables} & {table("offers"), table("stocks")}
    deletion = measure(operation("DELETE /stocks/{id} 20 bookings"), api)
    assert table("bookings") not in {name for _, name in deletion.calls.tables}
    # Their work is a job each request started (twice: the warm-up run, then the measured one).
    assert [event["job"] for _, event in api.jobs.invocations] == ["offerer-offers"] * 2 + ["stock-bookings"] * 2


def test_an_agenda_link_route_reads_no_feed_and_writes_no_imported_data_its_import_being_a_job(api):
    created = measure(operation("POST /venues/{id}/providers"), api)
    synced = measure(operation("POST /venues/{id}/providers/{providerId}/sync"), api)
    measure(operation("POST /venues/{id}/providers/{providerId}/sync while syncing"), api)
    for figure in (created, synced):
        written = {name for (op, name) in figure.calls.tables if op != "GetItem" and op != "Query"}
        assert not written & {table("offers"), table("stocks"), table("bookings")}
    # One import each (warm-up and measured run); none for a link already syncing.
    assert [event["job"] for _, event in api.jobs.invocations] == ["agenda-import"] * 4

"""The local runner delivers stream, S3 and scheduled events with production's timeouts and retries.

The numbers are infra.catalog's, which serverless.yml is generated from.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

import infra.catalog
from infra.catalog import ASYNC_DELIVERY, STREAM_DELIVERY
from infra.invocation import AsyncInvoker, FailureQueue, InvocationTimeout, invoke, retry_delay
from infra.local import Scheduler, StreamFeeder
from infra.local_s3 import S3Feeder

STREAM_ARN = "arn:aws:dynamodb:eu-west-3:123456789012:table/passculture-test-bookings/stream/2026-03-01T00:00:00.000"


class Clock:
    """Stands for the runner's stop event: records each wait instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        return False

    def is_set(self) -> bool:
        return False


def records(*sequences: str, age: timedelta = timedelta(0)) -> list[dict]:
    created = datetime.now(UTC) - age
    return [
        {
            "eventID": f"e{s}",
            "eventName": "INSERT",
            "dynamodb": {"SequenceNumber": s, "ApproximateCreationDateTime": created, "Keys": {"id": {"S": s}}},
        }
        for s in sequences
    ]


def queued(queue: FailureQueue) -> list[dict]:
    from passculture.adapters.aws import client

    answer = client("sqs").receive_message(QueueUrl=queue.url, MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in answer.get("Messages", [])]


def sequences_of(event: dict) -> list[str]:
    return [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]


# -- one invocation ----------------------------------------------------------------


def test_an_invocation_gets_the_function_s_timeout_as_its_deadline():
    seen = {}

    def handler(event, context):
        seen["remaining"] = context.get_remaining_time_in_millis()
        return "done"

    assert invoke(handler, {}, "openagenda") == "done"
    assert 299_000 < seen["remaining"] <= 300_000
    invoke(handler, {}, "offers")
    assert 27_000 < seen["remaining"] <= 28_000


def test_an_invocation_that_overruns_its_timeout_fails():
    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(InvocationTimeout, match=r"timed out after 0\.20 seconds"):
        invoke(lambda event, context: release.wait(10), {}, "notify", timeout=0.2)
    assert time.monotonic() - started < 5
    release.set()


def test_retries_wait_longer_each_time():
    assert [retry_delay(n, 1) for n in (1, 2, 3)] == [1, 2, 4]


# -- DynamoDB stream ----------------------------------------------------------------


def feeder(handler, failures=None, clock=None) -> StreamFeeder:
    stream = StreamFeeder("passculture-test-bookings", handler, "notify", clock or Clock(), failures=failures)
    stream.stream_arn = STREAM_ARN
    return stream


def test_a_batch_is_retried_from_its_first_failed_record_until_it_passes():
    calls = []

    def handler(event, context):
        calls.append(sequences_of(event))
        if len(calls) <= 2:  # fails twice on record 2 (and so reports 2 and 3)
            return {"batchItemFailures": [{"itemIdentifier": "2"}, {"itemIdentifier": "3"}]}
        return {"batchItemFailures": []}

    clock = Clock()
    assert feeder(handler, clock=clock).deliver(records("1", "2", "3"), "shard-1") is True
    assert calls == [["1", "2", "3"], ["2", "3"], ["2", "3"]]
    assert clock.waits == [1, 2]


def test_a_batch_that_keeps_failing_gets_production_s_retries_then_goes_to_the_failure_queue(aws):
    calls = []

    def handler(event, context):
        calls.append(sequences_of(event))
        raise RuntimeError("SES is down")

    queue = FailureQueue("notify", "bookings").setup()
    clock = Clock()
    assert feeder(handler, queue, clock).deliver(records("7", "8"), "shard-1") is False

    assert len(calls) == 1 + STREAM_DELIVERY["maximumRetryAttempts"]
    assert calls == [["7", "8"]] * len(calls)
    assert clock.waits == [retry_delay(n, 1) for n in range(1, len(calls))]
    (parked,) = queued(queue)
    assert queue.name == "passculture-pro-test-notify-bookings-failures"
    assert parked["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert parked["requestContext"]["approximateInvokeCount"] == len(calls)
    assert parked["requestContext"]["functionArn"].endswith(":function:passculture-pro-test-notify")
    info = parked["DDBStreamBatchInfo"]
    assert (info["shardId"], info["startSequenceNumber"], info["endSequenceNumber"]) == ("shard-1", "7", "8")
    assert (info["batchSize"], info["streamArn"]) == (2, STREAM_ARN)


def test_a_handler_that_hangs_is_cut_at_the_timeout_and_its_batch_retried(monkeypatch):
    monkeypatch.setitem(infra.catalog.TIMEOUTS, "notify", 0.2)
    release = threading.Event()
    calls = []

    def handler(event, context):
        calls.append(sequences_of(event))
        if len(calls) == 1:
            release.wait(10)  # past the deadline: counted as failed
        return {"batchItemFailures": []}

    assert feeder(handler).deliver(records("4", "5"), "shard-1") is True
    assert calls == [["4", "5"], ["4", "5"]]
    release.set()


def test_records_older_than_the_maximum_age_are_not_retried(aws):
    queue = FailureQueue("notify", "bookings").setup()
    calls = []

    def handler(event, context):
        calls.append(1)
        return {"batchItemFailures": [{"itemIdentifier": "9"}]}

    age = timedelta(seconds=STREAM_DELIVERY["maximumRecordAgeInSeconds"] + 60)
    assert feeder(handler, queue).deliver(records("9", age=age), "shard-1") is False
    assert calls == [1]
    assert queued(queue)[0]["requestContext"]["condition"] == "RecordAgeExceeded"


# -- asynchronous invocations: schedules and S3 ---------------------------------------


def test_a_scheduled_run_that_fails_is_retried_twice_then_parked_with_its_event(aws):
    queue = FailureQueue("openagenda").setup()
    calls = []

    def handler(event, context):
        calls.append(event)
        raise RuntimeError("agenda unreachable")

    clock = Clock()
    assert AsyncInvoker(handler, "openagenda", clock, queue)({"source": "aws.events", "id": "run-1"}) is False
    assert len(calls) == 1 + ASYNC_DELIVERY["maximumRetryAttempts"] == 3
    assert clock.waits == [1, 2]
    (parked,) = queued(queue)
    assert parked["requestPayload"] == {"source": "aws.events", "id": "run-1"}
    assert parked["requestContext"]["condition"] == "RetriesExhausted"
    assert parked["requestContext"]["approximateInvokeCount"] == 3
    assert parked["responsePayload"] == {"errorMessage": "agenda unreachable", "errorType": "RuntimeError"}


def test_a_scheduled_run_that_fails_once_passes_on_its_retry(aws):
    outcomes = iter([RuntimeError("once"), None])

    def handler(event, context):
        error = next(outcomes)
        if error:
            raise error

    queue = FailureQueue("openagenda").setup()
    assert AsyncInvoker(handler, "openagenda", Clock(), queue)({}) is True
    assert queued(queue) == []


def test_the_scheduler_runs_each_schedule_through_the_retries(aws, monkeypatch):
    queue = FailureQueue("openagenda").setup()
    failing = {
        "openagenda": lambda event, context: 1 / 0,
        "offers": lambda event, context: {"changed": 0},
        "territories": lambda event, context: {"started": 0},
        "notify": lambda event, context: {"resent": 0},  # its schedule retries parked ticket cancellations
    }
    stop = threading.Event()
    scheduler = Scheduler(failing, 0.01, stop, {"openagenda": queue})
    monkeypatch.setenv("LOCAL_RETRY_SECONDS", "0")
    worker = threading.Thread(target=scheduler.loop, daemon=True)
    worker.start()
    deadline = time.monotonic() + 10
    parked = []
    while not parked and time.monotonic() < deadline:
        parked = queued(queue)
    stop.set()
    worker.join(5)
    assert parked and parked[0]["responsePayload"]["errorType"] == "ZeroDivisionError"
    assert scheduler.run("offers") == {"changed": 0}


def s3_feeder(handler, failures=None) -> S3Feeder:
    from passculture.config import get_settings

    feeder = S3Feeder(
        get_settings().media_bucket, "uploads/", handler, "offers", threading.Event(), 0, failures, retry_seconds=0
    )
    feeder.setup()
    return feeder


def upload(key: str = "uploads/offer-1/u1") -> None:
    from passculture.adapters.aws import client
    from passculture.config import get_settings

    client("s3").put_object(Bucket=get_settings().media_bucket, Key=key, Body=b"12345")


def drain(feeder: S3Feeder, polls: int = 10) -> None:
    for _ in range(polls):
        feeder.poll_once()


def test_an_s3_event_that_fails_twice_is_handled_on_its_third_attempt(aws):
    calls = []

    def handler(event, context):
        calls.append(event["Records"][0]["s3"]["object"]["key"])
        if len(calls) < 3:
            raise RuntimeError("flaky")

    queue = FailureQueue("offers").setup()
    feeder = s3_feeder(handler, queue)
    upload()
    drain(feeder)
    assert len(calls) == 3
    assert queued(queue) == []


def test_an_s3_event_that_always_fails_or_hangs_is_tried_three_times_then_parked_whole(aws, monkeypatch):
    monkeypatch.setitem(infra.catalog.TIMEOUTS, "offers", 0.2)
    release = threading.Event()
    calls = []

    def handler(event, context):
        calls.append(event)
        if len(calls) == 2:
            release.wait(10)  # a hang counts as a failure too
        raise RuntimeError("cannot decode")

    queue = FailureQueue("offers").setup()
    feeder = s3_feeder(handler, queue)
    upload("uploads/offer-2/u2")
    drain(feeder)
    release.set()
    assert len(calls) == 1 + ASYNC_DELIVERY["maximumRetryAttempts"]
    (parked,) = queued(queue)
    assert parked["requestPayload"] == calls[0]
    assert parked["requestPayload"]["Records"][0]["s3"]["object"]["key"].endswith("u2")
    assert parked["requestContext"]["functionArn"].endswith(":function:passculture-pro-test-offers:$LATEST")

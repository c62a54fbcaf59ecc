"""How Lambda runs a function for its event sources, reproduced by the local runner.

The values are those of ``infra.catalog``, which ``serverless.yml`` is generated from:

- an invocation runs in a worker thread with the function's timeout as its
  deadline (``LambdaContext``); one that overruns counts as failed. A thread
  cannot be stopped: it goes on in the background, where Lambda would end the
  sandbox, and whatever it returns is ignored;
- a stream batch is retried from its first failed record (partial batch
  response), or whole after an error or a timeout, up to ``maximumRetryAttempts``
  times while its oldest record is younger than ``maximumRecordAgeInSeconds``
  (splitting a failing batch in two is not reproduced: the handler reports its
  failed records itself);
- an asynchronous invocation (S3, schedule, job) is retried ``maximumRetryAttempts`` times;
  a job event one of our functions sends another (``passculture.adapters.invocations``)
  runs in a background thread of its own (``ThreadInvoker``), as Lambda runs it
  beside the request that started it; tests and the bench run them in their own
  thread instead (``InProcessInvoker``);
- before each retry the runner waits ``LOCAL_RETRY_SECONDS`` (1 s), doubled at
  each retry, where Lambda waits about a minute, then two;
- what still fails is sent to the function's on-failure queue, created on the
  twin under its deployed name, in the shape Lambda sends (``python -m infra.replay``
  reads it).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

logger = logging.getLogger("passculture.local")


class InvocationTimeout(Exception):
    """The function ran past its timeout."""


def invoke(handler: Any, event: dict[str, Any], function: str, timeout: float | None = None) -> Any:
    """``handler(event, context)`` in a worker thread, given the function's timeout; raises what it raised."""
    from infra.catalog import timeout as function_timeout
    from infra.events import LambdaContext

    seconds = function_timeout(function) if timeout is None else timeout
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = handler(event, LambdaContext(function, seconds))
        except BaseException as exc:  # handed to the caller, as Lambda reports an unhandled error
            outcome["error"] = exc

    worker = threading.Thread(target=run, name=f"{function}-invocation", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise InvocationTimeout(f"Task timed out after {seconds:.2f} seconds")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")


def retry_delay(retry: int, base: float | None = None) -> float:
    """Seconds to wait before retry number ``retry`` (1, 2, ...): ``LOCAL_RETRY_SECONDS``, doubled each time."""
    if base is None:
        base = float(os.environ.get("LOCAL_RETRY_SECONDS") or 1)
    return base * 2 ** (retry - 1)


def function_arn(function: str) -> str:
    from infra.catalog import function_name
    from infra.events import ACCOUNT, REGION
    from passculture.config import get_settings

    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name(function, get_settings().stage)}"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _error_payload(error: BaseException | None) -> dict[str, Any] | None:
    if error is None:
        return None
    if isinstance(error, InvocationTimeout):
        return {"errorMessage": str(error)}
    return {"errorMessage": str(error), "errorType": type(error).__name__}


def async_failure_record(
    function: str, event: dict[str, Any], error: BaseException | None, attempts: int
) -> dict[str, Any]:
    """What Lambda sends to an asynchronous invocation's on-failure destination: the whole event."""
    return {
        "version": "1.0",
        "timestamp": _now(),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"{function_arn(function)}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": _error_payload(error),
    }


def stream_failure_record(
    function: str,
    records: list[dict[str, Any]],
    stream_arn: str,
    shard_id: str,
    attempts: int,
    condition: str = "RetryAttemptsExhausted",
    error: BaseException | None = None,
) -> dict[str, Any]:
    """What Lambda sends to a stream's on-failure destination: where the batch is in the stream, not its records."""

    def arrival(record: dict[str, Any]) -> str:
        created = record["dynamodb"].get("ApproximateCreationDateTime")
        if isinstance(created, int | float):
            created = datetime.fromtimestamp(created, UTC)
        return created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if created else ""

    context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if error is not None:
        context["functionError"] = "Unhandled"
    return {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn(function),
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "responseContext": context,
        "version": "1.0",
        "timestamp": _now(),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
            "approximateArrivalOfFirstRecord": arrival(records[0]),
            "approximateArrivalOfLastRecord": arrival(records[-1]),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }


class FailureQueue:
    """A function's on-failure destination on the twin, under the queue name it has when deployed."""

    def __init__(self, function: str, table: str | None = None) -> None:
        self.function = function
        self.table = table
        self.url = ""

    @property
    def name(self) -> str:
        from infra.catalog import failure_queue_name
        from passculture.config import get_settings

        return failure_queue_name(self.function, get_settings().stage, self.table)

    def setup(self) -> FailureQueue:
        from passculture.adapters.aws import client

        self.url = client("sqs").create_queue(QueueName=self.name)["QueueUrl"]
        return self

    def send(self, record: dict[str, Any]) -> None:
        from passculture.adapters.aws import client

        if not self.url:
            self.setup()
        client("sqs").send_message(QueueUrl=self.url, MessageBody=json.dumps(record, default=str))
        logger.error("the %s function gave up on an event: it is in the queue %s", self.function, self.name)


class AsyncInvoker:
    """An asynchronous invocation (a schedule's), with Lambda's retries and on-failure destination."""

    def __init__(
        self,
        handler: Any,
        function: str,
        stop: threading.Event,
        failures: FailureQueue | None = None,
        retry_seconds: float | None = None,
    ) -> None:
        self.handler = handler
        self.function = function
        self.stop = stop
        self.failures = failures
        self.retry_seconds = retry_seconds

    def __call__(self, event: dict[str, Any]) -> bool:
        """True when an attempt succeeded; False when every attempt failed (the event is then in the queue)."""
        from infra.catalog import ASYNC_DELIVERY

        attempts = 1 + ASYNC_DELIVERY["maximumRetryAttempts"]
        error: BaseException | None = None
        for attempt in range(1, attempts + 1):
            if attempt > 1 and self.stop.wait(retry_delay(attempt - 1, self.retry_seconds)):
                return False  # the runner is stopping; Lambda would go on, the twin's data is gone anyway
            try:
                invoke(self.handler, event, self.function)
                return True
            except Exception as exc:
                error = exc
                logger.exception("the %s function failed (attempt %d of %d)", self.function, attempt, attempts)
        if self.failures is not None:
            self.failures.send(async_failure_record(self.function, event, error, attempts))
        return False


class ThreadInvoker:
    """The local runner's asynchronous invoke: each event runs in a thread of its own, as an ``AsyncInvoker`` runs it.

    Installed with ``passculture.adapters.invocations.install``; ``function`` is
    the short name (``offers``), as our code names it.
    """

    def __init__(
        self, handlers: dict[str, Any], stop: threading.Event, failures: dict[str, FailureQueue] | None = None
    ) -> None:
        self.handlers = handlers
        self.stop = stop
        self.failures = failures or {}

    def __call__(self, function: str, event: dict[str, Any]) -> None:
        invoker = AsyncInvoker(self.handlers[function], function, self.stop, self.failures.get(function))
        # The payload crosses Lambda as JSON: what cannot be sent fails here, in the caller, as it would there.
        payload = json.loads(json.dumps(event))
        threading.Thread(target=invoker, args=(payload,), name=f"{function}-async", daemon=True).start()


class InProcessInvoker:
    """Runs asynchronous invocations in this process, one after the other, for tests and the bench.

    Immediate (the default): the first invocation runs at once, and those it
    starts run after it, before the call that started it returns (no recursion:
    a chain of a thousand invocations is a loop). Deferred: invocations wait in
    ``pending`` until ``run()``. Every invocation is kept in ``invocations``.
    An invocation that raises stops the run and raises to its caller.
    """

    def __init__(self, deferred: bool = False, timeout: float | None = None) -> None:
        self.deferred = deferred
        self.timeout = timeout
        self.pending: list[tuple[str, dict[str, Any]]] = []
        self.invocations: list[tuple[str, dict[str, Any]]] = []
        self.results: list[Any] = []
        self._running = False

    def __call__(self, function: str, event: dict[str, Any]) -> None:
        payload = json.loads(json.dumps(event))
        self.pending.append((function, payload))
        self.invocations.append((function, payload))
        if not self.deferred:
            self.run()

    def run(self) -> int:
        """Runs what is pending, and what that starts, until nothing is; returns how many invocations ran."""
        from infra.catalog import load_handler
        from infra.events import LambdaContext

        if self._running:
            return 0  # the running loop below picks it up
        ran = 0
        self._running = True
        try:
            while self.pending:
                function, event = self.pending.pop(0)
                self.results.append(load_handler(function)(event, LambdaContext(function, self.timeout)))
                ran += 1
        finally:
            self._running = False
        return ran

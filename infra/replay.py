"""Replays the events a function gave up on, from its on-failure queue (README, "Failure modes").

    python -m infra.replay --function offers --stage prod          # the function's failure queues
    python -m infra.replay --queue passculture-pro-prod-offers-failures --stage prod --dry-run
    AWS_ENDPOINT_URL=<the twin> python -m infra.replay --function notify --stage local --here

Each message is what Lambda (or the local runner, on the twin) put there:

- an asynchronous invocation's (the S3 image check, a schedule, a job): the
  whole event, invoked again as it was (a job resumes from its cursor);
- a stream's (notify): where the batch is in the stream, not its records; they
  are read again from the stream, which keeps them 24 hours, and invoked as one batch.

The function is invoked synchronously (``lambda:InvokeFunction``, or with
``--here`` its handler in this process, within its timeout, against
``AWS_ENDPOINT_URL``: the twin). A message is deleted only once its replay
succeeded (no error, no failed record reported); one that fails again goes back
to the queue at once for a later try. The exit status is 1 when any failed.

Rights it needs: ``sqs:GetQueueUrl``, ``sqs:ReceiveMessage``, ``sqs:DeleteMessage``,
``sqs:ChangeMessageVisibility`` on the queue; ``lambda:InvokeFunction`` on the
function; ``dynamodb:GetShardIterator`` and ``dynamodb:GetRecords`` on the stream.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

# (worked, what the function answered or why it failed)
Invoker = Callable[[str, dict[str, Any]], tuple[bool, Any]]


@dataclass
class Outcome:
    function: str
    what: str
    replayed: bool
    detail: Any = None


def queues_of(function: str, stage: str) -> list[str]:
    """The failure queues a function has when deployed: its asynchronous one, one per stream it reads."""
    from infra.catalog import EVENT_SOURCES, failure_queue_name, invoked_asynchronously

    names = [failure_queue_name(function, stage)] if invoked_asynchronously(function) else []
    tables = [s["table"] for s in EVENT_SOURCES.get(function, ()) if s["kind"] == "dynamodb"]
    return names + [failure_queue_name(function, stage, table) for table in tables]


def function_of(record: dict[str, Any], stage: str) -> str:
    """The function a failure record is about, from its ARN (``...:function:passculture-pro-<stage>-<name>``)."""
    from infra.catalog import function_name

    deployed = record["requestContext"]["functionArn"].split(":")[6]
    prefix = function_name("", stage)
    if not deployed.startswith(prefix):
        raise ValueError(f"{deployed} is not a function of the stage {stage}")
    return deployed.removeprefix(prefix)


def _failed_records(answer: Any) -> list[Any]:
    return (answer.get("batchItemFailures") or []) if isinstance(answer, dict) else []


def lambda_invoker(stage: str) -> Invoker:
    """Invokes the deployed function and waits for its answer (no retry: a replay is not repeated behind your back)."""
    import boto3
    from botocore.config import Config

    from infra.catalog import function_name, timeout
    from passculture.config import get_settings

    def invoke(function: str, event: dict[str, Any]) -> tuple[bool, Any]:
        config = Config(read_timeout=timeout(function) + 10, retries={"total_max_attempts": 1})
        client = boto3.session.Session().client("lambda", region_name=get_settings().region, config=config)
        answer = client.invoke(
            FunctionName=function_name(function, stage),
            InvocationType="RequestResponse",
            Payload=json.dumps(event, default=str).encode(),
        )
        payload = answer["Payload"].read().decode() or "null"
        try:
            result = json.loads(payload)
        except ValueError:
            result = payload
        if answer.get("FunctionError"):
            return False, result
        failed = _failed_records(result)
        return not failed, result if not failed else f"{len(failed)} records failed again"

    return invoke


def here_invoker() -> Invoker:
    """Runs the function's handler in this process, as the local runner does (its timeout included).

    A replayed job hands its rest on to invocations that run here too, after it,
    each within its own timeout; if one of them fails, the message stays in the
    queue (replaying it again redoes pages, which is harmless).
    """
    from infra.catalog import load_handler
    from infra.invocation import InProcessInvoker, invoke
    from passculture.adapters.invocations import install

    following = InProcessInvoker(deferred=True)
    install(following)

    def run(function: str, event: dict[str, Any]) -> tuple[bool, Any]:
        try:
            result = invoke(load_handler(function), event, function)
            while following.pending:
                handed, rest = following.pending.pop(0)
                result = invoke(load_handler(handed), rest, handed)
        except Exception as exc:
            following.pending.clear()
            return False, f"{type(exc).__name__}: {exc}"
        failed = _failed_records(result)
        return not failed, result if not failed else f"{len(failed)} records failed again"

    return run


def stream_batch(info: dict[str, Any]) -> list[dict[str, Any]]:
    """The records a stream failure record points at, read again from the stream."""
    from passculture.adapters.aws import client

    streams = client("dynamodbstreams")
    iterator = streams.get_shard_iterator(
        StreamArn=info["streamArn"],
        ShardId=info["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=info["startSequenceNumber"],
    )["ShardIterator"]
    end, wanted = int(info["endSequenceNumber"]), int(info["batchSize"])
    records: list[dict[str, Any]] = []
    empty_pages = 0
    while iterator and len(records) < wanted and empty_pages < 5:
        answer = streams.get_records(ShardIterator=iterator, Limit=min(1000, wanted - len(records)))
        page = [r for r in answer.get("Records", []) if int(r["dynamodb"]["SequenceNumber"]) <= end]
        records += page
        if len(page) < len(answer.get("Records", [])):
            break  # past the end of the batch
        empty_pages = 0 if page else empty_pages + 1
        iterator = answer.get("NextShardIterator")
    return records


def describe(body: dict[str, Any]) -> str:
    """One line on what a failure record holds and why Lambda gave up."""
    context = body.get("requestContext") or {}
    why = f"{context.get('condition')} after {context.get('approximateInvokeCount')} attempts"
    if "DDBStreamBatchInfo" in body:
        info = body["DDBStreamBatchInfo"]
        return f"{info['batchSize']} stream records from {info['startSequenceNumber']} ({why})"
    event = body.get("requestPayload") or {}
    records = event.get("Records") or []
    if records and "s3" in records[0]:
        return "S3 " + ", ".join(r["s3"]["object"]["key"] for r in records) + f" ({why})"
    if event.get("source") == "aws.events":
        return f"schedule of {event.get('time')} ({why})"
    if isinstance(event.get("job"), str):
        where = "from its cursor" if event.get("cursor") is not None else "from the start"
        return f"job {event['job']} {json.dumps(event.get('args'))} {where}, invocation {event.get('attempt')} ({why})"
    return f"event {json.dumps(event)[:80]} ({why})"


def replay_message(body: dict[str, Any], stage: str, invoke: Invoker) -> Outcome:
    from botocore.exceptions import ClientError

    from infra.events import stream_event

    function, what = function_of(body, stage), describe(body)
    if "DDBStreamBatchInfo" in body:
        info = body["DDBStreamBatchInfo"]
        try:
            records = stream_batch(info)
        except ClientError as exc:
            return Outcome(function, what, False, f"the stream no longer has them (it keeps 24 h): {exc}")
        if not records:
            return Outcome(function, what, False, "the stream no longer has them (it keeps 24 h)")
        event = stream_event(records, info["streamArn"])
    else:
        event = body["requestPayload"]
    replayed, detail = invoke(function, event)
    return Outcome(function, what, replayed, detail)


def messages(queue_url: str, limit: int | None) -> Iterator[dict[str, Any]]:
    """Each message of the queue once (those put back during this run are not read again)."""
    from passculture.adapters.aws import client

    sqs, seen = client("sqs"), set()
    while limit is None or len(seen) < limit:
        answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        received = answer.get("Messages", [])
        fresh = [m for m in received if m["MessageId"] not in seen][: None if limit is None else limit - len(seen)]
        for again in [m for m in received if m not in fresh]:  # back in the queue as they were
            sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=again["ReceiptHandle"], VisibilityTimeout=0)
        if not fresh:
            return
        for message in fresh:
            seen.add(message["MessageId"])
            yield message


def replay_queue(
    queue: str, stage: str, invoke: Invoker, limit: int | None = None, dry_run: bool = False
) -> list[Outcome]:
    """Replays the queue's messages; deletes each one that replayed, puts the others back at once."""
    from passculture.adapters.aws import client

    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    outcomes = []
    for message in messages(url, limit):
        body = json.loads(message["Body"])
        if dry_run:
            outcome = Outcome(function_of(body, stage), describe(body), False, "dry run")
        else:
            try:
                outcome = replay_message(body, stage, invoke)
            except Exception as exc:  # one bad message does not stop the others
                outcome = Outcome("?", message["MessageId"], False, f"{type(exc).__name__}: {exc}")
        if outcome.replayed:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        else:
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
        outcomes.append(outcome)
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.replay", description=__doc__.split("\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--queue", action="append", help="a failure queue's name (repeatable)")
    target.add_argument("--function", help="all the failure queues of this function")
    parser.add_argument("--stage", required=True, help="the stage the queues and functions belong to")
    parser.add_argument("--limit", type=int, help="replay at most this many messages per queue")
    parser.add_argument("--dry-run", action="store_true", help="list the messages, replay and delete nothing")
    parser.add_argument("--here", action="store_true", help="run the handler in this process (the local twin)")
    args = parser.parse_args(argv)
    os.environ.setdefault("STAGE", args.stage)  # the handlers' settings, with --here
    if args.here and os.environ.get("AWS_ENDPOINT_URL"):
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")  # the twin takes any credentials
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    invoke = here_invoker() if args.here else lambda_invoker(args.stage)
    any_failed = False
    for queue in args.queue or queues_of(args.function, args.stage):
        outcomes = replay_queue(queue, args.stage, invoke, args.limit, args.dry_run)
        for o in outcomes:
            if args.dry_run:
                print(f"listed   {o.function}: {o.what}", flush=True)
            else:
                print(f"{'replayed' if o.replayed else 'FAILED':<9}{o.function}: {o.what}", flush=True)
                if not o.replayed:
                    print(f"         {o.detail}", flush=True)
        failed = 0 if args.dry_run else sum(not o.replayed for o in outcomes)
        any_failed = any_failed or failed > 0
        print(f"{queue}: {len(outcomes)} messages, {failed} failed", flush=True)
    return 1 if any_failed else 0


if __name__ == "__main__":
    sys.exit(main())

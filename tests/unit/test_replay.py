"""``python -m infra.replay``: what a function gave up on is invoked again from its failure queue, on moto."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from infra.invocation import FailureQueue, async_failure_record, stream_failure_record
from infra.replay import main, replay_queue


def waiting(queue: FailureQueue) -> list[dict]:
    from passculture.adapters.aws import client

    attributes = client("sqs").get_queue_attributes(QueueUrl=queue.url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
    answer = client("sqs").receive_message(QueueUrl=queue.url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    return [json.loads(m["Body"]) for m in answer.get("Messages", [])]


class ScratchQueue(FailureQueue):
    """A failure queue of its own, for tests on moto's server (which keeps queues for the whole session)."""

    @property
    def name(self) -> str:
        return f"{super().name}-{id(self)}"


SCHEDULE = {"version": "0", "id": "run-1", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}


@pytest.fixture
def parked_schedule(aws):
    queue = FailureQueue("openagenda").setup()
    queue.send(async_failure_record("openagenda", SCHEDULE, RuntimeError("agenda unreachable"), 3))
    return queue


def test_a_parked_scheduled_run_is_run_again_and_leaves_the_queue(parked_schedule, capsys):
    assert main(["--function", "openagenda", "--stage", "test", "--here"]) == 0
    assert waiting(parked_schedule) == []
    out = capsys.readouterr().out
    assert "replayed openagenda: schedule of None (RetriesExhausted after 3 attempts)" in out
    assert "passculture-pro-test-openagenda-failures: 1 messages, 0 failed" in out


def test_a_replay_that_fails_again_keeps_its_message_for_the_next_try(parked_schedule, monkeypatch, capsys):
    import passculture.services.imports.links

    def still_down(*args, **kwargs):
        raise RuntimeError("still down")

    monkeypatch.setattr(passculture.services.imports.links, "due_page", still_down)
    assert main(["--queue", parked_schedule.name, "--stage", "test", "--here"]) == 1
    (kept,) = waiting(parked_schedule)
    assert kept["requestPayload"] == SCHEDULE
    assert "RuntimeError: still down" in capsys.readouterr().out


def test_a_dry_run_lists_and_changes_nothing(parked_schedule, capsys):
    assert main(["--function", "openagenda", "--stage", "test", "--dry-run"]) == 0
    assert "listed   openagenda: schedule of None" in capsys.readouterr().out
    assert len(waiting(parked_schedule)) == 1


def test_an_s3_event_is_sent_to_the_deployed_function_as_it_was(aws, monkeypatch):
    import moto.core.models

    from passculture.adapters.aws import client

    # moto's Lambda without Docker answers each invocation with its payload.
    monkeypatch.setitem(moto.core.models.default_user_config, "lambda", {"use_docker": False})
    role = client("iam").create_role(RoleName="offers", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def handler(event, context): pass\n")
    client("lambda").create_function(
        FunctionName="passculture-pro-test-offers",
        Runtime="python3.11",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": code.getvalue()},
    )
    event = {"Records": [{"eventSource": "aws:s3", "s3": {"object": {"key": "uploads/offer-1/u1"}}}]}
    queue = FailureQueue("offers").setup()
    queue.send(async_failure_record("offers", event, RuntimeError("cannot decode"), 3))

    from infra.replay import lambda_invoker

    (outcome,) = replay_queue(queue.name, "test", lambda_invoker("test"))
    assert outcome.replayed is True
    assert outcome.function == "offers"
    assert outcome.what.startswith("S3 uploads/offer-1/u1")
    assert outcome.detail == event  # what the function was invoked with
    assert waiting(queue) == []


def test_a_record_of_another_stage_is_refused_and_kept(parked_schedule):
    from infra.replay import here_invoker

    (outcome,) = replay_queue(parked_schedule.name, "prod", here_invoker())
    assert outcome.replayed is False
    assert "is not a function of the stage prod" in outcome.detail
    assert len(waiting(parked_schedule)) == 1


def test_a_parked_stream_batch_is_read_again_from_the_stream_and_its_emails_sent(moto_server):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    from passculture.adapters.aws import client
    from passculture.config import get_settings
    from tests.factories import make_booking, make_offer, make_offerer, make_stock, make_venue, make_young

    table = get_settings().table_name("bookings")
    stream_arn = client("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"]
    streams = client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][-1]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard, ShardIteratorType="LATEST")
    venue = make_venue(make_offerer())
    offer = make_offer(venue, name="Concert au parc")
    young = make_young()
    booking = make_booking(make_stock(offer), offer, venue, young)
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    assert [r["dynamodb"]["Keys"]["token"]["S"] for r in records] == [booking.token]
    queue = ScratchQueue("notify", "bookings").setup()
    queue.send(stream_failure_record("notify", records, stream_arn, shard, 6, error=RuntimeError("SES down")))
    sent = ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-3"].sent_messages
    before = len(sent)

    assert main(["--queue", queue.name, "--stage", "test", "--here"]) == 0

    recipients = {address for message in sent[before:] for address in message.destinations}
    assert young.email in recipients
    assert waiting(queue) == []


def test_a_stream_batch_the_stream_no_longer_holds_stays_in_the_queue(moto_server):
    from infra.replay import here_invoker
    from passculture.adapters.aws import client
    from passculture.config import get_settings

    table = get_settings().table_name("bookings")
    stream_arn = client("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = client("dynamodbstreams").describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][-1]
    gone = [{"dynamodb": {"SequenceNumber": "9" * 21, "ApproximateCreationDateTime": 0}}]
    queue = ScratchQueue("notify", "bookings").setup()
    queue.send(stream_failure_record("notify", gone, stream_arn, shard["ShardId"], 6))

    (outcome,) = replay_queue(queue.name, "test", here_invoker())
    assert outcome.replayed is False
    assert "the stream no longer has them" in outcome.detail
    assert len(waiting(queue)) == 1


def test_a_parked_job_resumes_from_its_cursor_and_runs_to_its_end_here(aws, monkeypatch, capsys):
    from functools import partial

    import passculture.services.catalogue.publication as publication
    from passculture.config import get_settings
    from passculture.models.offers import Offer
    from passculture.services.jobs import Job
    from passculture.services.pagination import key_page
    from tests.factories import make_offer, make_offerer, make_stock, make_venue

    monkeypatch.setattr(publication, "JOB_PAGE_SIZE", 2)
    monkeypatch.setenv("JOB_MAX_PAGES", "1")
    get_settings.cache_clear()
    offerer = make_offerer(status="validated")
    venue = make_venue(offerer)
    for _ in range(7):
        make_stock(make_offer(venue, status="pending"))
    # The first invocation did its page and handed on; the second gave up: its event, cursor included, is parked.
    before, cursor = key_page(partial(Offer.siren_index.query, offerer.siren), 2, None)
    parked = Job("offerer-offers", {"siren": offerer.siren}, cursor, 2).event()
    queue = FailureQueue("offers").setup()
    queue.send(async_failure_record("offers", parked, TimeoutError("Task timed out"), 3))
    try:
        assert main(["--function", "offers", "--stage", "test", "--here"]) == 0
    finally:
        get_settings.cache_clear()
    assert "replayed offers: job offerer-offers" in capsys.readouterr().out
    assert waiting(queue) == []
    # From the cursor on, through the invocations it handed on here; the page before it is not redone.
    statuses = {o.id: o.status for o in Offer.siren_index.query(offerer.siren)}
    assert {statuses.pop(o.id) for o in before} == {"pending"}
    assert set(statuses.values()) == {"published"} and len(statuses) == 5

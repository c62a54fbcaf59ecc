"""The notify function, fed by the bookings table's stream: booking and cancellation emails, sent once."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime

import pytest
from chalice.test import Client

from infra.catalog import load_app, load_handler
from infra.events import stream_event
from passculture.models.base import utcnow
from passculture.services.booking.cancellation import cancel_booking
from tests.factories import auth, make_offer, make_offerer, make_stock, make_venue, make_young, publish


class Stream:
    """Stream records of the bookings table as DynamoDB Streams gives them to Lambda.

    In-process moto cannot serve DynamoDB Streams (the e2e test reads the real
    one through the local runner), so each change is recorded by hand from the
    item's images.
    """

    def __init__(self) -> None:
        self.pending: list[dict] = []
        self.images: dict[str, dict] = {}
        self.sequence = 0

    def capture(self, token: str) -> None:
        from passculture.models.bookings import Booking

        new = Booking.get(token, consistent_read=True).serialize()
        old = self.images.get(token)
        self.sequence += 1
        data = {"Keys": {"token": {"S": token}}, "NewImage": new, "SequenceNumber": f"{self.sequence:024d}"}
        if old is not None:
            data["OldImage"] = old
        data["StreamViewType"] = "NEW_AND_OLD_IMAGES"
        self.pending.append({"eventID": uuid.uuid4().hex, "eventName": "MODIFY" if old else "INSERT", "dynamodb": data})
        self.images[token] = new

    def records(self) -> list[dict]:
        out, self.pending = self.pending, []
        return stream_event(out, "arn:aws:dynamodb:eu-west-3:123456789012:table/bookings/stream/1")["Records"]


def notify(records: list[dict]) -> dict:
    return load_handler("notify")({"Records": records}, None)


@pytest.fixture
def client(aws):
    with Client(load_app("bookings")) as c:
        yield c


@pytest.fixture
def booked(client, sent_emails):
    """A booking made through the API, its stream records, and the scene."""
    venue = make_venue(make_offerer(), booking_email="resa@theatre.example")
    offer = make_offer(venue, name="Le Misanthrope")
    # 18:30 UTC is 19:30 in Paris in March (CET).
    stock = make_stock(offer, begins_at=datetime(utcnow().year + 1, 3, 14, 18, 30, tzinfo=UTC))
    publish(offer)
    young = make_young(public_name="Camille", email="camille@example.org")
    stream = Stream()
    answer = client.http.post(
        "/bookings",
        body=json.dumps({"stockId": stock.id}),
        headers={"Content-Type": "application/json", **auth(young)},
    )
    assert answer.status_code == 201
    stream.capture(answer.json_body["token"])
    return {"token": answer.json_body["token"], "records": stream.records(), "stream": stream, "young": young}


def test_a_booking_emails_the_venue_and_the_booker(booked, sent_emails):
    assert notify(booked["records"]) == {"batchItemFailures": []}
    emails = {to[0]: (subject, body) for to, subject, body in sent_emails()}
    assert set(emails) == {"resa@theatre.example", "camille@example.org"}
    _, venue_body = emails["resa@theatre.example"]
    for expected in (booked["token"], "Camille", "camille@example.org", "Le Misanthrope", "14/03/", "19:30 (CET)"):
        assert expected in venue_body
    _, booker_body = emails["camille@example.org"]
    for expected in (booked["token"], "Le Misanthrope", "14/03/", "1 place du Théâtre", "75001 Paris"):
        assert expected in booker_body


def test_a_new_bookings_emails_go_from_the_bookings_copy_of_the_venue_without_reading_it(booked, sent_emails):
    from bench.counting import count_dynamodb_calls

    with count_dynamodb_calls() as calls:
        assert notify(booked["records"]) == {"batchItemFailures": []}
    assert not [table for _, table in calls.tables if table.endswith("venues")]
    emails = {to[0]: body for to, _, body in sent_emails()}
    assert "1 place du Théâtre" in emails["camille@example.org"] and "75001 Paris" in emails["camille@example.org"]
    assert booked["token"] in emails["resa@theatre.example"]


def test_a_booking_without_the_venues_copy_reads_the_venue(booked, sent_emails):
    record = copy.deepcopy(booked["records"][0])
    image = record["dynamodb"]["NewImage"]
    for name in ("venue_booking_email", "venue_postal_code", "venue_city", "venue_is_virtual"):
        image.pop(name)  # a booking made before it copied them
    assert notify([record]) == {"batchItemFailures": []}
    emails = {to[0]: body for to, _, body in sent_emails()}
    assert set(emails) == {"resa@theatre.example", "camille@example.org"}
    assert "75001 Paris" in emails["camille@example.org"]


def test_a_cancellation_goes_to_the_venues_booking_address_of_now(client, booked, sent_emails):
    from passculture.models.bookings import Booking
    from passculture.models.venues import Venue

    notify(booked["records"])
    venue_id = Booking.get(booked["token"]).venue_id
    Venue(venue_id).update(actions=[Venue.booking_email.set("guichet@theatre.example")])  # after the booking
    assert client.http.post(f"/bookings/{booked['token']}/cancel", headers=auth(booked["young"])).status_code == 200
    booked["stream"].capture(booked["token"])
    assert notify(booked["stream"].records()) == {"batchItemFailures": []}
    assert sent_emails()[-1][0] == ["guichet@theatre.example"]


def test_a_redelivered_record_sends_nothing_twice(booked, sent_emails):
    notify(booked["records"])
    notify(copy.deepcopy(booked["records"]))
    assert len(sent_emails()) == 2


def test_a_failed_send_is_reported_with_the_later_records_and_sent_on_retry(booked, sent_emails, monkeypatch):
    from passculture.adapters import email

    other = copy.deepcopy(booked["records"][0])
    other["eventID"], other["dynamodb"]["SequenceNumber"] = "another-event", "999999999999999999999999"
    batch = [*booked["records"], other]
    real = email.send_email

    def flaky(to, subject, body):
        if "camille@example.org" in to:
            raise RuntimeError("SES is down")
        return real(to, subject, body)

    monkeypatch.setattr(email, "send_email", flaky)
    result = notify(batch)
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == [
        batch[0]["dynamodb"]["SequenceNumber"],
        other["dynamodb"]["SequenceNumber"],
    ]
    assert [to for to, _, _ in sent_emails()] == [["resa@theatre.example"]]
    monkeypatch.setattr(email, "send_email", real)
    # Lambda redelivers from the first failure on: the venue is not emailed twice for the same record.
    assert notify(batch) == {"batchItemFailures": []}
    recipients = sorted(to[0] for to, _, _ in sent_emails())
    assert recipients == ["camille@example.org", "camille@example.org", "resa@theatre.example", "resa@theatre.example"]


def test_a_cancellation_by_the_booker_emails_the_venue(client, booked, sent_emails):
    notify(booked["records"])
    answer = client.http.post(f"/bookings/{booked['token']}/cancel", headers=auth(booked["young"]))
    assert answer.status_code == 200
    booked["stream"].capture(booked["token"])
    assert notify(booked["stream"].records()) == {"batchItemFailures": []}
    to, subject, body = sent_emails()[-1]
    assert to == ["resa@theatre.example"] and len(sent_emails()) == 3
    assert booked["token"] in body and "Le Misanthrope" in body and "annulée" in subject


@pytest.mark.parametrize("cancelled_by", ["key:ab12cd34", "user:a-member-of-the-structure", "offerer:a-member"])
def test_a_cancellation_by_the_structure_emails_the_booker(booked, sent_emails, cancelled_by):
    from passculture.models.bookings import Booking

    notify(booked["records"])
    cancel_booking(Booking.get(booked["token"]), cancelled_by)
    booked["stream"].capture(booked["token"])
    notify(booked["stream"].records())
    to, _, body = sent_emails()[-1]
    assert to == ["camille@example.org"] and len(sent_emails()) == 3
    assert booked["token"] in body and "Le Misanthrope" in body and "structure" in body
    assert "recrédité de 10 €" in body


def test_other_changes_send_nothing(booked, sent_emails):
    from passculture.models.bookings import Booking

    notify(booked["records"])
    Booking(booked["token"]).update(actions=[Booking.status.set("used"), Booking.used_at.set(utcnow())])
    booked["stream"].capture(booked["token"])
    notify(booked["stream"].records())
    assert len(sent_emails()) == 2


# -- the claim is a lease; what cannot be sent is parked --------------------------


def claim_of(record, role):
    from passculture.models.uniques import Unique
    from passculture.services.notifications.booking_emails import claim_key

    return Unique.get(claim_key(record, role), consistent_read=True)


def claim_earlier(record, role, token, seconds_ago):
    """A delivery that claimed ``role``'s email ``seconds_ago`` and then died (no send, no mark)."""
    from datetime import timedelta

    from passculture.config import get_settings
    from passculture.services.notifications.booking_emails import _claim, claim_key

    lease = timedelta(seconds=get_settings().notify_lease_seconds)
    return _claim(claim_key(record, role), token, utcnow() - timedelta(seconds=seconds_ago), lease)


def ses_error(code):
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": f"SES says {code}"}}, "SendEmail")


def failing_for(address, error, monkeypatch):
    """SES refuses every email to ``address`` with ``error``; the others go through. Returns the restore."""
    from passculture.adapters import email

    real = email.send_email

    def send(to, subject, body):
        if address in to:
            raise error
        return real(to, subject, body)

    monkeypatch.setattr(email, "send_email", send)
    return lambda: monkeypatch.setattr(email, "send_email", real)


def failed_ids(result):
    return [f["itemIdentifier"] for f in result["batchItemFailures"]]


def ses_message_ids():
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return [m.id for m in ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-3"].sent_messages]


def test_sent_is_recorded_with_ses_s_message_id(booked, sent_emails):
    notify(booked["records"])
    record = booked["records"][0]
    venue, booker = claim_of(record, "venue"), claim_of(record, "booker")
    assert (venue.extra, booker.extra) == ("sent", "sent")
    assert sorted([venue.message_id, booker.message_id]) == sorted(ses_message_ids())
    assert (venue.count, venue.target) == (1, booked["token"])


def test_a_delivery_that_died_after_claiming_is_sent_by_a_redelivery_after_the_lease(booked, sent_emails):
    from passculture.config import get_settings

    record = booked["records"][0]
    claim_earlier(record, "venue", booked["token"], get_settings().notify_lease_seconds + 1)
    assert notify(booked["records"]) == {"batchItemFailures": []}
    assert sorted(to[0] for to, _, _ in sent_emails()) == ["camille@example.org", "resa@theatre.example"]
    assert claim_of(record, "venue").count == 2  # the dead attempt, then this one


def test_a_redelivery_within_another_delivery_s_lease_is_reported_failed_not_skipped(booked, sent_emails):
    from datetime import timedelta

    from passculture.models.uniques import Unique

    record = booked["records"][0]
    claim = claim_earlier(record, "venue", booked["token"], 1)  # a delivery that may still be sending
    assert failed_ids(notify(booked["records"])) == [record["dynamodb"]["SequenceNumber"]]
    # The two emails go side by side: the booker's, which nobody holds, is sent; the venue's waits.
    assert [to[0] for to, _, _ in sent_emails()] == ["camille@example.org"]
    # Lambda delivers the record again later; by then the lease has run out: each email sent once.
    claim.update(actions=[Unique.lease_until.set(utcnow() - timedelta(seconds=1))])
    assert notify(booked["records"]) == {"batchItemFailures": []}
    assert sorted(to[0] for to, _, _ in sent_emails()) == ["camille@example.org", "resa@theatre.example"]


def test_a_redelivery_waits_for_a_lease_that_ends_soon_when_it_has_the_time(booked, sent_emails):
    from types import SimpleNamespace

    from passculture.config import get_settings

    record = booked["records"][0]
    claim_earlier(record, "venue", booked["token"], get_settings().notify_lease_seconds - 0.3)
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: 60_000)
    assert load_handler("notify")({"Records": booked["records"]}, context) == {"batchItemFailures": []}
    assert sorted(to[0] for to, _, _ in sent_emails()) == ["camille@example.org", "resa@theatre.example"]


def test_ses_failing_then_succeeding_sends_each_email_once(booked, sent_emails, monkeypatch):
    record = booked["records"][0]
    restore = failing_for("camille@example.org", ses_error("TooManyRequestsException"), monkeypatch)
    assert failed_ids(notify(booked["records"])) == [record["dynamodb"]["SequenceNumber"]]
    booker = claim_of(record, "booker")
    assert booker.extra == "claimed" and booker.lease_until <= utcnow()  # released: the retry sends at once
    restore()
    assert notify(booked["records"]) == {"batchItemFailures": []}
    assert sorted(to[0] for to, _, _ in sent_emails()) == ["camille@example.org", "resa@theatre.example"]
    assert (claim_of(record, "booker").extra, claim_of(record, "booker").count) == ("sent", 2)


def parked_emails(capsys):
    """The EmailsParked points written on stdout (EMF) since the last call."""
    out = capsys.readouterr().out
    documents = [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]
    return [d for d in documents if "EmailsParked" in d]


def test_an_email_that_keeps_failing_is_parked_whole_and_the_stream_moves_on(booked, sent_emails, monkeypatch, capsys):
    from passculture.config import get_settings
    from passculture.models.failed_mails import FailedMail
    from passculture.services.notifications.booking_emails import claim_key

    record, attempts = booked["records"][0], get_settings().notify_max_attempts
    later = copy.deepcopy(record)  # another booker's booking, behind it in the stream
    later["eventID"], later["dynamodb"]["SequenceNumber"] = "a-later-record", "999999999999999999999999"
    later["dynamodb"]["NewImage"]["user_email"] = {"S": "lou@example.org"}
    batch = [record, later]
    restore = failing_for("camille@example.org", ses_error("TooManyRequestsException"), monkeypatch)
    for _ in range(attempts - 1):
        assert failed_ids(notify(batch)) == [record["dynamodb"]["SequenceNumber"], "999999999999999999999999"]
    capsys.readouterr()
    assert notify(batch) == {"batchItemFailures": []}  # parked: the later record's emails go out
    parked = FailedMail.get(claim_key(record, "booker"))
    assert (parked.status, parked.function, parked.kind, parked.attempts) == ("parked", "notify", "booking", attempts)
    assert (parked.recipients, parked.ref) == (["camille@example.org"], f"booking:{booked['token']}")
    assert booked["token"] in parked.subject and "Le Misanthrope" in parked.body and booked["token"] in parked.body
    assert "TooManyRequestsException" in parked.reason
    assert [(p["EmailsParked"], p["function"], p["stage"]) for p in parked_emails(capsys)] == [(1, "notify", "test")]
    assert claim_of(record, "booker").extra == "parked"
    venue_twice = ["resa@theatre.example", "resa@theatre.example"]
    assert sorted(to[0] for to, _, _ in sent_emails()) == ["lou@example.org", *venue_twice]
    # Delivered again: nothing more is sent, parked or counted.
    assert notify(batch) == {"batchItemFailures": []}
    assert len(sent_emails()) == 3 and parked_emails(capsys) == []

    restore()
    report = load_handler("notify")({"action": "resend-mail"}, None)
    assert claim_key(record, "booker") in report["resent"] and report["failed"] == []
    assert [to for to, _, _ in sent_emails()][-1] == ["camille@example.org"]
    parked.refresh()
    assert (parked.status, parked.parked, parked.attempts) == ("resent", None, attempts + 1)
    assert parked.message_id == ses_message_ids()[-1]
    assert claim_key(record, "booker") not in load_handler("notify")({"action": "resend-mail"}, None)["resent"]
    assert len(sent_emails()) == 4


def test_an_address_ses_refuses_is_parked_at_once(booked, sent_emails, monkeypatch, capsys):
    from passculture.models.failed_mails import FailedMail
    from passculture.services.notifications.booking_emails import claim_key

    record = booked["records"][0]
    failing_for("resa@theatre.example", ses_error("MessageRejected"), monkeypatch)
    assert notify(booked["records"]) == {"batchItemFailures": []}
    parked = FailedMail.get(claim_key(record, "venue"))
    assert (parked.attempts, parked.recipients) == (1, ["resa@theatre.example"])
    assert "MessageRejected" in parked.reason
    assert [to for to, _, _ in sent_emails()] == [["camille@example.org"]]
    assert len(parked_emails(capsys)) == 1


def test_an_email_whose_attempts_all_timed_out_is_parked_without_sending_again(booked, sent_emails, capsys):
    from passculture.config import get_settings
    from passculture.models.failed_mails import FailedMail
    from passculture.services.notifications.booking_emails import claim_key

    record, settings = booked["records"][0], get_settings()
    for attempt in range(settings.notify_max_attempts):  # each delivery died while sending
        claim_earlier(record, "venue", booked["token"], (settings.notify_max_attempts - attempt) * 100)
    assert notify(booked["records"]) == {"batchItemFailures": []}
    parked = FailedMail.get(claim_key(record, "venue"))
    assert "no answer from SES" in parked.reason and parked.attempts == settings.notify_max_attempts + 1
    assert [to for to, _, _ in sent_emails()] == [["camille@example.org"]]
    assert len(parked_emails(capsys)) == 1


def test_the_notify_function_refuses_an_unknown_action(aws):
    with pytest.raises(ValueError, match="resend-mail"):
        load_handler("notify")({"action": "drop-tables"}, None)

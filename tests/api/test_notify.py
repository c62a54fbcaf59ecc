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


def test_a_claim_left_by_a_dead_invocation_is_taken_again_later(booked, sent_emails):
    from datetime import timedelta

    from passculture.models.uniques import Unique
    from passculture.services.notifications.booking_emails import claim_key

    record = booked["records"][0]
    old = utcnow() - timedelta(hours=1)
    Unique(claim_key(record, "venue"), target=booked["token"], created_at=old, extra="claimed").save()
    Unique(claim_key(record, "booker"), target=booked["token"], created_at=utcnow(), extra="claimed").save()
    notify(booked["records"])
    # The stale claim is taken again and sent; the fresh one may still be sending elsewhere.
    assert [to for to, _, _ in sent_emails()] == [["resa@theatre.example"]]

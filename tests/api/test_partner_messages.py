"""Booking notifications to partners: signed BOOK and CANCEL messages sent from the bookings stream.

A fake partner (pytest-httpserver) checks the signature of every message it
receives; the stream records are captured by hand (``test_notify.Stream``), as
in-process moto serves no stream.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
import threading
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from chalice.test import Client
from werkzeug import Response

from bench.counting import count_dynamodb_calls
from infra.catalog import load_app
from passculture.models.base import utcnow
from passculture.models.bookings import Booking
from passculture.models.failed_mails import FailedMail
from passculture.models.providers import Provider
from passculture.models.venue_providers import VenueProvider
from passculture.models.venues import Venue
from passculture.services.booking.cancellation import cancel_booking
from passculture.services.notifications import failed_mails, partner_messages
from tests.api.partners_support import TICKETING_FIELDS, make_provider
from tests.api.test_notify import Stream, notify
from tests.factories import auth, make_offer, make_offerer, make_stock, make_venue, make_young, publish

SLOW_SECONDS = 1.5
FIELDS = TICKETING_FIELDS | {"action"}  # a booking notification: the ticketing request's fields and its action


@pytest.fixture
def settings(monkeypatch):
    """The local runner's allowance (127.0.0.1, over http), short timeouts and quick retries."""
    from passculture import config
    from passculture.adapters import feeds

    real = config.get_settings()

    def use(**values):
        # generous timeouts: a loaded machine must not turn a quick answer into a timeout
        defaults = {"partner_message_timeout_seconds": 3.0, "partner_message_total_seconds": 6.0}
        changed = replace(real, import_allowed_hosts=("127.0.0.1",), import_allow_http=True, **{**defaults, **values})
        monkeypatch.setattr(config, "get_settings", lambda: changed)
        monkeypatch.setattr(feeds, "get_settings", lambda: changed)
        return changed

    monkeypatch.setattr(feeds, "BACKOFF_SECONDS", 0.01)
    use()
    return use


class FakePartner:
    """A partner's server: records each message, checks its signature, answers what it is told."""

    def __init__(self, httpserver, keys: dict[str, str]) -> None:
        self.server = httpserver
        self.keys = keys  # path -> the HMAC key its messages must be signed with
        self.received: list[tuple[str, dict]] = []
        self.bad_signatures: list[str] = []
        self.answers: list[int | str] = []  # consumed one per request; then 200
        # The server is shared and serves one request at a time: a slow answer of an earlier test
        # may still be queued. Each partner has its own path prefix and ignores the others.
        self.prefix = f"/{uuid.uuid4().hex[:8]}"
        httpserver.expect_request(re.compile(".*"), method="POST").respond_with_handler(self.handle)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.port}{self.prefix}{path}"

    def handle(self, request) -> Response:
        if not request.path.startswith(self.prefix + "/"):
            return Response("another test's partner", status=410)
        path = request.path[len(self.prefix) :]
        outer = json.loads(request.get_data())
        if not isinstance(outer, str):  # a JSON string holding the JSON text
            self.bad_signatures.append(f"{path}: not a JSON string")
            outer = json.dumps(outer)
        expected = hmac.new(self.keys[path].encode(), outer.encode(), hashlib.sha256).hexdigest()
        if request.headers.get("PassCulture-Signature") != expected:
            self.bad_signatures.append(path)
        self.received.append((path, json.loads(outer)))
        answer = self.answers.pop(0) if self.answers else 200
        if answer == "slow":
            time.sleep(SLOW_SECONDS)
            return Response("late", status=200)
        if answer == "garbage":
            return Response(b"\x00\xff<html>not json", status=200)
        return Response("{}", status=int(answer), content_type="application/json")

    def actions(self) -> list[tuple[str, str]]:
        return [(path, message["action"]) for path, message in self.received]


@pytest.fixture
def client(aws):
    with Client(load_app("bookings")) as c:
        yield c


@pytest.fixture
def scene(aws, settings, httpserver, sent_emails):
    """A venue granted to a provider whose notification URL is the fake partner's; a young booker."""
    venue = make_venue(make_offerer(), booking_email="resa@theatre.example")
    offer = make_offer(venue, name="Le Misanthrope", is_duo=True)
    stock = make_stock(offer, begins_at=datetime(utcnow().year + 1, 3, 14, 18, 30, tzinfo=UTC), price_cents=1250)
    publish(offer)
    provider = make_provider(venue)
    partner = FakePartner(httpserver, {"/provider": provider.provider.hmac_key, "/venue": provider.provider.hmac_key})
    set_url(Provider(provider.id), Provider, partner.url("/provider"))
    young = make_young(public_name="Camille", email="camille@example.org", first_name="Camille", last_name="Martin")
    return SimpleNamespace(venue=venue, offer=offer, stock=stock, provider=provider, partner=partner, young=young)


def set_url(item, model, url) -> None:
    item.update(actions=[model.notification_url.set(url)])


def book(client, scene, stream: Stream, quantity: int = 1, stock=None, young=None) -> str:
    answer = client.http.post(
        "/bookings",
        body=json.dumps({"stockId": (stock or scene.stock).id, "quantity": quantity}),
        headers={"Content-Type": "application/json", **auth(young or scene.young)},
    )
    assert answer.status_code == 201, answer.json_body
    token = answer.json_body["token"]
    stream.capture(token)
    return token


def cancel(token: str, stream: Stream, by: str = "provider:1") -> None:
    cancel_booking(Booking.get(token, consistent_read=True), by)
    stream.capture(token)


def resend_parked():
    """What notify's ``resend-mail`` action does."""
    return failed_mails.resend_parked(send_partner=partner_messages.resend)


def parked() -> list:
    return list(FailedMail.parked_index.query("parked"))


# -- what partners receive ------------------------------------------------------------


def test_a_booking_and_its_cancellation_are_told_signed_with_the_bookings_fields(client, scene, sent_emails):
    stream = Stream()
    token = book(client, scene, stream, quantity=2)
    assert notify(stream.records()) == {"batchItemFailures": []}
    cancel(token, stream)
    assert notify(stream.records()) == {"batchItemFailures": []}
    assert scene.partner.bad_signatures == []
    assert scene.partner.actions() == [("/provider", "BOOK"), ("/provider", "CANCEL")]
    booking = Booking.get(token, consistent_read=True)
    venue = Venue.get(scene.venue.id)
    (_, told), (_, cancelled) = scene.partner.received
    assert set(told) == FIELDS
    assert told == {
        **dict.fromkeys(FIELDS),
        "action": "BOOK",
        "booking_confirmation_date": told["booking_confirmation_date"],
        "booking_creation_date": booking.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "booking_quantity": 2,
        "offer_id": int(booking.offer_public_id),
        "offer_name": "Le Misanthrope",
        "offer_price": 1250,
        "stock_id": int(booking.stock_public_id),
        "user_birth_date": scene.young.date_of_birth,
        "user_email": "camille@example.org",
        "user_first_name": "Camille",
        "user_last_name": "Martin",
        "venue_address": "1 place du Théâtre",
        "venue_department_code": "75",
        "venue_id": int(venue.public_id),
        "venue_name": venue.name,
    }
    assert told["booking_confirmation_date"].endswith("Z")
    assert {**cancelled, "action": "BOOK"} == told
    # the emails go as before: the venue and the booker, then the booker told of the cancellation
    assert sorted(to[0] for to, _, _ in sent_emails()) == [
        "camille@example.org",
        "camille@example.org",
        "resa@theatre.example",
    ]


def test_a_redelivered_record_is_not_told_twice(client, scene):
    stream = Stream()
    book(client, scene, stream)
    records = stream.records()
    notify(records)
    notify(json.loads(json.dumps(records)))
    assert scene.partner.actions() == [("/provider", "BOOK")]


def test_the_venues_url_wins_over_the_providers(client, scene):
    set_url(VenueProvider(scene.venue.id, scene.provider.id), VenueProvider, scene.partner.url("/venue"))
    stream = Stream()
    book(client, scene, stream)
    notify(stream.records())
    assert scene.partner.actions() == [("/venue", "BOOK")]
    assert scene.partner.bad_signatures == []


def test_every_provider_granted_the_venue_with_a_url_is_told_with_its_own_key(client, scene):
    other = make_provider(scene.venue, name="Agenda")
    without_url = make_provider(scene.venue, name="Sans URL")
    scene.partner.keys["/other"] = other.provider.hmac_key
    set_url(Provider(other.id), Provider, scene.partner.url("/other"))
    stream = Stream()
    book(client, scene, stream)
    notify(stream.records())
    assert sorted(scene.partner.actions()) == [("/other", "BOOK"), ("/provider", "BOOK")]
    assert scene.partner.bad_signatures == []
    assert without_url.id not in {int(m.provider_id or 0) for m in parked()}


def test_a_venue_not_granted_or_a_provider_without_url_gets_nothing(client, scene):
    other_venue = make_venue(make_offerer())
    other_offer = make_offer(other_venue)
    other_stock = make_stock(other_offer, begins_at=datetime(utcnow().year + 1, 4, 1, 18, tzinfo=UTC))
    publish(other_offer)
    stream = Stream()
    book(client, scene, stream, stock=other_stock)
    assert notify(stream.records()) == {"batchItemFailures": []}
    Provider(scene.provider.id).update(actions=[Provider.notification_url.remove()])
    book(client, scene, stream)
    assert notify(stream.records()) == {"batchItemFailures": []}
    assert scene.partner.received == []


def test_a_withdrawn_grant_or_an_inactive_provider_gets_nothing(client, scene):
    from passculture.services.accounts.auth import load_principal
    from passculture.services.partners import grants
    from tests.factories import make_member

    admin = load_principal(make_member(type("O", (), {"siren": scene.venue.siren})).id)
    grants.withdraw(admin, scene.venue.id, scene.provider.id)
    stream = Stream()
    book(client, scene, stream)
    notify(stream.records())
    assert scene.partner.received == []


def test_a_booking_without_integer_ids_is_given_them_for_its_message(client, scene):
    stream = Stream()
    token = book(client, scene, stream)
    booking = Booking.get(token, consistent_read=True)
    assert booking.offer_public_id is None  # the offer never met the partner API
    notify(stream.records())
    ((_, told),) = scene.partner.received
    booking.refresh(consistent_read=True)
    assert told["offer_id"] == int(booking.offer_public_id) and told["stock_id"] == int(booking.stock_public_id)
    cancel(token, stream)
    notify(stream.records())
    assert scene.partner.received[1][1]["offer_id"] == told["offer_id"]


# -- failures -----------------------------------------------------------------------------


def test_a_500_then_a_200_is_retried_within_the_delivery(client, scene):
    scene.partner.answers = [500]
    stream = Stream()
    book(client, scene, stream)
    assert notify(stream.records()) == {"batchItemFailures": []}
    assert scene.partner.actions() == [("/provider", "BOOK"), ("/provider", "BOOK")]
    assert parked() == []


def test_a_delivery_that_failed_is_sent_by_the_next_one(client, scene):
    scene.partner.answers = [500, 500, 500]  # the whole first delivery (3 tries)
    stream = Stream()
    book(client, scene, stream)
    records = stream.records()
    failed = notify(records)
    assert [f["itemIdentifier"] for f in failed["batchItemFailures"]] == [records[0]["dynamodb"]["SequenceNumber"]]
    assert notify(records) == {"batchItemFailures": []}
    assert len(scene.partner.received) == 4
    assert parked() == []
    assert scene.partner.bad_signatures == []


def test_always_500_is_parked_with_its_reason_and_resent(client, scene):
    scene.partner.answers = [500] * 9  # three deliveries of three tries
    stream = Stream()
    token = book(client, scene, stream)
    records = stream.records()
    assert notify(records)["batchItemFailures"]
    assert notify(records)["batchItemFailures"]
    assert notify(records) == {"batchItemFailures": []}  # the third gives up: parked, the batch moves on
    (item,) = parked()
    assert (item.channel, item.kind, item.ref) == ("partner", "partner-booking", f"booking:{token}")
    assert item.reason == "The partner's server failed (HTTP 500, 3 attempts)"
    assert (item.attempts, int(item.provider_id)) == (3, scene.provider.id)
    assert item.recipients == [scene.partner.url("/provider")]
    assert json.loads(item.body)["action"] == "BOOK"
    # the partner is fixed; the operator resends
    report = resend_parked().as_dict()
    assert report["resent"] == [item.id] and report["failed"] == []
    assert len(scene.partner.received) == 10 and scene.partner.received[-1][1] == json.loads(item.body)
    assert scene.partner.bad_signatures == []
    assert parked() == []
    assert FailedMail.get(item.id).status == "resent"
    notify(records)  # a late redelivery does not tell it again
    assert len(scene.partner.received) == 10


def test_a_parked_message_goes_to_the_url_that_applies_now(client, scene):
    scene.partner.answers = [404]
    stream = Stream()
    book(client, scene, stream)
    assert notify(stream.records()) == {"batchItemFailures": []}  # a 4xx is parked at once
    (item,) = parked()
    assert (item.reason, item.attempts) == ("The partner answered HTTP 404", 1)
    set_url(VenueProvider(scene.venue.id, scene.provider.id), VenueProvider, scene.partner.url("/venue"))
    assert resend_parked().resent == [item.id]
    assert scene.partner.actions()[-1] == ("/venue", "BOOK")
    assert FailedMail.get(item.id).recipients == [scene.partner.url("/venue")]


def test_a_redirect_is_not_followed_and_parked_at_once(client, scene, httpserver):
    scene.partner.answers = [302]
    stream = Stream()
    book(client, scene, stream)
    assert notify(stream.records()) == {"batchItemFailures": []}
    (item,) = parked()
    assert item.attempts == 1 and item.reason.startswith("The partner answered a redirect (HTTP 302)")
    assert len(scene.partner.received) == 1


def test_a_parked_message_no_longer_due_is_dropped(client, scene):
    scene.partner.answers = [400]
    stream = Stream()
    book(client, scene, stream)
    notify(stream.records())
    (item,) = parked()
    Provider(scene.provider.id).update(actions=[Provider.notification_url.remove()])
    report = resend_parked().as_dict()
    assert (report["dropped"], report["failed"]) == ([item.id], [])
    assert len(scene.partner.received) == 1
    assert parked() == [] and FailedMail.get(item.id).status == "dropped"


def test_a_failed_resend_stays_parked_with_the_new_reason(client, scene):
    scene.partner.answers = [400, 503, 503, 503]
    stream = Stream()
    book(client, scene, stream)
    notify(stream.records())
    report = resend_parked().as_dict()
    (item,) = parked()
    assert report["failed"] == [item.id]
    assert item.reason == "The partner's server failed (HTTP 503, 3 attempts)"


def test_a_slow_partner_times_out(client, scene, settings):
    settings(partner_message_timeout_seconds=0.5, partner_message_total_seconds=1.2)
    scene.partner.answers = ["slow"] * 9
    stream = Stream()
    book(client, scene, stream)
    records = stream.records()
    started = time.monotonic()
    assert notify(records)["batchItemFailures"]
    assert time.monotonic() - started < 5  # the budget (1.2 s here) bounds a delivery
    notify(records)
    notify(records)
    (item,) = parked()
    assert "did not answer in time" in item.reason or "took longer than" in item.reason


def test_a_garbage_answer_body_is_a_delivery_but_a_garbage_server_is_not(client, scene, settings):
    scene.partner.answers = ["garbage"]
    stream = Stream()
    book(client, scene, stream)
    assert notify(stream.records()) == {"batchItemFailures": []}
    assert parked() == [] and len(scene.partner.received) == 1

    # A server that answers bytes that are not HTTP at all
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.recv(65536)
            conn.sendall(b"\x16\x03garbage, not HTTP\r\n\r\n")
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        set_url(Provider(scene.provider.id), Provider, f"http://127.0.0.1:{listener.getsockname()[1]}/x")
        token = book(client, scene, stream, young=make_young())
        records = stream.records()
        for _ in range(3):
            notify(records)
    finally:
        listener.close()
    (item,) = parked()
    assert item.ref == f"booking:{token}"
    assert "could not be reached" in item.reason


def test_a_private_address_is_never_called_and_parked_at_once(client, scene, settings, monkeypatch):
    from passculture.adapters import feeds

    monkeypatch.setattr(feeds, "resolve", lambda host, port: ["10.0.0.7"])
    set_url(Provider(scene.provider.id), Provider, "https://partner.example.org/notify")
    stream = Stream()
    book(client, scene, stream)
    assert notify(stream.records()) == {"batchItemFailures": []}
    (item,) = parked()
    assert item.attempts == 1
    assert "private or local network address" in item.reason
    assert scene.partner.received == []


def test_a_record_is_left_for_later_when_the_invocation_is_nearly_over(client, scene):
    from infra.catalog import load_handler

    class Ending:
        def get_remaining_time_in_millis(self):
            return 3_000

    stream = Stream()
    book(client, scene, stream)
    records = stream.records()
    result = load_handler("notify")({"Records": records}, Ending())
    assert result["batchItemFailures"]
    assert scene.partner.received == []
    assert notify(records) == {"batchItemFailures": []}
    assert len(scene.partner.received) == 1


# -- what it costs ----------------------------------------------------------------------


def test_the_stream_handlers_dynamodb_calls(client, scene):
    """A venue never granted costs nothing more than its emails; a granted one a Query and a BatchGetItem."""
    from tests.factories import make_booking

    plain_venue = make_venue(make_offerer(), booking_email="resa@ailleurs.example")
    plain_offer = make_offer(plain_venue)
    plain_stock = make_stock(plain_offer, begins_at=datetime(utcnow().year + 1, 4, 1, 18, tzinfo=UTC))
    stream = Stream()
    plain = make_booking(plain_stock, plain_offer, plain_venue, scene.young)
    stream.capture(plain.token)
    with count_dynamodb_calls() as calls:
        notify(stream.records())
    # the venue (a booking written without its copy: the factory's); each of the two emails: its claim and its mark
    assert calls == {"GetItem": 1, "UpdateItem": 4}

    from passculture.services.partners import ids

    ids.ensure(scene.offer, "offer")
    ids.ensure(scene.stock, "stock")
    book(client, scene, stream)
    with count_dynamodb_calls() as calls:
        notify(stream.records())
    # A booking made by the API: the venue as it copied it (no read); the emails' claims and marks, the
    # venue's grants, their providers, the message's claim and its mark; and, as the offer's and
    # stock's integer ids were given after the stock copied its offer (services/booking/copies.py), one
    # BatchGetItem of offer, stock and venue for them and their note on the booking
    assert calls == {"UpdateItem": 7, "Query": 1, "BatchGetItem": 2}
    assert len(scene.partner.received) == 1

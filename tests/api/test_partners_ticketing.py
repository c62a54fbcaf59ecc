"""Ticketing: booking an offer with ``has_ticket`` calls the partner's booking URL synchronously.

A fake partner (pytest-httpserver) checks the signature of every call it gets and
answers tickets, ``sold_out``, ``not_enough_seats``, a 500, a slow answer or
garbage; the booking route's answers, the tickets on the booking (``GET /bookings``,
the emails), the compensation of a failed booking transaction, and the
cancellation URL's calls (parked and retried when the partner fails).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from dataclasses import replace
from types import SimpleNamespace

import pytest
from chalice.test import Client
from werkzeug import Response

from infra.catalog import load_app, load_handler
from passculture.models.bookings import Booking
from passculture.models.failed_mails import FailedMail
from passculture.models.providers import Provider
from passculture.models.stocks import Stock
from tests.api.partners_support import TICKETING_FIELDS, make_provider
from tests.api.test_notify import Stream, notify
from tests.factories import auth, make_offer, make_offerer, make_stock, make_venue, make_young, publish

SLOW_SECONDS = 3.0  # past the test's ticketing budget (2 s)
FIELDS = TICKETING_FIELDS


@pytest.fixture
def settings(monkeypatch):
    """The local runner's allowance (127.0.0.1 over http), a ticketing budget short enough for the slow answer."""
    from passculture import config
    from passculture.adapters import feeds

    real = config.get_settings()
    changed = replace(
        real,
        import_allowed_hosts=("127.0.0.1",),
        import_allow_http=True,
        ticketing_timeout_seconds=2.0,
        partner_message_timeout_seconds=3.0,
        partner_message_total_seconds=6.0,
    )
    monkeypatch.setattr(config, "get_settings", lambda: changed)
    monkeypatch.setattr(feeds, "get_settings", lambda: changed)
    monkeypatch.setattr(feeds, "BACKOFF_SECONDS", 0.01)
    return changed


class FakeTicketing:
    """A partner's ticketing: checks each call's signature, issues tickets or answers what it is told."""

    def __init__(self, httpserver, key: str) -> None:
        self.key = key
        self.received: list[tuple[str, dict]] = []
        self.bad_signatures: list[str] = []
        self.answers: dict[str, list] = {"/book": [], "/cancel": []}  # consumed one per call; then a success
        self.remaining: int | None = 7
        self.issued = 0
        self.prefix = f"/{uuid.uuid4().hex[:8]}"
        self.server = httpserver
        httpserver.expect_request(re.compile(".*"), method="POST").respond_with_handler(self.handle)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.port}{self.prefix}{path}"

    def calls(self, path: str) -> list[dict]:
        return [message for where, message in self.received if where == path]

    def handle(self, request) -> Response:
        if not request.path.startswith(self.prefix + "/"):
            return Response("another test's partner", status=410)
        path = request.path[len(self.prefix) :]
        outer = json.loads(request.get_data())
        if not isinstance(outer, str):
            self.bad_signatures.append(f"{path}: not a JSON string")
            outer = json.dumps(outer)
        expected = hmac.new(self.key.encode(), outer.encode(), hashlib.sha256).hexdigest()
        if request.headers.get("PassCulture-Signature") != expected:
            self.bad_signatures.append(path)
        message = json.loads(outer)
        self.received.append((path, message))
        queue = self.answers.get(path, [])
        answer = queue.pop(0) if queue else "ok"
        if answer == "slow":
            time.sleep(SLOW_SECONDS)
            answer = "ok"
        if answer == "garbage":
            return Response(b"\x00\xff<html>not json", status=200)
        if isinstance(answer, int):
            return Response("{}", status=answer, content_type="application/json")
        if isinstance(answer, tuple):  # (error, remainingQuantity): a 409
            body = {"error": answer[0], "remainingQuantity": answer[1]}
            return Response(json.dumps(body), status=409, content_type="application/json")
        if path == "/cancel":
            return Response(json.dumps({"remainingQuantity": self.remaining}), content_type="application/json")
        tickets = []
        for _ in range(int(message["booking_quantity"])):
            self.issued += 1
            tickets.append({"barcode": f"TIX-{self.prefix[1:]}-{self.issued}", "seat": f"A{self.issued}"})
        body = {"tickets": tickets, "remainingQuantity": self.remaining}
        return Response(json.dumps(body), status=201, content_type="application/json")


@pytest.fixture
def client(aws):
    with Client(load_app("bookings")) as c:
        yield c


@pytest.fixture
def scene(aws, settings, httpserver, sent_emails):
    """A ticketed event (a partner made it with hasTicket) of a venue granted to its provider, a young booker."""
    venue = make_venue(make_offerer(), booking_email="resa@theatre.example")
    provider = make_provider(venue)
    offer = make_offer(
        venue, name="Phèdre", is_duo=True, has_ticket=True, provider_id=str(provider.id), id_at_provider="phedre"
    )
    stock = make_stock(
        offer,
        price_cents=1500,
        quantity=20,
        price_category_id=77,
        price_category_label="Orchestre",
        price_category_id_at_provider="ORCH",
        id_at_provider="phedre-1",
    )
    publish(offer)
    partner = FakeTicketing(httpserver, provider.provider.hmac_key)
    Provider(provider.id).update(
        actions=[
            Provider.booking_url.set(partner.url("/book")),
            Provider.cancel_url.set(partner.url("/cancel")),
            Provider.notification_url.set(partner.url("/notify")),
        ]
    )
    young = make_young(public_name="Camille", email="camille@example.org", first_name="Camille", last_name="Martin")
    return SimpleNamespace(venue=venue, offer=offer, stock=stock, provider=provider, partner=partner, young=young)


def post_booking(client, scene, quantity: int = 1):
    return client.http.post(
        "/bookings",
        body=json.dumps({"stockId": scene.stock.id, "quantity": quantity}),
        headers={"Content-Type": "application/json", **auth(scene.young)},
    )


def stock_of(scene) -> Stock:
    return Stock.get(scene.stock.id, consistent_read=True)


def bookings_of(scene) -> list[Booking]:
    return list(Booking.user_index.query(scene.young.id))


def parked() -> list[FailedMail]:
    return [m for m in FailedMail.parked_index.query("parked") if m.channel == "ticketing"]


def schedule() -> dict:
    """What notify's 10-minute schedule does."""
    return load_handler("notify")({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}, None)


# -- booking --------------------------------------------------------------------------


def test_a_ticketed_booking_carries_the_partners_tickets_everywhere(client, scene, sent_emails):
    answer = post_booking(client, scene, quantity=2)
    assert answer.status_code == 201, answer.json_body
    token = answer.json_body["token"]
    tickets = answer.json_body["booking"]["tickets"]
    assert [t["seat"] for t in tickets] == ["A1", "A2"] and all(t["barcode"].startswith("TIX-") for t in tickets)
    # one signed call with the documented fields (snake_case, no action)
    (request,) = scene.partner.calls("/book")
    assert scene.partner.bad_signatures == []
    assert set(request) == FIELDS
    assert request["booking_quantity"] == 2 and request["offer_price"] == 1500
    assert request["offer_name"] == "Phèdre" and request["user_email"] == "camille@example.org"
    # the date's price category and the partner's own ids, as the booking copied them
    assert {name: request[name] for name in FIELDS if "at_provider" in name or "category" in name} == {
        "offer_id_at_provider": "phedre",
        "price_category_id": 77,
        "price_category_id_at_provider": "ORCH",
        "price_category_label": "Orchestre",
        "stock_id_at_provider": "phedre-1",
    }
    # the date follows the partner's count: 7 left after these 2
    stock = stock_of(scene)
    assert (int(stock.booked), int(stock.quantity)) == (2, 9)
    # the booker sees them in GET /bookings
    mine = client.http.get("/bookings", headers=auth(scene.young)).json_body["items"]
    assert mine[0]["token"] == token and mine[0]["tickets"] == tickets
    # both emails name them; no BOOK notification goes to the partner for a ticketed booking
    stream = Stream()
    stream.capture(token)
    assert notify(stream.records()) == {"batchItemFailures": []}
    bodies = {to[0]: body for to, _, body in sent_emails()}
    for address in ("camille@example.org", "resa@theatre.example"):
        assert all(t["barcode"] in bodies[address] for t in tickets), bodies[address]
        assert "(place A1)" in bodies[address]
    assert scene.partner.calls("/notify") == []


def test_sold_out_at_the_partner_is_the_routes_409_and_the_date_follows(client, scene):
    scene.partner.answers["/book"] = [("sold_out", 0)]
    answer = post_booking(client, scene)
    assert answer.status_code == 409
    assert answer.json_body["errors"] == {"stockId": ["Sold out: the venue's ticketing has no place left"]}
    assert bookings_of(scene) == []
    stock = stock_of(scene)
    assert (int(stock.booked or 0), int(stock.quantity)) == (0, 0)


def test_not_enough_seats_at_the_partner_names_the_places_left(client, scene):
    scene.partner.answers["/book"] = [("not_enough_seats", 1)]
    answer = post_booking(client, scene, quantity=2)
    assert answer.status_code == 409
    assert answer.json_body["errors"] == {"quantity": ["Not enough seats: the venue's ticketing has 1 place(s) left"]}
    assert bookings_of(scene) == [] and int(stock_of(scene).quantity) == 1


@pytest.mark.parametrize(
    ("answer", "status"),
    [(500, 502), ("garbage", 502), (400, 502), ("slow", 504)],
    ids=["server-error", "garbage", "refusal", "slow"],
)
def test_a_partner_down_slow_or_talking_nonsense_books_nothing(client, scene, answer, status):
    scene.partner.answers["/book"] = [answer]
    started = time.monotonic()
    reply = post_booking(client, scene)
    assert reply.status_code == status, reply.json_body
    assert reply.headers["Retry-After"] == "30"
    assert list(reply.json_body["errors"]) == ["global"]
    assert "nothing was booked" in reply.json_body["errors"]["global"][0]
    assert time.monotonic() - started < SLOW_SECONDS + 1
    assert bookings_of(scene) == [] and int(stock_of(scene).booked or 0) == 0
    assert len(scene.partner.calls("/book")) == 1  # a booking call is never sent twice
    if answer == "slow":  # the fake partner serves one call at a time: let it finish before the next test
        time.sleep(max(0.0, started + SLOW_SECONDS + 0.2 - time.monotonic()))


def test_a_provider_whose_grant_was_withdrawn_cannot_issue_tickets(client, scene):
    from passculture.models.venue_providers import VenueProvider

    VenueProvider(scene.venue.id, scene.provider.id).delete()
    reply = post_booking(client, scene)
    assert reply.status_code == 502
    assert scene.partner.calls("/book") == [] and bookings_of(scene) == []


def test_an_offer_without_ticketing_never_calls_the_booking_url(client, scene):
    offer = make_offer(scene.venue, name="Sans billetterie")
    stock = make_stock(offer)
    publish(offer)
    reply = client.http.post(
        "/bookings",
        body=json.dumps({"stockId": stock.id, "quantity": 1}),
        headers={"Content-Type": "application/json", **auth(scene.young)},
    )
    assert reply.status_code == 201 and reply.json_body["booking"]["tickets"] is None
    assert scene.partner.calls("/book") == []


# -- compensation ---------------------------------------------------------------------


def test_tickets_of_a_booking_whose_transaction_failed_are_cancelled_at_once(client, scene):
    from tests.faults import injected, transaction_cancelled

    with injected() as faults:
        faults.add("TransactWriteItems", transaction_cancelled("TransactionConflict"))
        reply = post_booking(client, scene)
    assert reply.status_code == 409, reply.json_body
    assert len(scene.partner.calls("/book")) == 1
    (cancelled,) = scene.partner.calls("/cancel")
    assert cancelled == {"barcodes": [f"TIX-{scene.partner.prefix[1:]}-1"]}
    assert scene.partner.bad_signatures == []
    assert bookings_of(scene) == [] and int(stock_of(scene).booked or 0) == 0
    assert parked() == []


def test_a_compensation_the_partner_refuses_is_parked_counted_and_retried_until_done(client, scene, capsys):
    from tests.faults import injected, transaction_cancelled

    scene.partner.answers["/cancel"] = [500, 500, 500]  # one call's three attempts
    with injected() as faults:
        faults.add("TransactWriteItems", transaction_cancelled("TransactionConflict"))
        reply = post_booking(client, scene)
    assert reply.status_code == 409
    (item,) = parked()
    assert item.kind == "ticket-cancellation" and int(item.provider_id) == scene.provider.id
    assert json.loads(item.body) == {"barcodes": [f"TIX-{scene.partner.prefix[1:]}-1"]}
    assert "HTTP 500" in item.reason
    assert "TicketCancellationsParked" in capsys.readouterr().out  # the alarm's metric (EMF)
    # still refused at the schedule's next run: parked again, never dropped
    scene.partner.answers["/cancel"] = [503, 503, 503]
    assert schedule()["failed"] == [item.id]
    assert len(parked()) == 1
    # the partner is back: done
    assert schedule()["resent"] == [item.id]
    assert parked() == []
    assert FailedMail.get(item.id).status == "resent"
    assert len(scene.partner.calls("/cancel")) == 7


# -- cancellation ---------------------------------------------------------------------


def test_cancelling_a_ticketed_booking_cancels_its_tickets_at_the_partner(client, scene):
    token = post_booking(client, scene, quantity=2).json_body["token"]
    barcodes = [t.barcode for t in Booking.get(token).tickets]
    scene.partner.remaining = 12
    reply = client.http.post(f"/bookings/{token}/cancel", headers=auth(scene.young))
    assert reply.status_code == 200 and reply.json_body["status"] == "cancelled"
    assert scene.partner.calls("/cancel") == [{"barcodes": barcodes}]
    assert scene.partner.bad_signatures == []
    stock = stock_of(scene)
    assert (int(stock.booked), int(stock.quantity)) == (0, 12)
    # no CANCEL notification either
    stream = Stream()
    stream.capture(token)
    notify(stream.records())
    assert scene.partner.calls("/notify") == []


def test_already_cancelled_at_the_partner_counts_as_done(client, scene):
    token = post_booking(client, scene).json_body["token"]
    scene.partner.answers["/cancel"] = [("already_cancelled", 3)]
    assert client.http.post(f"/bookings/{token}/cancel", headers=auth(scene.young)).status_code == 200
    assert parked() == []


def test_a_partner_refusing_a_cancellation_does_not_hold_the_refund_back(client, scene):
    """The documented choice: the booking is cancelled and refunded; the partner's side is parked and retried."""
    token = post_booking(client, scene).json_body["token"]
    scene.partner.answers["/cancel"] = [500, 500, 500]
    reply = client.http.post(f"/bookings/{token}/cancel", headers=auth(scene.young))
    assert reply.status_code == 200 and Booking.get(token).status == "cancelled"
    assert int(stock_of(scene).booked) == 0
    (item,) = parked()
    assert item.ref == f"booking:{token}"
    assert schedule()["resent"] == [item.id]
    assert len(scene.partner.calls("/cancel")) == 4


def test_deleting_the_date_cancels_the_tickets_at_the_partner(client, scene):
    from passculture.services.booking.cancellation import cancel_booking

    token = post_booking(client, scene).json_body["token"]
    cancel_booking(Booking.get(token, consistent_read=True), "stock-deleted", free_place=False)
    (cancelled,) = scene.partner.calls("/cancel")
    assert cancelled == {"barcodes": [t.barcode for t in Booking.get(token).tickets]}


def test_a_compensation_is_not_sent_when_the_booking_committed_after_all(client, scene):
    """An error whose write in fact happened: the attempt's countermark is read first, and its tickets kept."""
    from passculture.services.booking import ticketing

    token = post_booking(client, scene).json_body["token"]
    booking = Booking.get(token, consistent_read=True)
    reservation = ticketing.Reservation(
        Provider.get(scene.provider.id),
        scene.venue.id,
        scene.offer.id,
        scene.stock.id,
        [{"barcode": t.barcode, "seat": t.seat} for t in booking.tickets],
        None,
        [token],
    )
    ticketing.compensate(reservation)
    assert scene.partner.calls("/cancel") == [] and parked() == []


def test_the_dynamodb_calls_of_a_ticketed_booking_and_of_its_cancellation(client, scene):
    from bench.counting import count_dynamodb_calls

    plain = make_offer(scene.venue, name="Sans billetterie", is_duo=True)
    plain_stock = make_stock(plain, price_cents=1500, quantity=20)
    publish(plain)
    body = json.dumps({"stockId": plain_stock.id, "quantity": 1})
    headers = {"Content-Type": "application/json", **auth(scene.young)}
    with count_dynamodb_calls() as without:
        made = client.http.post("/bookings", body=body, headers=headers)
    assert made.status_code == 201
    with count_dynamodb_calls() as ticketed:
        token = post_booking(client, scene).json_body["token"]
    # + the provider and its grant (one BatchGetItem), the partner's count on the date (one UpdateItem) and
    # the feed's look at the date it changed (one GetItem)
    extra = {name: ticketed.get(name, 0) - without.get(name, 0) for name in {*ticketed, *without}}
    assert {name: n for name, n in extra.items() if n} == {"BatchGetItem": 1, "UpdateItem": 1, "GetItem": 1}
    plain_token = made.json_body["token"]
    with count_dynamodb_calls() as cancelling_plain:
        assert client.http.post(f"/bookings/{plain_token}/cancel", headers=auth(scene.young)).status_code == 200
    with count_dynamodb_calls() as cancelling:
        assert client.http.post(f"/bookings/{token}/cancel", headers=auth(scene.young)).status_code == 200
    print("ticketed booking", dict(ticketed), "plain", dict(without), "cancellation", dict(cancelling))
    # + the provider and its grant (one BatchGetItem), the partner's count on the date and the feed's look at it
    extra = {name: cancelling.get(name, 0) - cancelling_plain.get(name, 0) for name in {*cancelling, *cancelling_plain}}
    assert {name: n for name, n in extra.items() if n} == {"BatchGetItem": 1, "UpdateItem": 1, "GetItem": 1}
    assert cancelling.get("Scan", 0) == 0


def test_the_partner_cancelling_through_the_public_api_gets_its_cancel_url_called(client, scene):
    from tests.api.partners_support import provider_headers

    token = post_booking(client, scene).json_body["token"]
    with Client(load_app("partners")) as partners:
        answer = partners.http.patch(
            f"/public/bookings/v1/cancel/token/{token}", headers=provider_headers(scene.provider)
        )
    assert answer.status_code == 204, answer.json_body
    assert scene.partner.calls("/cancel") == [{"barcodes": [t.barcode for t in Booking.get(token).tickets]}]
    assert Booking.get(token).status == "cancelled"

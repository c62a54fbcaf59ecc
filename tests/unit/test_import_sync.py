"""One import of an agenda link on moto, from real feeds served over HTTP (pytest-httpserver)."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from chalice.test import Client

from bench.counting import count_dynamodb_calls
from infra.catalog import load_app, load_handler
from passculture.models.agenda_links import AgendaLink
from passculture.models.base import new_id, utcnow
from passculture.models.bookings import Booking
from passculture.models.offers import Offer
from passculture.models.stocks import Stock
from passculture.models.wallets import Wallet
from passculture.services.imports.links import claim
from passculture.services.imports.sync import import_link, offer_id_for, run_import
from tests.api.test_notify import Stream
from tests.factories import auth, make_agenda_link, make_offerer, make_venue, make_young
from tests.imports_support import Event, allow_local_feeds, days_ahead, ics

WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


@pytest.fixture
def feed(httpserver, monkeypatch):
    """``feed.serve(body, etag=...)`` replaces what the link's address answers."""
    allow_local_feeds(monkeypatch)

    class Feed:
        url = f"http://127.0.0.1:{httpserver.port}/agenda.ics"

        def serve(self, body: bytes, *, status: int = 200, headers: dict | None = None, **options) -> None:
            httpserver.clear()
            httpserver.expect_request("/agenda.ics").respond_with_data(
                body, status=status, content_type="text/calendar", headers=headers or {}, **options
            )

    return Feed()


@pytest.fixture
def venue(aws):
    return make_venue(make_offerer(status="validated"), booking_email="resa@lieu.example")


def new_link(venue, url, *, price=0, quantity=None, **fields) -> AgendaLink:
    return make_agenda_link(venue, url, default_price_cents=price, default_quantity=quantity, **fields)


def sync(link):
    """An import as the job runs it: claimed, then run; the link read back."""
    link.refresh(consistent_read=True)
    assert claim(link, utcnow())
    outcome = import_link(link)
    link.refresh(consistent_read=True)
    return outcome


def stocks_of(offer_id):
    return sorted(Stock.offer_index.query(offer_id), key=lambda s: s.begins_at)


JAZZ = Event("jazz@agenda", starts=[days_ahead(3), days_ahead(10)])
EXPO = Event("expo@agenda", summary="Exposition de printemps", categories="Exposition", starts=[days_ahead(5)])


def test_a_first_import_creates_one_offer_per_event_and_one_stock_per_date(feed, venue):
    feed.serve(ics(JAZZ, EXPO), headers={"ETag": '"v1"'})
    link = new_link(venue, feed.url, price=800, quantity=40)
    outcome = sync(link)
    assert outcome.status == "ok"
    assert link.last_report == {
        "created": 2,
        "updated": 0,
        "removed": 0,
        "unchanged": 0,
        "occurrences": 3,
        "rejected": [],
    }
    assert (link.status, link.etag, link.consecutive_failures) == ("ok", '"v1"', 0)
    jazz = Offer.get(offer_id_for(link.id, "jazz@agenda"))
    assert (jazz.name, jazz.category, jazz.status, jazz.venue_id) == ("Concert du soir", "MUSIC", "published", venue.id)
    assert jazz.in_feed and jazz.duration_minutes == 90
    stocks = stocks_of(jazz.id)
    assert [s.begins_at for s in stocks] == JAZZ.starts
    assert {(int(s.price_cents), int(s.quantity), int(s.booked)) for s in stocks} == {(800, 40, 0)}
    assert all(s.booking_limit_at == s.begins_at - timedelta(days=1) for s in stocks)


def test_offers_of_a_structure_not_yet_validated_wait_in_pending(feed, aws):
    venue = make_venue(make_offerer(status="pending"))
    feed.serve(ics(JAZZ))
    link = new_link(venue, feed.url)
    sync(link)
    offer = Offer.get(offer_id_for(link.id, "jazz@agenda"))
    assert (offer.status, offer.in_feed) == ("pending", False)


def test_a_second_sync_of_an_unchanged_feed_writes_nothing_even_with_a_new_etag(feed, venue):
    feed.serve(ics(JAZZ, EXPO), headers={"ETag": '"v1"'})
    link = new_link(venue, feed.url)
    sync(link)
    feed.serve(ics(JAZZ, EXPO), headers={"ETag": '"v2"'})
    link.refresh()
    claim(link, utcnow())
    with count_dynamodb_calls() as calls:
        import_link(link)
    written = {table for (op, table) in calls.tables if op in WRITES}
    assert written == {"passculture-test-agenda_links"}, f"only the link's own outcome: {dict(calls.tables)}"
    assert calls["UpdateItem"] == 1 and calls["BatchWriteItem"] == 0 and calls["Scan"] == 0
    link.refresh()
    assert link.last_report["unchanged"] == 2 and link.last_report["created"] == link.last_report["updated"] == 0


def test_a_feed_not_modified_is_neither_parsed_nor_written(feed, venue, httpserver):
    feed.serve(ics(JAZZ), headers={"ETag": '"v1"'})
    link = new_link(venue, feed.url)
    sync(link)
    first_report = link.last_report
    httpserver.clear()
    httpserver.expect_request("/agenda.ics", headers={"If-None-Match": '"v1"'}).respond_with_data("", status=304)
    link.refresh()
    claim(link, utcnow())
    with count_dynamodb_calls() as calls:
        outcome = import_link(link)
    assert outcome.status == "ok"
    assert dict(calls) == {"UpdateItem": 1}, "the link's outcome only: nothing read, nothing else written"
    link.refresh()
    assert (link.status, link.last_report, link.etag) == ("ok", first_report, '"v1"')


def test_a_changed_event_updates_its_offer_and_a_new_date_is_added_with_the_defaults(feed, venue):
    feed.serve(ics(JAZZ, EXPO))
    link = new_link(venue, feed.url, price=500, quantity=20)
    sync(link)
    more = Event("jazz@agenda", summary="Concert du soir (complet bientôt)", starts=[*JAZZ.starts, days_ahead(17)])
    feed.serve(ics(more, EXPO))
    sync(link)
    assert (link.last_report["created"], link.last_report["updated"], link.last_report["unchanged"]) == (0, 1, 1)
    offer = Offer.get(offer_id_for(link.id, "jazz@agenda"))
    assert offer.name == "Concert du soir (complet bientôt)"
    assert len(offer.next_dates) == 3
    assert [(s.begins_at, int(s.price_cents)) for s in stocks_of(offer.id)] == [(d, 500) for d in more.starts]


def test_what_a_pro_edits_on_an_imported_stock_survives_later_syncs(feed, venue):
    from passculture.schemas.stocks import StockPatch
    from passculture.services.accounts.auth import Principal
    from passculture.services.catalogue.stocks import update_stock
    from tests.factories import make_member

    feed.serve(ics(JAZZ))
    link = new_link(venue, feed.url, price=500, quantity=20)
    sync(link)
    offer_id = offer_id_for(link.id, "jazz@agenda")
    first = stocks_of(offer_id)[0]
    member = make_member(make_offerer_of(venue))
    update_stock(Principal(member), first.id, StockPatch(price_cents=1200, quantity=8))
    feed.serve(ics(Event("jazz@agenda", summary="Concert du soir, nouvelle formule", starts=JAZZ.starts)))
    sync(link)
    assert link.last_report["updated"] == 1
    edited = Stock.get(first.id)
    assert (int(edited.price_cents), int(edited.quantity), edited.edited_by_pro) == (1200, 8, True)
    assert Offer.get(offer_id).name == "Concert du soir, nouvelle formule"


def make_offerer_of(venue):
    from passculture.models.offerers import Offerer

    return Offerer.get(venue.siren)


SOON = Event("jazz@agenda", starts=[days_ahead(1), days_ahead(10)])  # the first within the door's 72 h


def book(stock_id, young):
    with Client(load_app("bookings")) as client:
        answer = client.http.post(
            "/bookings",
            body=json.dumps({"stockId": stock_id}),
            headers={"Content-Type": "application/json", **auth(young)},
        )
    assert answer.status_code == 201, answer.json_body
    return answer.json_body["token"]


def withdrawal_emails(sent_emails, address):
    return [(subject, body) for to, subject, body in sent_emails() if to == [address] and "retirée" in subject]


@pytest.fixture
def withdrawn(feed, venue):
    """A link whose first date, booked by Camille and Noé, the feed then dropped (synced, notify run)."""
    feed.serve(ics(SOON))
    link = new_link(venue, feed.url, price=1500, quantity=10)
    sync(link)
    offer_id = offer_id_for(link.id, "jazz@agenda")
    gone, kept = stocks_of(offer_id)
    holders = [
        make_young(public_name="Camille", email="camille@example.org"),
        make_young(public_name="Noé", email="noe@example.org"),
    ]
    tokens = [book(gone.id, young) for young in holders]
    stream = Stream()
    for token in tokens:
        stream.capture(token)
    load_handler("notify")({"Records": stream.records()}, None)  # the booking emails

    feed.serve(ics(Event("jazz@agenda", starts=[SOON.starts[1]])))
    sync(link)
    for token in tokens:
        stream.capture(token)
    load_handler("notify")({"Records": stream.records()}, None)

    class Scene:
        pass

    scene = Scene()
    scene.link, scene.offer_id, scene.gone, scene.kept = link, offer_id, gone, kept
    scene.holders, scene.tokens, scene.stream = holders, tokens, stream
    return scene


def test_a_withdrawn_date_leaves_the_offer_but_keeps_its_bookings_and_their_credit(withdrawn):
    link = withdrawn.link
    assert link.last_report["removed"] == 1 and link.last_report["updated"] == 1
    gone = Stock.get(withdrawn.gone.id)
    assert gone.is_deleted and gone.withdrawn_at is not None and int(gone.booked) == 2
    assert not Stock.get(withdrawn.kept.id).is_deleted
    offer = Offer.get(withdrawn.offer_id)
    assert (offer.status, len(offer.next_dates)) == ("published", 1)
    for token, young in zip(withdrawn.tokens, withdrawn.holders, strict=True):
        booking = Booking.get(token)
        assert (booking.status, booking.cancelled_at) == ("booked", None)
        assert booking.date_withdrawn_at == gone.withdrawn_at
        assert Wallet.get(young.id, "national").balance_cents == 50_000 - 1500
    from tests.factories import make_member

    pro = make_member(make_offerer_of(Offer.get(withdrawn.offer_id)))
    with Client(load_app("offers")) as client:
        dates = client.http.get(f"/offers/{withdrawn.offer_id}/stocks", headers=auth(pro))
    assert dates.status_code == 200
    assert [s["id"] for s in dates.json_body["stocks"]] == [withdrawn.kept.id]


def test_each_holder_of_a_withdrawn_date_is_emailed_once_and_a_resync_sends_nothing_more(
    withdrawn, feed, venue, sent_emails
):
    for young in withdrawn.holders:
        emails = withdrawal_emails(sent_emails, young.email)
        assert len(emails) == 1, emails
        subject, body = emails[0]
        assert withdrawn.tokens[withdrawn.holders.index(young)] in subject
        assert "retirée de l'agenda du lieu" in body and "reste valable" in body
        assert venue.name in body and venue.booking_email in body and "Annuler" in body
    before = len(sent_emails())
    sync(withdrawn.link)  # the same feed again
    assert withdrawn.link.last_report["removed"] == 0
    for token in withdrawn.tokens:
        withdrawn.stream.capture(token)
    load_handler("notify")({"Records": withdrawn.stream.records()}, None)
    assert len(sent_emails()) == before


def test_a_withdrawn_dates_countermark_still_validates_at_the_door(withdrawn):
    from passculture.models.offerers import Offerer
    from tests.factories import bearer, make_api_key

    key, _ = make_api_key(Offerer.get(withdrawn.link.siren))
    token = withdrawn.tokens[0]
    with Client(load_app("countermarks")) as client:
        checked = client.http.get(f"/v2/bookings/token/{token}", headers=bearer(key))
        assert checked.status_code == 200, checked.json_body
        assert checked.json_body["userName"] == "Camille"
        used = client.http.patch(f"/v2/bookings/use/token/{token}", headers=bearer(key))
    assert used.status_code == 204
    assert Booking.get(token).status == "used"


def test_the_holder_sees_the_withdrawal_and_may_cancel_for_a_refund_past_the_deadline(withdrawn):
    young, token = withdrawn.holders[1], withdrawn.tokens[1]
    with Client(load_app("bookings")) as client:
        mine = client.http.get("/bookings", headers=auth(young)).json_body["items"]
        assert [(b["token"], b["status"], b["cancellableUntil"]) for b in mine] == [(token, "booked", None)]
        assert mine[0]["dateWithdrawnAt"] is not None
        # The date is a day away, inside the 48 h deadline: a withdrawn date may still be cancelled.
        cancelled = client.http.post(f"/bookings/{token}/cancel", headers=auth(young))
    assert cancelled.status_code == 200, cancelled.json_body
    assert Wallet.get(young.id, "national").balance_cents == 50_000


def test_a_withdrawn_date_back_in_the_feed_is_offered_again_with_its_bookings_unmarked(withdrawn, feed, sent_emails):
    before = len(sent_emails())
    feed.serve(ics(SOON))
    sync(withdrawn.link)
    assert not Stock.get(withdrawn.gone.id).is_deleted and Stock.get(withdrawn.gone.id).withdrawn_at is None
    assert len(Offer.get(withdrawn.offer_id).next_dates) == 2
    assert {Booking.get(t).date_withdrawn_at for t in withdrawn.tokens} == {None}
    for token in withdrawn.tokens:
        withdrawn.stream.capture(token)
    load_handler("notify")({"Records": withdrawn.stream.records()}, None)
    assert len(sent_emails()) == before


def test_a_date_the_pro_deleted_stays_deleted_when_the_feed_gives_it_again(feed, venue):
    from passculture.services.accounts.auth import Principal
    from passculture.services.catalogue.stocks import delete_stock
    from tests.factories import make_member

    feed.serve(ics(SOON))
    link = new_link(venue, feed.url)
    sync(link)
    offer_id = offer_id_for(link.id, "jazz@agenda")
    first, _ = stocks_of(offer_id)
    delete_stock(Principal(make_member(make_offerer_of(venue))), first.id)
    feed.serve(ics(Event("jazz@agenda", summary="Concert du soir, nouvelle formule", starts=SOON.starts)))
    sync(link)
    assert link.last_report["updated"] == 1
    assert Stock.get(first.id).is_deleted
    assert len(Offer.get(offer_id).next_dates) == 1


def test_an_event_gone_from_the_feed_loses_its_future_dates_once(feed, venue):
    feed.serve(ics(JAZZ, EXPO))
    link = new_link(venue, feed.url)
    sync(link)
    feed.serve(ics(EXPO))
    sync(link)
    assert link.last_report["removed"] == 2 and link.last_report["unchanged"] == 1
    jazz = Offer.get(offer_id_for(link.id, "jazz@agenda"))
    assert all(s.is_deleted for s in stocks_of(jazz.id))
    assert (jazz.status, jazz.in_feed) == ("draft", False)
    with count_dynamodb_calls() as calls:
        sync(link)
    assert link.last_report["removed"] == 0
    assert not {t for (op, t) in calls.tables if op in WRITES} - {"passculture-test-agenda_links"}


def test_a_past_date_simply_passes(feed, venue):
    feed.serve(ics(JAZZ))
    link = new_link(venue, feed.url)
    sync(link)
    offer_id = offer_id_for(link.id, "jazz@agenda")
    first = stocks_of(offer_id)[0]
    first.update(actions=[Stock.begins_at.set(utcnow() - timedelta(hours=1))])
    feed.serve(ics(Event("jazz@agenda", starts=[JAZZ.starts[1]])))
    sync(link)
    assert not Stock.get(first.id).is_deleted
    assert link.last_report["removed"] == 0


def test_an_event_the_api_would_refuse_is_rejected_with_its_reason_and_its_offer_left_alone(feed, venue):
    feed.serve(ics(JAZZ, EXPO))
    link = new_link(venue, feed.url)
    sync(link)
    press = Event("jazz@agenda", summary="Le journal", categories="Presse", starts=JAZZ.starts)
    far = Event("far@agenda", starts=[days_ahead(800)])
    feed.serve(ics(press, EXPO, far))
    with pytest.MonkeyPatch.context() as patch:
        from passculture.services.imports import ical

        wider = _with(ical.get_settings(), import_horizon_days=1000)
        patch.setattr(ical, "get_settings", lambda: wider)
        sync(link)
    rejected = {r["uid"]: r["reason"] for r in link.last_report["rejected"]}
    assert "PRESS" in rejected["jazz@agenda"] and "digital" in rejected["jazz@agenda"]
    assert "far@agenda" in rejected
    offer = Offer.get(offer_id_for(link.id, "jazz@agenda"))
    assert offer.name == "Concert du soir" and offer.category == "MUSIC"
    assert not any(s.is_deleted for s in stocks_of(offer.id))


def _with(settings, **changes):
    from dataclasses import replace

    return replace(settings, **changes)


# -- feeds that fail -----------------------------------------------------------------


def failing_feeds():
    return [
        ("404", {"response_data": "nope", "status": 404}, "404"),
        ("500", {"response_data": "down", "status": 500}, "500"),
        (
            "html",
            {"response_data": "<!doctype html><html><body>Agenda</body></html>", "content_type": "text/html"},
            "HTML",
        ),
        ("garbage", {"response_data": b"\x00\x01garbage" * 20}, ""),
    ]


@pytest.mark.parametrize(("name", "answer", "said"), failing_feeds(), ids=[f[0] for f in failing_feeds()])
def test_a_feed_that_fails_marks_the_link_error_and_changes_no_imported_data(
    feed, venue, httpserver, name, answer, said
):
    feed.serve(ics(JAZZ))
    link = new_link(venue, feed.url)
    sync(link)
    offer_id = offer_id_for(link.id, "jazz@agenda")
    before = [s.serialize() for s in stocks_of(offer_id)], Offer.get(offer_id).serialize()
    httpserver.clear()
    httpserver.expect_request("/agenda.ics").respond_with_data(**answer)
    for failures in (1, 2):
        outcome = sync(link)
        assert outcome.status == "error"
        assert (link.status, int(link.consecutive_failures)) == ("error", failures)
        assert said in link.last_error and link.last_error
    assert ([s.serialize() for s in stocks_of(offer_id)], Offer.get(offer_id).serialize()) == before


def test_a_slow_feed_is_an_error_within_the_budget(feed, venue, httpserver, monkeypatch):
    from werkzeug import Response

    def slow(request):
        time.sleep(3)
        return Response(ics(JAZZ), content_type="text/calendar")

    from dataclasses import replace

    from passculture.adapters import feeds

    settings = replace(feeds.get_settings(), import_timeout_seconds=0.5, import_total_seconds=1.0)
    monkeypatch.setattr(feeds, "get_settings", lambda: settings)
    httpserver.expect_request("/agenda.ics").respond_with_handler(slow)
    link = new_link(venue, feed.url)
    assert sync(link).status == "error" and link.last_error


def test_a_huge_feed_is_an_error(feed, venue, monkeypatch):
    from dataclasses import replace

    from passculture.adapters import feeds

    settings = replace(feeds.get_settings(), import_max_bytes=2000)
    monkeypatch.setattr(feeds, "get_settings", lambda: settings)
    feed.serve(ics(*[Event(f"e{n}@agenda", starts=[days_ahead(3)]) for n in range(50)]))
    link = new_link(venue, feed.url)
    assert sync(link).status == "error"
    assert "larger than" in link.last_error


def test_the_third_failure_in_a_row_emits_the_metric(feed, venue, httpserver, capsys):
    httpserver.expect_request("/agenda.ics").respond_with_data("nope", status=404)
    link = new_link(venue, feed.url)
    metrics = []
    for _ in range(4):
        sync(link)
        metrics.append([line for line in capsys.readouterr().out.splitlines() if "ImportLinkFailedThrice" in line])
    assert [len(m) for m in metrics] == [0, 0, 1, 0]
    document = json.loads(metrics[2][0])
    assert document["ImportLinkFailedThrice"] == 1
    feed.serve(ics(JAZZ))
    sync(link)
    assert (link.status, int(link.consecutive_failures)) == ("ok", 0)


# -- the job -------------------------------------------------------------------------


def test_an_import_already_running_is_not_run_twice(feed, venue):
    feed.serve(ics(JAZZ))
    link = new_link(venue, feed.url)
    assert claim(link, utcnow())
    assert run_import(link.venue_id, link.id).status == "skipped"
    assert run_import(link.venue_id, link.id, claim=link.sync_started_at.isoformat()).status == "ok"


def test_a_stale_claim_is_taken_over(feed, venue):
    feed.serve(ics(JAZZ))
    link = new_link(venue, feed.url)
    assert claim(link, utcnow() - timedelta(hours=1))
    assert run_import(link.venue_id, link.id).status == "ok"


def test_a_removed_link_is_skipped(venue):
    assert run_import(venue.id, new_id()).status == "skipped"


# -- images --------------------------------------------------------------------------


def png(side: int = 420) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (side, side), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_an_events_image_is_fetched_into_the_upload_prefix_once_per_address(feed, venue, httpserver):
    from passculture.adapters import storage

    image = f"http://127.0.0.1:{httpserver.port}/poster.png"
    with_image = Event("jazz@agenda", starts=JAZZ.starts, extra=f"ATTACH;FMTTYPE=image/png:{image}")
    feed.serve(ics(with_image))
    httpserver.expect_request("/poster.png").respond_with_data(png(), content_type="image/png")
    link = new_link(venue, feed.url)
    sync(link)
    offer = Offer.get(offer_id_for(link.id, "jazz@agenda"))
    assert offer.image_source == image and offer.image_error is None
    keys = storage_keys(f"uploads/{offer.id}/")
    assert len(keys) == 1 and storage.read_object(keys[0], 10_000_000) == png()
    changed = Event("jazz@agenda", summary="Autre titre", starts=JAZZ.starts, extra=with_image.extra)
    feed.serve(ics(changed))
    httpserver.expect_request("/poster.png").respond_with_data(png(), content_type="image/png")
    sync(link)
    assert link.last_report["updated"] == 1
    assert len(storage_keys(f"uploads/{offer.id}/")) == 1, "the same address is not fetched again"


def test_an_image_that_cannot_be_fetched_is_said_on_the_offer(feed, venue, httpserver):
    image = f"http://127.0.0.1:{httpserver.port}/missing.png"
    feed.serve(ics(Event("jazz@agenda", starts=JAZZ.starts, extra=f"IMAGE;VALUE=URI:{image}")))
    httpserver.expect_request("/missing.png").respond_with_data("no", status=404)
    link = new_link(venue, feed.url)
    sync(link)
    offer = Offer.get(offer_id_for(link.id, "jazz@agenda"))
    assert offer.image_source == image and "404" in offer.image_error
    assert storage_keys(f"uploads/{offer.id}/") == []


def storage_keys(prefix: str) -> list[str]:
    from passculture.adapters.aws import client
    from passculture.config import get_settings

    listed = client("s3").list_objects_v2(Bucket=get_settings().media_bucket, Prefix=prefix)
    return [item["Key"] for item in listed.get("Contents", [])]

"""GET /feed and GET /offers/{id}/public: what the app shows around a young person."""

from __future__ import annotations

from datetime import timedelta

import pytest
from chalice.test import Client

from infra.catalog import load_app
from passculture.models.base import utcnow
from passculture.models.offers import Offer
from passculture.models.stocks import Stock
from passculture.models.territories import TerritoryItem
from passculture.rules.geo import geohash_encode as geohash
from tests.factories import auth, make_offer, make_offerer, make_stock, make_venue, make_young, publish

PARIS = (48.8566, 2.3522)
KM = 1 / 111.195  # degrees of latitude per km


@pytest.fixture
def client(aws):
    with Client(load_app("bookings")) as c:
        yield c


def venue_at(offerer, km_north: float):
    lat, lng = PARIS[0] + km_north * KM, PARIS[1]
    return make_venue(offerer, latitude=lat, longitude=lng, geohash=geohash(lat, lng, 9))


def offer_at(offerer, km_north, *, category="LIVE_SHOW", hook=None, prices=(1000,), **fields):
    offer = make_offer(venue_at(offerer, km_north), category=category, hook=hook, **fields)
    for days, price in enumerate(prices, start=3):
        make_stock(offer, begins_at=utcnow() + timedelta(days=days), price_cents=price)
    return publish(offer)


@pytest.fixture
def around_paris(aws):
    offerer = make_offerer(name="Théâtre Privé SAS")
    return {
        "A": offer_at(offerer, 2, hook="Un classique revisité", prices=(1500, 800)),
        "B": offer_at(offerer, 5, category="BOOK"),
        "C": offer_at(offerer, 10, category="BOOK", hook="Le roman de l'année"),
        "D": offer_at(offerer, 15, hook="Dernières dates"),
        "far": offer_at(offerer, 50, hook="Trop loin"),
        "offerer": offerer,
    }


def get_feed(client, user, query: str = ""):
    lat, lng = PARIS
    return client.http.get(f"/feed?latitude={lat}&longitude={lng}&radiusKm=20{query}", headers=auth(user))


def names_of(offers, items):
    by_id = {o.id: key for key, o in offers.items() if key != "offerer"}
    return [by_id.get(i["id"], i["id"]) for i in items]


def test_the_feed_ranks_hooks_first_then_categories_in_turn_nearest_first(client, around_paris):
    answer = get_feed(client, make_young())
    assert answer.status_code == 200, answer.json_body
    # Hook tier: LIVE_SHOW (nearest A) and BOOK take turns: A, C, then D; then the offers without a hook.
    assert names_of(around_paris, answer.json_body["items"]) == ["A", "C", "D", "B"]
    assert answer.json_body["nextCursor"] is None


def test_a_feed_item_has_hook_distance_next_dates_and_lowest_price(client, around_paris):
    item = get_feed(client, make_young()).json_body["items"][0]
    assert item["hook"] == "Un classique revisité"
    assert 1.9 <= item["distanceKm"] <= 2.1
    assert len(item["nextDates"]) == 2 and item["nextDates"] == sorted(item["nextDates"])
    assert item["priceCents"] == 800
    assert set(item) >= {"id", "name", "category", "imageUrl", "thumbUrl", "videoUrl", "highlighted"}


def test_the_feed_never_names_the_structure(client, around_paris):
    offerer = around_paris["offerer"]
    raw = get_feed(client, make_young()).body.decode()
    assert raw.count('"id"') == 4
    assert offerer.name not in raw and offerer.siren not in raw


def test_offers_highlighted_by_the_callers_territory_are_marked(client, around_paris):
    TerritoryItem("75", f"offer#{around_paris['C'].id}", highlighted=True, created_at=utcnow()).save()
    TerritoryItem("75", f"offer#{around_paris['D'].id}", highlighted=False, created_at=utcnow()).save()
    items = get_feed(client, make_young(department="75")).json_body["items"]
    assert [names_of(around_paris, [i])[0] for i in items if i["highlighted"]] == ["C"]
    elsewhere = get_feed(client, make_young(department="69")).json_body["items"]
    assert not any(i["highlighted"] for i in elsewhere)


def test_the_feed_is_paginated_with_an_opaque_cursor(client, around_paris):
    young = make_young()
    first = get_feed(client, young, "&limit=2").json_body
    second = get_feed(client, young, f"&limit=2&cursor={first['nextCursor']}").json_body
    assert names_of(around_paris, first["items"] + second["items"]) == ["A", "C", "D", "B"]
    assert second["nextCursor"] is None
    lat, lng = PARIS
    other = client.http.get(
        f"/feed?latitude={lat}&longitude={lng}&radiusKm=50&cursor={first['nextCursor']}", headers=auth(young)
    )
    assert other.status_code == 400
    assert "cursor" in other.json_body["errors"]


def test_the_radius_and_category_narrow_the_feed(client, around_paris):
    young = make_young()
    lat, lng = PARIS
    wide = client.http.get(f"/feed?latitude={lat}&longitude={lng}&radiusKm=60", headers=auth(young)).json_body
    assert "far" in names_of(around_paris, wide["items"])
    books = get_feed(client, young, "&category=BOOK").json_body["items"]
    assert names_of(around_paris, books) == ["C", "B"]


def test_unpublished_and_outdated_offers_are_not_in_the_feed(client, around_paris):
    offerer = around_paris["offerer"]
    pending = make_offer(venue_at(offerer, 3), status="pending", hook="Bientôt")
    make_stock(pending)
    past = offer_at(offerer, 4, hook="Déjà passé")
    # Its only date passed since the last refresh of the offer.
    Offer(past.id).update(actions=[Offer.next_dates.set([utcnow() - timedelta(hours=1)])])
    ids = {i["id"] for i in get_feed(client, make_young()).json_body["items"]}
    assert pending.id not in ids and past.id not in ids


def test_digital_offers_come_only_when_asked(client, around_paris):
    virtual = make_venue(around_paris["offerer"], virtual=True)
    press = make_offer(virtual, category="PRESS", hook="Le journal")
    make_stock(press, event=False)
    publish(press)
    young = make_young()
    assert press.id not in {i["id"] for i in get_feed(client, young).json_body["items"]}
    items = get_feed(client, young, "&digital=true").json_body["items"]
    digital = next(i for i in items if i["id"] == press.id)
    assert digital["distanceKm"] is None and digital["isDigital"] is True


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("latitude=91&longitude=2", "latitude"),
        ("latitude=48&longitude=-181", "longitude"),
        ("latitude=48&longitude=2&radiusKm=0", "radiusKm"),
        ("latitude=48&longitude=2&radiusKm=101", "radiusKm"),
        ("latitude=nan&longitude=2", "latitude"),
        ("longitude=2", "latitude"),
        ("latitude=48&longitude=2&category=SPORT", "category"),
    ],
)
def test_out_of_range_coordinates_or_radius_are_400(client, aws, query, field):
    answer = client.http.get(f"/feed?{query}", headers=auth(make_young()))
    assert answer.status_code == 400
    assert field in answer.json_body["errors"]


def test_feed_and_page_images_are_presigned_reads_of_the_private_bucket(client, aws, monkeypatch):
    from urllib.parse import urlsplit

    import requests

    from passculture.adapters.aws import client as aws_client
    from passculture.config import get_settings

    bucket = get_settings().media_bucket
    aws_client("s3").put_object(Bucket=bucket, Key="images/o/1.jpg", Body=b"jpeg bytes")
    offer = offer_at(make_offerer(), 2, image_key="images/o/1.jpg", thumb_key="thumbs/o/1.jpg")
    young = make_young()
    (item,) = get_feed(client, young).json_body["items"]
    page = client.http.get(f"/offers/{offer.id}/public", headers=auth(young)).json_body
    for url in (item["imageUrl"], page["imageUrl"]):
        parts = urlsplit(url)
        assert parts.path.endswith("/images/o/1.jpg") and "X-Amz-Signature=" in parts.query
        assert requests.get(url, timeout=5).content == b"jpeg bytes"  # moto answers as S3 would
    assert "X-Amz-Signature=" in item["thumbUrl"]
    monkeypatch.setenv("MEDIA_BASE_URL", "https://media.example.org/")
    get_settings.cache_clear()
    try:
        (item,) = get_feed(client, young).json_body["items"]
        assert item["imageUrl"] == "https://media.example.org/images/o/1.jpg"
    finally:
        monkeypatch.delenv("MEDIA_BASE_URL")
        get_settings.cache_clear()


def test_the_feed_needs_a_signed_in_user(client, aws):
    assert client.http.get("/feed?latitude=48&longitude=2").status_code == 401


# -- the offer's public page ---------------------------------------------------


def test_a_published_offer_shows_venue_dates_places_left_and_prices(client, aws):
    offerer = make_offerer(name="Compagnie Secrète")
    venue = make_venue(offerer)
    offer = make_offer(venue, is_duo=True, description="Une pièce")
    soon = make_stock(offer, begins_at=utcnow() + timedelta(days=2), quantity=10, booked=4, price_cents=1200)
    later = make_stock(offer, begins_at=utcnow() + timedelta(days=9), quantity=None, price_cents=900)
    make_stock(offer, begins_at=utcnow() - timedelta(days=1))
    publish(offer)
    answer = client.http.get(f"/offers/{offer.id}/public", headers=auth(make_young()))
    assert answer.status_code == 200
    body = answer.json_body
    assert body["venue"] == {
        "name": venue.name,
        "address": venue.address,
        "postalCode": venue.postal_code,
        "city": venue.city,
        "latitude": venue.latitude,
        "longitude": venue.longitude,
    }
    assert [(s["id"], s["remainingQuantity"], s["priceCents"]) for s in body["stocks"]] == [
        (soon.id, 6, 1200),
        (later.id, None, 900),
    ]
    assert body["isDuo"] is True
    assert offerer.name not in answer.body.decode() and offerer.siren not in answer.body.decode()


def test_an_offer_not_published_is_404(client, aws):
    offer = make_offer(make_venue(make_offerer()), status="pending")
    make_stock(offer)
    young = make_young()
    assert client.http.get(f"/offers/{offer.id}/public", headers=auth(young)).status_code == 404
    assert client.http.get("/offers/nope/public", headers=auth(young)).status_code == 404


def test_a_sold_out_offer_leaves_the_feed_but_its_page_still_says_sold_out(client, aws):
    offer = make_offer(venue_at(make_offerer(), 1))
    full = make_stock(offer, begins_at=utcnow() + timedelta(days=4), quantity=8, booked=8)
    publish(offer)
    young = make_young()
    feed = client.http.get(f"/feed?latitude={PARIS[0]}&longitude={PARIS[1]}&radiusKm=5", headers=auth(young))
    assert offer.id not in [item["id"] for item in feed.json_body["items"]]
    answer = client.http.get(f"/offers/{offer.id}/public", headers=auth(young))
    assert answer.status_code == 200, answer.body
    assert [(s["id"], s["remainingQuantity"], s["bookable"]) for s in answer.json_body["stocks"]] == [
        (full.id, 0, False)
    ]


def test_a_published_offer_whose_dates_have_all_passed_is_404(client, aws):
    offer = make_offer(venue_at(make_offerer(), 1))
    make_stock(offer, begins_at=utcnow() + timedelta(days=4), quantity=8, booked=8)
    publish(offer)
    # Its last date goes by (the hourly refresh has not run yet).
    for stock in Stock.offer_index.query(offer.id):
        stock.update(actions=[Stock.begins_at.set(utcnow() - timedelta(hours=1))])
    assert client.http.get(f"/offers/{offer.id}/public", headers=auth(make_young())).status_code == 404


def test_a_deactivated_offer_is_404_even_with_future_dates(client, aws):
    offer = make_offer(venue_at(make_offerer(), 1), is_active=False)
    make_stock(offer, begins_at=utcnow() + timedelta(days=4))
    publish(offer)
    assert client.http.get(f"/offers/{offer.id}/public", headers=auth(make_young())).status_code == 404


def test_the_public_page_needs_a_signed_in_user(client, aws):
    assert client.http.get("/offers/x/public").status_code == 401

"""GET /public/bookings/v1/bookings: required filters, the access rule, filters, the id cursor; the key's minute."""

from __future__ import annotations

from datetime import timedelta

import pytest
from chalice.test import Client

from infra.catalog import load_app
from passculture.models.offers import Offer
from passculture.models.venues import Venue
from passculture.services.accounts.auth import load_principal
from passculture.services.booking.bookings import book as book_service
from passculture.services.partners import bookings as partner_bookings
from passculture.services.partners import ids
from tests.api.partners_support import build_partner_scene, make_provider, provider_headers
from tests.factories import make_offer, make_stock, make_young

LIST = "/public/bookings/v1/bookings"


@pytest.fixture
def client(aws):
    with Client(load_app("partners")) as c:
        yield c


@pytest.fixture
def scene(aws):
    return build_partner_scene()


def booked(scene, stock=None, count=1):
    """``count`` real bookings (the booking service: each gets its integer id in its transaction)."""
    made = []
    for _ in range(count):
        young = make_young()
        made.append(book_service(load_principal(young.id), (stock or scene.stock).id, 1).booking)
    return made


def listing(client, scene, **query):
    from urllib.parse import urlencode

    return client.http.get(f"{LIST}?{urlencode(query)}", headers=scene.headers)


def venue_pid(scene):
    return ids.ensure(Venue.get(scene.venue.id), "venue")


def offer_pid(scene):
    return ids.ensure(Offer.get(scene.offer.id), "offer")


def test_offer_id_or_venue_id_is_required(client, scene):
    response = listing(client, scene)
    assert (response.status_code, response.json_body) == (400, {"global": ["`offerId` or `venueId` must be set"]})
    bad = listing(client, scene, venueId="abc", limit=51)
    assert bad.status_code == 400 and set(bad.json_body) == {"venueId", "limit"}  # flat, every bad field


def test_a_venue_or_offer_not_granted_is_a_404(client, scene):
    other_venue = ids.ensure(Venue.get(scene.other_venue.id), "venue")
    other_offer = ids.ensure(Offer.get(scene.other_offer.id), "offer")
    response = listing(client, scene, venueId=other_venue)
    assert (response.status_code, response.json_body) == (404, {"venueId": "we could not find this venue"})
    response = listing(client, scene, offerId=other_offer)
    assert (response.status_code, response.json_body) == (404, {"offerId": "we could not find this offer"})
    # An offer's id given as a venue's is no venue.
    response = listing(client, scene, venueId=offer_pid(scene))
    assert response.status_code == 404 and response.json_body == {"venueId": "we could not find this venue"}
    assert listing(client, scene, offerId=9_007_199_254_740_991).status_code == 404


def test_the_list_is_ordered_by_id_and_pages_with_first_index(client, scene):
    made = booked(scene, count=7)
    booked_elsewhere = make_provider(scene.other_venue)
    ids_made = sorted(int(b.public_id) for b in made)
    first = listing(client, scene, venueId=venue_pid(scene), limit=3).json_body["bookings"]
    assert [b["id"] for b in first] == ids_made[:3]
    second = listing(client, scene, venueId=venue_pid(scene), limit=3, firstIndex=first[-1]["id"] + 1)
    assert [b["id"] for b in second.json_body["bookings"]] == ids_made[3:6]
    by_offer = listing(client, scene, offerId=offer_pid(scene), firstIndex=ids_made[6])
    assert [b["id"] for b in by_offer.json_body["bookings"]] == ids_made[6:]
    assert all(b["venueId"] == venue_pid(scene) for b in first)
    assert booked_elsewhere is not None


def test_the_default_and_largest_page_is_50(client, scene):
    big = make_stock(scene.offer, begins_at=scene.stock.begins_at + timedelta(days=1), quantity=100)
    booked(scene, stock=big, count=51)
    page = listing(client, scene, venueId=venue_pid(scene)).json_body["bookings"]
    assert len(page) == 50
    assert listing(client, scene, venueId=venue_pid(scene), limit=50).json_body["bookings"] == page


def test_filters_narrow_the_list(client, scene):
    later = make_stock(scene.offer, begins_at=scene.stock.begins_at + timedelta(days=2), quantity=5)
    first, second = booked(scene, count=2)
    (third,) = booked(scene, stock=later)
    from passculture.models.bookings import Booking

    Booking(second.token).update(actions=[Booking.status.set("used")])
    venue = venue_pid(scene)
    stock_pid = ids.ensure(later, "stock")

    def found(**query):
        return sorted(b["id"] for b in listing(client, scene, venueId=venue, **query).json_body["bookings"])

    assert found(stockId=stock_pid) == [third.public_id]
    assert found(status="USED") == [second.public_id]
    assert found(status="CONFIRMED") == sorted([first.public_id, third.public_id])
    day = later.begins_at.date().isoformat()
    assert found(beginningDatetime=day) == [third.public_id]
    assert found(beginningDatetime=later.begins_at.isoformat()) == [third.public_id]
    assert found(priceCategoryId=1) == []  # no booking of a date of that category
    assert listing(client, scene, venueId=venue, status="LOST").status_code == 400


def test_an_offer_of_another_granted_venue_with_this_venue_is_empty(client, scene):
    from passculture.services.partners import grants
    from tests.factories import make_member, make_venue

    second_venue = make_venue(scene.offerer)
    admin = load_principal(make_member(scene.offerer).id)
    grants.grant(admin, second_venue.id, scene.provider.id)
    second_offer = make_offer(second_venue)
    booked(scene)
    response = listing(client, scene, venueId=venue_pid(scene), offerId=ids.ensure(second_offer, "offer"))
    assert (response.status_code, response.json_body) == (200, {"bookings": []})


def test_a_key_gets_200_requests_a_minute_then_429_with_retry_after(client, scene, monkeypatch):
    from passculture.services.countermarks import v2

    minute = 1_800_000_000
    monkeypatch.setattr(v2, "_now", lambda: minute + 10)
    monkeypatch.setattr(partner_bookings, "key_limit", lambda: v2.ratelimit.Limit("partner-key", 5, 60))
    venue = venue_pid(scene)
    for _ in range(5):
        assert listing(client, scene, venueId=venue).status_code == 200
    response = listing(client, scene, venueId=venue)
    assert response.status_code == 429 and 1 <= int(response.headers["Retry-After"]) <= 51
    assert set(response.json_body) == {"global"} and isinstance(response.json_body["global"], list)
    other = make_provider(scene.venue)  # another key is not held back
    assert client.http.get(f"{LIST}?venueId={venue}", headers=provider_headers(other)).status_code == 200
    monkeypatch.setattr(v2, "_now", lambda: minute + 60)  # the next minute
    assert listing(client, scene, venueId=venue).status_code == 200


def test_the_default_limit_is_the_contract_s_200():
    from passculture.config import get_settings

    assert get_settings().partner_key_requests_per_minute == 200
    assert partner_bookings.key_limit().limit == 200 and partner_bookings.key_limit().window_seconds == 60

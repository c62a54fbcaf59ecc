"""/public/offers/v1/events: a provider creates, lists, reads and edits its events on granted venues."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from passculture.models.offers import Offer
from passculture.models.venues import Venue
from passculture.services.partners import ids
from tests.api.partners_support import (
    ACCESSIBLE,
    EVENTS,
    event_body,
    json_partners_client,
    make_provider,
    offer_scene,
    provider_headers,
)
from tests.factories import bearer, make_offerer, make_venue


@pytest.fixture
def client(aws):
    yield from json_partners_client()


@pytest.fixture
def scene(aws):
    return offer_scene()


def create(client, scene, headers=None, **fields):
    return client.http.post(EVENTS, headers=headers or scene.headers, body=event_body(scene, **fields))


def offer_of(event_id: int) -> Offer:
    return Offer.get(ids.lookup("offer", event_id))


def test_a_provider_creates_an_event_on_its_granted_venue_with_price_categories(client, scene):
    answer = create(
        client,
        scene,
        idAtProvider="misanthrope-1",
        description="Molière, au Quai",
        eventDuration=150,
        enableDoubleBookings=True,
        bookingEmail="billets@example.org",
        priceCategories=[
            {"label": "Carré or", "price": 3500, "idAtProvider": "or"},
            {"label": "Balcon", "price": 1500},
        ],
    )
    assert answer.status_code == 200, answer.json_body
    event = answer.json_body
    assert isinstance(event["id"], int)
    assert event["name"] == "Le Misanthrope" and event["description"] == "Molière, au Quai"
    assert event["location"] == {"type": "physical", "venueId": scene.venue_public_id, "url": None}
    assert event["categoryRelatedFields"] == {"category": "SPECTACLE_REPRESENTATION"}
    assert event["accessibility"] == ACCESSIBLE
    assert (event["hasTicket"], event["idAtProvider"], event["eventDuration"]) == (False, "misanthrope-1", 150)
    assert event["enableDoubleBookings"] is True and event["bookingEmail"] == "billets@example.org"
    assert event["status"] == "DRAFT" and event["isActive"] is True
    assert [(c["label"], c["price"], c["idAtProvider"]) for c in event["priceCategories"]] == [
        ("Carré or", 3500, "or"),
        ("Balcon", 1500, None),
    ]
    assert all(isinstance(c["id"], int) for c in event["priceCategories"])
    # The same offer the pro portal shows: the structure's, on its venue, in this project's category.
    offer = offer_of(event["id"])
    assert (offer.venue_id, offer.siren, offer.category, offer.status) == (
        scene.venue.id,
        scene.venue.siren,
        "LIVE_SHOW",
        "draft",
    )
    assert offer.provider_id == str(scene.provider.id) and offer.is_duo is True
    assert [int(c.price_cents) for c in offer.price_categories] == [3500, 1500]
    fetched = client.http.get(f"{EVENTS}/{event['id']}", headers=scene.headers)
    assert fetched.status_code == 200 and fetched.json_body == event


def test_an_event_with_tickets_needs_the_providers_ticketing_urls_and_records_them_for_booking(client, scene):
    refused = create(client, scene, hasTicket=True)
    assert refused.status_code == 400 and list(refused.json_body) == ["hasTicket"]
    scene.provider.provider.update(
        actions=[
            type(scene.provider.provider).booking_url.set("https://billetterie.example.org/book"),
            type(scene.provider.provider).cancel_url.set("https://billetterie.example.org/cancel"),
        ]
    )
    answer = create(client, scene, hasTicket=True)
    assert answer.status_code == 200, answer.json_body
    assert answer.json_body["hasTicket"] is True
    offer = offer_of(answer.json_body["id"])
    assert offer.has_ticket is True and offer.provider_id == str(scene.provider.id)


def test_creation_errors_name_each_bad_field(client, scene):
    unknown = create(client, scene, color="red")
    assert unknown.status_code == 400 and unknown.json_body == {"color": ["extra fields not permitted"]}
    missing = client.http.post(EVENTS, headers=scene.headers, body={"name": "X"})
    assert missing.status_code == 400
    assert {"location", "categoryRelatedFields", "accessibility", "hasTicket"} <= set(missing.json_body)
    too_long = create(client, scene, name="x" * 91, eventDuration=1440, description="d" * 10_001)
    assert too_long.status_code == 400 and set(too_long.json_body) == {"name", "eventDuration", "description"}
    long_id = create(client, scene, idAtProvider="i" * 71)
    assert long_id.status_code == 400 and list(long_id.json_body) == ["idAtProvider"]
    product = create(client, scene, categoryRelatedFields={"category": "LIVRE_PAPIER"})
    assert product.status_code == 400 and list(product.json_body) == ["categoryRelatedFields.category"]
    unmapped = create(client, scene, categoryRelatedFields={"category": "ATELIER_SECRET"})
    assert unmapped.status_code == 400 and list(unmapped.json_body) == ["categoryRelatedFields.category"]
    digital = create(
        client, scene, location={"type": "digital", "venueId": scene.venue_public_id, "url": "https://x.org"}
    )
    assert digital.status_code == 400 and list(digital.json_body) == ["location.type"]
    partial = create(client, scene, accessibility={"audioDisabilityCompliant": True})
    assert partial.status_code == 400 and all(k.startswith("accessibility.") for k in partial.json_body)
    string_id = create(client, scene, location={"type": "physical", "venueId": str(scene.venue_public_id)})
    assert string_id.status_code == 400 and list(string_id.json_body) == ["location.venueId"]
    naive = create(client, scene, bookingAllowedDatetime="2030-01-01T10:00:00")
    assert naive.status_code == 400 and naive.json_body == {
        "bookingAllowedDatetime": ["The datetime must be timezone-aware."]
    }
    assert Offer.venue_index.count(scene.venue.id) == 1  # the scene's own offer only


def test_id_at_provider_is_unique_per_venue(client, scene):
    assert create(client, scene, idAtProvider="abc").status_code == 200
    again = create(client, scene, idAtProvider="abc")
    assert again.status_code == 400
    assert again.json_body == {"idAtProvider": ["`abc` is already taken by another venue offer"]}
    # Another venue of the provider may use it.
    other = make_venue(scene.offerer)
    admin_grant(scene, other)
    elsewhere = create(
        client, scene, idAtProvider="abc", location={"type": "physical", "venueId": int(Venue.get(other.id).public_id)}
    )
    assert elsewhere.status_code == 200, elsewhere.json_body


def admin_grant(scene, venue) -> None:
    from types import SimpleNamespace

    from passculture.services.accounts.auth import load_principal
    from passculture.services.partners import grants
    from tests.factories import make_member

    admin = load_principal(make_member(SimpleNamespace(siren=venue.siren)).id)
    grants.grant(admin, venue.id, scene.provider.id)


def test_fifty_price_categories_at_most_and_no_two_alike(client, scene):
    many = [{"label": f"Tarif {n}", "price": n} for n in range(51)]
    answer = create(client, scene, priceCategories=many)
    assert answer.status_code == 400
    assert answer.json_body == {"priceCategories": ["An offer cannot have more than 50 price categories"]}
    assert create(client, scene, priceCategories=many[:50]).status_code == 200
    twice = create(client, scene, priceCategories=[{"label": "Plein", "price": 100}] * 2)
    assert twice.status_code == 400 and list(twice.json_body) == ["priceCategories"]
    price = create(client, scene, priceCategories=[{"label": "Cher", "price": 30_001}])
    assert price.status_code == 400 and list(price.json_body) == ["priceCategories.0.price"]
    label = create(client, scene, priceCategories=[{"label": "", "price": 1}])
    assert label.status_code == 400 and list(label.json_body) == ["priceCategories.0.label"]


def test_the_access_rule_is_a_404(client, scene):
    # A venue the provider was not granted, and another provider's event on a granted venue.
    ungranted = make_venue(make_offerer())
    ids.ensure(ungranted, "venue")
    hidden = create(client, scene, location={"type": "physical", "venueId": int(ungranted.public_id)})
    assert hidden.status_code == 404 and list(hidden.json_body) == ["location.venueId"]
    event = create(client, scene).json_body
    other = make_provider(scene.venue)
    for method in ("get", "patch"):
        answer = getattr(client.http, method)(
            f"{EVENTS}/{event['id']}", headers=provider_headers(other), body={"name": "Autre"}
        )
        assert answer.status_code == 404, method
        assert answer.json_body == {"event_id": ["The event offer could not be found"]}
    for unknown in ("123", "abc", str(2**60)):
        answer = client.http.get(f"{EVENTS}/{unknown}", headers=scene.headers)
        assert answer.status_code == 404 and list(answer.json_body) == ["event_id"]
    # A pro's own offer has an integer id once a partner saw its bookings: still not the provider's event.
    pro_offer_id = ids.ensure(scene.offer, "offer")
    assert client.http.get(f"{EVENTS}/{pro_offer_id}", headers=scene.headers).status_code == 404
    assert client.http.get(f"{EVENTS}/{event['id']}", headers=bearer("nope")).status_code == 401
    assert client.http.post(EVENTS, body=event_body(scene)).status_code == 401


def test_a_withdrawn_grant_hides_the_events(client, scene):
    from passculture.services.accounts.auth import load_principal
    from passculture.services.partners import grants
    from tests.factories import make_member

    event = create(client, scene).json_body
    admin = load_principal(make_member(scene.offerer).id)
    grants.withdraw(admin, scene.venue.id, scene.provider.id)
    assert client.http.get(f"{EVENTS}/{event['id']}", headers=scene.headers).status_code == 404
    assert client.http.get(EVENTS, headers=scene.headers).json_body == {"events": []}


def test_the_list_pages_by_id_from_first_index_with_filters(client, scene):
    made = [create(client, scene, idAtProvider=f"e{n}").json_body for n in range(4)]
    other = make_provider(scene.venue)
    other_event = create(client, scene, headers=provider_headers(other)).json_body
    by_id = sorted(made, key=lambda e: e["id"])
    page = client.http.get(f"{EVENTS}?limit=2", headers=scene.headers)
    assert page.status_code == 200
    assert [e["id"] for e in page.json_body["events"]] == [e["id"] for e in by_id[:2]]
    after = by_id[1]["id"] + 1
    rest = client.http.get(f"{EVENTS}?limit=2&firstIndex={after}", headers=scene.headers).json_body["events"]
    assert [e["id"] for e in rest] == [e["id"] for e in by_id[2:]]
    assert other_event["id"] not in {e["id"] for e in page.json_body["events"] + rest}
    some = client.http.get(f"{EVENTS}?idsAtProvider=e1,e3", headers=scene.headers).json_body["events"]
    assert sorted(e["idAtProvider"] for e in some) == ["e1", "e3"]
    venue = client.http.get(f"{EVENTS}?venueId={scene.venue_public_id}", headers=scene.headers).json_body
    assert len(venue["events"]) == 4
    too_many = ",".join(f"x{n}" for n in range(101))
    assert client.http.get(f"{EVENTS}?idsAtProvider={too_many}", headers=scene.headers).status_code == 400
    assert client.http.get(f"{EVENTS}?limit=51", headers=scene.headers).status_code == 400
    unknown_venue = client.http.get(f"{EVENTS}?venueId=12345", headers=scene.headers)
    assert unknown_venue.status_code == 404 and list(unknown_venue.json_body) == ["venueId"]


def test_patch_changes_what_is_sent_and_keeps_category_and_tickets(client, scene):
    event = create(client, scene, idAtProvider="a").json_body
    url = f"{EVENTS}/{event['id']}"
    changed = client.http.patch(
        url,
        headers=scene.headers,
        body={
            "name": "Tartuffe",
            "eventDuration": 90,
            "idAtProvider": "b",
            "accessibility": {**ACCESSIBLE, "visualDisabilityCompliant": True},
        },
    )
    assert changed.status_code == 200, changed.json_body
    body = changed.json_body
    assert (body["name"], body["eventDuration"], body["idAtProvider"]) == ("Tartuffe", 90, "b")
    assert body["accessibility"]["visualDisabilityCompliant"] is True
    assert body["description"] is None and body["priceCategories"] == []
    # The old idAtProvider is free again, the new one taken.
    assert create(client, scene, idAtProvider="a").status_code == 200
    assert create(client, scene, idAtProvider="b").status_code == 400
    category = client.http.patch(url, headers=scene.headers, body={"categoryRelatedFields": {"category": "CONCERT"}})
    assert category.status_code == 400 and list(category.json_body) == ["categoryRelatedFields.category"]
    same = client.http.patch(
        url, headers=scene.headers, body={"categoryRelatedFields": {"category": "SPECTACLE_REPRESENTATION"}}
    )
    assert same.status_code == 200
    tickets = client.http.patch(url, headers=scene.headers, body={"hasTicket": True})
    assert tickets.status_code == 400 and list(tickets.json_body) == ["hasTicket"]
    null = client.http.patch(url, headers=scene.headers, body={"name": None})
    assert null.status_code == 400 and list(null.json_body) == ["name"]
    extra = client.http.patch(url, headers=scene.headers, body={"priceCategories": []})
    assert extra.status_code == 400 and extra.json_body == {"priceCategories": ["extra fields not permitted"]}
    taken = client.http.patch(url, headers=scene.headers, body={"idAtProvider": "a"})
    assert taken.status_code == 400 and list(taken.json_body) == ["idAtProvider"]
    moved = client.http.patch(
        url, headers=scene.headers, body={"location": {"type": "physical", "venueId": scene.venue_public_id + 1}}
    )
    assert moved.status_code == 400 and list(moved.json_body) == ["location.venueId"]


def test_is_active_and_the_status_follow_the_offer(client, scene):
    from passculture.services.catalogue.stocks import retire_stock  # noqa: F401 (the pro path the dates reuse)
    from tests.factories import make_stock

    event = create(client, scene).json_body
    url = f"{EVENTS}/{event['id']}"
    off = client.http.patch(url, headers=scene.headers, body={"isActive": False})
    assert off.status_code == 200 and (off.json_body["isActive"], off.json_body["status"]) == (False, "INACTIVE")
    on = client.http.patch(url, headers=scene.headers, body={"isActive": True})
    assert on.json_body["status"] == "DRAFT"
    offer = offer_of(event["id"])
    from passculture.models.base import utcnow
    from passculture.services.catalogue.publication import refresh_offer

    stock = make_stock(offer, begins_at=utcnow() + timedelta(days=3), quantity=2)
    refresh_offer(offer)
    assert client.http.get(url, headers=scene.headers).json_body["status"] == "ACTIVE"
    stock.update(actions=[type(stock).booked.set(2)])
    refresh_offer(Offer.get(offer.id))
    assert client.http.get(url, headers=scene.headers).json_body["status"] == "SOLD_OUT"
    stock.update(actions=[type(stock).begins_at.set(utcnow() - timedelta(hours=1))])
    assert client.http.get(url, headers=scene.headers).json_body["status"] == "EXPIRED"
    pending = make_offerer(status="pending")
    venue = make_venue(pending)
    admin_grant(scene, venue)
    waiting = create(client, scene, location={"type": "physical", "venueId": int(Venue.get(venue.id).public_id)})
    assert waiting.json_body["status"] == "PENDING"
    unpublished = create(client, scene, publicationDatetime=None)
    assert (unpublished.json_body["status"], unpublished.json_body["isActive"]) == ("INACTIVE", False)
    later = create(client, scene, publicationDatetime="2030-01-01T10:00:00+00:00")
    assert later.status_code == 200, later.json_body
    assert (later.json_body["status"], later.json_body["publicationDatetime"]) == ("SCHEDULED", "2030-01-01T10:00:00Z")
    opening = create(client, scene, bookingAllowedDatetime="2030-01-01T10:00:00+00:00")
    assert opening.status_code == 200, opening.json_body
    assert opening.json_body["bookingAllowedDatetime"] == "2030-01-01T10:00:00Z"
    assert opening.json_body["status"] == "DRAFT"  # published as any other; only booking waits


def test_a_future_publication_keeps_the_event_out_of_the_app_until_the_hourly_refresh_after_it(client, scene):
    from passculture.models.base import utcnow
    from passculture.services.catalogue.publication import refresh_published_page
    from tests.api.test_partners_dates import a_date, add_dates, book_date, category_ids, make_event

    start = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    event = make_event(client, scene, publicationDatetime=start)
    assert event["status"] == "SCHEDULED"
    [date] = add_dates(client, scene, event, a_date(category_ids(event)["Balcon"])).json_body["dates"]
    url = f"{EVENTS}/{event['id']}"
    assert client.http.get(url, headers=scene.headers).json_body["status"] == "SCHEDULED"
    offer = offer_of(event["id"])
    from passculture.services.catalogue.publication import FEED_LEVELS

    assert offer.status == "scheduled"
    assert all(getattr(offer, f"feed_cell_{level.name}") is None for level in FEED_LEVELS)  # not in the feed
    from passculture.errors import DomainError

    with pytest.raises(DomainError):
        book_date(date["id"])
    # Its time comes: the hourly refresh publishes it.
    offer.update(actions=[Offer.publish_at.set(utcnow() - timedelta(minutes=1))])
    refresh_published_page({}, None)
    assert client.http.get(url, headers=scene.headers).json_body["status"] == "ACTIVE"
    assert book_date(date["id"]).status == "booked"
    # "now" in a PATCH publishes at once; a new future moment schedules it again.
    again = client.http.patch(url, headers=scene.headers, body={"publicationDatetime": start})
    assert again.json_body["status"] == "SCHEDULED"
    now = client.http.patch(url, headers=scene.headers, body={"publicationDatetime": "now"})
    assert now.json_body["status"] == "ACTIVE" and offer_of(event["id"]).publish_at is None


def test_a_digital_event_is_on_the_virtual_venue_with_its_url(client, scene):
    virtual = make_venue(scene.offerer, virtual=True)
    admin_grant(scene, virtual)
    venue_id = int(Venue.get(virtual.id).public_id)
    body = event_body(scene, categoryRelatedFields={"category": "RENCONTRE_EN_LIGNE"})
    body["location"] = {"type": "digital", "venueId": venue_id, "url": "https://visio.example.org/r"}
    answer = client.http.post(EVENTS, headers=scene.headers, body=body)
    assert answer.status_code == 200, answer.json_body
    assert answer.json_body["location"] == {
        "type": "digital",
        "venueId": venue_id,
        "url": "https://visio.example.org/r",
    }
    no_url = copy.deepcopy(body)
    del no_url["location"]["url"]
    missing = client.http.post(EVENTS, headers=scene.headers, body=no_url)
    assert missing.status_code == 400 and list(missing.json_body) == ["location.url"]

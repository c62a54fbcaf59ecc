"""/public/offers/v1/products: a provider's products (things) and their single stock."""

from __future__ import annotations

import pytest

from passculture.models.bookings import Booking
from passculture.models.offers import Offer
from passculture.models.stocks import Stock
from passculture.models.venues import Venue
from passculture.services.partners import ids
from tests.api.partners_support import (
    PRODUCTS,
    json_partners_client,
    make_provider,
    offer_scene,
    product_body,
    provider_headers,
)
from tests.factories import make_young

# Not partners_support's: this one says yes to mental disability too.
ACCESSIBLE = {
    "audioDisabilityCompliant": True,
    "mentalDisabilityCompliant": True,
    "motorDisabilityCompliant": True,
    "visualDisabilityCompliant": False,
}


@pytest.fixture
def client(aws):
    yield from json_partners_client()


@pytest.fixture
def scene(aws):
    return offer_scene()


def create(client, scene, headers=None, **fields):
    body = product_body(scene, accessibility=ACCESSIBLE, **fields)
    return client.http.post(PRODUCTS, headers=headers or scene.headers, body=body)


def book_product(product_id: int, quantity: int = 1):
    from passculture.services.accounts.auth import load_principal
    from passculture.services.booking.bookings import book

    offer = Offer.get(ids.lookup("offer", product_id))
    [stock] = [s for s in Stock.offer_index.query(offer.id) if not s.is_deleted]
    return book(load_principal(make_young().id), stock.id, quantity).booking


def test_a_provider_creates_a_product_with_its_stock(client, scene):
    answer = create(client, scene, idAtProvider="9782070612758", stock={"price": 890, "quantity": 12})
    assert answer.status_code == 201, answer.json_body
    product = answer.json_body
    assert isinstance(product["id"], int)
    assert (product["name"], product["idAtProvider"], product["status"]) == (
        "Le Petit Prince",
        "9782070612758",
        "ACTIVE",
    )
    assert product["stock"] == {"price": 890, "quantity": 12, "bookedQuantity": 0, "bookingLimitDatetime": None}
    assert product["categoryRelatedFields"] == {"category": "LIVRE_PAPIER"}
    assert product["location"] == {"type": "physical", "venueId": scene.venue_public_id, "url": None}
    offer = Offer.get(ids.lookup("offer", product["id"]))
    assert (offer.category, offer.venue_id, offer.provider_id) == ("BOOK", scene.venue.id, str(scene.provider.id))
    [stock] = list(Stock.offer_index.query(offer.id))
    assert (stock.begins_at, int(stock.price_cents), int(stock.quantity)) == (None, 890, 12)
    assert stock.offer_copy is not None and isinstance(int(stock.public_id), int)
    fetched = client.http.get(f"{PRODUCTS}/{product['id']}", headers=scene.headers)
    assert fetched.status_code == 200 and fetched.json_body == product
    # Bookable: a young user books it.
    book_product(product["id"])
    assert (
        client.http.get(f"{PRODUCTS}/{product['id']}", headers=scene.headers).json_body["stock"]["bookedQuantity"] == 1
    )


def test_a_product_without_stock_gets_one_by_patch_and_unlimited_is_a_quantity(client, scene):
    product = create(client, scene).json_body
    assert (product["stock"], product["status"]) == (None, "DRAFT")
    no_price = client.http.patch(
        PRODUCTS, headers=scene.headers, body={"offerId": product["id"], "stock": {"quantity": 3}}
    )
    assert no_price.status_code == 400 and list(no_price.json_body) == ["stock.price"]
    given = client.http.patch(PRODUCTS, headers=scene.headers, body={"offerId": product["id"], "stock": {"price": 500}})
    assert given.status_code == 200, given.json_body
    assert given.json_body["stock"]["quantity"] == "unlimited" and given.json_body["status"] == "ACTIVE"


def test_a_patch_stock_quantity_is_what_is_still_available(client, scene):
    product = create(client, scene, stock={"price": 890, "quantity": 12}).json_body
    book_product(product["id"])
    book_product(product["id"])
    answer = client.http.patch(
        PRODUCTS,
        headers=scene.headers,
        body={"offerId": product["id"], "name": "Le Petit Prince (poche)", "stock": {"quantity": 4, "price": 750}},
    )
    assert answer.status_code == 200, answer.json_body
    assert answer.json_body["name"] == "Le Petit Prince (poche)"
    assert answer.json_body["stock"] == {"price": 750, "quantity": 6, "bookedQuantity": 2, "bookingLimitDatetime": None}
    unlimited = client.http.patch(
        PRODUCTS, headers=scene.headers, body={"offerId": product["id"], "stock": {"quantity": "unlimited"}}
    )
    assert unlimited.json_body["stock"]["quantity"] == "unlimited"


def test_stock_null_deletes_the_stock_and_cancels_its_bookings(client, scene, jobs):
    product = create(client, scene, stock={"price": 890, "quantity": 12}).json_body
    booking = book_product(product["id"])
    answer = client.http.patch(PRODUCTS, headers=scene.headers, body={"offerId": product["id"], "stock": None})
    assert answer.status_code == 200, answer.json_body
    assert answer.json_body["stock"] is None
    jobs.run()
    assert Booking.get(booking.token).status == "cancelled"
    assert Booking.get(booking.token).cancelled_by == f"provider:{scene.provider.id}"
    # The product may get a stock again.
    again = client.http.patch(PRODUCTS, headers=scene.headers, body={"offerId": product["id"], "stock": {"price": 100}})
    assert again.status_code == 200 and again.json_body["stock"]["price"] == 100


def test_product_errors_name_each_bad_field(client, scene):
    unknown = create(client, scene, color="red")
    assert unknown.status_code == 400 and unknown.json_body == {"color": ["extra fields not permitted"]}
    event = create(client, scene, categoryRelatedFields={"category": "SPECTACLE_REPRESENTATION"})
    assert event.status_code == 400 and list(event.json_body) == ["categoryRelatedFields.category"]
    stock = create(client, scene, stock={"price": 30_001, "quantity": -1})
    assert stock.status_code == 400 and "stock.price" in stock.json_body
    assert all(k.startswith("stock.") for k in stock.json_body)
    missing = client.http.post(PRODUCTS, headers=scene.headers, body={"name": "X"})
    assert missing.status_code == 400 and {"location", "categoryRelatedFields", "accessibility"} <= set(
        missing.json_body
    )
    assert create(client, scene, idAtProvider="isbn").status_code == 201
    taken = create(client, scene, idAtProvider="isbn")
    assert taken.status_code == 400 and taken.json_body == {
        "idAtProvider": ["`isbn` is already taken by another venue offer"]
    }
    product = create(client, scene).json_body
    category = client.http.patch(
        PRODUCTS,
        headers=scene.headers,
        body={"offerId": product["id"], "categoryRelatedFields": {"category": "LIVRE_AUDIO_PHYSIQUE"}},
    )
    assert category.status_code == 400 and list(category.json_body) == ["categoryRelatedFields.category"]
    no_id = client.http.patch(PRODUCTS, headers=scene.headers, body={"name": "X"})
    assert no_id.status_code == 400 and list(no_id.json_body) == ["offerId"]
    null = client.http.patch(PRODUCTS, headers=scene.headers, body={"offerId": product["id"], "name": None})
    assert null.status_code == 400 and list(null.json_body) == ["name"]


def test_the_list_pages_by_id_with_filters_and_shows_each_stock(client, scene):
    made = [create(client, scene, idAtProvider=f"p{n}", stock={"price": 100 * n + 100}).json_body for n in range(3)]
    bare = create(client, scene, idAtProvider="bare").json_body
    all_ids = sorted(p["id"] for p in [*made, bare])
    by_id = sorted(made, key=lambda p: p["id"])
    page = client.http.get(f"{PRODUCTS}?limit=2&venueId={scene.venue_public_id}", headers=scene.headers)
    assert page.status_code == 200
    assert [p["id"] for p in page.json_body["products"]] == all_ids[:2]
    after = client.http.get(f"{PRODUCTS}?firstIndex={all_ids[1] + 1}", headers=scene.headers).json_body
    assert [p["id"] for p in after["products"]] == all_ids[2:]
    some = client.http.get(f"{PRODUCTS}?idsAtProvider=p0,p2,bare", headers=scene.headers).json_body["products"]
    assert {p["idAtProvider"]: (p["stock"] or {}).get("price") for p in some} == {"p0": 100, "p2": 300, "bare": None}
    rest = client.http.get(f"{PRODUCTS}?firstIndex={by_id[-1]['id'] + 1}&idsAtProvider=p0,p1,p2", headers=scene.headers)
    assert rest.json_body == {"products": []}
    # Events are not products, nor products events.
    assert client.http.get("/public/offers/v1/events", headers=scene.headers).json_body == {"events": []}


def test_the_access_rule_is_a_404(client, scene):
    product = create(client, scene, stock={"price": 890}).json_body
    other = provider_headers(make_provider(scene.venue))
    hidden = client.http.get(f"{PRODUCTS}/{product['id']}", headers=other)
    assert hidden.status_code == 404 and hidden.json_body == {"product_id": ["The product offer could not be found"]}
    patched = client.http.patch(PRODUCTS, headers=other, body={"offerId": product["id"], "stock": None})
    assert patched.status_code == 404 and list(patched.json_body) == ["product_id"]
    assert client.http.get(PRODUCTS, headers=other).json_body == {"products": []}
    from passculture.models.offers import Offer as OfferModel
    from tests.factories import make_offerer, make_venue

    ungranted = make_venue(make_offerer())
    ids.ensure(ungranted, "venue")
    refused = create(client, scene, location={"type": "physical", "venueId": int(ungranted.public_id)})
    assert refused.status_code == 404 and list(refused.json_body) == ["location.venueId"]
    assert OfferModel.venue_index.count(ungranted.id) == 0
    # An event is not a product.
    from tests.api.test_partners_dates import make_event

    event = make_event(client, scene)
    assert client.http.get(f"{PRODUCTS}/{event['id']}", headers=scene.headers).status_code == 404
    assert client.http.get(f"/public/offers/v1/events/{product['id']}", headers=scene.headers).status_code == 404
    assert client.http.get(f"{PRODUCTS}/{product['id']}").status_code == 401
    # Stock still there: the refused PATCH did nothing.
    assert client.http.get(f"{PRODUCTS}/{product['id']}", headers=scene.headers).json_body["stock"]["price"] == 890


def test_a_digital_product_is_on_the_virtual_venue_with_its_url(client, scene):
    from passculture.services.accounts.auth import load_principal
    from passculture.services.partners import grants
    from tests.factories import make_member, make_venue

    virtual = make_venue(scene.offerer, virtual=True)
    grants.grant(load_principal(make_member(scene.offerer).id), virtual.id, scene.provider.id)
    venue_id = int(Venue.get(virtual.id).public_id)
    location = {"type": "digital", "venueId": venue_id, "url": "https://lire.example.org/petit-prince"}
    answer = create(client, scene, location=location, categoryRelatedFields={"category": "LIVRE_NUMERIQUE"})
    assert answer.status_code == 201, answer.json_body
    assert answer.json_body["location"] == location
    physical = create(client, scene, location=location)  # a paper book is not digital
    assert physical.status_code == 400 and list(physical.json_body) == ["categoryRelatedFields.category"]
    on_physical = create(client, scene, categoryRelatedFields={"category": "LIVRE_NUMERIQUE"})
    assert on_physical.status_code == 400

"""Price categories: an event's prices on the offer, its dates taking the category's price, bookings paying it."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

from infra.catalog import load_app
from passculture.models.offers import Offer
from passculture.models.stocks import Stock
from tests.api.offers_support import build_scene, later, offers_api
from tests.factories import auth, make_offer, make_young, publish


@pytest.fixture
def api(aws):
    yield from offers_api()


@pytest.fixture
def scene(aws):
    return build_scene()


def two_categories(api, scene, offer):
    answer = api.post(
        f"/offers/{offer.id}/price-categories",
        as_=scene.editor,
        json={
            "priceCategories": [
                {"label": "Carré or", "priceCents": 3500},
                {"label": "Balcon", "priceCents": 1500, "idAtProvider": "B"},
            ]
        },
    )
    assert answer.status == 201, answer.body
    return {c["label"]: c for c in answer.body["priceCategories"]}


def test_a_member_adds_lists_and_changes_price_categories(api, scene):
    offer = make_offer(scene.venue)
    made = two_categories(api, scene, offer)
    assert {(c["label"], c["priceCents"], c["idAtProvider"]) for c in made.values()} == {
        ("Carré or", 3500, None),
        ("Balcon", 1500, "B"),
    }
    assert all(isinstance(c["id"], int) and c["id"] > 0 for c in made.values())
    listed = api.get(f"/offers/{offer.id}/price-categories", as_=scene.admin)
    assert listed.status == 200 and {c["id"] for c in listed.body["priceCategories"]} == {
        c["id"] for c in made.values()
    }
    balcony = made["Balcon"]["id"]
    changed = api.patch(f"/offers/{offer.id}/price-categories/{balcony}", as_=scene.admin, json={"label": "Balcon 2"})
    assert changed.status == 200 and changed.body == {
        "id": balcony,
        "label": "Balcon 2",
        "priceCents": 1500,
        "idAtProvider": "B",
    }
    shown = api.get(f"/offers/{offer.id}", as_=scene.admin).body
    assert {c["label"] for c in shown["priceCategories"]} == {"Carré or", "Balcon 2"}


def test_a_date_takes_its_category_price_and_follows_it(api, scene):
    offer = make_offer(scene.venue)
    gold = two_categories(api, scene, offer)["Carré or"]["id"]
    dates = api.post(
        f"/offers/{offer.id}/stocks",
        as_=scene.editor,
        json={
            "stocks": [
                {"beginsAt": later(10), "priceCategoryId": gold, "quantity": 5},
                {"beginsAt": later(11), "priceCategoryId": gold},
            ]
        },
    )
    assert dates.status == 201, dates.body
    first = dates.body["stocks"][0]
    assert (first["priceCents"], first["priceCategoryId"]) == (3500, gold)
    assert first["priceCategory"] == {"id": gold, "label": "Carré or", "priceCents": 3500}
    changed = api.patch(f"/offers/{offer.id}/price-categories/{gold}", as_=scene.admin, json={"priceCents": 2800})
    assert changed.status == 200
    assert {int(Stock.get(s["id"]).price_cents) for s in dates.body["stocks"]} == {2800}
    listed = api.get(f"/offers/{offer.id}/stocks", as_=scene.admin).body["stocks"]
    assert [(s["priceCents"], s["priceCategory"]["priceCents"]) for s in listed] == [(2800, 2800)] * 2
    assert int(Offer.get(offer.id).min_price_cents) == 2800


def test_a_booking_pays_the_price_of_its_dates_category(api, scene):
    offer = make_offer(scene.venue)
    categories = two_categories(api, scene, offer)
    date = api.post(
        f"/offers/{offer.id}/stocks",
        as_=scene.editor,
        json={"beginsAt": later(10), "priceCategoryId": categories["Balcon"]["id"]},
    ).body
    api.patch(
        f"/offers/{offer.id}/price-categories/{categories['Balcon']['id']}", as_=scene.admin, json={"priceCents": 1200}
    )
    publish(Offer.get(offer.id))
    young = make_young()
    with Client(load_app("bookings")) as client:
        answer = client.http.post(
            "/bookings",
            body=json.dumps({"stockId": date["id"], "quantity": 1}),
            headers={"Content-Type": "application/json", **auth(young)},
        )
    assert answer.status_code == 201, answer.json_body
    assert answer.json_body["booking"]["amountCents"] == 1200


def test_a_booking_keeps_the_category_it_was_made_in_and_the_date_follows_a_renamed_one(api, scene):
    from passculture.models.bookings import Booking

    offer = make_offer(scene.venue, id_at_provider="show-7")
    balcony = two_categories(api, scene, offer)["Balcon"]["id"]
    date = api.post(
        f"/offers/{offer.id}/stocks", as_=scene.editor, json={"beginsAt": later(10), "priceCategoryId": balcony}
    ).body
    publish(Offer.get(offer.id))

    def book():
        with Client(load_app("bookings")) as client:
            answer = client.http.post(
                "/bookings",
                body=json.dumps({"stockId": date["id"], "quantity": 1}),
                headers={"Content-Type": "application/json", **auth(make_young())},
            )
        assert answer.status_code == 201, answer.json_body
        return Booking.get(answer.json_body["token"])

    first = book()
    assert (first.price_category_public_id, first.price_category_label, first.price_category_id_at_provider) == (
        balcony,
        "Balcon",
        "B",
    )
    assert first.offer_id_at_provider == "show-7"
    renamed = api.patch(
        f"/offers/{offer.id}/price-categories/{balcony}", as_=scene.admin, json={"label": "Loge", "idAtProvider": "L"}
    )
    assert renamed.status == 200
    stock = Stock.get(date["id"])
    assert (stock.price_category_label, stock.price_category_id_at_provider) == ("Loge", "L")
    assert Booking.get(first.token).price_category_label == "Balcon"  # what the booker was shown and paid for
    assert (book().price_category_label, Booking.get(first.token).price_category_public_id) == ("Loge", balcony)


def test_a_date_moves_to_another_category_and_its_price_cannot_be_set_apart(api, scene):
    offer = make_offer(scene.venue)
    categories = two_categories(api, scene, offer)
    date = api.post(
        f"/offers/{offer.id}/stocks",
        as_=scene.editor,
        json={"beginsAt": later(10), "priceCategoryId": categories["Balcon"]["id"]},
    ).body
    moved = api.patch(f"/stocks/{date['id']}", as_=scene.admin, json={"priceCategoryId": categories["Carré or"]["id"]})
    assert moved.status == 200 and (moved.body["priceCents"], moved.body["priceCategory"]["label"]) == (
        3500,
        "Carré or",
    )
    apart = api.patch(f"/stocks/{date['id']}", as_=scene.admin, json={"priceCents": 100})
    assert apart.status == 400 and list(apart.body["errors"]) == ["priceCents"]
    unknown = api.patch(f"/stocks/{date['id']}", as_=scene.admin, json={"priceCategoryId": 12345})
    assert unknown.status == 400 and list(unknown.body["errors"]) == ["priceCategoryId"]


def test_unknown_categories_prices_with_categories_and_things_with_one_are_400s(api, scene):
    offer = make_offer(scene.venue)
    gold = two_categories(api, scene, offer)["Carré or"]["id"]
    path = f"/offers/{offer.id}/stocks"
    unknown = api.post(
        path,
        as_=scene.admin,
        json={"stocks": [{"beginsAt": later(3), "priceCents": 0}, {"beginsAt": later(4), "priceCategoryId": 99}]},
    )
    assert unknown.status == 400 and list(unknown.body["errors"]) == ["stocks.1.priceCategoryId"]
    both = api.post(path, as_=scene.admin, json={"beginsAt": later(3), "priceCents": 10, "priceCategoryId": gold})
    assert both.status == 400 and list(both.body["errors"]) == ["priceCents"]
    thing = api.post(path, as_=scene.admin, json={"priceCategoryId": gold})
    assert thing.status == 400 and list(thing.body["errors"]) == ["priceCategoryId"]


def test_duplicates_and_more_than_fifty_are_400s(api, scene):
    offer = make_offer(scene.venue)
    two_categories(api, scene, offer)
    path = f"/offers/{offer.id}/price-categories"
    same = api.post(path, as_=scene.admin, json={"priceCategories": [{"label": "Balcon", "priceCents": 1500}]})
    assert same.status == 400 and list(same.body["errors"]) == ["priceCategories"]
    taken = api.post(
        path, as_=scene.admin, json={"priceCategories": [{"label": "X", "priceCents": 1, "idAtProvider": "B"}]}
    )
    assert taken.status == 400 and list(taken.body["errors"]) == ["priceCategories"]
    many = [{"label": f"Place {n}", "priceCents": n} for n in range(49)]
    too_many = api.post(path, as_=scene.admin, json={"priceCategories": many})
    assert too_many.status == 400
    assert "An offer cannot have more than 50 price categories" in too_many.body["errors"]["priceCategories"]
    bad = api.post(path, as_=scene.admin, json={"priceCategories": [{"label": "", "priceCents": 30_001}]})
    assert bad.status == 400 and set(bad.body["errors"]) == {"priceCategories.0.label", "priceCategories.0.priceCents"}
    assert len(Offer.get(offer.id).price_categories) == 2


def test_another_structure_gets_404_everywhere(api, scene):
    offer = make_offer(scene.venue)
    gold = two_categories(api, scene, offer)["Carré or"]["id"]
    base = f"/offers/{offer.id}/price-categories"
    assert api.get(base, as_=scene.outsider).status == 404
    assert api.post(base, as_=scene.outsider, json={"priceCategories": [{"label": "A", "priceCents": 1}]}).status == 404
    assert api.patch(f"{base}/{gold}", as_=scene.outsider, json={"priceCents": 1}).status == 404
    assert api.patch(f"{base}/777", as_=scene.admin, json={"priceCents": 1}).status == 404
    assert int(Offer.get(offer.id).price_categories[0].price_cents) in (3500, 1500)

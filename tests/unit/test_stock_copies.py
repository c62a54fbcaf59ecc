"""Stocks carry what a booking needs of their offer and venue, and the copies follow their changes."""

from __future__ import annotations

import pytest

from bench.counting import count_dynamodb_calls
from passculture.models.stocks import Stock
from passculture.services.accounts.admin import set_offerer_status
from passculture.services.booking import copies
from tests.api.offers_support import build_scene, later, offers_api
from tests.factories import make_offer, make_stock, make_team_user, publish


@pytest.fixture
def api(aws):
    yield from offers_api()


@pytest.fixture
def scene(aws):
    return build_scene()


def stock_of(stock_id: str) -> Stock:
    return Stock.get(stock_id, consistent_read=True)


def created(api, scene, offer, days: float = 10, **item) -> Stock:
    item = {"beginsAt": later(days), "priceCents": 0, **item}
    answer = api.post(f"/offers/{offer.id}/stocks", as_=scene.admin, json={"stocks": [item]})
    assert answer.status == 201, answer.body
    return stock_of(answer.body["stocks"][0]["id"])


def stock_writes(calls) -> int:
    """Calls that wrote the stocks table."""
    return sum(
        n
        for (operation, table), n in calls.tables.items()
        if table.endswith("stocks") and "Get" not in operation and operation != "Query"
    )


def test_a_new_stock_carries_its_offer_structure_and_venue(api, scene):
    offer = make_offer(scene.venue, status="draft", is_duo=True, public_id=4242)
    stock = created(api, scene, offer, priceCents=1500, quantity=20)
    assert stock.siren == scene.offerer.siren
    assert stock.offer_state == "published"  # the first date publishes the draft: the copy says so at once
    assert copies.as_dict(stock.offer_copy) == {
        "name": offer.name,
        "category": "LIVE_SHOW",
        "venue_id": scene.venue.id,
        "department_code": "75",
        "is_duo": True,
        "is_digital": False,
        "public_id": 4242,
    }
    venue = copies.as_dict(stock.venue_copy)
    assert venue["name"] == scene.venue.name and venue["address"] == scene.venue.address
    assert venue["city"] == "Paris" and venue["latitude"] == pytest.approx(48.8606)
    read_back = copies.copied_offer(stock)
    assert (read_back.id, read_back.is_duo, read_back.status, read_back.is_active) == (
        offer.id,
        True,
        "published",
        True,
    )
    assert copies.copied_venue(stock, read_back).name == scene.venue.name


def test_an_offer_edit_reaches_its_stocks_and_an_edit_of_nothing_copied_writes_none(api, scene):
    offer = make_offer(scene.venue, status="draft")
    first, second = created(api, scene, offer), created(api, scene, offer, days=11)
    answer = api.patch(f"/offers/{offer.id}", as_=scene.admin, json={"name": "Le grand concert", "isDuo": True})
    assert answer.status == 200, answer.body
    for stock in (first, second):
        copy = copies.as_dict(stock_of(stock.id).offer_copy)
        assert (copy["name"], copy["is_duo"]) == ("Le grand concert", True)
    with count_dynamodb_calls() as calls:
        assert api.patch(f"/offers/{offer.id}", as_=scene.admin, json={"description": "Deux heures"}).status == 200
    assert stock_writes(calls) == 0  # the description is not copied


def test_a_deactivated_offer_and_a_rejected_structure_make_the_stock_unbookable(api, scene):
    offer = make_offer(scene.venue, status="draft")
    stock = created(api, scene, offer)
    set_offerer_status(scene.offerer.siren, "rejected", "fraude", make_team_user().id)
    assert stock_of(stock.id).offer_state == "inactive"
    assert copies.copied_offer(stock_of(stock.id)).status == "inactive"
    set_offerer_status(scene.offerer.siren, "validated", None, make_team_user().id)
    assert stock_of(stock.id).offer_state == "published"
    assert api.delete(f"/offers/{offer.id}", as_=scene.admin).status == 204
    assert stock_of(stock.id).offer_state == "inactive"


def test_a_venue_rename_or_move_reaches_the_stocks_of_its_offers(api, scene):
    offers = [make_offer(scene.venue, status="draft") for _ in range(2)]
    stocks = [created(api, scene, offer) for offer in offers]
    answer = api.patch(f"/venues/{scene.venue.id}", as_=scene.admin, json={"name": "Grande salle"})
    assert answer.status == 200, answer.body
    assert {copies.as_dict(stock_of(s.id).venue_copy)["name"] for s in stocks} == {"Grande salle"}
    moved = {"address": "3 rue Neuve", "postalCode": "69001", "city": "Lyon", "latitude": 45.767, "longitude": 4.834}
    assert api.patch(f"/venues/{scene.venue.id}", as_=scene.admin, json=moved).status == 200
    copy = copies.as_dict(stock_of(stocks[0].id).venue_copy)
    assert (copy["city"], copy["department_code"], copy["latitude"]) == ("Lyon", "69", pytest.approx(45.767))
    # The booking email too: a new booking's email to the venue goes where the booking's copy says.
    patch = {"bookingEmail": "guichet@example.org"}
    assert api.patch(f"/venues/{scene.venue.id}", as_=scene.admin, json=patch).status == 200
    assert {copies.as_dict(stock_of(s.id).venue_copy)["booking_email"] for s in stocks} == {"guichet@example.org"}
    with count_dynamodb_calls() as calls:
        assert api.patch(f"/venues/{scene.venue.id}", as_=scene.admin, json=patch).status == 200
    assert stock_writes(calls) == 0  # nothing changed: no copy written


def test_unchanged_copies_write_nothing_and_old_stocks_get_theirs_on_the_next_refresh(aws):
    scene = build_scene()
    offer = make_offer(scene.venue, status="draft")
    old = make_stock(offer)  # written before the copies existed
    assert copies.copied_offer(old) is None
    publish(offer)
    stock = stock_of(old.id)
    assert (stock.siren, stock.offer_state, copies.as_dict(stock.offer_copy)["name"]) == (
        offer.siren,
        "published",
        offer.name,
    )
    assert copies.copied_venue(stock, copies.copied_offer(stock)) is None  # the venue's copy needs the venue
    with count_dynamodb_calls() as calls:
        publish(offer)
    assert stock_writes(calls) == 0


def test_a_deleted_stock_keeps_its_copy(aws):
    scene = build_scene()
    offer = make_offer(scene.venue, status="draft")
    live, gone = make_stock(offer), make_stock(offer, is_deleted=True)
    publish(offer)
    assert stock_of(live.id).offer_state == "published"
    assert stock_of(gone.id).offer_state is None

"""/public/offers/v1/events/{event_id}: a provider's price categories and dates, on the pro side's rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from passculture.models.base import utcnow
from passculture.models.bookings import Booking
from passculture.models.offers import Offer
from passculture.models.stocks import Stock
from passculture.services.partners import ids
from tests.api.partners_support import (
    EVENTS,
    event_body,
    json_partners_client,
    make_provider,
    offer_scene,
    provider_headers,
)
from tests.factories import make_young


@pytest.fixture
def client(aws):
    yield from json_partners_client()


@pytest.fixture
def scene(aws):
    return offer_scene()


def z(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def in_days(days: float) -> str:
    return z((utcnow() + timedelta(days=days)).replace(microsecond=0))


def make_event(client, scene, headers=None, **fields) -> dict:
    fields.setdefault(
        "priceCategories",
        [{"label": "Carré or", "price": 3500, "idAtProvider": "or"}, {"label": "Balcon", "price": 1500}],
    )
    answer = client.http.post(EVENTS, headers=headers or scene.headers, body=event_body(scene, **fields))
    assert answer.status_code == 200, answer.json_body
    return answer.json_body


def category_ids(event: dict) -> dict[str, int]:
    return {c["label"]: c["id"] for c in event["priceCategories"]}


def a_date(category_id: int, days: float = 10, **fields) -> dict:
    return {"beginningDatetime": in_days(days), "priceCategoryId": category_id, "quantity": 20, **fields}


def add_dates(client, scene, event, *dates, headers=None):
    return client.http.post(
        f"{EVENTS}/{event['id']}/dates", headers=headers or scene.headers, body={"dates": list(dates)}
    )


def book_date(stock_id: int, quantity: int = 1):
    from passculture.services.accounts.auth import load_principal
    from passculture.services.booking.bookings import book

    return book(load_principal(make_young().id), ids.lookup("stock", stock_id), quantity).booking


# -- price categories ---------------------------------------------------------------


def test_a_provider_adds_lists_filters_and_changes_price_categories(client, scene):
    event = make_event(client, scene)
    url = f"{EVENTS}/{event['id']}/price_categories"
    added = client.http.post(
        url,
        headers=scene.headers,
        body={"priceCategories": [{"label": "Fosse", "price": 2500, "idAtProvider": "fosse"}]},
    )
    assert added.status_code == 200, added.json_body
    [fosse] = added.json_body["priceCategories"]
    assert (fosse["label"], fosse["price"], fosse["idAtProvider"]) == ("Fosse", 2500, "fosse")
    assert isinstance(fosse["id"], int)
    listed = client.http.get(url, headers=scene.headers).json_body["priceCategories"]
    assert [c["label"] for c in listed] == ["Carré or", "Balcon", "Fosse"]
    some = client.http.get(f"{url}?idsAtProvider=or,fosse", headers=scene.headers).json_body["priceCategories"]
    assert sorted(c["idAtProvider"] for c in some) == ["fosse", "or"]
    changed = client.http.patch(
        f"{url}/{fosse['id']}", headers=scene.headers, body={"price": 2000, "label": "Fosse debout"}
    )
    assert changed.status_code == 200, changed.json_body
    assert changed.json_body == {"id": fosse["id"], "label": "Fosse debout", "price": 2000, "idAtProvider": "fosse"}
    # The same categories the pro side shows.
    offer = Offer.get(ids.lookup("offer", event["id"]))
    assert [(c.label, int(c.price_cents)) for c in offer.price_categories][-1] == ("Fosse debout", 2000)
    unset = client.http.patch(f"{url}/{fosse['id']}", headers=scene.headers, body={"idAtProvider": None})
    assert unset.status_code == 200 and unset.json_body["idAtProvider"] is None


def test_a_new_price_follows_onto_the_dates_of_the_category(client, scene):
    event = make_event(client, scene)
    balcony = category_ids(event)["Balcon"]
    [date] = add_dates(client, scene, event, a_date(balcony)).json_body["dates"]
    client.http.patch(f"{EVENTS}/{event['id']}/price_categories/{balcony}", headers=scene.headers, body={"price": 1800})
    assert int(Stock.get(ids.lookup("stock", date["id"])).price_cents) == 1800
    shown = client.http.get(f"{EVENTS}/{event['id']}/dates", headers=scene.headers).json_body["dates"]
    assert shown[0]["priceCategory"]["price"] == 1800


def test_price_category_errors(client, scene):
    event = make_event(client, scene)
    url = f"{EVENTS}/{event['id']}/price_categories"
    twice = client.http.post(url, headers=scene.headers, body={"priceCategories": [{"label": "Balcon", "price": 1500}]})
    assert twice.status_code == 400 and list(twice.json_body) == ["priceCategories"]
    same_id = client.http.post(
        url, headers=scene.headers, body={"priceCategories": [{"label": "X", "price": 1, "idAtProvider": "or"}]}
    )
    assert same_id.status_code == 400 and list(same_id.json_body) == ["priceCategories"]
    many = [{"label": f"Tarif {n}", "price": n} for n in range(49)]
    too_many = client.http.post(url, headers=scene.headers, body={"priceCategories": many})
    assert too_many.status_code == 400
    assert too_many.json_body == {"priceCategories": ["An offer cannot have more than 50 price categories"]}
    assert client.http.post(url, headers=scene.headers, body={"priceCategories": many[:48]}).status_code == 200
    bad = client.http.post(
        url, headers=scene.headers, body={"priceCategories": [{"label": "", "price": 30_001, "color": 1}]}
    )
    assert bad.status_code == 400
    assert set(bad.json_body) == {"priceCategories.0.label", "priceCategories.0.price", "priceCategories.0.color"}
    balcony = category_ids(event)["Balcon"]
    null = client.http.patch(f"{url}/{balcony}", headers=scene.headers, body={"label": None, "price": None})
    assert null.status_code == 400 and set(null.json_body) == {"label", "price"}
    clash = client.http.patch(f"{url}/{balcony}", headers=scene.headers, body={"label": "Carré or", "price": 3500})
    assert clash.status_code == 400 and list(clash.json_body) == ["priceCategories"]
    for unknown in ("123", "abc"):
        missing = client.http.patch(f"{url}/{unknown}", headers=scene.headers, body={"price": 1})
        assert missing.status_code == 404
        assert missing.json_body == {"price_category_id": ["The price category could not be found"]}


# -- dates ----------------------------------------------------------------------------


def test_a_provider_adds_dates_with_their_price_category_and_lists_them(client, scene):
    event = make_event(client, scene)
    gold, balcony = category_ids(event)["Carré or"], category_ids(event)["Balcon"]
    limit = in_days(9)
    answer = add_dates(
        client,
        scene,
        event,
        a_date(gold, idAtProvider="d1", bookingLimitDatetime=limit),
        a_date(balcony, days=11, quantity="unlimited"),
    )
    assert answer.status_code == 200, answer.json_body
    first, second = answer.json_body["dates"]
    assert isinstance(first["id"], int) and first["id"] != second["id"]
    assert first["priceCategory"] == {"id": gold, "label": "Carré or", "price": 3500, "idAtProvider": "or"}
    assert (first["quantity"], first["bookedQuantity"], first["idAtProvider"]) == (20, 0, "d1")
    assert first["bookingLimitDatetime"] == limit and first["beginningDatetime"].endswith("Z")
    # The booking limit defaults to the start; "unlimited" is a quantity.
    assert second["bookingLimitDatetime"] == second["beginningDatetime"] and second["quantity"] == "unlimited"
    # Stocks as the pro side writes them: the category's price, the copies a booking reads.
    stock = Stock.get(ids.lookup("stock", first["id"]))
    assert (int(stock.price_cents), int(stock.price_category_id), stock.offer_id) == (3500, gold, stock.offer_id)
    assert stock.offer_copy is not None and stock.venue_copy is not None and stock.siren == scene.venue.siren
    # The event is now bookable.
    assert client.http.get(f"{EVENTS}/{event['id']}", headers=scene.headers).json_body["status"] == "ACTIVE"
    listed = client.http.get(f"{EVENTS}/{event['id']}/dates", headers=scene.headers).json_body["dates"]
    assert sorted(d["id"] for d in listed) == [d["id"] for d in listed] == sorted([first["id"], second["id"]])
    assert {d["id"]: d for d in listed}[first["id"]] == first


def test_the_dates_list_pages_by_id_and_filters_by_id_at_provider(client, scene):
    event = make_event(client, scene)
    gold = category_ids(event)["Carré or"]
    made = add_dates(client, scene, event, *[a_date(gold, days=5 + n, idAtProvider=f"d{n}") for n in range(5)])
    by_id = sorted(d["id"] for d in made.json_body["dates"])
    url = f"{EVENTS}/{event['id']}/dates"
    page = client.http.get(f"{url}?limit=2", headers=scene.headers).json_body["dates"]
    assert [d["id"] for d in page] == by_id[:2]
    rest = client.http.get(f"{url}?limit=50&firstIndex={by_id[1] + 1}", headers=scene.headers).json_body["dates"]
    assert [d["id"] for d in rest] == by_id[2:]
    some = client.http.get(f"{url}?idsAtProvider=d1,d4", headers=scene.headers).json_body["dates"]
    assert sorted(d["idAtProvider"] for d in some) == ["d1", "d4"]
    assert client.http.get(f"{url}?limit=51", headers=scene.headers).status_code == 400
    too_many = ",".join(f"x{n}" for n in range(101))
    assert client.http.get(f"{url}?idsAtProvider={too_many}", headers=scene.headers).status_code == 400


def test_date_creation_errors_name_each_date_by_its_index(client, scene):
    event = make_event(client, scene)
    gold = category_ids(event)["Carré or"]
    unknown = add_dates(client, scene, event, a_date(gold), a_date(123456))
    assert unknown.status_code == 400
    assert unknown.json_body == {"dates.1.priceCategoryId": ["The price category could not be found"]}
    late = add_dates(client, scene, event, a_date(gold, days=3, bookingLimitDatetime=in_days(4)))
    assert late.status_code == 400 and list(late.json_body) == ["dates.0.bookingLimitDatetime"]
    twice = add_dates(client, scene, event, a_date(gold, idAtProvider="x"), a_date(gold, idAtProvider="x"))
    assert twice.status_code == 400
    assert twice.json_body == {"dates.1.idAtProvider": ["`x` is already taken by another date of this offer"]}
    past = add_dates(client, scene, event, a_date(gold, days=-1))
    assert past.status_code == 400 and past.json_body == {
        "dates.0.beginningDatetime": ["The datetime must be in the future."]
    }
    naive = add_dates(client, scene, event, {**a_date(gold), "beginningDatetime": "2030-01-01T10:00:00"})
    assert naive.status_code == 400
    assert naive.json_body == {"dates.0.beginningDatetime": ["The datetime must be timezone-aware."]}
    bad = add_dates(client, scene, event, {"priceCategoryId": "1", "quantity": -1, "extra": True})
    assert bad.status_code == 400
    assert set(bad.json_body) == {
        "dates.0.beginningDatetime",
        "dates.0.priceCategoryId",
        "dates.0.extra",
    } | {k for k in bad.json_body if k.startswith("dates.0.quantity")}
    assert any(k.startswith("dates.0.quantity") for k in bad.json_body)
    # Nothing was written by a refused request.
    assert Stock.offer_index.count(ids.lookup("offer", event["id"])) == 0
    assert add_dates(client, scene, event, a_date(gold, idAtProvider="x")).status_code == 200
    again = add_dates(client, scene, event, a_date(gold, idAtProvider="x"))
    assert again.status_code == 400 and list(again.json_body) == ["dates.0.idAtProvider"]


def test_an_event_holds_at_most_2500_dates(client, scene, monkeypatch):
    from passculture.services.partners import dates

    monkeypatch.setattr(dates, "MAX_DATES", 3)
    event = make_event(client, scene)
    gold = category_ids(event)["Carré or"]
    assert add_dates(client, scene, event, a_date(gold), a_date(gold, days=11)).status_code == 200
    over = add_dates(client, scene, event, a_date(gold, days=12), a_date(gold, days=13))
    assert over.status_code == 400
    assert over.json_body == {"dates": ["The maximum number of stock entries allowed per offer is 2500"]}
    assert add_dates(client, scene, event, a_date(gold, days=12)).status_code == 200


def test_many_dates_in_one_request_span_transactions(client, scene):
    event = make_event(client, scene)
    gold = category_ids(event)["Carré or"]
    answer = add_dates(client, scene, event, *[a_date(gold, days=3 + n / 24, idAtProvider=f"h{n}") for n in range(70)])
    assert answer.status_code == 200, answer.json_body
    assert len({d["id"] for d in answer.json_body["dates"]}) == 70
    assert Stock.offer_index.count(ids.lookup("offer", event["id"])) == 70


def test_a_patch_quantity_is_what_is_still_available_and_answers_show_the_total(client, scene):
    event = make_event(client, scene, enableDoubleBookings=True)
    gold = category_ids(event)["Carré or"]
    [date] = add_dates(client, scene, event, a_date(gold, quantity=10)).json_body["dates"]
    book_date(date["id"], 2)
    url = f"{EVENTS}/{event['id']}/dates/{date['id']}"
    changed = client.http.patch(url, headers=scene.headers, body={"quantity": 5})
    assert changed.status_code == 200, changed.json_body
    assert (changed.json_body["quantity"], changed.json_body["bookedQuantity"]) == (7, 2)
    stock = Stock.get(ids.lookup("stock", date["id"]))
    assert (int(stock.quantity), stock.places_left) == (7, 5)
    none_left = client.http.patch(url, headers=scene.headers, body={"quantity": 0})
    assert none_left.json_body["quantity"] == 2
    unlimited = client.http.patch(url, headers=scene.headers, body={"quantity": "unlimited"})
    assert unlimited.json_body["quantity"] == "unlimited"
    assert Stock.get(stock.id).quantity is None


def test_a_patch_changes_what_is_sent(client, scene):
    event = make_event(client, scene)
    gold, balcony = category_ids(event)["Carré or"], category_ids(event)["Balcon"]
    [date, other] = add_dates(
        client, scene, event, a_date(gold, idAtProvider="a"), a_date(gold, days=12, idAtProvider="b")
    ).json_body["dates"]
    url = f"{EVENTS}/{event['id']}/dates/{date['id']}"
    start = in_days(20)
    changed = client.http.patch(
        url, headers=scene.headers, body={"beginningDatetime": start, "priceCategoryId": balcony, "idAtProvider": "c"}
    )
    assert changed.status_code == 200, changed.json_body
    body = changed.json_body
    assert (body["beginningDatetime"], body["priceCategory"]["id"], body["idAtProvider"]) == (start, balcony, "c")
    assert body["bookingLimitDatetime"] == date["bookingLimitDatetime"]  # still before the new start
    assert int(Stock.get(ids.lookup("stock", date["id"])).price_cents) == 1500
    # "a" is free again; "b" is the other date's.
    assert client.http.patch(url, headers=scene.headers, body={"idAtProvider": "a"}).status_code == 200
    taken = client.http.patch(url, headers=scene.headers, body={"idAtProvider": "b"})
    assert taken.status_code == 400 and taken.json_body == {
        "idAtProvider": ["`b` is already taken by another date of this offer"]
    }
    limit = client.http.patch(url, headers=scene.headers, body={"bookingLimitDatetime": in_days(30)})
    assert limit.status_code == 400 and list(limit.json_body) == ["bookingLimitDatetime"]
    earlier = client.http.patch(url, headers=scene.headers, body={"beginningDatetime": in_days(2)})
    assert (
        earlier.status_code == 200
        and earlier.json_body["bookingLimitDatetime"] == earlier.json_body["beginningDatetime"]
    )
    unknown = client.http.patch(url, headers=scene.headers, body={"priceCategoryId": 99})
    assert unknown.status_code == 400 and unknown.json_body == {
        "priceCategoryId": ["The price category could not be found"]
    }
    null = client.http.patch(url, headers=scene.headers, body={"quantity": None, "beginningDatetime": None})
    assert null.status_code == 400 and set(null.json_body) == {"quantity", "beginningDatetime"}
    extra = client.http.patch(url, headers=scene.headers, body={"price": 10})
    assert extra.status_code == 400 and extra.json_body == {"price": ["extra fields not permitted"]}
    assert other["idAtProvider"] == "b"


def test_deleting_a_date_cancels_its_bookings_and_frees_its_id_at_provider(client, scene, jobs):
    event = make_event(client, scene)
    gold = category_ids(event)["Carré or"]
    [date] = add_dates(client, scene, event, a_date(gold, idAtProvider="x")).json_body["dates"]
    booking = book_date(date["id"])
    url = f"{EVENTS}/{event['id']}/dates/{date['id']}"
    assert client.http.delete(url, headers=scene.headers).status_code == 204
    assert Stock.get(ids.lookup("stock", date["id"])).is_deleted is True
    jobs.run()
    assert Booking.get(booking.token).status == "cancelled"
    assert Booking.get(booking.token).cancelled_by == f"provider:{scene.provider.id}"
    assert client.http.get(f"{EVENTS}/{event['id']}/dates", headers=scene.headers).json_body == {"dates": []}
    again = client.http.delete(url, headers=scene.headers)
    assert again.status_code == 404 and again.json_body == {"stock_id": ["The stock could not be found"]}
    assert client.http.patch(url, headers=scene.headers, body={"quantity": 1}).status_code == 404
    assert add_dates(client, scene, event, a_date(gold, idAtProvider="x")).status_code == 200


def test_the_access_rule_is_a_404_on_every_route(client, scene):
    event = make_event(client, scene)
    gold = category_ids(event)["Carré or"]
    [date] = add_dates(client, scene, event, a_date(gold)).json_body["dates"]
    # Another provider granted the same venue: not its event. A withdrawn grant: no longer the provider's.
    other = provider_headers(make_provider(scene.venue))
    base = f"{EVENTS}/{event['id']}"
    calls = [
        ("post", f"{base}/price_categories", {"priceCategories": [{"label": "X", "price": 1}]}),
        ("get", f"{base}/price_categories", None),
        ("patch", f"{base}/price_categories/{gold}", {"price": 1}),
        ("post", f"{base}/dates", {"dates": [a_date(gold)]}),
        ("get", f"{base}/dates", None),
        ("patch", f"{base}/dates/{date['id']}", {"quantity": 1}),
        ("delete", f"{base}/dates/{date['id']}", None),
    ]
    for method, path, body in calls:
        answer = getattr(client.http, method)(path, headers=other, body=body)
        assert answer.status_code == 404, (method, path)
        assert answer.json_body == {"event_id": ["The event offer could not be found"]}
        assert getattr(client.http, method)(path, body=body).status_code == 401
    # A date of another event is not this event's.
    second = make_event(client, scene)
    wrong = client.http.patch(
        f"{EVENTS}/{second['id']}/dates/{date['id']}", headers=scene.headers, body={"quantity": 1}
    )
    assert wrong.status_code == 404 and list(wrong.json_body) == ["stock_id"]
    from passculture.services.accounts.auth import load_principal
    from passculture.services.partners import grants
    from tests.factories import make_member

    grants.withdraw(load_principal(make_member(scene.offerer).id), scene.venue.id, scene.provider.id)
    for method, path, body in calls:
        assert getattr(client.http, method)(path, headers=scene.headers, body=body).status_code == 404, path
    assert Stock.get(ids.lookup("stock", date["id"])).is_deleted is False


def test_a_booking_of_a_date_carries_its_price_category_and_the_date_s_id_at_provider(client, scene):
    event = make_event(client, scene)
    gold, balcony = category_ids(event)["Carré or"], category_ids(event)["Balcon"]
    dates = add_dates(client, scene, event, a_date(gold, idAtProvider="g"), a_date(balcony, idAtProvider="b"))
    by_id = {d["idAtProvider"]: d["id"] for d in dates.json_body["dates"]}
    booking = book_date(by_id["b"])
    assert booking.amount_cents == 1500  # the category's price
    assert (int(booking.price_category_public_id), booking.stock_id_at_provider) == (balcony, "b")
    book_date(by_id["g"])
    listed = client.http.get(
        f"/public/bookings/v1/bookings?offerId={event['id']}&priceCategoryId={balcony}", headers=scene.headers
    ).json_body["bookings"]
    assert [(b["stockId"], b["priceCategoryId"], b["price"]) for b in listed] == [(by_id["b"], balcony, 1500)]


def test_a_big_date_is_split_in_shards_and_its_patch_keeps_the_quantity_semantics(client, scene):
    event = make_event(client, scene)
    gold = category_ids(event)["Carré or"]
    [date] = add_dates(client, scene, event, a_date(gold, quantity=500)).json_body["dates"]
    stock = Stock.get(ids.lookup("stock", date["id"]))
    assert stock.shard_count > 1  # written with its shards, as the pro side writes a big date
    book_date(date["id"])
    url = f"{EVENTS}/{event['id']}/dates/{date['id']}"
    changed = client.http.patch(url, headers=scene.headers, body={"quantity": 100})
    assert changed.status_code == 200, changed.json_body
    assert (changed.json_body["quantity"], changed.json_body["bookedQuantity"]) == (101, 1)
    unlimited = client.http.patch(url, headers=scene.headers, body={"quantity": "unlimited"})
    assert unlimited.status_code == 400 and list(unlimited.json_body) == ["quantity"]


def test_a_future_booking_opening_keeps_the_dates_unbookable_until_it_and_follows_its_patch(client, scene):
    from passculture.errors import Conflict

    opening = in_days(3)
    event = make_event(client, scene, bookingAllowedDatetime=opening)
    assert event["bookingAllowedDatetime"] == opening
    dates = add_dates(client, scene, event, a_date(category_ids(event)["Balcon"]))
    assert dates.status_code == 200, dates.json_body
    stock_id = dates.json_body["dates"][0]["id"]
    assert z(Stock.get(ids.lookup("stock", stock_id)).bookable_from) == opening  # the date's copy
    with pytest.raises(Conflict) as refused:
        book_date(stock_id)
    assert refused.value.errors == {"stockId": [f"Bookings for this date open at {opening}"]}
    # The partner opens bookings now: its dates follow at once.
    opened = client.http.patch(f"{EVENTS}/{event['id']}", headers=scene.headers, body={"bookingAllowedDatetime": None})
    assert opened.status_code == 200 and opened.json_body["bookingAllowedDatetime"] is None
    assert Stock.get(ids.lookup("stock", stock_id)).bookable_from is None
    assert book_date(stock_id).amount_cents == 1500
    # A past moment is no opening: bookable at once.
    earlier = make_event(client, scene, name="Tartuffe", bookingAllowedDatetime=in_days(-1))
    assert earlier["bookingAllowedDatetime"] is None

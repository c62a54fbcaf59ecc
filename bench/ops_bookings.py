"""Bench operations of the app side: feed, offer page, booking, my bookings, cancelling.

Booking's goal is 2 sequential round trips and 3 calls: one BatchGetItem of the
user (the route verifies the token without reading it), the stock (carrying
copies of its offer and venue, ``booking/copies.py``) and the structure (its
SIREN is masked in the stock id, ``stock_ids.py``: only a validated structure's
stocks are bookable), beside the wallet Query (one round trip); then the
TransactWriteItems. A stock made before copies and such ids costs the offer,
then the venue and the structure beside each other: two round trips more.
"""

from __future__ import annotations

from bench.registry import Operation, Request
from tests.factories import auth, make_local_credit, make_offer, make_offerer, make_stock, make_venue, make_young
from tests.factories import publish as refresh

PARIS = (48.8566, 2.3522)


def _stock(**fields):
    venue = make_venue(make_offerer())
    offer = make_offer(venue, category=fields.pop("category", "LIVE_SHOW"))
    stock = make_stock(offer, **{"copied": True, **fields})
    refresh(offer)
    return stock


def _booking_request(stock, young, key: str | None = None) -> Request:
    headers = {**auth(young), **({"Idempotency-Key": key} if key else {})}
    return Request("POST", "/bookings", json={"stockId": stock.id, "quantity": 1}, headers=headers)


def book_event(api) -> Request:
    return _booking_request(_stock(price_cents=1500), make_young())


def book_with_local_credit(api) -> Request:
    young = make_young()
    make_local_credit(young, perimeter={"categories": ["BOOK"]})
    return _booking_request(_stock(category="BOOK", event=False, price_cents=5000), young)


def book_old_stock(api) -> Request:
    """A stock made before stocks carried copies and ids named their structure (never refreshed since)."""
    venue = make_venue(make_offerer())
    return _booking_request(make_stock(make_offer(venue), price_cents=1500), make_young())


def book_sold_out(api) -> Request:
    return _booking_request(_stock(quantity=2, booked=2), make_young())


def book_replayed(api) -> Request:
    stock, young = _stock(), make_young()
    assert api.send(_booking_request(stock, young, "bench-retry")).status == 201
    return _booking_request(stock, young, "bench-retry")


def cancel(api) -> Request:
    young = make_young()
    token = api.send(_booking_request(_stock(), young)).json()["token"]
    return Request("POST", f"/bookings/{token}/cancel", headers=auth(young))


def my_bookings(api) -> Request:
    young = make_young()
    for _ in range(3):
        assert api.send(_booking_request(_stock(), young)).status == 201
    return Request("GET", "/bookings", headers=auth(young))


def public_offer(api) -> Request:
    stock = _stock()
    return Request("GET", f"/offers/{stock.offer_id}/public", headers=auth(make_young()))


PLACES = {"Paris": PARIS, "Cayenne": (4.9224, -52.3135), "70 N": (70.0, 23.0)}


def feed(radius_km: int, place: str = "Paris"):
    def setup(api) -> Request:
        lat, lng = PLACES[place]
        venue = make_venue(make_offerer(), latitude=lat + 0.01, longitude=lng)
        offer = make_offer(venue)
        make_stock(offer)
        refresh(offer)  # one offer on the page, so the territory's highlights are read
        query = {"latitude": lat, "longitude": lng, "radiusKm": radius_km, "digital": "true"}
        return Request("GET", "/feed", query=query, headers=auth(make_young()))

    return setup


def _feed_calls(cells: int) -> dict[str, int]:
    # The user; one Query per grid cell meeting the circle (rules/geo.py), one for the digital
    # offers, one for the territory's marks (highlights, local validations, label-only programmes):
    # at most 20 Queries (18 cells) anywhere.
    return {"GetItem": 1, "Query": cells + 2}


OPERATIONS = [
    Operation(
        "POST /bookings (event, national credit)",
        book_event,
        201,
        {"BatchGetItem": 1, "Query": 1, "TransactWriteItems": 1},
        expect_round_trips=2,
    ),
    Operation(
        "POST /bookings (thing, local credit then national)",
        book_with_local_credit,
        201,
        {"BatchGetItem": 1, "Query": 1, "TransactWriteItems": 1},
        expect_round_trips=2,
    ),
    # A stock made before stocks carried copies (a bare uuid id): the offer, then its venue and structure
    # beside each other, 4 round trips (counted 3: the request's thread waits for the venue's and structure's
    # threads, which count_round_trips does not see).
    Operation(
        "POST /bookings (a stock made before copies)",
        book_old_stock,
        201,
        {"BatchGetItem": 1, "Query": 1, "GetItem": 3, "TransactWriteItems": 1},
    ),
    # Refused on the first reads: no transaction.
    Operation("POST /bookings sold out", book_sold_out, 409, {"BatchGetItem": 1, "Query": 1}, expect_round_trips=1),
    # The transaction fails on the Idempotency-Key guard; then the key's item and its booking.
    Operation(
        "POST /bookings Idempotency-Key replay",
        book_replayed,
        200,
        {"BatchGetItem": 1, "GetItem": 2, "Query": 1, "TransactWriteItems": 1},
    ),
    # The booking, its stock's current date (the deadline), the mirror transaction, the stock
    # again (did a sold-out date reopen? then the feed follows), the venue for the reply.
    Operation(
        "POST /bookings/{token}/cancel", cancel, 200, {"BatchGetItem": 2, "TransactWriteItems": 1}, expect_round_trips=2
    ),
    Operation("GET /bookings (3 bookings)", my_bookings, 200, {"Query": 1, "BatchGetItem": 1}),
    # The user, the offer, its venue; its stocks; the caller's department's marks (an offer of that department).
    Operation("GET /offers/{id}/public", public_offer, 200, {"GetItem": 3, "Query": 2}),
    # Cells of 5 km, 20 km and 70 km: the finest level whose covering has at most 18 cells.
    Operation("GET /feed radiusKm=5 Paris", feed(5), 200, _feed_calls(7)),
    Operation("GET /feed radiusKm=20 Paris", feed(20), 200, _feed_calls(9)),
    Operation("GET /feed radiusKm=100 Paris", feed(100), 200, _feed_calls(13)),
    Operation("GET /feed radiusKm=5 Cayenne", feed(5, "Cayenne"), 200, _feed_calls(8)),
    Operation("GET /feed radiusKm=100 Cayenne", feed(100, "Cayenne"), 200, _feed_calls(14)),
    Operation("GET /feed radiusKm=5 70 N", feed(5, "70 N"), 200, _feed_calls(8)),
    Operation("GET /feed radiusKm=100 70 N", feed(100, "70 N"), 200, _feed_calls(12)),
]

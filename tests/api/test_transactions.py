"""A structure's transactions: filtered pages, and the CSV export in chunks."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from chalice.test import Client

from infra.catalog import load_app
from passculture.config import get_settings
from passculture.models.base import utcnow
from passculture.models.bookings import Booking
from passculture.services.countermarks import transactions
from tests.factories import (
    auth,
    make_booking,
    make_member,
    make_offer,
    make_offerer,
    make_stock,
    make_venue,
    make_young,
)


@pytest.fixture
def client(aws):
    with Client(load_app("countermarks")) as c:
        yield c


@pytest.fixture
def shop(aws):
    """A structure with two venues and five bookings a day apart (the oldest first in ``bookings``)."""
    offerer = make_offerer()
    venue, second = make_venue(offerer), make_venue(offerer)
    offer = make_offer(venue, name="Concert")
    stock = make_stock(offer, price_cents=1250)
    other_offer = make_offer(second)
    other_stock = make_stock(other_offer, price_cents=500)
    young = make_young()
    start = utcnow() - timedelta(days=10)
    bookings = []
    for n, status in enumerate(("booked", "used", "cancelled", "reimbursed", "booked")):
        on_second = n == 4
        booking = make_booking(
            other_stock if on_second else stock,
            other_offer if on_second else offer,
            second if on_second else venue,
            young,
            status=status,
        )
        booking.update(actions=[Booking.created_at.set(start + timedelta(days=n))])
        bookings.append(booking)
    return dataclasses.make_dataclass("Shop", ["offerer", "venue", "second", "member", "bookings", "start"])(
        offerer, venue, second, make_member(offerer, role="editor"), bookings, start
    )


def tokens(body):
    return [item["token"] for item in body["items"]]


def newest_first(bookings):
    return [b.token for b in reversed(bookings)]


def test_a_member_lists_the_structures_transactions_newest_first(client, shop):
    response = client.http.get("/bookings/pro", headers=auth(shop.member))
    assert response.status_code == 200
    assert tokens(response.json_body) == newest_first(shop.bookings)
    first = response.json_body["items"][-1]
    assert first["status"] == "booked"
    assert (first["quantity"], first["unitPriceCents"], first["amountCents"]) == (1, 1250, 1250)
    assert (first["offerName"], first["venueName"], first["venueId"]) == ("Concert", shop.venue.name, shop.venue.id)
    assert response.json_body["nextCursor"] is None


def test_filters_by_venue_period_and_status(client, shop):
    def listed(query):
        response = client.http.get(f"/bookings/pro?{query}", headers=auth(shop.member))
        assert response.status_code == 200, response.json_body
        return tokens(response.json_body)

    b = shop.bookings
    assert listed(f"venueId={shop.second.id}") == [b[4].token]
    assert listed("status=used") == [b[1].token]
    since = (shop.start + timedelta(days=1)).isoformat()
    until = (shop.start + timedelta(days=3)).isoformat()
    assert listed(f"from={since.replace('+', '%2B')}&to={until.replace('+', '%2B')}") == newest_first(b[1:4])
    assert listed(f"from={since}") == newest_first(b[1:])  # an unencoded "+" arrives as a space
    assert listed(f"to={until.replace('+', '%2B')}&status=booked") == [b[0].token]


def test_pages_follow_the_cursor_without_gaps(client, shop):
    seen, cursor = [], None
    while True:
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.http.get(f"/bookings/pro?{query}", headers=auth(shop.member)).json_body
        seen += tokens(body)
        cursor = body["nextCursor"]
        if not cursor:
            break
    assert seen == newest_first(shop.bookings)


def test_a_cursor_of_another_list_or_a_forged_one_is_400(client, shop):
    cursor = client.http.get("/bookings/pro?limit=1", headers=auth(shop.member)).json_body["nextCursor"]
    other = client.http.get(f"/bookings/pro?venueId={shop.second.id}&cursor={cursor}", headers=auth(shop.member))
    assert other.status_code == 400
    assert set(other.json_body["errors"]) == {"cursor"}
    forged = client.http.get("/bookings/pro?cursor=eyJ0b2tlbiI6e319.abc", headers=auth(shop.member))
    assert forged.status_code == 400


def test_bad_filters_are_400_naming_each(client, shop):
    response = client.http.get(
        "/bookings/pro?status=lost&from=yesterday&siren=12&limit=1000", headers=auth(shop.member)
    )
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == {"status", "from", "siren", "limit"}
    backwards = client.http.get(
        "/bookings/pro?from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z", headers=auth(shop.member)
    )
    assert backwards.status_code == 400
    assert set(backwards.json_body["errors"]) == {"to"}


def test_a_member_of_several_structures_says_which(client, shop):
    other = make_offerer()
    make_member(other, shop.member)
    response = client.http.get("/bookings/pro", headers=auth(shop.member))
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == {"siren"}
    chosen = client.http.get(f"/bookings/pro?siren={shop.offerer.siren}", headers=auth(shop.member))
    assert tokens(chosen.json_body) == newest_first(shop.bookings)
    assert client.http.get(f"/bookings/pro?siren={other.siren}", headers=auth(shop.member)).json_body["items"] == []


def test_another_structures_transactions_are_404(client, shop):
    outsider = make_member(make_offerer())
    for query in (f"siren={shop.offerer.siren}", f"venueId={shop.venue.id}", "venueId=unknown"):
        response = client.http.get(f"/bookings/pro?{query}", headers=auth(outsider))
        assert response.status_code == 404, query
    assert client.http.get("/bookings/pro", headers=auth(outsider)).json_body["items"] == []
    assert client.http.get("/bookings/pro").status_code == 401


# -- CSV ------------------------------------------------------------------------------


def parse(text):
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_csv_export_has_the_accounting_columns(client, shop):
    booking = shop.bookings[1]
    Booking(booking.token).update(actions=[Booking.used_at.set(shop.start + timedelta(days=2))])
    for headers, query in ((auth(shop.member), "format=csv"), ({**auth(shop.member), "Accept": "text/csv"}, "")):
        response = client.http.get(f"/bookings/pro?status=used&{query}", headers=headers)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="transactions-structure-{shop.offerer.siren}.csv"'
        )
        assert "X-Next-Cursor" not in response.headers
        header, row, *rest = parse(response.body.decode("utf-8"))
        assert rest == []
        assert header == list(transactions.CSV_HEADER)
        assert row == [
            booking.token,
            booking.created_at.isoformat(timespec="seconds"),
            "validée",
            "Concert",
            booking.offer_id,
            "LIVE_SHOW",
            booking.begins_at.isoformat(timespec="seconds"),
            shop.venue.name,
            shop.venue.id,
            "1",
            "12,50",
            "12,50",
            (shop.start + timedelta(days=2)).isoformat(timespec="seconds"),
            "",
            "",
            booking.user_public_name,
        ]


def test_cells_a_spreadsheet_would_run_as_formulas_are_defused(client, shop):
    offer = make_offer(shop.venue, name='=HYPERLINK("http://evil.example")')
    young = make_young(public_name="@SUM(A1)")
    make_booking(make_stock(offer), offer, shop.venue, young)
    text = client.http.get("/bookings/pro?format=csv&limit=1", headers=auth(shop.member)).body.decode()
    row = parse(text)[1]
    assert row[3] == '\'=HYPERLINK("http://evil.example")'
    assert row[-1] == "'@SUM(A1)"


def test_a_large_export_comes_in_chunks_that_concatenate_into_one_file(client, shop, monkeypatch):
    small = dataclasses.replace(get_settings(), csv_export_max_rows=2)
    monkeypatch.setattr(transactions, "get_settings", lambda: small)
    bodies, link = [], "/bookings/pro?format=csv"
    while link:
        response = client.http.get(link, headers=auth(shop.member))
        assert response.status_code == 200
        bodies.append(response.body.decode("utf-8"))
        link = None
        if "Link" in response.headers:
            target = response.headers["Link"].split(";")[0].strip("<>")
            assert parse_qs(urlparse(target).query)["cursor"] == [response.headers["X-Next-Cursor"]]
            link = target
    assert len(bodies) == 3
    assert not any(body.startswith("\ufeff") for body in bodies[1:])
    rows = parse("".join(bodies))
    assert rows[0] == list(transactions.CSV_HEADER)
    assert [row[0] for row in rows[1:]] == newest_first(shop.bookings)

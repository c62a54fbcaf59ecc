"""/public/bookings/v1: the token routes' checks in their order, their bodies, and the access rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from chalice.test import Client

from infra.catalog import load_app
from passculture.models.base import utcnow
from passculture.models.bookings import Booking
from passculture.models.stocks import Stock
from passculture.services.accounts.auth import load_principal
from passculture.services.partners import grants, providers
from tests.api.partners_support import book, build_partner_scene, make_provider, provider_headers
from tests.factories import bearer, make_member

PATHS = {
    "check": "/public/bookings/v1/token/{}",
    "use": "/public/bookings/v1/use/token/{}",
    "keep": "/public/bookings/v1/keep/token/{}",
    "cancel": "/public/bookings/v1/cancel/token/{}",
}
ROUTES = tuple(PATHS)
NOT_FOUND = {"global": "This countermark cannot be found"}


@pytest.fixture
def client(aws):
    with Client(load_app("partners")) as c:
        yield c


@pytest.fixture
def scene(aws):
    return build_partner_scene()


def call(client, route, token, headers):
    path = PATHS[route].format(token)
    if route == "check":
        return client.http.get(path, headers=headers)
    return client.http.patch(path, headers=headers, body=b"")


def status_of(token):
    return Booking.get(token, consistent_read=True).status


# -- authentication ---------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_no_or_unknown_key_is_401_api_key_required(client, scene, route):
    booking = book(scene)
    wrong_secret = scene.provider.key[:-4] + "0000" if not scene.provider.key.endswith("0000") else "1111"
    for headers in (
        {},
        {"Authorization": "Bearer not-a-key"},
        bearer(wrong_secret),
        bearer(f"test_{'a' * 12}_{scene.provider.id:014x}{'b' * 50}"),  # a prefix that was never issued
        {"Authorization": f"Basic {scene.provider.key}"},
    ):
        response = call(client, route, booking.token, headers)
        assert (response.status_code, response.json_body) == (401, {"auth": "API key required"}), headers
    assert status_of(booking.token) == "booked"


def test_a_revoked_key_is_401_at_once(client, scene):
    booking = book(scene)
    assert call(client, "check", booking.token, scene.headers).status_code == 200
    providers.revoke_key(scene.provider.team, scene.provider.id, scene.provider.prefix)
    response = call(client, "check", booking.token, scene.headers)
    assert (response.status_code, response.json_body) == (401, {"auth": "API key required"})


@pytest.mark.parametrize("route", ROUTES)
def test_an_inactive_provider_s_key_is_403(client, scene, route):
    from types import SimpleNamespace

    booking = book(scene)
    providers.update_provider(
        scene.provider.team, scene.provider.id, SimpleNamespace(model_fields_set={"is_active"}, is_active=False)
    )
    response = call(client, route, booking.token, scene.headers)
    assert (response.status_code, response.json_body) == (403, {"auth": ["Inactive provider"]})
    assert status_of(booking.token) == "booked"


# -- access: a venue not granted is a 404, like an unknown token --------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_unknown_malformed_and_not_granted_tokens_are_one_404(client, scene, route):
    foreign = book(scene, other=True)
    for token in ("ZZZZZZ", "not-a-code", foreign.token):
        response = call(client, route, token, scene.headers)
        assert (response.status_code, response.json_body) == (404, NOT_FOUND), token
    assert status_of(foreign.token) == "booked"


@pytest.mark.parametrize("route", ROUTES)
def test_withdrawing_the_grant_is_a_404_at_once(client, scene, route):
    booking = book(scene, status="used" if route == "keep" else "booked")
    admin = load_principal(make_member(scene.offerer).id)
    grants.withdraw(admin, scene.venue.id, scene.provider.id)
    response = call(client, route, booking.token, scene.headers)
    assert (response.status_code, response.json_body) == (404, NOT_FOUND)


def test_another_provider_granted_elsewhere_sees_nothing_here(client, scene):
    booking = book(scene)
    elsewhere = make_provider(scene.other_venue)
    response = call(client, "check", booking.token, provider_headers(elsewhere))
    assert (response.status_code, response.json_body) == (404, NOT_FOUND)


# -- GET token ----------------------------------------------------------------------------


def test_check_shows_the_booking_with_integer_ids(client, scene):
    booking = book(
        scene,
        quantity=2,
        venue_name=scene.venue.name,
        user_first_name="Camille",
        user_date_of_birth=scene.young.date_of_birth,
    )
    booking.update(actions=[Booking.venue_address.set("1 place du Théâtre"), Booking.venue_department_code.set("75")])
    response = call(client, "check", booking.token.lower(), scene.headers)  # tokens are case-insensitive
    assert response.status_code == 200
    body = response.json_body
    again = Booking.get(booking.token, consistent_read=True)
    assert body["id"] == again.public_id and isinstance(body["id"], int)
    assert body["stockId"] == Stock.get(scene.stock.id).public_id
    assert body["venueId"] == again.venue_public_id and body["offerId"] == again.offer_public_id
    assert {k: body[k] for k in ("quantity", "price", "status", "offerName", "venueName", "userFirstName")} == {
        "quantity": 2,
        "price": 1250,
        "status": "CONFIRMED",
        "offerName": scene.offer.name,
        "venueName": scene.venue.name,
        "userFirstName": "Camille",
    }
    assert body["userEmail"] == scene.young.email and body["userBirthDate"] == scene.young.date_of_birth
    assert body["offerAddress"] == "1 place du Théâtre" and body["offerDepartmentCode"] == "75"
    assert body["priceCategoryId"] is None and body["priceCategoryLabel"] is None and body["offerEan"] is None
    created = again.created_at
    assert body["creationDate"] == created.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert body["confirmationDate"] == (created + timedelta(hours=48)).strftime("%Y-%m-%dT%H:%M:%SZ")
    # The ids given are kept: the second check shows the same ones.
    assert call(client, "check", booking.token, scene.headers).json_body == body


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("reimbursed", (403, {"payment": "This booking has already been reimbursed"})),
        ("used", (410, {"booking": "This booking has already been validated"})),
        ("cancelled", (410, {"booking": "This booking has been cancelled"})),
    ],
)
@pytest.mark.parametrize("route", ["check", "use"])
def test_check_and_use_refuse_in_the_contract_s_terms(client, scene, route, status, expected):
    booking = book(scene, status=status)
    response = call(client, route, booking.token, scene.headers)
    assert (response.status_code, response.json_body) == expected
    assert status_of(booking.token) == status


@pytest.mark.parametrize("route", ["check", "use"])
def test_inside_the_booker_s_cancellation_period_is_403_with_the_local_date(client, scene, route):
    booking = book(scene, days_ago=0)
    created = booking.created_at
    response = call(client, route, booking.token, scene.headers)
    assert response.status_code == 403
    from zoneinfo import ZoneInfo

    ends = (created + timedelta(hours=48)).astimezone(ZoneInfo("Europe/Paris"))
    assert response.json_body == {
        "booking": (
            f"Vous pourrez valider cette contremarque à partir du {ends:%d/%m/%Y à %H:%M}, "
            "une fois le délai d\u2019annulation passé."
        )
    }
    assert status_of(booking.token) == "booked"


def test_the_date_is_in_an_overseas_venue_s_time_zone(client, scene):
    booking = book(scene, days_ago=0, venue_department_code="974")
    from zoneinfo import ZoneInfo

    ends = (booking.created_at + timedelta(hours=48)).astimezone(ZoneInfo("Indian/Reunion"))
    assert f"{ends:%d/%m/%Y à %H:%M}" in call(client, "check", booking.token, scene.headers).json_body["booking"]


def test_the_order_of_checks_reimbursed_before_the_period(client, scene):
    booking = book(scene, status="reimbursed", days_ago=0)
    response = call(client, "check", booking.token, scene.headers)
    assert response.json_body == {"payment": "This booking has already been reimbursed"}


def test_a_thing_has_no_cancellation_period(client, scene):
    thing = make_stock_thing(scene)
    from tests.factories import make_booking

    booking = make_booking(thing, scene.offer, scene.venue, scene.young)
    response = call(client, "check", booking.token, scene.headers)
    assert response.status_code == 200 and response.json_body["confirmationDate"] is None


def make_stock_thing(scene):
    from tests.factories import make_stock

    return make_stock(scene.offer, event=False)


# -- use, keep ------------------------------------------------------------------------------


def test_use_validates_once_then_410(client, scene):
    booking = book(scene)
    assert call(client, "use", booking.token, scene.headers).status_code == 204
    used = Booking.get(booking.token, consistent_read=True)
    assert used.status == "used" and used.used_by == f"provider:{scene.provider.id}"
    response = call(client, "use", booking.token, scene.headers)
    assert (response.status_code, response.json_body) == (410, {"booking": "This booking has already been validated"})


def test_keep_confirms_a_used_booking_again(client, scene):
    booking = book(scene, status="used", used_at=utcnow())
    assert call(client, "keep", booking.token, scene.headers).status_code == 204
    kept = Booking.get(booking.token, consistent_read=True)
    assert kept.status == "booked" and kept.used_at is None
    response = call(client, "keep", booking.token, scene.headers)
    assert (response.status_code, response.json_body) == (403, {"booking": "This booking has not been used"})


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("cancelled", (410, {"booking": "This booking has been cancelled"})),
        ("reimbursed", (403, {"payment": "This booking has been reimbursed"})),
        ("booked", (403, {"booking": "This booking has not been used"})),
    ],
)
def test_keep_refuses_in_the_contract_s_terms(client, scene, status, expected):
    booking = book(scene, status=status)
    response = call(client, "keep", booking.token, scene.headers)
    assert (response.status_code, response.json_body) == expected
    assert status_of(booking.token) == status


# -- cancel --------------------------------------------------------------------------------


def test_cancel_frees_the_place_and_refunds_within_the_booker_s_period(client, scene):
    from passculture.services.accounts.auth import load_principal as principal_of
    from passculture.services.booking.bookings import book as book_service

    made = book_service(principal_of(scene.young.id), scene.stock.id, 1)
    token = made.booking.token
    assert Stock.get(scene.stock.id, consistent_read=True).booked == 1
    assert call(client, "cancel", token, scene.headers).status_code == 204
    cancelled = Booking.get(token, consistent_read=True)
    assert cancelled.status == "cancelled" and cancelled.cancelled_by == f"provider:{scene.provider.id}"
    assert Stock.get(scene.stock.id, consistent_read=True).booked == 0
    response = call(client, "cancel", token, scene.headers)
    assert (response.status_code, response.json_body) == (410, {"booking": "This booking has already been cancelled"})


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("cancelled", (410, {"booking": "This booking has already been cancelled"})),
        ("reimbursed", (403, {"payment": "This booking has been reimbursed"})),
        ("used", (410, {"booking": "This booking has been validated"})),
    ],
)
def test_cancel_refuses_in_the_contract_s_terms(client, scene, status, expected):
    booking = book(scene, status=status, days_ago=0)
    response = call(client, "cancel", booking.token, scene.headers)
    assert (response.status_code, response.json_body) == expected
    assert status_of(booking.token) == status


def test_cancel_past_the_cancellation_period_is_403(client, scene):
    booking = book(scene, days_ago=3)  # created 3 days ago: its 48 h are over
    response = call(client, "cancel", booking.token, scene.headers)
    assert (response.status_code, response.json_body) == (403, {"booking": "This booking cannot be cancelled anymore"})
    assert status_of(booking.token) == "booked"


def test_an_unexpected_error_is_a_500_in_the_flat_shape(client, scene, monkeypatch):
    from passculture.services.partners import bookings

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(bookings, "check", broken)
    response = call(client, "check", "ABCDEF", scene.headers)
    assert response.status_code == 500
    assert set(response.json_body) == {"global"} and response.json_body["global"][0].startswith("Internal error")

"""The v2 countermark API, check by check in the contract's order, for each route and credential kind."""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from chalice.test import Client

from infra.catalog import load_app, load_handler
from passculture.models.base import utcnow
from passculture.models.bookings import Booking
from passculture.models.stocks import Stock
from passculture.models.uniques import Unique
from passculture.models.users import User
from passculture.models.wallets import Wallet
from passculture.services.accounts.auth import issue_access_token
from passculture.services.booking.cancellation import booking_guard_key
from tests.api.countermarks_support import invoke, v2_event
from tests.factories import (
    auth,
    basic_auth,
    bearer,
    make_api_key,
    make_booking,
    make_member,
    make_offer,
    make_offerer,
    make_stock,
    make_user,
    make_venue,
    make_young,
)

ROUTES = ("check", "use", "keep", "cancel")
KINDS = ("api_key", "token", "basic")
PATHS = {
    "check": "/v2/bookings/token/{}",
    "use": "/v2/bookings/use/token/{}",
    "keep": "/v2/bookings/keep/token/{}",
    "cancel": "/v2/bookings/cancel/token/{}",
}
NOT_FOUND = {"global": ["Cette contremarque n'a pas été trouvée"]}
ALREADY_USED = {"booking": ["Cette réservation a déjà été validée"]}
CANCELLED = {"booking": ["Cette réservation a été annulée"]}
REIMBURSED = {"payment": ["Cette réservation a été remboursée"]}
NOT_USED_YET = {"booking": ["Cette réservation n'a pas encore été validée"]}
ALREADY_CANCELLED = {"global": ["Cette contremarque a déjà été annulée"]}
CANNOT_CANCEL_USED = {"global": ["Impossible d'annuler une réservation consommée"]}


@pytest.fixture
def client(aws):
    with Client(load_app("countermarks")) as c:
        yield c


@pytest.fixture
def scene(aws):
    """A structure with a venue, a cinema event tomorrow, a member, a key; and another structure."""
    offerer = make_offerer()
    venue = make_venue(offerer)
    offer = make_offer(venue, category="CINEMA", is_duo=True)
    stock = make_stock(offer, begins_at=utcnow() + timedelta(hours=24), price_cents=1000)
    member = make_member(offerer, role="editor")
    key, key_item = make_api_key(offerer)
    other = make_offerer()
    other_venue = make_venue(other)
    other_offer = make_offer(other_venue)
    other_stock = make_stock(other_offer, begins_at=utcnow() + timedelta(hours=24))
    return SimpleNamespace(
        offerer=offerer,
        venue=venue,
        offer=offer,
        stock=stock,
        member=member,
        key=key,
        key_item=key_item,
        young=make_young(),
        other_venue=other_venue,
        other_offer=other_offer,
        other_stock=other_stock,
    )


def headers_for(scene, kind: str) -> dict[str, str]:
    if kind == "api_key":
        return bearer(scene.key)
    if kind == "token":
        return auth(scene.member)
    return basic_auth(scene.member.email)


def actor_for(scene, kind: str) -> str:
    return f"key:{scene.key_item.prefix}" if kind == "api_key" else f"user:{scene.member.id}"


def book(scene, *, status="booked", other=False, stock=None, **fields):
    if other:
        return make_booking(scene.other_stock, scene.other_offer, scene.other_venue, scene.young, status=status)
    return make_booking(stock or scene.stock, scene.offer, scene.venue, scene.young, status=status, **fields)


def call(client, route: str, token: str, headers: dict[str, str] | None = None):
    path = PATHS[route].format(token)
    if route == "check":
        return client.http.get(path, headers=headers or {})
    return client.http.patch(path, headers=headers or {}, body=b"")


# -- 401 ---------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_no_credentials_is_401_in_the_v2_shape(client, scene, route):
    booking = book(scene)
    response = call(client, route, booking.token)
    assert response.status_code == 401
    assert response.json_body == {"global": ["Authentication is required"]}


def bad_credentials(scene):
    """Every way credentials can be wrong, by kind."""
    prefix = scene.key_item.prefix
    revoked_key, _ = make_api_key(scene.offerer, revoked=True)
    expired, _ = issue_access_token(scene.member.id, now=utcnow() - timedelta(days=2))
    disabled = make_member(scene.offerer)
    User(disabled.id).update(actions=[User.is_active.set(False)])
    return {
        "api key with a wrong secret": bearer(f"pck_{prefix}_{'x' * 43}"),
        "api key of an unknown prefix": bearer(f"pck_0badc0de_{'x' * 43}"),
        "revoked api key": bearer(revoked_key),
        "garbage bearer": bearer("not-a-jwt"),
        "expired access token": bearer(expired),
        "disabled user's token": auth(disabled),
        "basic with a wrong password": basic_auth(scene.member.email, "Wrong-password-1"),
        "basic of an unknown email": basic_auth("nobody@example.org"),
        "basic with an endless email": basic_auth("x" * 3000 + "@example.org"),
        "unknown scheme": {"Authorization": f"Token {scene.key}"},
    }


@pytest.mark.parametrize("route", ROUTES)
def test_bad_credentials_are_401_before_anything_about_the_token(client, scene, route):
    booking = book(scene)
    for name, headers in bad_credentials(scene).items():
        response = call(client, route, booking.token, headers)
        assert response.status_code == 401, name
        assert set(response.json_body) == {"global"}, name
    assert Booking.get(booking.token).status == "booked"


@pytest.mark.parametrize("route", ROUTES)
def test_a_disabled_members_existing_token_and_password_are_refused(client, scene, route):
    booking = book(scene)
    token_headers, basic_headers = auth(scene.member), basic_auth(scene.member.email)
    assert call(client, "check", booking.token, token_headers).status_code == 200
    assert call(client, "check", booking.token, basic_headers).status_code == 200
    User(scene.member.id).update(actions=[User.is_active.set(False)])
    for headers in (token_headers, basic_headers):
        response = call(client, route, booking.token, headers)
        assert response.status_code == 401
        assert response.json_body == {"global": ["Invalid credentials"]}
    assert Booking.get(booking.token).status == "booked"


@pytest.mark.parametrize("route", ["use", "keep"])
def test_a_booking_that_keeps_changing_is_a_409_after_three_tries(client, scene, route, monkeypatch):
    from passculture.services.countermarks import v2

    booking = book(scene, status="booked" if route == "use" else "used", used_at=utcnow() if route == "keep" else None)
    tries = []

    def loses(*args, **kwargs):
        tries.append(args)
        return False  # another writer changed the status first, every time

    monkeypatch.setattr(v2, "_conditional_status", loses)
    response = call(client, route, booking.token, bearer(scene.key))
    assert response.status_code == 409
    assert response.json_body == {"booking": ["The booking keeps changing; try again"]}
    assert len(tries) == 3
    assert Booking.get(booking.token).status == ("booked" if route == "use" else "used")


def test_a_raw_lambda_invocation_without_credentials_is_401(aws):
    handler = load_handler("countermarks")
    for route in ROUTES:
        status, body, _ = invoke(handler, v2_event(route, "ABCDEF"))
        assert (status, body) == (401, {"global": ["Authentication is required"]})


# -- 404 ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("route", ROUTES)
def test_unknown_malformed_and_foreign_tokens_get_one_identical_404(client, scene, route, kind):
    headers = headers_for(scene, kind)
    foreign = book(scene, other=True)
    foreign_used = book(scene, other=True, status="used")
    tokens = ["ZZZZZZ", "abc", "ABCDEFGH", "ABC1O0", "%20%20", "A" * 300, foreign.token, foreign_used.token]
    for token in tokens:
        response = call(client, route, token, headers)
        assert (response.status_code, response.json_body) == (404, NOT_FOUND), token
    assert Booking.get(foreign.token).status == "booked"


@pytest.mark.parametrize("kind", KINDS)
def test_the_audit_log_tells_an_unknown_code_from_another_structures(client, scene, kind, caplog):
    """The same 404 outside; the on-call engineer reads which miss it was (a guess, or a foreign code)."""
    headers = headers_for(scene, kind)
    foreign = book(scene, other=True)
    with caplog.at_level(logging.WARNING, logger="passculture.countermarks"):
        for token in ("ZZZZZZ", foreign.token):
            assert call(client, "check", token, headers).status_code == 404
    reasons = [r.getMessage().split("reason=")[1].split()[0] for r in caplog.records if "reason=" in r.getMessage()]
    assert reasons == ["unknown-token", "other-structure"]


@pytest.mark.parametrize("route", ROUTES)
def test_members_of_another_structure_and_pending_members_get_404(client, scene, route):
    booking = book(scene)
    outsider = make_member(make_offerer())
    pending = make_member(scene.offerer, status="pending")
    for headers in (auth(outsider), basic_auth(outsider.email), auth(pending), auth(make_user({"team"}))):
        response = call(client, route, booking.token, headers)
        assert (response.status_code, response.json_body) == (404, NOT_FOUND)


# -- check and use -------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("route", ["check", "use"])
def test_check_and_use_refuse_used_cancelled_and_reimbursed_bookings(client, scene, route, kind):
    headers = headers_for(scene, kind)
    for status, body in (("used", ALREADY_USED), ("cancelled", CANCELLED), ("reimbursed", REIMBURSED)):
        booking = book(scene, status=status)
        response = call(client, route, booking.token, headers)
        assert (response.status_code, response.json_body) == (410, body), status
        assert Booking.get(booking.token).status == status


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("route", ["check", "use"])
def test_an_event_more_than_72_hours_away_is_403_after_the_410s(client, scene, route, kind):
    headers = headers_for(scene, kind)
    later = make_stock(scene.offer, begins_at=utcnow() + timedelta(hours=73))
    booking = book(scene, stock=later)
    response = call(client, route, booking.token, headers)
    assert response.status_code == 403
    # The published key first, unchanged; then the start the Guichet shows (an addition).
    assert list(response.json_body) == ["beginningDatetime", "beginsAt"]
    assert response.json_body["beginningDatetime"] == [
        "Vous ne pouvez pas valider cette contremarque plus de 72h avant le début de l'évènement"
    ]
    assert response.json_body["beginsAt"] == [later.begins_at.isoformat()]
    assert Booking.get(booking.token).status == "booked"
    used_later = book(scene, stock=later, status="used")
    assert call(client, route, used_later.token, headers).status_code == 410


@pytest.mark.parametrize("kind", KINDS)
def test_check_gives_the_published_fields(client, scene, kind):
    booking = book(scene, quantity=2)
    response = call(client, "check", f"  {booking.token.lower()} ", headers_for(scene, kind))
    assert response.status_code == 200
    assert response.json_body == {
        "bookingId": booking.token,
        "dateOfBirth": scene.young.date_of_birth,
        "datetime": scene.stock.begins_at.isoformat(),
        "ean13": "",
        "email": scene.young.email,
        "formula": "PLACE",
        "isUsed": False,
        "offerId": scene.offer.id,
        "offerName": scene.offer.name,
        "offerType": "EVENEMENT",
        "phoneNumber": "",
        "price": 10.0,
        "priceCents": 1000,
        "quantity": 2,
        "userName": scene.young.public_name,
        "venueAddress": scene.venue.address,
        "venueDepartementCode": "75",
        "venueName": scene.venue.name,
    }
    assert Booking.get(booking.token).status == "booked"


def test_check_uses_the_venue_fields_the_booking_carries(client, scene):
    booking = book(
        scene,
        venue_name="Salle Denormalisée",
        venue_address="2 rue Copiée",
        venue_department_code="2A",
        user_date_of_birth="2007-01-02",
    )
    body = call(client, "check", booking.token, bearer(scene.key)).json_body
    assert (body["venueName"], body["venueAddress"], body["venueDepartementCode"], body["dateOfBirth"]) == (
        "Salle Denormalisée",
        "2 rue Copiée",
        "2A",
        "2007-01-02",
    )


def test_a_thing_has_no_date_no_formula_and_no_time_window(client, scene):
    book_offer = make_offer(scene.venue, category="BOOK")
    thing = make_stock(book_offer, event=False, price_cents=1250)
    booking = make_booking(thing, book_offer, scene.venue, scene.young)
    body = call(client, "check", booking.token, bearer(scene.key)).json_body
    assert (body["datetime"], body["formula"], body["offerType"], body["price"]) == ("", "", "BIEN", 12.5)
    assert call(client, "use", booking.token, bearer(scene.key)).status_code == 204


@pytest.mark.parametrize("kind", KINDS)
def test_use_validates_once_and_records_who_and_when(client, scene, kind):
    booking = book(scene)
    before = utcnow()
    response = call(client, "use", booking.token.lower(), headers_for(scene, kind))
    assert (response.status_code, response.body) == (204, b"")
    stored = Booking.get(booking.token)
    assert stored.status == "used"
    assert stored.used_by == actor_for(scene, kind)
    assert before <= stored.used_at <= utcnow()
    again = call(client, "use", booking.token, headers_for(scene, kind))
    assert (again.status_code, again.json_body) == (410, {**ALREADY_USED, "usedAt": [stored.used_at.isoformat()]})


@pytest.mark.parametrize("route", ["check", "use"])
def test_an_already_used_booking_says_when_after_the_published_key(client, scene, route):
    when = utcnow() - timedelta(minutes=42)
    booking = book(scene, status="used", used_at=when, used_by="key:someone")
    response = call(client, route, booking.token, bearer(scene.key))
    assert response.status_code == 410
    assert list(response.json_body) == ["booking", "usedAt"]
    assert response.json_body == {**ALREADY_USED, "usedAt": [when.isoformat()]}


# -- keep ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_keep_refuses_what_is_not_used(client, scene, kind):
    headers = headers_for(scene, kind)
    for status, body in (("booked", NOT_USED_YET), ("cancelled", CANCELLED), ("reimbursed", REIMBURSED)):
        booking = book(scene, status=status)
        response = call(client, "keep", booking.token, headers)
        assert (response.status_code, response.json_body) == (410, body), status
        assert Booking.get(booking.token).status == status


@pytest.mark.parametrize("kind", KINDS)
def test_keep_undoes_a_validation(client, scene, kind):
    booking = book(scene, status="used", used_at=utcnow(), used_by="key:someone")
    assert call(client, "keep", booking.token, headers_for(scene, kind)).status_code == 204
    stored = Booking.get(booking.token)
    assert (stored.status, stored.used_at, stored.used_by) == ("booked", None, None)
    assert call(client, "use", booking.token, headers_for(scene, kind)).status_code == 204


# -- cancel ------------------------------------------------------------------------------


def paid_booking(scene):
    """A booking as the booking transaction leaves it: place taken, credit debited, guard set."""
    Stock(scene.stock.id).update(actions=[Stock.booked.add(1)])
    Wallet(scene.young.id, "national").update(actions=[Wallet.balance_cents.add(-1000)])
    booking = book(scene, debits={"national": 1000})
    Unique(booking_guard_key(scene.young.id, scene.stock.id), target=booking.token, created_at=utcnow()).save()
    return booking


@pytest.mark.parametrize("kind", KINDS)
def test_cancel_refuses_cancelled_then_used_bookings(client, scene, kind):
    headers = headers_for(scene, kind)
    for status, code, body in (
        ("cancelled", 410, ALREADY_CANCELLED),
        ("used", 403, CANNOT_CANCEL_USED),
        ("reimbursed", 403, CANNOT_CANCEL_USED),
    ):
        booking = book(scene, status=status)
        response = call(client, "cancel", booking.token, headers)
        assert (response.status_code, response.json_body) == (code, body), status
        assert Booking.get(booking.token).status == status


@pytest.mark.parametrize("kind", KINDS)
def test_cancel_frees_the_place_and_refunds_the_booker(client, scene, kind):
    booking = paid_booking(scene)
    assert call(client, "cancel", booking.token, headers_for(scene, kind)).status_code == 204
    stored = Booking.get(booking.token)
    assert (stored.status, stored.cancelled_by) == ("cancelled", actor_for(scene, kind))
    assert Stock.get(scene.stock.id).booked == 0
    assert Wallet.get(scene.young.id, "national").balance_cents == 50_000
    again = call(client, "cancel", booking.token, headers_for(scene, kind))
    assert (again.status_code, again.json_body) == (410, ALREADY_CANCELLED)
    assert Wallet.get(scene.young.id, "national").balance_cents == 50_000


# -- the key on other routes ---------------------------------------------------------------


def test_api_keys_and_basic_are_refused_on_other_routes(client, scene):
    for headers in (bearer(scene.key), basic_auth(scene.member.email)):
        response = client.http.get("/bookings/pro", headers=headers)
        assert response.status_code == 401
        assert set(response.json_body) == {"errors"}


# -- what changed between the read and the write ---------------------------------------------


def first_call_runs(monkeypatch, name, action):
    """``v2.<name>`` runs ``action()`` first, once: another writer acts after this call read the booking."""
    from passculture.services.countermarks import v2

    original, ran = getattr(v2, name), []

    def wrapped(*args, **kwargs):
        if not ran:
            ran.append(action())
        return original(*args, **kwargs)

    monkeypatch.setattr(v2, name, wrapped)
    return ran


def test_a_code_another_cashier_validated_meanwhile_is_a_410_and_stays_theirs(client, scene, monkeypatch):
    booking = book(scene)
    theirs = utcnow()
    first_call_runs(
        monkeypatch,
        "_require_usable",
        lambda: Booking(booking.token).update(
            actions=[Booking.status.set("used"), Booking.used_at.set(theirs), Booking.used_by.set("key:another")]
        ),
    )
    response = call(client, "use", booking.token, bearer(scene.key))
    assert response.status_code == 410
    assert response.json_body["booking"] == ALREADY_USED["booking"]
    assert Booking.get(booking.token).used_by == "key:another"


def test_a_validation_another_cashier_undid_meanwhile_is_a_410_not_used_yet(client, scene, monkeypatch):
    booking = book(scene, status="used", used_at=utcnow())
    first_call_runs(
        monkeypatch,
        "_require_kept",
        lambda: Booking(booking.token).update(actions=[Booking.status.set("booked"), Booking.used_at.remove()]),
    )
    response = call(client, "keep", booking.token, bearer(scene.key))
    assert (response.status_code, response.json_body) == (410, NOT_USED_YET)
    assert Booking.get(booking.token).status == "booked"


def test_a_booking_its_booker_cancelled_meanwhile_is_a_410_refunded_once(client, scene, monkeypatch):
    from passculture.services.booking.cancellation import cancel_booking

    booking = paid_booking(scene)
    first_call_runs(monkeypatch, "_require_cancellable", lambda: cancel_booking(booking, f"user:{scene.young.id}"))
    response = call(client, "cancel", booking.token, bearer(scene.key))
    assert (response.status_code, response.json_body) == (410, ALREADY_CANCELLED)
    assert Booking.get(booking.token).cancelled_by == f"user:{scene.young.id}"
    assert Wallet.get(scene.young.id, "national").balance_cents == 50_000
    assert Stock.get(scene.stock.id).booked == 0


def test_a_booking_validated_meanwhile_cannot_be_cancelled_and_keeps_its_payment(client, scene, monkeypatch):
    booking = paid_booking(scene)
    first_call_runs(
        monkeypatch,
        "_require_cancellable",
        lambda: Booking(booking.token).update(actions=[Booking.status.set("used"), Booking.used_at.set(utcnow())]),
    )
    response = call(client, "cancel", booking.token, bearer(scene.key))
    assert (response.status_code, response.json_body) == (403, CANNOT_CANCEL_USED)
    assert Booking.get(booking.token).status == "used"
    assert Wallet.get(scene.young.id, "national").balance_cents == 49_000


@pytest.mark.parametrize("route", ["check", "use"])
def test_an_event_exactly_72_hours_away_can_be_validated_a_microsecond_more_cannot(client, scene, route, monkeypatch):
    from passculture.services.countermarks import v2

    now = utcnow().replace(microsecond=0)
    monkeypatch.setattr(v2, "utcnow", lambda: now)
    edge = book(scene, stock=make_stock(scene.offer, begins_at=now + timedelta(hours=72)))
    beyond = book(scene, stock=make_stock(scene.offer, begins_at=now + timedelta(hours=72, microseconds=1)))
    assert call(client, route, beyond.token, bearer(scene.key)).status_code == 403
    assert call(client, route, edge.token, bearer(scene.key)).status_code in (200, 204)

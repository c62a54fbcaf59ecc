"""Plain presenters: the body a cold read route sends is what its pydantic response schema gives, byte for byte."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from passculture.presenters import accounts, bookings, catalogue, iso, partners
from passculture.schemas.accounts import CurrentUserOut
from passculture.schemas.admin import OffererListOut
from passculture.schemas.bookings import BookingPage
from passculture.schemas.offers import OfferOut, OfferPage
from passculture.schemas.partners import PublicProviderList
from passculture.schemas.transactions import TransactionPage
from passculture.vocabulary import CapKind

AT = datetime(2026, 5, 1, 18, 30, 5, 123456, tzinfo=UTC)


def _user(**fields):
    base = {
        "id": "u1",
        "email": "a@example.org",
        "roles": {"pro", "young"},
        "first_name": "Ada",
        "last_name": None,
        "public_name": "Ada L.",
        "date_of_birth": "2008-02-29",  # stored as its ISO text
        "department_code": "75",
        "phone": None,
        "email_confirmed_at": AT,
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    return SimpleNamespace(**{**base, **fields})


class _Wallet(SimpleNamespace):
    def cap(self, kind):
        return 30_000 if kind == CapKind.PHYSICAL else None

    def spent(self, kind):
        return 1_250 if kind == CapKind.PHYSICAL else 0

    def spendable_on(self, kind):
        return 28_750 if kind == CapKind.PHYSICAL else 15_000


def _views():
    membership = SimpleNamespace(
        user_id="u1", siren="123456789", role="admin", status="validated", created_at=AT, validated_at=None
    )
    offerer = SimpleNamespace(name="Théâtre", status="validated")
    wallet = _Wallet(
        credit_id="c1",
        label="Pass 18",
        kind="age_18",
        balance_cents=15_000,
        initial_cents=30_000,
        department_code=None,
        perimeter={"departments": ["75", "973"]},
        starts_at=None,
        ends_at=AT,
        granted_at=AT,
    )
    yield SimpleNamespace(user=_user(), memberships=[(membership, offerer), (membership, None)], credits=None)
    yield SimpleNamespace(user=_user(roles=set(), email_confirmed_at=None), memberships=[], credits=[wallet])


@pytest.mark.parametrize("view", list(_views()))
def test_the_current_user_body_is_what_its_schema_gives(view):
    body = accounts.current_user(view)
    assert CurrentUserOut.of(view).model_dump(by_alias=True, mode="json") == body


def test_the_providers_body_is_what_its_schema_gives():
    providers = [SimpleNamespace(id=4503599627370497, name="Billetel", logo_url=None)]
    body = partners.public_provider_list(providers)
    assert PublicProviderList.of(providers).model_dump(by_alias=True, mode="json") == body


def test_times_are_written_as_pydantic_writes_them():
    assert iso(AT) == "2026-05-01T18:30:05.123456Z"
    assert iso(datetime(2026, 5, 1, tzinfo=UTC)) == "2026-05-01T00:00:00Z"
    assert iso(date(2026, 5, 1)) == "2026-05-01"
    assert iso("2008-02-29") == "2008-02-29"
    assert iso(None) is None


def _category(**fields):
    return SimpleNamespace(**{"id": 7, "label": "Balcon", "price_cents": 1500, "id_at_provider": None, **fields})


def _stock(**fields):
    base = {
        "id": "s1",
        "offer_id": "o1",
        "begins_at": AT,
        "price_cents": 1500,
        "price_category_id": 7,
        "quantity": 100,
        "booked": 3,
        "places_left": 97,
        "booking_limit_at": datetime(2026, 4, 30, 18, 30, tzinfo=UTC),
        "shard_count": 4,
    }
    return SimpleNamespace(**{**base, **fields})


def _offer_views():
    offer = SimpleNamespace(
        id="o1",
        venue_id="v1",
        siren="123456789",
        name="Concert",
        category="MUSIC",
        description=None,
        hook="Une soirée",
        video_url=None,
        duration_minutes=90,
        url=None,
        is_duo=True,
        is_digital=False,
        status="published",
        is_active=True,
        in_feed=True,
        image_error=None,
        department_code="75",
        created_at=AT,
        updated_at=None,
        price_categories=[_category(), _category(id=8, label="Fosse", id_at_provider="F-1")],
    )
    thing = SimpleNamespace(**{**vars(offer), "price_categories": None, "duration_minutes": None, "in_feed": False})
    stocks = [_stock(), _stock(id="s2", price_category_id=None, quantity=None, places_left=None, begins_at=None)]
    yield SimpleNamespace(offer=offer, image_url="https://img/1.jpg", thumb_url="https://img/1t.jpg", stocks=None)
    yield SimpleNamespace(offer=offer, image_url=None, thumb_url=None, stocks=stocks)
    yield SimpleNamespace(offer=thing, image_url=None, thumb_url=None, stocks=[_stock(price_category_id=99)])


class _Booking(SimpleNamespace):
    def debits_by_credit(self):
        return {"c1": 1000, "c2": 500}


def _booking(**fields):
    base = {
        "token": "ABC123",
        "status": "booked",
        "quantity": 2,
        "amount_cents": 3000,
        "unit_price_cents": 1500,
        "stock_id": "s1",
        "offer_id": "o1",
        "offer_name": "Concert",
        "offer_category": "MUSIC",
        "begins_at": AT,
        "venue_id": "v1",
        "created_at": datetime(2026, 4, 1, tzinfo=UTC),
        "cancelled_at": None,
        "cancelled_by": None,
        "used_at": AT,
        "used_by": "api_key",
        "reimbursed_at": None,
        "date_withdrawn_at": None,
        "tickets": [SimpleNamespace(barcode="B1", seat="A1"), SimpleNamespace(barcode="B2", seat=None)],
        "user_public_name": "Ada L.",
        "user_email": "a@example.org",
    }
    return _Booking(**{**base, **fields})


VENUE = SimpleNamespace(
    id="v1", name="Salle", address="1 rue", postal_code="75001", city="Paris", latitude=48, longitude=2.35
)


def _same_json(body, model):
    """The same values, and the same keys in the same order: the bytes sent are the same."""
    assert json.dumps(model.model_dump(by_alias=True, mode="json")) == json.dumps(body)


def test_the_offers_body_is_what_its_schema_gives():
    views = list(_offer_views())
    for view in views:
        _same_json(catalogue.offer(view), OfferOut.of(view))
    _same_json(catalogue.offer_page(views, "next"), OfferPage.of(views, "next"))
    _same_json(catalogue.offer_page([], None), OfferPage.of([], None))


def test_the_bookings_body_is_what_its_schema_gives():
    views = [
        SimpleNamespace(booking=_booking(), venue=VENUE, cancellable_until=AT),
        SimpleNamespace(booking=_booking(tickets=None, begins_at=None), venue=None, cancellable_until=None),
    ]
    _same_json(bookings.booking_page(views, "next"), BookingPage.of(views, "next"))
    _same_json(bookings.booking_page([], None), BookingPage.of([], None))


def test_the_transactions_body_is_what_its_schema_gives():
    rows = [
        SimpleNamespace(booking=_booking(), venue_name="Salle"),
        SimpleNamespace(booking=_booking(quantity=None, amount_cents=None, unit_price_cents=0), venue_name=None),
    ]
    _same_json(bookings.transaction_page(rows, "next"), TransactionPage.of(rows, "next"))


def test_the_team_offerers_body_is_what_its_schema_gives():
    offerers = [
        SimpleNamespace(
            siren="123456789",
            name="Théâtre",
            status="pending",
            address=None,
            postal_code="75001",
            city="Paris",
            department_code="75",
            status_reason=None,
            created_at=AT,
            validated_at=None,
        )
    ]
    _same_json(accounts.offerer_list(offerers, None), OffererListOut.of(offerers, None))

"""Plain presenters: the body a cold read route sends is what its pydantic response schema gives, byte for byte."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from passculture.presenters import accounts, iso, partners
from passculture.schemas.accounts import CurrentUserOut
from passculture.schemas.partners import PublicProviderList
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

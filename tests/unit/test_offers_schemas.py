"""Request bodies of the offers function: SIRET checks, and cross-field rules reported with field errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from passculture.errors import InvalidInput
from passculture.rules.siren import SIRET_RULE
from passculture.schemas.stocks import StockBatchIn, StockCreation, StockIn
from passculture.schemas.venues import VenueIn
from passculture.web.routing import validate
from tests.factories import luhn_complete

thirteen_digits = st.text(alphabet="0123456789", min_size=13, max_size=13)


def venue(**over):
    body = {
        "name": "Salle",
        "address": "1 rue",
        "postalCode": "75001",
        "city": "Paris",
        "latitude": 48.86,
        "longitude": 2.34,
        "bookingEmail": "salle@example.org",
    }
    body.update(over)
    return body


@given(thirteen_digits)
def test_a_siret_with_its_luhn_key_is_accepted(digits):
    assert validate(VenueIn, venue(siret=luhn_complete(digits))).siret == luhn_complete(digits)


@given(thirteen_digits, st.integers(min_value=1, max_value=9))
def test_a_siret_with_a_wrong_key_is_refused(digits, shift):
    siret = luhn_complete(digits)
    wrong = siret[:-1] + str((int(siret[-1]) + shift) % 10)
    with pytest.raises(InvalidInput) as err:
        validate(VenueIn, venue(siret=wrong))
    assert list(err.value.errors) == ["siret"]


def test_la_postes_sirets_follow_their_own_rule():
    # Digit sums 15 (a multiple of 5) and 16; neither Luhn check is what decides.
    assert validate(VenueIn, venue(siret="35600000000001")).siret == "35600000000001"
    with pytest.raises(InvalidInput):
        validate(VenueIn, venue(siret="35600000000002"))


def test_cross_field_rules_come_with_the_field_errors():
    with pytest.raises(InvalidInput) as err:
        validate(VenueIn, {"name": "", "isVirtual": True, "siret": "12"})
    assert set(err.value.errors) == {"name", "siret"}
    assert err.value.errors["siret"] == [SIRET_RULE]  # the field's own error, not both


def test_one_stock_or_a_batch_are_both_accepted():
    assert isinstance(validate(StockCreation, {"priceCents": 0}), StockIn)
    assert isinstance(validate(StockCreation, {"stocks": [{"priceCents": 0}]}), StockBatchIn)
    with pytest.raises(InvalidInput) as err:
        validate(StockCreation, {"stocks": "all of them"})
    assert list(err.value.errors) == ["stocks"]

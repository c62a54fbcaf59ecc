"""SIREN and SIRET validators: properties over every number, and the known real ones."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from passculture.rules.siren import (
    LA_POSTE_HEAD_OFFICE,
    LA_POSTE_SIREN,
    check_siren,
    check_siret,
    compact,
    is_valid_siren,
    is_valid_siret,
    luhn_valid,
)
from tests.factories import luhn_complete

digits = st.text(alphabet="0123456789", min_size=1, max_size=20)


def _reference_luhn(number: str) -> bool:
    """An independent Luhn: double every second digit from the right, sum the digits of each product."""
    total = 0
    for position, ch in enumerate(reversed(number), start=1):
        product = int(ch) * (2 if position % 2 == 0 else 1)
        total += sum(int(d) for d in str(product))
    return total % 10 == 0


@given(digits)
def test_luhn_agrees_with_an_independent_implementation(number):
    assert luhn_valid(number) == _reference_luhn(number)


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_every_eight_digits_have_exactly_one_check_digit_making_a_siren(prefix):
    valid = [d for d in "0123456789" if is_valid_siren(prefix + d)]
    assert valid == [luhn_complete(prefix)[-1]]


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 8), st.integers(1, 9))
def test_changing_one_digit_of_a_valid_siren_breaks_it(number, position, delta):
    siren = luhn_complete(number[:8])
    changed = siren[:position] + str((int(siren[position]) + delta) % 10) + siren[position + 1 :]
    assert not is_valid_siren(changed)


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_swapping_two_different_adjacent_digits_breaks_a_siren(prefix):
    siren = luhn_complete(prefix)
    for i in range(8):
        a, b = siren[i], siren[i + 1]
        # Luhn misses the 09 <-> 90 swap, a known limit of the algorithm.
        if a != b and {a, b} != {"0", "9"}:
            assert not is_valid_siren(siren[:i] + b + a + siren[i + 2 :])


@given(st.text(min_size=0, max_size=20))
def test_anything_but_nine_ascii_digits_is_not_a_siren(text):
    assume(not (len(text) == 9 and text.isascii() and text.isdigit()))
    assert not is_valid_siren(text)


@given(st.text(alphabet="٠١٢٣٤٥٦٧٨٩", min_size=9, max_size=9))
def test_non_ascii_digits_are_refused(text):
    assert not is_valid_siren(text)
    assert not is_valid_siret(text + "00000")


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.text(alphabet="0123456789", min_size=4, max_size=4))
def test_a_luhn_completed_siret_is_valid_outside_la_poste(siren_prefix, nic_prefix):
    siren = luhn_complete(siren_prefix)
    assume(siren != LA_POSTE_SIREN)
    siret = luhn_complete(siren + nic_prefix)
    assert is_valid_siret(siret)
    assert not is_valid_siret(siret[:13] + str((int(siret[13]) + 1) % 10))


@given(st.text(alphabet="0123456789", min_size=5, max_size=5))
def test_la_poste_sirets_follow_the_digit_sum_rule(nic):
    siret = LA_POSTE_SIREN + nic
    assume(siret != LA_POSTE_HEAD_OFFICE)
    assert is_valid_siret(siret) == (sum(int(c) for c in siret) % 5 == 0)


def test_la_poste_siren_itself_is_a_valid_siren():
    assert is_valid_siren(LA_POSTE_SIREN)


@pytest.mark.parametrize(
    ("siret", "valid"),
    [
        ("35600000000048", True),  # La Poste's head office: digit sum 26, but an ordinary Luhn key
        ("35600000049837", True),  # a La Poste office: sum 45, yet not Luhn-valid
        ("35600000049838", False),
        ("73282932000074", True),  # an ordinary Luhn-valid SIRET
        ("73282932000075", False),
        ("7328293200007", False),
    ],
)
def test_known_sirets(siret, valid):
    assert is_valid_siret(siret) is valid


def test_la_poste_office_is_not_luhn_valid_which_is_why_it_has_its_own_rule():
    assert not luhn_valid("35600000049837")


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.sampled_from([" ", ".", "-", "\u00a0"]))
def test_separators_people_type_are_ignored(prefix, separator):
    siren = luhn_complete(prefix)
    typed = separator.join([siren[:3], siren[3:6], siren[6:]])
    assert compact(typed) == siren
    assert check_siren(typed) == siren


def test_check_functions_state_the_rule():
    with pytest.raises(ValueError, match="9 digits"):
        check_siren("123456789")
    with pytest.raises(ValueError, match="14 digits"):
        check_siret("12345678901234")
    assert check_siret("732 829 320 00074") == "73282932000074"

"""Stock ids name their structure through a keyed permutation of the SIREN."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from passculture.rules.ids import DOMAIN, mask, unmask
from passculture.services.stock_ids import new_stock_id, siren_of

sirens = st.integers(min_value=0, max_value=DOMAIN - 1).map(lambda n: f"{n:09d}")
KEY = b"k" * 32


@given(sirens)
def test_a_mask_gives_its_siren_back(siren):
    masked = mask(siren, KEY)
    assert len(masked) == 6
    assert unmask(masked, KEY) == siren


@given(sirens, sirens)
def test_distinct_sirens_have_distinct_masks(a, b):
    assert (mask(a, KEY) == mask(b, KEY)) == (a == b)


def test_the_mask_depends_on_the_key_and_hides_the_siren():
    assert mask("123456789", KEY) != mask("123456789", b"other key")
    assert "1234" not in mask("123456789", KEY)
    assert unmask("zzzzzz", KEY) is None  # beyond 10^9
    assert unmask("ab!def", KEY) is None


@given(sirens)
def test_a_stock_id_names_its_structure(siren):
    stock_id = new_stock_id(siren)
    assert len(stock_id) <= 64 and siren_of(stock_id) == siren


def test_ids_made_before_name_no_structure():
    assert siren_of(str(uuid.uuid4())) is None
    assert siren_of("no-such-stock") is None
    assert siren_of("abcdef-not-a-uuid-at-all-but-long-enough-xx") is None

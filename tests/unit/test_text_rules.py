"""The text rules: what a name or description may hold, and text cleaned for an email's headers and body."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from passculture.rules.dates import check_birth_date, check_future_within, check_period_bound
from passculture.rules.text import (
    BIDI_CONTROLS,
    body_text,
    check_description,
    check_name,
    header_text,
    without_lone_surrogates,
)

ANY = st.text(alphabet=st.characters(codec=None, exclude_categories=()))
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


@given(ANY)
def test_a_name_is_refused_exactly_when_it_holds_a_control_a_separator_or_a_surrogate(text):
    bad = any(unicodedata.category(ch) in {"Cc", "Zl", "Zp", "Cs"} or ch in BIDI_CONTROLS for ch in text)
    if bad:
        with pytest.raises(ValueError, match="one line"):
            check_name(text)
    else:
        assert check_name(text) == text


def test_a_description_keeps_line_breaks_and_tabs_only():
    assert check_description("a\r\nb\n\tc") == "a\r\nb\n\tc"
    for bad in ("\x00", "\x1b", "\u2028", "\x85", "\udc00"):
        with pytest.raises(ValueError, match="line breaks and tabs"):
            check_description(f"a{bad}b")


@given(ANY)
def test_header_text_is_one_clean_line_and_stays_so(text):
    cleaned = header_text(text)
    assert not any(ch in cleaned for ch in LINE_BREAKS)
    assert all(unicodedata.category(ch) not in {"Cc", "Cs", "Zl", "Zp"} for ch in cleaned)
    assert cleaned == cleaned.strip() and "  " not in cleaned
    assert header_text(cleaned) == cleaned
    cleaned.encode("utf-8")  # no lone surrogate left


@given(ANY)
def test_body_text_has_only_newline_line_ends_and_encodes(text):
    cleaned = body_text(text)
    assert not any(ch in cleaned for ch in LINE_BREAKS.replace("\n", ""))
    assert all(unicodedata.category(ch) not in {"Cc", "Cs"} or ch in "\n\t" for ch in cleaned)
    assert cleaned == "" or cleaned.endswith("\n")
    assert body_text(cleaned) == cleaned
    cleaned.encode("utf-8")


def test_cleaning_keeps_what_can_be_kept():
    assert header_text(" Le\r\nMisanthrope\u2028 à\t19h ") == "Le Misanthrope à 19h"
    assert header_text("abc\u202edef") == "abcdef"
    assert body_text("Un\r\ndeux\rtrois\u2029quatre\x00") == "Un\ndeux\ntrois\nquatre\n"
    # A surrogate pair is the character it encodes; a lone one becomes U+FFFD.
    assert without_lone_surrogates("\ud83d\ude00 \ud800") == "😀 \ufffd"


def test_dates_are_bounded():
    now = datetime(2026, 5, 1, tzinfo=UTC)
    assert check_future_within(now + timedelta(days=730), now, 730)
    for value, rule in ((now, "in the future"), (now + timedelta(days=730, seconds=1), "within 730 days")):
        with pytest.raises(ValueError, match=rule):
            check_future_within(value, now, 730)
    assert check_birth_date(date(1900, 1, 1), date(2026, 5, 1))
    for birth in (date(1899, 12, 31), date(2026, 5, 1)):
        with pytest.raises(ValueError, match="after 1900"):
            check_birth_date(birth, date(2026, 5, 1))
    assert check_period_bound(datetime(2000, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="between 2000 and 2099"):
        check_period_bound(datetime(2100, 1, 1, tzinfo=UTC))

"""The ticketing answers' rules (``rules.partners.booking_answer``, ``cancel_answer``)."""

from __future__ import annotations

import json

import pytest

from passculture.rules.partners import BadAnswer, booking_answer, cancel_answer


def body(value) -> bytes:
    return json.dumps(value).encode()


def test_tickets_one_per_place_with_the_places_left():
    answer = body({"tickets": [{"barcode": "A1", "seat": "R1"}, {"barcode": "A2"}], "remainingQuantity": 3})
    assert booking_answer(201, answer, 2) == (
        "tickets",
        [{"barcode": "A1", "seat": "R1"}, {"barcode": "A2", "seat": None}],
        3,
    )
    assert booking_answer(200, body({"tickets": [{"barcode": "X"}], "remainingQuantity": None}), 1)[2] is None


@pytest.mark.parametrize(
    "answer",
    [
        b"\x00\xff<html>",
        body(["tickets"]),
        body({"tickets": [{"barcode": "A1"}]}),  # one ticket for two places
        body({"tickets": [{"barcode": "A1"}, {"barcode": "A1"}]}),
        body({"tickets": [{"barcode": ""}, {"barcode": "B"}]}),
        body({"tickets": [{"barcode": "A"}, {"barcode": "B"}], "remainingQuantity": -1}),
        body({"tickets": [{"barcode": "A"}, {"barcode": "B"}], "remainingQuantity": True}),
    ],
)
def test_anything_else_is_a_bad_answer(answer):
    with pytest.raises(BadAnswer):
        booking_answer(200, answer, 2)


def test_the_two_refusals_and_no_other():
    assert booking_answer(409, body({"error": "sold_out", "remainingQuantity": 0}), 1) == ("sold_out", [], 0)
    assert booking_answer(409, body({"error": "not_enough_seats", "remainingQuantity": 1}), 2)[0] == "not_enough_seats"
    with pytest.raises(BadAnswer):
        booking_answer(409, body({"error": "closed"}), 1)


def test_a_cancellation_answer():
    assert cancel_answer(200, body({"remainingQuantity": 4})) == 4
    assert cancel_answer(204, b"") is None
    assert cancel_answer(409, body({"error": "already_cancelled"})) is None
    with pytest.raises(BadAnswer):
        cancel_answer(409, body({"error": "unknown"}))

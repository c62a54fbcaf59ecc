"""What the booking emails say, whoever cancelled, wherever the venue is."""

from __future__ import annotations

from types import SimpleNamespace

from passculture.services.notifications.booking_emails import booking_emails, cancellation_emails, local_time

VENUE = SimpleNamespace(
    name="Théâtre du Port",
    address="2 quai Ouest",
    postal_code="97400",
    city="Saint-Denis",
    department_code="974",
    booking_email="resa@port.example",
    is_virtual=False,
)
BOOKING = {
    "token": "ABC234",
    "offer_name": "Maloya",
    "begins_at": "2027-03-14T16:00:00.000000+0000",
    "quantity": 2,
    "amount_cents": 2400,
    "user_email": "jeune@example.org",
    "user_public_name": "Camille",
    "user_id": "42",
}


def test_dates_are_written_in_the_venues_time_zone():
    assert local_time(BOOKING["begins_at"], "974") == "14/03/2027 à 20:00 (+04)"
    assert local_time(BOOKING["begins_at"], "75") == "14/03/2027 à 17:00 (CET)"
    assert local_time(None, "75") is None


def test_a_booking_tells_the_venue_and_the_booker():
    (venue_role, venue_to, _, venue_body), (booker_role, booker_to, _, booker_body) = booking_emails(BOOKING, VENUE)
    assert (venue_role, venue_to, booker_role, booker_to) == (
        "venue",
        "resa@port.example",
        "booker",
        "jeune@example.org",
    )
    for text in ("ABC234", "Maloya", "Camille <jeune@example.org>", "14/03/2027 à 20:00", "2 places (duo)"):
        assert text in venue_body
    for text in ("ABC234", "Maloya", "14/03/2027 à 20:00", "2 quai Ouest, 97400 Saint-Denis"):
        assert text in booker_body


def test_a_venue_without_booking_email_only_the_booker_is_told():
    venue = SimpleNamespace(**{**VENUE.__dict__, "booking_email": None})
    assert [role for role, *_ in booking_emails(BOOKING, venue)] == ["booker"]


def test_a_cancellation_tells_the_other_side():
    by_user = cancellation_emails({**BOOKING, "cancelled_by": "user:42"}, VENUE)
    assert [(role, to) for role, to, *_ in by_user] == [("venue", "resa@port.example")]
    # Anyone but the booker: an API key, a member of the structure, a stock deletion.
    for cancelled_by in ("key:ab12cd34", "user:99", "offerer:99"):
        emails = cancellation_emails({**BOOKING, "cancelled_by": cancelled_by}, VENUE)
        assert [(role, to) for role, to, *_ in emails] == [("booker", "jeune@example.org")]
        assert "ABC234" in emails[0][3] and "Maloya" in emails[0][3] and "24 €" in emails[0][3]

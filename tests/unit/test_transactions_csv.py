"""The CSV export reads bookings lazily: 100,000 bookings go out in bounded chunks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from passculture.services.countermarks.transactions import CSV_HEADER, csv_chunk

TOTAL = 100_000
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class FakeBooking:
    """What csv_row reads of a booking; counts how many exist at once."""

    alive = 0
    most_alive = 0

    def __init__(self, n: int) -> None:
        self.token = f"{n:06d}"
        self.created_at = EPOCH + timedelta(seconds=n)
        self.status = ("booked", "used", "cancelled", "reimbursed")[n % 4]
        self.offer_name = f"Concert du quatuor n°{n} — salle des fêtes"
        self.offer_id = f"offer-{n % 97}"
        self.offer_category = "MUSIC"
        self.begins_at = EPOCH + timedelta(days=30)
        self.venue_id = "venue-1"
        self.venue_name = "Théâtre municipal"
        self.quantity = 1 + n % 2
        self.amount_cents = 1250 * self.quantity
        self.unit_price_cents = 1250
        self.used_at = EPOCH + timedelta(days=31) if n % 4 == 1 else None
        self.cancelled_at = None
        self.reimbursed_at = None
        self.user_public_name = f"Jeune {n}"
        FakeBooking.alive += 1
        FakeBooking.most_alive = max(FakeBooking.most_alive, FakeBooking.alive)

    def __del__(self) -> None:
        FakeBooking.alive -= 1


def bookings_after(last_token: str | None):
    """A source that resumes after a cursor, as the index query does: a generator, never a list."""
    start = int(last_token) + 1 if last_token else 0
    return (FakeBooking(n) for n in range(start, TOTAL))


def test_one_hundred_thousand_bookings_export_in_bounded_chunks():
    max_rows, max_bytes = 5_000, 500_000
    FakeBooking.alive = FakeBooking.most_alive = 0
    rows = chunks = total_bytes = 0
    last_token = None
    while True:
        text, last, more = csv_chunk(
            bookings_after(last_token),
            header=chunks == 0,
            max_rows=max_rows,
            max_bytes=max_bytes,
            venue_name=lambda b: b.venue_name,
        )
        assert len(text.encode()) <= max_bytes
        lines = text.lstrip("\ufeff").split("\r\n")[:-1]
        if chunks == 0:
            assert lines.pop(0) == ";".join(CSV_HEADER)
        # Each chunk starts right after the previous one: nothing skipped, nothing repeated.
        assert (lines[0].split(";")[0], lines[-1].split(";")[0]) == (f"{rows:06d}", f"{rows + len(lines) - 1:06d}")
        rows += len(lines)
        total_bytes += len(text.encode())
        chunks += 1
        last_token = last.token if more else None
        del last, text, lines
        if not more:
            break
    assert rows == TOTAL
    assert chunks > TOTAL // max_rows  # the byte cap cut chunks short
    assert total_bytes > 30 * max_bytes
    # At most one chunk's bookings (and the one peeked past its end) ever existed at once.
    assert FakeBooking.most_alive <= max_rows + 2


def test_the_last_full_chunk_says_nothing_more_remains():
    text, last, more = csv_chunk(
        (FakeBooking(n) for n in range(3)), header=False, max_rows=3, max_bytes=10**6, venue_name=lambda b: ""
    )
    assert (text.count("\r\n"), last.token, more) == (3, "000002", False)

"""A structure's transactions (``GET /bookings/pro``): JSON pages and CSV exports.

Both read ``Booking.siren_index`` (or ``venue_index`` for one venue) with the
period as a range condition on ``created_at`` and the status as a filter,
newest first, resuming from a signed cursor.

CSV: API Gateway REST cannot stream and a Lambda response is at most 6 MB, so
an export is cut into chunks of at most ``csv_export_max_rows`` rows and
``csv_export_max_bytes`` bytes; each chunk names the next one (``X-Next-Cursor``
and ``Link: rel="next"``). Only the first chunk has the header row, so the
chunks' bodies concatenated in order are one CSV file. A chunk reads just the
query pages it needs: nothing ever holds the whole export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from passculture.config import get_settings
from passculture.errors import InvalidInput, NotFound
from passculture.models.bookings import Booking
from passculture.records import record
from passculture.services.accounts.access import member_sirens, require_member, signed_in, signed_in_member
from passculture.services.accounts.auth import Principal
from passculture.services.pagination import decode_cursor, encode_cursor, paginate

if TYPE_CHECKING:
    # Annotations only: pydantic stays out of a cold read (the query may be passculture.web.queries.Values).
    from passculture.schemas.transactions import TransactionsQuery

CSV_HEADER = (
    "Contremarque",
    "Date de réservation",
    "Statut",
    "Offre",
    "Identifiant de l'offre",
    "Catégorie",
    "Date de l'évènement",
    "Lieu",
    "Identifiant du lieu",
    "Quantité",
    "Prix unitaire (€)",
    "Montant (€)",
    "Date de validation",
    "Date d'annulation",
    "Date de remboursement",
    "Bénéficiaire",
)
STATUS_LABELS = {"booked": "réservée", "used": "validée", "cancelled": "annulée", "reimbursed": "remboursée"}
# A spreadsheet runs a cell starting with these as a formula; names come from users and feeds.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@record(frozen=True)
class Scope:
    """Which index partition holds the transactions asked for."""

    index: Any  # Booking.siren_index | Booking.venue_index
    hash_name: str  # "siren" | "venue_id"
    hash_value: str

    @property
    def label(self) -> str:
        return f"{'structure' if self.hash_name == 'siren' else 'lieu'}-{self.hash_value}"


@record(frozen=True)
class CsvChunk:
    text: str
    next_cursor: str | None
    filename: str


def scope_of(principal: Principal, query: TransactionsQuery) -> Scope | None:
    """The caller's scope: a venue, a structure, or their only structure (None: they have none)."""
    if query.siren and not query.venue_id:
        signed_in_member(principal, query.siren)  # the route deferred the user: read with the membership
        return Scope(Booking.siren_index, "siren", query.siren)
    principal = signed_in(principal)
    if query.venue_id:
        from passculture.models.venues import Venue

        try:
            venue = Venue.get(query.venue_id)
        except Venue.DoesNotExist as exc:
            raise NotFound("No such venue", field="venueId") from exc
        if query.siren and query.siren != venue.siren:
            raise NotFound("No such venue", field="venueId")
        require_member(principal, venue.siren, what="venue")
        return Scope(Booking.venue_index, "venue_id", venue.id)
    if principal.is_team:
        raise InvalidInput("Say which structure (siren) or venue (venueId)", field="siren")
    sirens = member_sirens(principal.user_id)
    if len(sirens) > 1:
        raise InvalidInput("You belong to several structures: say which one with siren", field="siren")
    return Scope(Booking.siren_index, "siren", sirens[0]) if sirens else None


def _query(scope: Scope, query: TransactionsQuery) -> Callable[..., Any]:
    """The index query with the period and status bound; pagination passes the rest."""
    if query.from_ and query.to:
        period = Booking.created_at.between(query.from_, query.to)
    elif query.from_:
        period = Booking.created_at >= query.from_
    elif query.to:
        period = Booking.created_at <= query.to
    else:
        period = None
    status = (Booking.status == query.status) if query.status else None
    return partial(
        scope.index.query,
        scope.hash_value,
        range_key_condition=period,
        filter_condition=status,
        scan_index_forward=False,
    )


def _checked_cursor(scope: Scope, cursor: str | None) -> dict[str, Any] | None:
    key = decode_cursor(cursor)
    if key is not None and (key.get(scope.hash_name) or {}).get("S") != scope.hash_value:
        raise InvalidInput("This cursor belongs to another list", field="cursor")
    return key


def index_key(scope: Scope, booking: Any) -> dict[str, Any]:
    """The index key of ``booking`` as DynamoDB's ``ExclusiveStartKey`` wants it."""
    return {
        "token": {"S": booking.token},
        scope.hash_name: {"S": getattr(booking, scope.hash_name)},
        "created_at": {"S": Booking.created_at.serialize(booking.created_at)},
    }


class VenueNames:
    """Venue names for rows written before bookings carried them: one read per venue, cached."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}

    def __call__(self, booking: Any) -> str:
        if booking.venue_name:
            return booking.venue_name
        if booking.venue_id not in self._names:
            from passculture.models.venues import Venue

            try:
                self._names[booking.venue_id] = Venue.get(booking.venue_id).name
            except Venue.DoesNotExist:
                self._names[booking.venue_id] = ""
        return self._names[booking.venue_id]


@dataclass(frozen=True)
class TransactionRow:
    """One transaction of the list: the booking and its venue's name."""

    booking: Booking
    venue_name: str | None


def list_transactions(principal: Principal, query: TransactionsQuery) -> tuple[list[TransactionRow], str | None]:
    """One page of the caller's transactions, newest first."""
    scope = scope_of(principal, query)
    if scope is None:
        return [], None
    _checked_cursor(scope, query.cursor)
    bookings, next_cursor = paginate(_query(scope, query), query.limit, query.cursor)
    names = VenueNames()
    return [TransactionRow(b, names(b) or None) for b in bookings], next_cursor


# -- CSV ---------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _euros(cents: int) -> str:
    # Decimal comma: what a French spreadsheet reads as a number.
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100},{cents % 100:02d}"


def csv_row(booking: Any, venue_name: Callable[[Any], str]) -> list[str]:
    return [
        _cell(booking.token),
        _cell(booking.created_at),
        STATUS_LABELS.get(booking.status, booking.status),
        _cell(booking.offer_name),
        _cell(booking.offer_id),
        _cell(booking.offer_category),
        _cell(booking.begins_at),
        _cell(venue_name(booking)),
        _cell(booking.venue_id),
        str(int(booking.quantity or 1)),
        _euros(booking.unit_price_cents),
        _euros(int(booking.amount_cents or 0)),
        _cell(booking.used_at),
        _cell(booking.cancelled_at),
        _cell(booking.reimbursed_at),
        _cell(booking.user_public_name),
    ]


def csv_chunk(
    bookings: Iterable[Any],
    *,
    header: bool,
    max_rows: int,
    max_bytes: int,
    venue_name: Callable[[Any], str],
) -> tuple[str, Any | None, bool]:
    """(CSV text, the last booking written, whether more remain) for the next rows of ``bookings``.

    Reads ``bookings`` lazily and stops at ``max_rows`` rows or before ``max_bytes``;
    semicolon-separated, CRLF lines, and a UTF-8 BOM before the header so that
    spreadsheets read the accents.
    """
    line = io.StringIO()
    writer = csv.writer(line, delimiter=";", lineterminator="\r\n")

    def render(cells: Iterable[str]) -> str:
        line.seek(0)
        line.truncate()
        writer.writerow(cells)
        return line.getvalue()

    parts: list[str] = ["\ufeff" + render(CSV_HEADER)] if header else []
    size = sum(len(p.encode()) for p in parts)
    rows, last, more = 0, None, False
    iterator: Iterator[Any] = iter(bookings)
    for booking in iterator:
        text = render(csv_row(booking, venue_name))
        if rows and size + len(text.encode()) > max_bytes:
            more = True  # this row starts the next chunk (read again from the cursor)
            break
        parts.append(text)
        size += len(text.encode())
        rows, last = rows + 1, booking
        if rows >= max_rows:
            more = next(iterator, None) is not None
            break
    return "".join(parts), last, more


def export_csv(principal: Principal, query: TransactionsQuery) -> CsvChunk:
    """The next chunk of the CSV export; ``next_cursor`` is None on the last one."""
    scope = scope_of(principal, query)
    first = not query.cursor
    if scope is None:
        text, _, _ = csv_chunk((), header=first, max_rows=1, max_bytes=1, venue_name=VenueNames())
        return CsvChunk(text, None, "transactions.csv")
    start = _checked_cursor(scope, query.cursor)
    settings = get_settings()
    results = _query(scope, query)(last_evaluated_key=start)
    text, last, more = csv_chunk(
        results,
        header=first,
        max_rows=settings.csv_export_max_rows,
        max_bytes=settings.csv_export_max_bytes,
        venue_name=VenueNames(),
    )
    next_cursor = encode_cursor(index_key(scope, last)) if more and last is not None else None
    return CsvChunk(text, next_cursor, f"transactions-{scope.label}.csv")

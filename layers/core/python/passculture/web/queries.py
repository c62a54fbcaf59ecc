"""Query strings of the read routes without pydantic: the well-formed ones, on a cold container.

A route's query schema (pydantic, ``passculture.schemas``) is the contract: the
OpenAPI document describes it and it words every 400. Importing pydantic and
building a schema costs a cold container about as much as the rest of its first
request, for ``?limit=&cursor=`` and a filter or two. So the dispatcher first
asks ``parse`` for the schema reference's plain parser (``PLAIN``): it gives the
values when every parameter it knows is in a form it is sure of (``limit`` as
plain digits in range, a status among its words...), and nothing otherwise;
pydantic then validates the query as before, so a bad query's 400 is pydantic's,
word for word. A plain parse gives exactly what the schema gives for the same
query (``tests/unit/test_queries.py`` compares them over many queries, and
that each parser knows every field of its schema: an unknown one is ignored, as
the schemas ignore it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from passculture.records import record
from passculture.vocabulary import BOOKING_STATUSES, CATEGORIES, OFFER_STATUSES, OFFERER_STATUSES

_DIGITS = re.compile(r"(?:0|[1-9][0-9]{0,5})")  # an int as pydantic reads it, and as everyone writes it
_SIREN = re.compile(r"[0-9]{9}")  # ASCII only: the schema's \d also takes other scripts' digits (pydantic says)


class Unsure(Exception):
    """A value the plain parser leaves to pydantic (a bad one, or one written in a rarer form)."""


@record(frozen=True)
class Field:
    """One parameter: its attribute, its name in the query string, its default and its check."""

    name: str
    alias: str
    default: Any
    check: Callable[[str], Any]


def integer(low: int, high: int) -> Callable[[str], int]:
    def check(text: str) -> int:
        if not _DIGITS.fullmatch(text) or not low <= int(text) <= high:
            raise Unsure
        return int(text)

    return check


def text(low: int = 0, high: int | None = None, *, stripped: bool = False) -> Callable[[str], str]:
    """A string of ``low`` to ``high`` characters; ``stripped``: the schema strips it (sure only if already so)."""

    def check(value: str) -> str:
        if len(value) < low or (high is not None and len(value) > high) or (stripped and value != value.strip()):
            raise Unsure
        return value

    return check


def one_of(words: tuple[str, ...]) -> Callable[[str], str]:
    allowed = frozenset(words)

    def check(value: str) -> str:
        if value not in allowed:
            raise Unsure
        return value

    return check


def siren(value: str) -> str:
    if not _SIREN.fullmatch(value):
        raise Unsure
    return value


def absent(value: str) -> Any:
    """A parameter the plain parser never takes (its parsing is pydantic's alone: a time, say)."""
    raise Unsure


class Values:
    """A query's values by attribute, as the handlers read a validated schema (``req.query.limit``)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return f"Values({self.__dict__!r})"


@record(frozen=True)
class PlainQuery:
    fields: tuple[Field, ...]

    def parse(self, data: dict[str, str]) -> Values | None:
        """The values, or None to leave the whole query to pydantic."""
        values = {}
        for f in self.fields:
            if f.name != f.alias and f.name in data:
                return None  # the attribute's own name, which the schemas also take: pydantic's rules
            raw = data.get(f.alias)
            if raw is None:
                values[f.name] = f.default
                continue
            try:
                values[f.name] = f.check(raw)
            except Unsure:
                return None
        return Values(values)


PAGE = (Field("limit", "limit", 20, integer(1, 100)), Field("cursor", "cursor", None, text()))

PLAIN: dict[str, PlainQuery] = {
    "base:PageQuery": PlainQuery(PAGE),
    "bookings:BookingsQuery": PlainQuery(PAGE),
    "admin:OfferersQuery": PlainQuery((*PAGE, Field("status", "status", "pending", one_of(OFFERER_STATUSES)))),
    "admin:OffersQuery": PlainQuery((*PAGE, Field("status", "status", "pending", one_of(OFFER_STATUSES)))),
    "offers:OfferQuery": PlainQuery(
        (
            *PAGE,
            Field("venue_id", "venueId", None, text(1, 64, stripped=True)),
            Field("siren", "siren", None, siren),
            Field("status", "status", None, one_of(OFFER_STATUSES)),
            Field("category", "category", None, one_of(CATEGORIES)),
        )
    ),
    "transactions:TransactionsQuery": PlainQuery(
        (
            *PAGE,
            Field("venue_id", "venueId", None, text(1, 64)),
            Field("siren", "siren", None, siren),
            Field("from_", "from", None, absent),
            Field("to", "to", None, absent),
            Field("status", "status", None, one_of(BOOKING_STATUSES)),
            Field("format", "format", "json", one_of(("json", "csv"))),
        )
    ),
}


def parse(ref: Any, data: dict[str, str]) -> Values | None:
    """The query's values by the plain parser of schema reference ``ref``, or None (pydantic's turn)."""
    plain = PLAIN.get(ref) if isinstance(ref, str) else None
    return None if plain is None else plain.parse(data)

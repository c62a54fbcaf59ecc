"""From a feed's words to an offer's fields: cleaned texts, a guessed category, stable keys. Pure.

Texts follow the API's rules for offers: a title is 1-140 characters on one
line; a description at most 10,000 characters, line breaks kept; neither holds
control or invisible formatting characters (they break emails and headers).
The category is guessed from the event's CATEGORIES words, in French or
English; no match means the venue's default.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from passculture.vocabulary import Category

if TYPE_CHECKING:
    from passculture.services.imports.ical import FeedEvent

TITLE_MAX = 140
DESCRIPTION_MAX = 10_000
LINE_MAX = 300  # a location, a category label
URL_MAX = 2000
ELLIPSIS = "…"

# C0/C1 controls, zero-width and bidirectional formatting, line/paragraph separators, BOM.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_LINE_BREAKS = re.compile(r"\r\n|[\r\u2028\u2029\x85\x0b\x0c]")
_SPACES = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING = re.compile(r"[ \t]+\n")
_WORD = re.compile(r"[a-z0-9]+")

# Whole phrases first (they would be misread word by word), then single words.
_PHRASES: tuple[tuple[str, Category], ...] = (
    ("comedie musicale", "LIVE_SHOW"),
    ("one man show", "LIVE_SHOW"),
    ("arts de la rue", "LIVE_SHOW"),
    ("escape game", "GAME"),
    ("jeu video", "GAME"),
    ("jeux video", "GAME"),
    ("video game", "GAME"),
    ("cine club", "CINEMA"),
    ("court metrage", "CINEMA"),
    ("table ronde", "CONFERENCE"),
    ("journees du patrimoine", "MUSEUM_HERITAGE"),
    ("heure du conte", "BOOK"),
)


def _each(words: str, category: Category) -> dict[str, Category]:
    return dict.fromkeys(words.split(), category)


_WORDS: dict[str, Category] = {
    **_each(
        "concert concerts musique musiques music jazz rock rap chanson chansons electro orchestre "
        "choral chorale recital dj",
        "MUSIC",
    ),
    **_each(
        "theatre theater theatres spectacle spectacles show shows danse dance cirque circus humour comedy "
        "marionnette marionnettes opera performance impro improvisation",
        "LIVE_SHOW",
    ),
    **_each(
        "exposition expositions expo expos exhibition exhibitions musee musees museum museums patrimoine heritage "
        "visite visites visit tour monument monuments galerie gallery",
        "MUSEUM_HERITAGE",
    ),
    **_each(
        "atelier ateliers workshop workshops cours class classes stage stages initiation masterclass",
        "ART_CLASS",
    ),
    **_each(
        "cinema cine film films projection projections screening screenings documentaire documentary",
        "CINEMA",
    ),
    **_each(
        "conference conferences rencontre rencontres debat debats debate talk talks colloque seminaire symposium",
        "CONFERENCE",
    ),
    **_each(
        "lecture lectures livre livres book books litterature literature bibliotheque library mediatheque "
        "dedicace dedicaces poesie poetry conte contes",
        "BOOK",
    ),
    **_each("jeu jeux game games ludotheque", "GAME"),
    **_each("audiovisuel audiovisual video videos podcast podcasts radio", "AUDIOVISUAL"),
    **_each("presse press magazine journal", "PRESS"),
}


def _plain(text: str) -> str:
    """Lower case without accents: ``Théâtre`` and ``theatre`` are one word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def guess_category(labels: Iterable[str]) -> Category | None:
    """The first of the project's categories that a CATEGORIES label names, else None (the venue's default)."""
    for label in labels:
        words = _WORD.findall(_plain(label))
        joined = " ".join(words)
        for phrase, category in _PHRASES:
            if f" {phrase} " in f" {joined} ":
                return category
        for word in words:
            if word in _WORDS:
                return _WORDS[word]
    return None


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def clean_line(text: object, limit: int = LINE_MAX) -> str:
    """One line of visible text: controls and runs of whitespace become one space, at most ``limit`` long."""
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFC", _INVISIBLE.sub(" ", text))
    return _cut(_SPACES.sub(" ", text).strip(), limit)


def clean_title(text: object) -> str:
    """An offer's name: one line, at most 140 characters ("" when nothing visible is left)."""
    return clean_line(text, TITLE_MAX)


def clean_description(text: object) -> str | None:
    """An offer's description: line breaks kept (at most one blank line in a row), at most 10,000 characters."""
    if not isinstance(text, str):
        return None
    text = _LINE_BREAKS.sub("\n", text).replace("\t", " ")
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    text = _BLANK_LINES.sub("\n\n", _TRAILING.sub("\n", text)).strip()
    return _cut(text, DESCRIPTION_MAX) or None


def http_url(text: object) -> str | None:
    """``text`` if it is an absolute http(s) URL of a sensible length, else None."""
    if not isinstance(text, str):
        return None
    value = text.strip()
    if len(value) > URL_MAX or _INVISIBLE.search(value) or _SPACES.search(value):
        return None
    scheme, _, rest = value.partition("://")
    if scheme.lower() not in ("http", "https") or not rest or rest.startswith("/"):
        return None
    return value


def occurrence_key(uid: str, start: datetime) -> str:
    """The stable key of one date of an event: its UID and its start in UTC (a stock's external id)."""
    return f"{uid}|{start.astimezone(UTC):%Y%m%dT%H%M%SZ}"


@dataclass(frozen=True)
class OfferFields:
    """What the feed owns on an imported offer; the rest (price, quantity, hook...) is the pro's."""

    name: str
    description: str | None
    category: Category
    duration_minutes: int | None
    image_url: str | None


MAX_DURATION_MINUTES = 60 * 24 * 30  # the API's bound on an offer's duration


def offer_fields(event: FeedEvent, default_category: Category) -> OfferFields:
    """The offer an event becomes on a venue whose default category is ``default_category``."""
    return OfferFields(
        name=event.title,
        description=event.description,
        category=event.category or default_category,
        duration_minutes=_shared_duration(event),
        image_url=event.image_url,
    )


def _shared_duration(event: FeedEvent) -> int | None:
    """The duration in minutes when every timed date of the event lasts the same, else None."""
    durations = {
        int((o.end - o.start).total_seconds() // 60) for o in event.occurrences if o.end is not None and not o.all_day
    }
    if len(durations) != 1:
        return None
    (minutes,) = durations
    return minutes if 1 <= minutes <= MAX_DURATION_MINUTES else None

"""From a feed's words to an offer's fields: categories, cleaned texts, links, keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from passculture.services.imports.ical import FeedEvent, Occurrence
from passculture.services.imports.mapping import (
    clean_description,
    clean_title,
    guess_category,
    http_url,
    occurrence_key,
    offer_fields,
)
from passculture.vocabulary import CATEGORIES


@pytest.mark.parametrize(
    ("labels", "category"),
    [
        (["Concert"], "MUSIC"),
        (["Musique classique"], "MUSIC"),
        (["Théâtre"], "LIVE_SHOW"),
        (["THEATRE"], "LIVE_SHOW"),
        (["Spectacle vivant"], "LIVE_SHOW"),
        (["Comédie musicale"], "LIVE_SHOW"),
        (["Danse contemporaine"], "LIVE_SHOW"),
        (["Exposition"], "MUSEUM_HERITAGE"),
        (["Musée"], "MUSEUM_HERITAGE"),
        (["Journées du patrimoine"], "MUSEUM_HERITAGE"),
        (["Atelier"], "ART_CLASS"),
        (["Workshop"], "ART_CLASS"),
        (["Cinéma"], "CINEMA"),
        (["Projection"], "CINEMA"),
        (["Ciné-club"], "CINEMA"),
        (["Conférence"], "CONFERENCE"),
        (["Rencontre"], "CONFERENCE"),
        (["Table ronde"], "CONFERENCE"),
        (["Lecture"], "BOOK"),
        (["Livres"], "BOOK"),
        (["L'heure du conte"], "BOOK"),
        (["Jeu"], "GAME"),
        (["Escape game"], "GAME"),
        (["Jeux vidéo"], "GAME"),
        (["Podcast"], "AUDIOVISUAL"),
        (["Presse"], "PRESS"),
        # The first label that names a category wins; labels that name none are skipped.
        (["Jeune public", "Cinéma", "Concert"], "CINEMA"),
        (["Festival", "Tout public"], None),
        ([], None),
    ],
)
def test_the_category_is_guessed_from_french_or_english_words(labels, category):
    assert guess_category(labels) == category
    assert category is None or category in CATEGORIES


def test_a_title_is_one_visible_line_of_at_most_140_characters():
    assert clean_title("  Concert\r\n\tde\x00 jazz\u202e  ") == "Concert de jazz"
    assert clean_title("\u200b\ufeff") == ""
    assert clean_title(None) == ""
    long = clean_title("mot " * 100)
    assert len(long) <= 140 and long.endswith("mot…")


def test_a_description_keeps_its_line_breaks_and_loses_control_characters():
    text = "Première ligne\r\nDeuxième\x1b[31m ligne\r\n\r\n\r\n\r\nFin\u2029après   \n"
    assert clean_description(text) == "Première ligne\nDeuxième[31m ligne\n\nFin\naprès"
    assert clean_description(" \n\t ") is None
    assert len(clean_description("a" * 20_000)) == 10_000


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("https://openagenda.com/agendas/1/events/x", "https://openagenda.com/agendas/1/events/x"),
        ("  http://exemple.fr/a.jpg ", "http://exemple.fr/a.jpg"),
        ("javascript:alert(1)", None),
        ("ftp://exemple.fr/a.jpg", None),
        ("https:///nohost", None),
        ("https://exemple.fr/a b", None),
        ("https://exemple.fr/" + "a" * 2000, None),
        (None, None),
    ],
)
def test_only_absolute_http_urls_are_kept(text, url):
    assert http_url(text) == url


def test_a_date_key_is_the_uid_and_the_start_in_utc_whatever_its_zone():
    paris = timezone(timedelta(hours=2))
    assert occurrence_key("42@openagenda.com", datetime(2027, 4, 3, 15, 0, tzinfo=paris)) == (
        "42@openagenda.com|20270403T130000Z"
    )


def event(category=None, *occurrences: Occurrence) -> FeedEvent:
    return FeedEvent(
        uid="42@openagenda.com",
        title="Concert",
        description="Un concert.",
        url=None,
        image_url="https://cdn.example/i.jpg",
        location=None,
        categories=(),
        category=category,
        occurrences=occurrences,
    )


def at(day: int, minutes: int | None) -> Occurrence:
    start = datetime(2027, 4, day, 19, tzinfo=UTC)
    return Occurrence(start, None if minutes is None else start + timedelta(minutes=minutes))


def test_an_offer_takes_the_guessed_category_else_the_venues_default():
    assert offer_fields(event("MUSIC", at(3, 90)), "LIVE_SHOW").category == "MUSIC"
    fields = offer_fields(event(None, at(3, 90)), "LIVE_SHOW")
    assert (fields.name, fields.description, fields.category, fields.image_url) == (
        "Concert",
        "Un concert.",
        "LIVE_SHOW",
        "https://cdn.example/i.jpg",
    )


def test_an_offer_has_a_duration_only_when_every_timed_date_lasts_the_same():
    assert offer_fields(event(None, at(3, 90), at(4, 90), at(5, None)), "MUSIC").duration_minutes == 90
    assert offer_fields(event(None, at(3, 90), at(4, 120)), "MUSIC").duration_minutes is None
    assert offer_fields(event(None, at(3, None)), "MUSIC").duration_minutes is None
    all_day = Occurrence(datetime(2027, 4, 1, 22, tzinfo=UTC), datetime(2027, 4, 2, 22, tzinfo=UTC), all_day=True)
    assert offer_fields(event(None, all_day), "MUSIC").duration_minutes is None

"""Reading agenda feeds (tests/fixtures/ics, written like real exports) into events and their dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from passculture.services.imports.ical import Limits, Occurrence, ParsedFeed, parse_feed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ics"
NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
# The settings' defaults, with a smaller budget of work for recurrences so runaway rules fail fast here.
LIMITS = Limits(5000, 1000, 20_000, max_rule_calls=50_000, max_feed_rule_calls=500_000)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def parse(name_or_bytes: str | bytes, **options) -> ParsedFeed:
    data = name_or_bytes if isinstance(name_or_bytes, bytes) else (FIXTURES / f"{name_or_bytes}.ics").read_bytes()
    options.setdefault("now", NOW)
    options.setdefault("horizon_days", 365)
    options.setdefault("limits", LIMITS)
    return parse_feed(data, **options)


def by_uid(feed: ParsedFeed) -> dict:
    return {event.uid: event for event in feed.events}


def starts(event) -> list[datetime]:
    return [o.start for o in event.occurrences]


def calendar(*vevents: str, header: str = "") -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{v.strip()}\r\nEND:VEVENT\r\n" for v in vevents)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{header}{body}END:VCALENDAR\r\n".encode()


# -- OpenAgenda's export: one VEVENT per date ----------------------------------------


def test_an_openagenda_export_gives_one_event_per_uid_with_its_future_dates():
    feed = parse("openagenda")
    events = by_uid(feed)
    assert feed.error is None
    assert list(events) == [
        "12345678@openagenda.com",
        "51234567@openagenda.com",
        "60011122@openagenda.com",
        "60055566@openagenda.com",
    ]
    # The concert's past date (26 February) is left out; the two others stay, in UTC.
    concert = events["12345678@openagenda.com"]
    assert concert.occurrences == (
        Occurrence(utc(2027, 3, 12, 19), utc(2027, 3, 12, 21)),
        Occurrence(utc(2027, 3, 19, 19), utc(2027, 3, 19, 21)),
    )
    # Its cancelled date (10 April) is not offered.
    assert starts(events["51234567@openagenda.com"]) == [utc(2027, 4, 3, 14)]
    assert (feed.vevents, feed.events_seen, feed.events_without_dates) == (8, 5, 1)
    assert feed.rejected == ()
    assert feed.complete


def test_an_openagenda_event_keeps_its_texts_links_image_and_category():
    concert = by_uid(parse("openagenda"))["12345678@openagenda.com"]
    assert concert.title == "Concert de jazz : Trio Lumière"
    assert concert.description == (
        "Le Trio Lumière revisite les standards du jazz manouche.\nEntrée libre dans la limite des places disponibles."
    )
    assert concert.location == "Médiathèque Robert-Desnos, 14 boulevard Rouget de Lisle, 93100 Montreuil"
    assert concert.url == "https://openagenda.com/agendas/47826291/events/concert-de-jazz-trio-lumiere"
    assert concert.image_url == "https://cdn.openagenda.com/main/trio-lumiere.base.image.jpg"
    assert concert.categories == ("Concert", "Jazz")
    assert concert.category == "MUSIC"
    assert not concert.truncated


def test_titles_are_one_line_and_descriptions_keep_at_most_one_blank_line():
    workshop = by_uid(parse("openagenda"))["60055566@openagenda.com"]
    assert workshop.title == "Atelier d'écriture poétique"
    assert workshop.description == "Un atelier pour écrire à plusieurs mains.\n\nSur inscription."
    assert workshop.category == "ART_CLASS"


# -- time zones ----------------------------------------------------------------------


def test_a_google_series_follows_its_exdate_its_overrides_and_summer_time():
    series = by_uid(parse("google_recurring"))["5f1c2a9e8b7d4c3a1e0f@google.com"]
    # Fridays at 20:30 Paris time: 19 March excluded, 2 April moved to Saturday 3 April 15:00,
    # 9 April cancelled, and from 28 March Paris is UTC+2.
    assert series.occurrences == (
        Occurrence(utc(2027, 3, 5, 19, 30), utc(2027, 3, 5, 21, 30)),
        Occurrence(utc(2027, 3, 12, 19, 30), utc(2027, 3, 12, 21, 30)),
        Occurrence(utc(2027, 3, 26, 19, 30), utc(2027, 3, 26, 21, 30)),
        Occurrence(utc(2027, 4, 3, 13), utc(2027, 4, 3, 15)),
        Occurrence(utc(2027, 4, 16, 18, 30), utc(2027, 4, 16, 20, 30)),
    )
    # The event's own VEVENT gives the title, not the override's.
    assert series.title == "Une chambre en Inde"


def test_a_utc_series_of_a_calendar_with_x_wr_timezone_repeats_at_local_time():
    visit = by_uid(parse("google_recurring"))["0a9b8c7d6e5f4a3b@google.com"]
    # 18:00 in Paris every Tuesday: 17:00 UTC in winter, 16:00 UTC once summer time starts.
    assert starts(visit) == [utc(2027, 3, 16, 17), utc(2027, 3, 23, 17), utc(2027, 3, 30, 16), utc(2027, 4, 6, 16)]


def test_a_series_in_a_zone_at_offset_zero_is_not_taken_for_utc():
    header = "X-WR-TIMEZONE:Europe/Paris\r\n"
    london = "UID:london\nDTSTART;TZID=Europe/London:20270323T180000\nRRULE:FREQ=WEEKLY;COUNT=2\nSUMMARY:Talk"
    feed = parse(calendar(london, header=header))
    # 18:00 in London: GMT, then BST from 28 March.
    assert starts(feed.events[0]) == [utc(2027, 3, 23, 18), utc(2027, 3, 30, 17)]


def test_windows_time_zone_names_are_the_zones_they_stand_for():
    events = parse("outlook_windows_tzid").events
    by_title = {e.title: e for e in events}
    # "Romance Standard Time" is Paris (summer time on 8 April), "W. Europe Standard Time" Berlin.
    assert by_title["Rencontre dédicace avec Marie Delorme"].occurrences == (
        Occurrence(utc(2027, 4, 8, 16, 30), utc(2027, 4, 8, 18)),
    )
    assert starts(by_title["Heure du conte numérique"]) == [utc(2027, 3, 10, 9)]
    assert by_title["Heure du conte numérique"].category == "BOOK"


@pytest.mark.parametrize("order", [("custom_tzid", "custom_tzid_other"), ("custom_tzid_other", "custom_tzid")])
def test_an_unknown_tzid_uses_this_calendars_vtimezone_whatever_was_read_before(order):
    # Both feeds name their zone "Heure de la salle": +04:00 in one, -03:00 (defined after use) in the other.
    expected = {"custom_tzid": utc(2027, 3, 20, 15), "custom_tzid_other": utc(2027, 3, 20, 22)}
    for name in order:
        (event,) = parse(name).events
        assert starts(event) == [expected[name]]


def test_floating_times_are_in_paris_without_a_calendar_zone():
    (event,) = parse("floating").events
    assert event.occurrences == (Occurrence(utc(2027, 3, 20, 19, 30), utc(2027, 3, 20, 22, 30)),)
    assert event.image_url == "https://bourg.example.fr/images/bal-folk.png"


def test_floating_times_are_in_the_zone_of_x_wr_timezone():
    (event,) = parse("floating_overseas").events
    # 20:30 in Martinique (UTC-4).
    assert starts(event) == [utc(2027, 3, 21, 0, 30)]


# -- shapes of dates -----------------------------------------------------------------


def test_an_all_day_event_starts_at_local_midnight_and_a_multi_day_one_is_one_date():
    events = by_uid(parse("all_day"))
    assert events["bourg-portes-ouvertes-2027"].occurrences == (
        Occurrence(utc(2027, 4, 1, 22), utc(2027, 4, 2, 22), all_day=True),
    )
    assert events["bourg-festival-bd-2027"].occurrences == (
        Occurrence(utc(2027, 4, 1, 22), utc(2027, 4, 4, 22), all_day=True),
    )


def test_an_all_day_series_gives_one_date_per_day():
    market = by_uid(parse("all_day"))["bourg-marche-livres"]
    assert starts(market) == [utc(2027, 3, 6, 23), utc(2027, 3, 13, 23), utc(2027, 3, 20, 23)]
    assert all(o.all_day and o.end - o.start == timedelta(days=1) for o in market.occurrences)


def test_duration_stands_in_for_dtend_on_single_and_repeated_events():
    events = by_uid(parse("duration"))
    assert events["melies-seance-8812"].occurrences == (Occurrence(utc(2027, 3, 15, 13), utc(2027, 3, 15, 14, 30)),)
    assert [(o.start, o.end) for o in events["melies-matinales"].occurrences] == [
        (utc(2027, 3, d, 9), utc(2027, 3, d, 9, 45)) for d in (16, 17, 18)
    ]


def test_cancelled_events_overrides_and_series_are_not_offered_but_counted():
    feed = parse("cancelled")
    assert list(by_uid(feed)) == ["espace-cours-dessin"]
    # The 9 March lesson is a cancelled override of the weekly series.
    assert starts(feed.events[0]) == [utc(2027, 3, 2, 17), utc(2027, 3, 16, 17)]
    assert (feed.events_seen, feed.events_without_dates) == (3, 2)


def test_past_events_are_counted_not_offered_and_a_running_series_gives_its_future_dates():
    feed = parse("past")
    assert (feed.events_seen, feed.events_without_dates) == (3, 2)
    (visit,) = feed.events
    # Monthly since January 2025, 30 times: March to June 2027 are left.
    assert starts(visit) == [utc(2027, 3, 10, 14), utc(2027, 4, 10, 13), utc(2027, 5, 10, 13), utc(2027, 6, 10, 13)]


def test_dates_beyond_the_horizon_are_left_for_a_later_import():
    daily = by_uid(parse("secondly", horizon_days=10))["chaque-jour"]
    # Up to 11 March, 08:00 UTC.
    assert starts(daily) == [utc(2027, 3, d, 18) for d in range(2, 11)]
    assert not daily.truncated
    near = by_uid(parse("openagenda", horizon_days=15))
    assert list(near) == ["12345678@openagenda.com", "60011122@openagenda.com"]
    assert starts(near["12345678@openagenda.com"]) == [utc(2027, 3, 12, 19)]


def test_one_vevent_per_date_and_a_series_under_one_uid_are_one_event():
    feed = parse(
        calendar(
            "UID:mixed\nDTSTART:20270305T180000Z\nSUMMARY:Ciné-goûter",
            "UID:mixed\nDTSTART:20270310T180000Z\nRRULE:FREQ=DAILY;COUNT=2\nSUMMARY:Ciné-goûter",
            "UID:mixed\nDTSTART:20270311T180000Z\nSUMMARY:Ciné-goûter",
        )
    )
    (event,) = feed.events
    assert starts(event) == [utc(2027, 3, 5, 18), utc(2027, 3, 10, 18), utc(2027, 3, 11, 18)]


def test_a_date_given_twice_keeps_its_highest_sequence():
    feed = parse(
        calendar(
            "UID:twice\nDTSTART:20270305T180000Z\nSUMMARY:Concert\nSEQUENCE:1\nSTATUS:CANCELLED",
            "UID:twice\nDTSTART:20270305T180000Z\nSUMMARY:Concert\nSEQUENCE:0",
            "UID:twice\nDTSTART:20270306T180000Z\nSUMMARY:Concert\nSEQUENCE:0\nSTATUS:CANCELLED",
            "UID:twice\nDTSTART:20270306T180000Z\nSUMMARY:Concert\nSEQUENCE:2",
        )
    )
    assert starts(feed.events[0]) == [utc(2027, 3, 6, 18)]


# -- bounds --------------------------------------------------------------------------


def test_a_secondly_rule_is_cut_at_the_bound_and_reported():
    feed = parse("secondly", limits=Limits(5000, 50, 20_000, max_rule_calls=50_000))
    events = by_uid(feed)
    every_second = events["chaque-seconde"]
    assert starts(every_second) == [utc(2027, 3, 1, 9) + timedelta(seconds=s) for s in range(50)]
    assert every_second.truncated and events["chaque-jour"].truncated
    assert len(events["chaque-jour"].occurrences) == 50
    assert {(r.uid, r.reason) for r in feed.rejected} == {
        (uid, "has more than 50 dates in the next 365 days: only the first 50 were imported")
        for uid in ("chaque-seconde", "chaque-jour")
    }
    assert not feed.complete


@pytest.mark.timeout(60)
@pytest.mark.parametrize("limits", [LIMITS, Limits.from_settings()], ids=["small budget", "default budget"])
def test_rules_too_costly_to_expand_are_refused_and_the_rest_goes_in(limits):
    feed = parse("runaway_rules", limits=limits)
    # Every second since 2001, and "every 30 February" (dateutil alone would loop to the year 9999).
    assert [(r.uid, r.position) for r in feed.rejected] == [("chaque-seconde-depuis-2001", 1), ("jamais", 2)]
    assert all("too costly to expand" in r.reason for r in feed.rejected)
    assert list(by_uid(feed)) == ["concert-unique"]
    assert not feed.complete


@pytest.mark.parametrize(
    ("rule", "dates"),
    [
        # Filtered rules are expanded under the work budget, and still give their dates.
        ("FREQ=MONTHLY;BYDAY=1FR;COUNT=3", [utc(2027, 3, 5, 18), utc(2027, 4, 2, 18), utc(2027, 5, 7, 18)]),
        ("FREQ=HOURLY;INTERVAL=2;BYHOUR=18,20;COUNT=3", [utc(2027, 3, 5, h) for h in (18, 20)] + [utc(2027, 3, 6, 18)]),
        ("FREQ=WEEKLY;BYDAY=MO,FR;COUNT=3", [utc(2027, 3, 5, 18), utc(2027, 3, 8, 18), utc(2027, 3, 12, 18)]),
        ("FREQ=WEEKLY;INTERVAL=0;COUNT=5", [utc(2027, 3, 5, 18)]),
        # A rule that never moves forward is stopped by the budget, not by the end of time.
        ("FREQ=DAILY;INTERVAL=0", None),
    ],
)
def test_rules_are_expanded_within_the_work_budget(rule, dates):
    feed = parse(calendar(f"UID:r\nDTSTART:20270305T180000Z\nRRULE:{rule}\nSUMMARY:Visite"))
    if dates is None:
        assert feed.events == () and "too costly to expand" in feed.rejected[0].reason
    else:
        assert starts(feed.events[0]) == dates


def test_ten_thousand_vevents_are_cut_at_the_event_bound_and_reported():
    vevents = [f"UID:ev-{i:05d}\nDTSTART:20270401T{i % 24:02d}0000Z\nSUMMARY:Séance {i}" for i in range(10_000)]
    feed = parse(calendar(*vevents), limits=Limits(max_events=2000, max_occurrences_per_event=10, max_occurrences=5000))
    assert feed.vevents == 10_000
    assert feed.events_seen == 2000
    assert [e.uid for e in feed.events] == [f"ev-{i:05d}" for i in range(2000)]
    (cut,) = feed.rejected
    assert (cut.uid, cut.position, cut.label) == (None, 0, "feed")
    assert cut.reason == "the feed has more than 2000 events: 8000 VEVENTs of later events were left out"
    assert not feed.complete


def test_the_feed_wide_date_bound_keeps_the_first_events_of_the_feed():
    vevents = [f"UID:ev-{i}\nDTSTART:20270401T180000Z\nRRULE:FREQ=DAILY;COUNT=4\nSUMMARY:Stage {i}" for i in (3, 1, 2)]
    feed = parse(calendar(*vevents), limits=Limits(max_events=10, max_occurrences_per_event=10, max_occurrences=6))
    events = by_uid(feed)
    # In the feed's order: ev-3 gets its 4 dates, ev-1 the 2 left, ev-2 none.
    assert [len(events[uid].occurrences) for uid in ("ev-3", "ev-1")] == [4, 2]
    assert "ev-2" not in events
    assert events["ev-1"].truncated and not events["ev-3"].truncated
    assert {r.label for r in feed.rejected} == {"ev-1", "feed"}
    assert not feed.complete


# -- what cannot be read -------------------------------------------------------------


def test_unreadable_vevents_are_rejected_with_their_reason_and_the_others_go_in():
    feed = parse("broken")
    assert [e.uid for e in feed.events] == ["bon-evenement"]
    assert [(r.label, r.reason) for r in feed.rejected] == [
        ("sans-date", "has no start date (DTSTART)"),
        ("date-illisible", "has an unreadable start date (DTSTART:2027-03-20 19:00)"),
        ("VEVENT #4", "has no UID: it could not be followed from one import to the next"),
        ("regle-illisible", "has an unreadable RRULE (RRULE:FREQ=SOMETIMES;COUNT=2)"),
        ("sans-titre", "has no title (SUMMARY)"),
    ]
    assert feed.complete  # rejections are reported, they cut nothing that could be read


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", "does not start with BEGIN:VCALENDAR"),
        (b"<!DOCTYPE html><html><body>Agenda</body></html>", "does not start with BEGIN:VCALENDAR"),
        (b'{"events": []}', "does not start with BEGIN:VCALENDAR"),
        (bytes(range(256)), "does not start with BEGIN:VCALENDAR"),
        (b"BEGIN:VCALENDAR\r\nnot a content line\r\nEND:VCALENDAR\r\n", "not a readable iCalendar calendar"),
    ],
)
def test_what_is_not_a_calendar_is_an_error_result_not_an_exception(data, error):
    feed = parse(data)
    assert error in feed.error
    assert feed.events == () and feed.rejected == ()


def test_a_bom_leading_blank_lines_and_windows_1252_are_read():
    text = calendar("UID:cp\nDTSTART:20270320T190000Z\nSUMMARY:Théâtre à l'école").decode()
    (event,) = parse(b"\xef\xbb\xbf\r\n\r\n" + text.encode()).events
    assert event.title == "Théâtre à l'école"
    (event,) = parse(text.encode("cp1252")).events
    assert event.title == "Théâtre à l'école"


def test_a_date_out_of_range_is_rejected_and_the_others_go_in():
    year_one = "UID:old\nDTSTART:00010101T000000\nSUMMARY:An 1"
    feed = parse(calendar(year_one, "UID:ok\nDTSTART:20270320T190000Z\nSUMMARY:Ok"))
    assert [e.uid for e in feed.events] == ["ok"]
    assert [(r.label, r.reason) for r in feed.rejected] == [("old", "has a date out of range")]


def test_texts_are_cleaned_and_cut_to_the_apis_limits():
    long_title = "Très " * 60
    description = "Ligne\x07 un\\nLigne\u2028deux " + "x" * 11_000
    (event,) = parse(
        calendar(f"UID:long\nDTSTART:20270320T190000Z\nSUMMARY:\u200bBal\t{long_title}\nDESCRIPTION:{description}")
    ).events
    assert len(event.title) <= 140 and event.title.startswith("Bal Très Très") and event.title.endswith("Très…")
    assert event.description.startswith("Ligne un\nLigne\ndeux xxx")
    assert len(event.description) == 10_000


# -- determinism ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("*.ics")))
def test_parsing_the_same_feed_twice_gives_equal_results_in_uid_then_start_order(name):
    first, second = parse(name), parse(name)
    assert first == second
    assert [e.uid for e in first.events] == sorted(e.uid for e in first.events)
    for event in first.events:
        assert starts(event) == sorted(starts(event))
        assert all(o.start.tzinfo is UTC and o.start > NOW for o in event.occurrences)

"""Agenda feed parsing speed, as a ratio to icalendar parsing the same feed alone in the same run.

Part of ``python -m bench`` (skip it with ``--no-ical``); alone:

    PYTHONPATH=layers/core/python:. python -m bench.ical_parse [--events 5000] [--repeat 3]

The feed is generated like an OpenAgenda export: one VEVENT per date, five
dates per UID, with texts, a location, a link, an image and categories; one
VEVENT in ten is instead a weekly RRULE series (ten dates, one EXDATE, and an
overridden date every other series). Each run parses the same bytes with
``icalendar.Calendar.from_ical`` alone, then with ``parse_feed`` (decode,
icalendar, time zones, expansion of the series, cleaning, category guess),
interleaved; the figures are the medians of the process's CPU time (the work is
single-threaded and CPU-bound, so other processes on the machine do not blur
it), in VEVENTs per second. The goal for
the whole import is at least 0.5 of icalendar's rate (it cannot beat parsing),
so the parse alone should stay well above that.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

DATES_PER_UID = 5
SERIES_EVERY = 10


def generate_feed(events: int, now: datetime) -> bytes:
    """An OpenAgenda-like export of ``events`` VEVENTs, all in the future of ``now``."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//OpenAgenda//OpenAgenda 2.0//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Agenda de bench",
        "X-WR-TIMEZONE:Europe/Paris",
    ]
    first = (now + timedelta(days=1)).replace(hour=18, minute=0, second=0, microsecond=0)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    for i in range(events):
        start = first + timedelta(days=i % 200, hours=i % 4)
        uid = f"{40_000_000 + i // DATES_PER_UID}@openagenda.com"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid if i % SERIES_EVERY else f'series-{i}@openagenda.com'}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
            f"DTEND:{start + timedelta(hours=2):%Y%m%dT%H%M%SZ}",
            f"SUMMARY:Concert n°{i // DATES_PER_UID} : musiques du monde",
            "DESCRIPTION:Une soirée de musiques du monde avec les élèves du conservatoire.\\nEntrée libre"
            "\\, dans la limite des places disponibles.",
            "LOCATION:Médiathèque Robert-Desnos\\, 14 boulevard Rouget de Lisle\\, 93100 Montreuil",
            f"URL:https://openagenda.com/agendas/47826291/events/concert-{i // DATES_PER_UID}",
            f"ATTACH;FMTTYPE=image/jpeg:https://cdn.openagenda.com/main/event-{i // DATES_PER_UID}.base.image.jpg",
            "CATEGORIES:Concert,Musiques du monde",
        ]
        if i % SERIES_EVERY == 0:
            lines += ["RRULE:FREQ=WEEKLY;COUNT=10", f"EXDATE:{start + timedelta(weeks=3):%Y%m%dT%H%M%SZ}"]
        lines.append("END:VEVENT")
        if i % (2 * SERIES_EVERY) == 0:
            moved = start + timedelta(weeks=5)
            lines += [
                "BEGIN:VEVENT",
                f"UID:series-{i}@openagenda.com",
                f"DTSTAMP:{stamp}",
                f"RECURRENCE-ID:{moved:%Y%m%dT%H%M%SZ}",
                f"DTSTART:{moved + timedelta(hours=1):%Y%m%dT%H%M%SZ}",
                f"DTEND:{moved + timedelta(hours=3):%Y%m%dT%H%M%SZ}",
                "SEQUENCE:1",
                f"SUMMARY:Concert n°{i // DATES_PER_UID} : musiques du monde (horaire décalé)",
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def run_ical(events: int = 5000, repeat: int = 3) -> dict[str, Any]:
    from icalendar import Calendar

    from passculture.services.imports.ical import parse_feed

    now = datetime.now(UTC).replace(microsecond=0)
    data = generate_feed(events, now)
    vevents = data.count(b"BEGIN:VEVENT")
    parse_feed(data[:20_000].rsplit(b"BEGIN:VEVENT", 1)[0] + b"END:VCALENDAR\r\n", now=now)  # warm imports
    icalendar_s, parse_s = [], []
    feed = None
    for _ in range(repeat):
        started = time.process_time()
        Calendar.from_ical(data)
        icalendar_s.append(time.process_time() - started)
        started = time.process_time()
        feed = parse_feed(data, now=now)
        parse_s.append(time.process_time() - started)
    assert feed is not None and feed.error is None, feed
    icalendar_rate = vevents / statistics.median(icalendar_s)
    parse_rate = vevents / statistics.median(parse_s)
    return {
        "vevents": vevents,
        "bytes": len(data),
        "repeat": repeat,
        "events": len(feed.events),
        "occurrences": feed.occurrences,
        "rejected": len(feed.rejected),
        "icalendar_vevents_per_s": round(icalendar_rate, 1),
        "parse_vevents_per_s": round(parse_rate, 1),
        "icalendar_median_s": round(statistics.median(icalendar_s), 3),
        "parse_median_s": round(statistics.median(parse_s), 3),
        "parse_to_icalendar": round(parse_rate / icalendar_rate, 3),
    }


def print_ical(figures: dict[str, Any], out: TextIO) -> None:
    f = figures
    print(
        f"Agenda feed parsing: {f['vevents']} VEVENTs ({f['bytes'] / 1e6:.1f} MB, OpenAgenda-like, "
        f"1 in {SERIES_EVERY} a weekly series), median CPU time of {f['repeat']} interleaved runs",
        file=out,
    )
    print(
        f"  icalendar.Calendar.from_ical alone   {f['icalendar_vevents_per_s']:8.1f} VEVENTs/s"
        f"  ({f['icalendar_median_s']:.2f} s)",
        file=out,
    )
    print(
        f"  parse_feed (parse, zones, expansion) {f['parse_vevents_per_s']:8.1f} VEVENTs/s"
        f"  ({f['parse_median_s']:.2f} s: {f['events']} events, {f['occurrences']} dates, {f['rejected']} rejected)",
        file=out,
    )
    ratio = f["parse_to_icalendar"]
    print(f"  ratio parse_feed / icalendar         {ratio:8.3f}  (goal for the whole import: >= 0.5)", file=out)


def main(argv: list[str] | None = None) -> int:
    import sys

    from bench.cli import prepare_environment

    parser = argparse.ArgumentParser(prog="python -m bench.ical_parse", description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    prepare_environment()
    print_ical(run_ical(args.events, args.repeat), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What the agenda import tests share: iCalendar feeds written on the fly, dated from today."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from passculture.config import get_settings


@dataclass
class Event:
    uid: str
    summary: str = "Concert du soir"
    starts: list[datetime] = field(default_factory=list)
    minutes: int = 90
    categories: str | None = "Concert"
    description: str | None = "Un concert de jazz."
    extra: str = ""


def days_ahead(days: int, hour: int = 19) -> datetime:
    today = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return today + timedelta(days=days)


def ics(*events: Event) -> bytes:
    """A calendar with one VEVENT per date of each event (as OpenAgenda writes them)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//agenda//FR"]
    for event in events:
        for start in event.starts:
            end = start + timedelta(minutes=event.minutes)
            lines += [
                "BEGIN:VEVENT",
                f"UID:{event.uid}",
                f"DTSTAMP:{start:%Y%m%dT%H%M%SZ}",
                f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
                f"DTEND:{end:%Y%m%dT%H%M%SZ}",
                f"SUMMARY:{event.summary}",
            ]
            if event.description:
                lines.append(f"DESCRIPTION:{event.description}")
            if event.categories:
                lines.append(f"CATEGORIES:{event.categories}")
            if event.extra:
                lines.append(event.extra)
            lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def allow_local_feeds(monkeypatch, openagenda: str | None = None) -> None:
    """As the local runner does: 127.0.0.1 may be fetched, over http; quick retries; OpenAgenda there too."""
    from passculture.adapters import feeds

    settings = replace(
        get_settings(),
        import_allowed_hosts=("127.0.0.1",),
        import_allow_http=True,
        import_total_seconds=5.0,
        openagenda_base_url=openagenda or get_settings().openagenda_base_url,
    )
    monkeypatch.setattr(feeds, "get_settings", lambda: settings)
    monkeypatch.setattr(feeds, "BACKOFF_SECONDS", 0.01)

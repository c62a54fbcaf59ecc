"""Background jobs: work that grows with a structure's size, run off the request path, page by page.

A job is an event ``{"job": <kind>, "args": {...}, "cursor": <opaque or null>,
"attempt": n}``. A request starts one with ``start_job`` (an asynchronous
invocation of the function that owns the kind, ``OWNERS``) and answers at once.
That function's handler (the ``job`` event kind, ``web.entry``) calls
``run_job``: it runs the kind's step one page at a time, each step returning
where the next page starts, until the job is done or the Lambda context says
less than ``JOB_MARGIN_SECONDS`` is left (or ``JOB_MAX_PAGES`` pages ran); then
it hands the rest to a new asynchronous invocation of the same function with
the cursor, ``attempt`` + 1. At least one page runs per invocation, so a chain
always moves on.

A step must be harmless to run again on the same cursor: a failed invocation is
retried by Lambda from the cursor it was given, and its on-failure destination
keeps the event, cursor included, for a replay that resumes there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

# Each kind of job and the function that runs it: ``infra/reach.py`` grants the functions
# whose code starts a kind (``start_job`` with the kind as a literal) ``lambda:InvokeFunction``
# on that one only.
OWNERS: dict[str, str] = {
    "offerer-offers": "offers",  # a structure's offers, after its status changed
    "published-offers": "offers",  # every published offer, hourly
    "stock-bookings": "offers",  # the bookings of a deleted stock, cancelled and refunded
    "withdrawn-bookings": "offers",  # the bookings of a date an import withdrew, marked (or unmarked)
    "venue-booking-ids": "offers",  # a newly granted venue's older bookings given their integer ids
    "agenda-import": "openagenda",  # one agenda link's import
    "agenda-schedule": "openagenda",  # the hourly pull: an import started for each due link
    "agenda-images": "openagenda",  # imported events' images, fetched into the media bucket
}

# A chain longer than this is a bug (a cursor that does not move): it stops, and its event is kept.
MAX_INVOCATIONS = 1000


@dataclass(frozen=True)
class Job:
    kind: str
    args: dict[str, Any] = field(default_factory=dict)
    cursor: Any = None
    attempt: int = 1

    def event(self) -> dict[str, Any]:
        return {"job": self.kind, "args": self.args, "cursor": self.cursor, "attempt": self.attempt}

    @classmethod
    def of(cls, event: Mapping[str, Any]) -> Job:
        return cls(
            str(event["job"]), dict(event.get("args") or {}), event.get("cursor"), int(event.get("attempt") or 1)
        )


@dataclass(frozen=True)
class Progress:
    """What one page of a job did: how many items it handled, and where the next page starts (unless done)."""

    items: int
    cursor: Any = None
    done: bool = False

    @classmethod
    def next(cls, cursor: Any, items: int) -> Progress:
        return cls(items, cursor, cursor is None)


# (args, cursor) -> Progress: one page of work from ``cursor`` (None: the beginning).
Step = Callable[[dict[str, Any], Any], Progress]


def start_job(kind: str, args: dict[str, Any]) -> None:
    """Starts a job of ``kind`` on its own (an asynchronous invocation of its function)."""
    from passculture.adapters.invocations import invoke_async

    invoke_async(OWNERS[kind], Job(kind, args).event())


def _time_is_short(context: Any, margin_seconds: float) -> bool:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return remaining is not None and remaining() < margin_seconds * 1000


def run_job(event: Mapping[str, Any], context: Any, steps: Mapping[str, Step]) -> dict[str, Any]:
    """Runs pages of the job until it is done or time is short, then hands the rest over; says what it did."""
    from passculture.adapters.invocations import invoke_async
    from passculture.config import get_settings

    job = Job.of(event)
    step = steps.get(job.kind)
    if step is None:
        raise ValueError(f"no such job here: {job.kind!r}")
    if job.attempt > MAX_INVOCATIONS:
        raise RuntimeError(f"job {job.kind} {job.args} stopped after {MAX_INVOCATIONS} invocations")
    settings = get_settings()
    pages = items = 0
    cursor = job.cursor
    while True:
        progress = step(job.args, cursor)
        pages, items, cursor = pages + 1, items + progress.items, progress.cursor
        if progress.done:
            logger.info(
                "job %s %s done: %d pages, %d items (invocation %d)", job.kind, job.args, pages, items, job.attempt
            )
            return {"job": job.kind, "pages": pages, "items": items, "done": True}
        if settings.job_max_pages and pages >= settings.job_max_pages:
            break
        if _time_is_short(context, settings.job_margin_seconds):
            break
    following = Job(job.kind, job.args, cursor, job.attempt + 1)
    invoke_async(OWNERS[job.kind], following.event())
    logger.info(
        "job %s %s: %d pages, %d items; invocation %d goes on", job.kind, job.args, pages, items, following.attempt
    )
    return {"job": job.kind, "pages": pages, "items": items, "done": False}

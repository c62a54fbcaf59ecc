"""The catalogue's background jobs, run by the offers function (``services.jobs``): each kind's page of work."""

from __future__ import annotations

from typing import Any


def run(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Runs a job event of the offers function: a structure's offers, the hourly refresh, a deleted or
    withdrawn stock's bookings, a granted venue's bookings' integer ids."""
    from passculture.services.catalogue.publication import refresh_offerer_page, refresh_published_page
    from passculture.services.catalogue.stock_cancellation import cancel_bookings_page
    from passculture.services.catalogue.stock_withdrawal import withdrawn_bookings_page
    from passculture.services.jobs import run_job
    from passculture.services.partners.ids import venue_bookings_page

    steps = {
        "offerer-offers": refresh_offerer_page,
        "published-offers": refresh_published_page,
        "stock-bookings": cancel_bookings_page,
        "withdrawn-bookings": withdrawn_bookings_page,
        "venue-booking-ids": venue_bookings_page,
    }
    return run_job(event, context, steps)


def refresh_published(context: Any) -> dict[str, Any]:
    """The hourly refresh of every published offer: this invocation is the job's first."""
    from passculture.services.jobs import Job

    return run(Job("published-offers").event(), context)

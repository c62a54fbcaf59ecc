"""The imports' background jobs, run by the openagenda function (``services.jobs``)."""

from __future__ import annotations

from typing import Any


def run(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Runs a job event of the openagenda function: one link's import, or the schedule's fan-out."""
    from passculture.services.imports.links import schedule_page
    from passculture.services.imports.sync import import_page
    from passculture.services.jobs import run_job

    return run_job(event, context, {"agenda-import": import_page, "agenda-schedule": schedule_page})


def scheduled(context: Any) -> dict[str, Any]:
    """The hourly pull: this invocation is the first of the ``agenda-schedule`` job (it lists and dispatches)."""
    from passculture.models.base import utcnow
    from passculture.services.jobs import Job

    return run(Job("agenda-schedule", {"now": utcnow().isoformat()}).event(), context)

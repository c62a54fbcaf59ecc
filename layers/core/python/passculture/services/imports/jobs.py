"""The imports' background jobs, run by the openagenda function (``services.jobs``)."""

from __future__ import annotations

from typing import Any


def run(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Runs a job event of the openagenda function: one link's import, the schedule's fan-out, images."""
    from passculture.services.imports.images import images_page
    from passculture.services.imports.links import schedule_page
    from passculture.services.imports.sync import import_page
    from passculture.services.jobs import run_job

    steps = {"agenda-import": import_page, "agenda-schedule": schedule_page, "agenda-images": images_page}
    return run_job(event, context, steps)


def scheduled(context: Any) -> dict[str, Any]:
    """The hourly pull: this invocation is the first of the ``agenda-schedule`` job (it lists and dispatches)."""
    from passculture.models.base import utcnow
    from passculture.services.jobs import Job

    return run(Job("agenda-schedule", {"now": utcnow().isoformat()}).event(), context)

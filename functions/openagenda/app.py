"""Lambda entry point of the openagenda function (handler: ``functions/openagenda/app.handler``).

HTTP events go to the Chalice app (a venue's agenda links); the hourly schedule
lists the due links and starts one import job per link (``services.imports.jobs``);
job events run one link's import, or the rest of the schedule's list from its cursor.
"""

from __future__ import annotations

from typing import Any

from functions.openagenda.routes import make_blueprint
from passculture.web import create_app
from passculture.web.entry import make_handler


def on_schedule(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """EventBridge schedule: an import started for every active link that is due (it lists and dispatches)."""
    from passculture.services.imports.jobs import scheduled

    return scheduled(context)


def on_job(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """One link's import, or a page of the schedule's fan-out then the rest handed on."""
    from passculture.services.imports.jobs import run

    return run(event, context)


app = create_app("openagenda", make_blueprint)
handler = make_handler(app, schedule=on_schedule, job=on_job)

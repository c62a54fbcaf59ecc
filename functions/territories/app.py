"""Lambda entry point of the territories function (handler: ``functions/territories/app.handler``).

HTTP events go to the Chalice app (a department's referents); the hourly
schedule starts the grant job of every local credit programme that has started
(``services.territories.programmes``); job events grant a page of users.
"""

from __future__ import annotations

from typing import Any

from functions.territories.routes import make_blueprint
from passculture.web import create_app
from passculture.web.entry import make_handler


def on_schedule(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """EventBridge schedule: the grant job started for every programme that has started and is not granted yet."""
    from passculture.services.territories.programmes import start_due_grants

    return start_due_grants()


def on_job(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A page (or more) of a programme's grant to the department's users, then the rest handed on."""
    from passculture.services.territories.programmes import run

    return run(event, context)


app = create_app("territories", make_blueprint)
handler = make_handler(app, schedule=on_schedule, job=on_job)

"""Lambda entry point of the openagenda function (handler: ``functions/openagenda/app.handler``)."""

from __future__ import annotations

from typing import Any

from functions.openagenda.routes import make_blueprint
from passculture.web import create_app
from passculture.web.entry import make_handler

app = create_app("openagenda", make_blueprint)


def scheduled_sync(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """EventBridge schedule: pull every active agenda link that is due."""
    from passculture.services.providers import due_links

    links = due_links()
    return {"due": len(links)}


handler = make_handler(app, schedule=scheduled_sync)

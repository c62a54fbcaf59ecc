"""Lambda entry point of the openagenda function (handler: ``functions/openagenda/app.handler``).

Its schedule pulls the agendas; it has no HTTP route yet (no blueprint until it has one).
"""

from __future__ import annotations

from typing import Any

from passculture.web import create_app
from passculture.web.entry import make_handler

app = create_app("openagenda")


def scheduled_sync(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """EventBridge schedule: pull every active agenda link that is due."""
    from passculture.services.providers import due_links

    links = due_links()
    return {"due": len(links)}


handler = make_handler(app, schedule=scheduled_sync)

"""What the offers function's API tests share: a JSON client and a structure with its people."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from chalice.test import Client

from infra.catalog import load_app
from tests.factories import auth, make_member, make_offerer, make_team_user, make_user, make_venue

PARIS_SUMMER = timezone(timedelta(hours=2))


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class Api:
    """``api.post("/offers", as_=user, json={...})`` -> ``Answer(status, body)``."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def call(
        self, method: str, path: str, as_: Any = None, json_body: Any = None, headers: dict[str, str] | None = None
    ) -> Answer:
        sent = {"Content-Type": "application/json", **(auth(as_) if as_ is not None else {}), **(headers or {})}
        body = json.dumps(json_body) if json_body is not None else None
        response = self.client.http.request(method, path, headers=sent, body=body)
        return Answer(response.status_code, response.json_body, dict(response.headers))

    def get(self, path: str, as_: Any = None) -> Answer:
        return self.call("GET", path, as_)

    def post(self, path: str, as_: Any = None, json: Any = None, headers: dict[str, str] | None = None) -> Answer:
        return self.call("POST", path, as_, json if json is not None else {}, headers)

    def patch(self, path: str, as_: Any = None, json: Any = None) -> Answer:
        return self.call("PATCH", path, as_, json if json is not None else {})

    def delete(self, path: str, as_: Any = None) -> Answer:
        return self.call("DELETE", path, as_)


@dataclass
class Scene:
    offerer: Any
    admin: Any
    editor: Any
    venue: Any
    virtual: Any
    outsider: Any
    team: Any


def build_scene() -> Scene:
    """A validated structure with a place and its virtual venue, an admin, an editor, an outsider and the team."""
    offerer = make_offerer(status="validated")
    return Scene(
        offerer=offerer,
        admin=make_member(offerer),
        editor=make_member(offerer, role="editor"),
        venue=make_venue(offerer),
        virtual=make_venue(offerer, virtual=True),
        outsider=make_member(make_offerer()),
        team=make_team_user(),
    )


def offers_api() -> Iterator[Api]:
    """The body of each module's ``api`` fixture (inside ``aws``)."""
    with Client(load_app("offers")) as client:
        yield Api(client)


def later(days: float = 10, **kw: float) -> str:
    """An ISO time ``days`` from now, on the minute, with Paris's summer offset."""
    moment = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=days, **kw)
    return moment.astimezone(PARIS_SUMMER).isoformat()


def pending_member(offerer: Any) -> Any:
    return make_member(offerer, make_user({"pro"}), role="editor", status="pending")

"""Helpers shared by the accounts and validation API tests."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from tests.factories import (
    PASSWORD,
    auth,
    make_member,
    make_offerer,
    make_team_user,
    make_user,
    make_young,
    random_siren,
)

LINK = re.compile(r"https?://\S+/validate/([A-Za-z0-9_-]+)")


def send(client: Any, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    kwargs: dict[str, Any] = {"headers": {"Content-Type": "application/json", **(headers or {})}}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    return getattr(client.http, method.lower())(path, **kwargs)


def pro_body(**over: Any) -> dict[str, Any]:
    body = {"email": f"pro-{random_siren()}@example.org", "password": PASSWORD, "siren": random_siren()}
    body.update(over)
    return body


def young_body(**over: Any) -> dict[str, Any]:
    body = {
        "email": f"jeune-{random_siren()}@example.org",
        "password": PASSWORD,
        "publicName": "Camille",
        "dateOfBirth": "2008-03-15",
        "departmentCode": "93",
    }
    body.update(over)
    return body


def confirmation_token(emails: list[tuple[list[str], str, str]], address: str) -> str:
    """The token of the last confirmation link sent to ``address``."""
    tokens = [m.group(1) for to, _, body in emails if address in to for m in [LINK.search(body)] if m]
    assert tokens, f"no confirmation link sent to {address}: {emails}"
    return tokens[-1]


@dataclass
class Cast:
    """Everyone the authorisation matrix needs around one structure."""

    offerer: Any
    admin: Any
    editor: Any
    pending: Any
    other_pro: Any
    young: Any
    team: Any

    def headers(self, who: str) -> dict[str, str]:
        return {} if who == "anonymous" else auth(getattr(self, who))


def make_cast(status: str = "validated") -> Cast:
    offerer = make_offerer(status=status)
    admin = make_member(offerer, role="admin")
    editor = make_member(offerer, role="editor")
    pending = make_member(offerer, role="editor", status="pending")
    other = make_offerer()
    other_pro = make_member(other, role="admin")
    return Cast(
        offerer=offerer,
        admin=admin,
        editor=editor,
        pending=pending,
        other_pro=other_pro,
        young=make_young(),
        team=make_team_user(),
    )


WHO = ("anonymous", "young", "other_pro", "pending", "editor", "admin", "team")

__all__ = ["PASSWORD", "WHO", "Cast", "auth", "make_cast", "make_user", "send"]

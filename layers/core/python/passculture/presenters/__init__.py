"""Presenters: what a service returns, as the contract shows it (camelCase JSON values), without pydantic.

The response schemas of ``passculture.schemas`` describe these bodies for the
OpenAPI document and validate them (their ``of`` is ``model_validate`` of a
presenter's dict): one way to present a thing. A read route that a user waits
for on a cold container returns the presenter's dict itself, so its first
request does not import pydantic (``bench/cold_request.py``). Like the schemas,
a presenter imports no model or service: its parameters are typed ``Any``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any


def iso(value: datetime | date | str | None) -> str | None:
    """A time as pydantic writes it in JSON (``2026-05-01T18:00:00Z``), a date as ``2026-05-01``.

    A date stored as its ISO text (a user's ``date_of_birth``) is already written so.
    """
    if value is None or isinstance(value, str):
        return value
    text = value.isoformat()
    if isinstance(value, datetime) and text.endswith("+00:00"):
        return text[:-6] + "Z"
    return text


def plain(value: Any) -> Any:
    """A presenter's body, unchanged: the marker of a route that answers without pydantic."""
    return value

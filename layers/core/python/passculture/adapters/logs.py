"""Structured logs: one JSON object per line, with secrets and personal data masked.

``install()`` (called once per container by ``web.create_app``) puts ``JsonFormatter``
on the Lambda runtime's log handler, or on a stderr handler of its own when the
process has none; a process that set up logging itself (the local runner, pytest)
keeps its handlers as they are. Field names are Lambda's JSON log format's
(``timestamp``, ``level``, ``logger``, ``message``, ``requestId``), so our lines and
the platform's (``platform.report``...) are queried alike in Logs Insights.

A line's structured fields come from ``extra={"fields": {...}}``; ``line()`` writes
the one line per request or event (README "Operations"). Every message, field and
traceback goes through ``mask``: an email keeps its first letter and its domain,
an access token, an API key's secret, a password, a countermark after ``booking:``
or ``token=`` / ``/token/`` keep at most a short prefix.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
from functools import cache
from typing import Any

# The current invocation's request id (``web.entry`` sets it), for lines logged outside a request object.
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("passculture_request_id", default=None)

# Compiled on the first line logged, not at import (cold start).
_PATTERNS: tuple[tuple[str, str, int], ...] = (
    # A JWT (an access token): its header survives, the claims and signature do not.
    (r"\beyJ[\w-]{4,}\.[\w-]+\.[\w-]*", "eyJ***", 0),
    # Authorization header values, whatever they hold.
    (r"\b(Bearer|Basic)\s+[^\s,;\"']+", r"\1 ***", re.IGNORECASE),
    # An API key: pck_<prefix>_<secret>; the prefix is a display name, the secret is not.
    (r"\b(pck_[0-9a-f]{8})_[\w-]+", r"\1_***", 0),
    # password=..., "password": "..."
    (r"(password[\"']?\s*[:=]\s*[\"']?)[^\"'\s,;}&]+", r"\1***", re.IGNORECASE),
    # An email address: first character and domain.
    (r"\b([\w.+-])[\w.+-]*@([\w-]+(?:\.[\w-]+)+)", r"\1***@\2", 0),
    # A countermark where one is named: booking:<code>, token=<code>, /token/<code>.
    (r"((?:booking:|token[=:]\s?|/token/))([A-Z2-9]{2})[A-Z2-9]{4}\b", r"\1\2****", 0),
)


@cache
def _masks() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(pattern, flags), replacement) for pattern, replacement, flags in _PATTERNS)


def mask(text: str) -> str:
    """``text`` with every token, key secret, password, email and named countermark masked."""
    for pattern, replacement in _masks():
        text = pattern.sub(replacement, text)
    return text


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(item) for item in value]
    return value


class JsonFormatter(logging.Formatter):
    """A record as one JSON line (``extra={"fields": {...}}`` adds fields), masked."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}+00:00",
            "level": record.levelname,
            "logger": record.name,
            "message": mask(record.getMessage()),
        }
        request_id = getattr(record, "aws_request_id", None) or REQUEST_ID.get()
        if request_id:
            document["requestId"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            document.update(_masked(fields))
        if record.exc_info:
            document["exception"] = mask(self.formatException(record.exc_info))
        return json.dumps(document, ensure_ascii=False, default=str, separators=(",", ":"))


_installed = False


def _in_lambda() -> bool:
    from passculture.config import get_settings

    return get_settings().execution_env.startswith("AWS_Lambda_")


def install() -> None:
    """JSON lines on Lambda's handler (or a stderr one when there is none), once per process."""
    global _installed
    if _installed:
        return
    _installed = True
    root = logging.getLogger()
    if _in_lambda() and root.handlers:
        for handler in root.handlers:
            handler.setFormatter(JsonFormatter())
    elif not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)


events = logging.getLogger("passculture.events")


def line(message: str, level: int = logging.INFO, **fields: Any) -> None:
    """The one line of a request or event: ``message`` for people, ``fields`` for queries."""
    events.log(level, message, extra={"fields": fields})

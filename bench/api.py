"""Sends requests to the functions' own Lambda handlers, as API Gateway would.

Routing and event shapes are the local server's (``infra.local``), so a request
goes through exactly what production runs: the proxy event, ``make_handler``,
the Chalice app and its route, with no HTTP socket in between.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from bench.registry import Request, Response


class Api:
    """Every function's Lambda handler behind one router; ``send(Request(...))`` answers a ``Response``."""

    def __init__(self) -> None:
        from infra.catalog import FUNCTIONS, load_handler
        from infra.invocation import InProcessInvoker
        from infra.local import Router
        from passculture.adapters.invocations import install

        self.handlers = {name: load_handler(name) for name in FUNCTIONS}
        self.router = Router(self.handlers)
        # A job a request starts runs in its own invocation: kept here, not run, so a figure is the request's own.
        self.jobs = InProcessInvoker(deferred=True)
        install(self.jobs)

    def route(self, request: Request) -> tuple[str, str, dict[str, str]]:
        """(function, route template, path parameters) serving ``request``; LookupError when none does."""
        path = urlsplit(request.path).path
        match = self.router.match(path)
        if match is None or request.method.upper() not in self.router.routes[match[1]][1]:
            raise LookupError(f"no function serves {request.method} {path}")
        return match

    def send(self, request: Request) -> Response:
        from infra.events import LambdaContext
        from infra.local import proxy_event

        parts = urlsplit(request.path)
        query = "&".join(q for q in (parts.query, urlencode(request.query, doseq=True)) if q)
        method = request.method.upper()
        function, template, params = self.route(request)
        headers = {"Host": "bench.local", **request.headers}
        body = b""
        if request.json is not None:
            body = json.dumps(request.json).encode()
            headers.setdefault("Content-Type", "application/json")
        event = proxy_event(method, template, parts.path, params, query, headers, body, "127.0.0.1")
        reply: dict[str, Any] = self.handlers[function](event, LambdaContext(function))
        raw = reply.get("body") or ""
        data = base64.b64decode(raw) if reply.get("isBase64Encoded") else raw.encode()
        return Response(reply["statusCode"], dict(reply.get("headers") or {}), data)

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.send(Request("GET", path, **kwargs))

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Response:
        return self.send(Request("POST", path, json=json, **kwargs))

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Response:
        return self.send(Request("PATCH", path, json=json, **kwargs))

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.send(Request("DELETE", path, **kwargs))

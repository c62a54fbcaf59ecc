"""The Guichet page, served by the countermarks function: same origin as the API it calls."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from passculture.errors import NotFound
from passculture.web import Auth, Reply, Req, RouteSet

if TYPE_CHECKING:
    from passculture.web.guichet import StaticFile


def make_blueprint() -> Blueprint:
    routes = RouteSet(__name__)

    @routes.get("/guichet", auth=Auth.PUBLIC, response=str, produces=("text/html",))
    def guichet_page(req: Req) -> Reply:
        """The Guichet: the page where a venue checks and validates countermarks (HTML)."""
        from passculture.web import guichet

        if (req.raw.context.get("path") or "").endswith("/"):
            # Relative asset URLs resolve from ".../guichet", not ".../guichet/"; keeps any stage prefix.
            return Reply("", 308, {"Location": "../guichet"}, content_type="text/plain; charset=utf-8")
        return _reply(req, guichet.page(), guichet.REVALIDATE)

    @routes.get(
        "/guichet/{asset}", auth=Auth.PUBLIC, response=str, produces=("text/css", "text/javascript"), errors=(404,)
    )
    def guichet_asset(req: Req, asset: str) -> Reply:
        """A file of the Guichet page (its stylesheet and script)."""
        from passculture.web import guichet

        static = guichet.asset(asset)
        if static is None:
            raise NotFound("No such file", field="asset")
        version = (req.raw.query_params or {}).get("v")
        return _reply(req, static, guichet.FOREVER if version == static.version else guichet.REVALIDATE)

    return routes.blueprint


def _reply(req: Req, static: StaticFile, cache_control: str) -> Reply:
    from passculture.web import guichet

    headers = guichet.headers(static, cache_control)
    if guichet.not_modified(static, req.headers.get("if-none-match")):
        return Reply("", 304, headers, content_type=headers["Content-Type"])
    return Reply(static.body, 200, headers, content_type=headers["Content-Type"])

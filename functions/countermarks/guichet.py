"""The Guichet page, served by the countermarks function: same origin as the API it calls."""

from __future__ import annotations

from chalice import Blueprint

from passculture.web import Auth, Reply, Req, RouteSet

STATIC = {"auth": Auth.PUBLIC, "response": str}


def make_blueprint() -> Blueprint:
    routes = RouteSet(__name__)

    @routes.get("/guichet", produces=("text/html",), **STATIC)
    def guichet_page(req: Req) -> Reply:
        """The Guichet: the page where a venue checks and validates countermarks (HTML).

        A cashier signs in with their pro account, types or scans a countermark,
        sees the booking and validates it (or undoes a validation), and follows
        the structure's transactions, with their CSV export. The page calls this
        API only, from its own origin, under a Content-Security-Policy that names
        nothing else. `/guichet/` redirects here (308), so relative asset URLs
        resolve under any stage prefix.
        """
        from passculture.web.guichet import SITE

        return SITE.page_reply(req)

    @routes.get("/guichet/{asset}", produces=("text/css", "text/javascript"), errors={404: "No such file"}, **STATIC)
    def guichet_asset(req: Req, asset: str) -> Reply:
        """A file of the Guichet page: its stylesheet (`guichet.css`) or its script (`guichet.js`).

        Asked for with the content hash the page gives (`?v=`), a file is cached
        for a year; without it, it is revalidated (`ETag`). Any other name is a 404.
        """
        from passculture.web.guichet import SITE

        return SITE.asset_reply(req, asset)

    return routes.blueprint

"""The Guichet page (``GET /guichet``): static HTML, CSS and JS that talk to this API from its own origin.

The files sit beside this module and ship in the layer with it. Nothing is read
at import (the countermarks function's cold start stays as it was): each file is
read on its first request and kept for the container's life.

Caching: the HTML names its assets with their content hash (``guichet.js?v=<hash>``),
so an asset asked for with the current hash is cached for a year, and the HTML
itself is revalidated on every load (``no-cache`` with an ``ETag``): a deploy is
seen at the next page load, never a mix of old and new files.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGE = "index.html"
# The only files served: a name outside this list is a 404, whatever the path says.
ASSETS = {
    "guichet.css": "text/css; charset=utf-8",
    "guichet.js": "text/javascript; charset=utf-8",
}
# The page and the API share one origin; nothing inline, nothing from elsewhere.
CSP = (
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
FOREVER = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


@dataclass(frozen=True)
class StaticFile:
    body: str
    content_type: str
    etag: str
    version: str  # the content hash the page puts in the asset's URL


def _file(name: str, content_type: str, body: str | None = None) -> StaticFile:
    text = body if body is not None else (HERE / name).read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()
    return StaticFile(text, content_type, f'"{digest[:32]}"', digest[:12])


@cache
def asset(name: str) -> StaticFile | None:
    """An allowed asset, read once; None for any other name."""
    content_type = ASSETS.get(name)
    return _file(name, content_type) if content_type else None


@cache
def page() -> StaticFile:
    """The HTML, with each asset's URL carrying its content hash."""
    html = (HERE / PAGE).read_text(encoding="utf-8")
    for name in ASSETS:
        html = html.replace(f'"guichet/{name}"', f'"guichet/{name}?v={asset(name).version}"')
    return _file(PAGE, "text/html; charset=utf-8", html)


def headers(static: StaticFile, cache_control: str) -> dict[str, str]:
    return {
        "Content-Type": static.content_type,
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
        "Cache-Control": cache_control,
        "ETag": static.etag,
    }


def not_modified(static: StaticFile, if_none_match: str | None) -> bool:
    return bool(if_none_match) and static.etag in {tag.strip() for tag in if_none_match.split(",")}

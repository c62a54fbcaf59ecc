"""Static pages served by a function (the Guichet, the API reference): one page and its allow-listed assets.

Nothing is read at import (a function's cold start stays as it was): each file
is read on its first request and kept for the container's life.

Caching: the page names each asset with its content hash (``guichet/guichet.js?v=<hash>``),
so an asset asked for with the current hash is cached for a year, and the page
itself is revalidated on every load (``no-cache`` with an ``ETag``): a deploy is
seen at the next page load, never a mix of old and new files.

Every answer carries the site's Content-Security-Policy: the page and the API
share one origin, so nothing inline and nothing from elsewhere is needed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from passculture.errors import NotFound
from passculture.web.routing import Reply

FOREVER = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# The Guichet's policy, the strictest a page calling this API can have.
SAME_ORIGIN_CSP = (
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


@dataclass(frozen=True)
class StaticFile:
    body: str
    content_type: str
    etag: str
    version: str  # the content hash the page puts in the asset's URL


def static_file(text: str, content_type: str) -> StaticFile:
    digest = hashlib.sha256(text.encode()).hexdigest()
    return StaticFile(text, content_type, f'"{digest[:32]}"', digest[:12])


class StaticSite:
    """A page at ``/<prefix>`` and its assets at ``/<prefix>/<name>``, each read once.

    ``assets`` maps each served name to its content type: any other name is a
    404, whatever the path says. ``locate`` says where a name's file is (the
    page's folder unless told otherwise) and raises ``FileNotFoundError`` with
    a sentence when it is not there.
    """

    def __init__(
        self,
        folder: Path,
        prefix: str,
        assets: Mapping[str, str],
        *,
        page: str = "index.html",
        csp: str = SAME_ORIGIN_CSP,
        permissions: str = "camera=(), microphone=(), geolocation=()",
        locate: Callable[[str], Path] | None = None,
    ) -> None:
        self.folder = folder
        self.prefix = prefix
        self.assets = dict(assets)
        self.page_name = page
        self.csp = csp
        self.permissions = permissions
        self._locate = locate or (lambda name: folder / name)
        self._read: dict[str, StaticFile] = {}

    def asset(self, name: str) -> StaticFile | None:
        """An allowed asset, read once; None for any other name."""
        content_type = self.assets.get(name)
        if content_type is None:
            return None
        if name not in self._read:
            self._read[name] = static_file(self._locate(name).read_text(encoding="utf-8"), content_type)
        return self._read[name]

    @cached_property
    def page(self) -> StaticFile:
        """The HTML, with each asset's URL carrying its content hash."""
        html = (self.folder / self.page_name).read_text(encoding="utf-8")
        for name in self.assets:
            html = html.replace(f'"{self.prefix}/{name}"', f'"{self.prefix}/{name}?v={self.asset(name).version}"')
        return static_file(html, "text/html; charset=utf-8")

    def headers(self, static: StaticFile, cache_control: str) -> dict[str, str]:
        return {
            "Content-Type": static.content_type,
            "Content-Security-Policy": self.csp,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Permissions-Policy": self.permissions,
            "Cache-Control": cache_control,
            "ETag": static.etag,
        }

    def page_reply(self, req: Any) -> Reply:
        """``GET /<prefix>``; ``/<prefix>/`` goes back to it (relative asset URLs resolve from there)."""
        if (req.raw.context.get("path") or "").endswith("/"):
            # "../<prefix>" keeps any stage prefix ("/prod/guichet/" -> "/prod/guichet").
            return Reply("", 308, {"Location": f"../{self.prefix}"}, content_type="text/plain; charset=utf-8")
        return self._reply(req, self.page, REVALIDATE)

    def asset_reply(self, req: Any, name: str) -> Reply:
        """``GET /<prefix>/<name>``: cached for good when asked for with its current hash."""
        static = self.asset(name)
        if static is None:
            raise NotFound("No such file", field="asset")
        version = (req.raw.query_params or {}).get("v")
        return self._reply(req, static, FOREVER if version == static.version else REVALIDATE)

    def _reply(self, req: Any, static: StaticFile, cache_control: str) -> Reply:
        headers = self.headers(static, cache_control)
        if_none_match = req.headers.get("if-none-match")
        if if_none_match and static.etag in {tag.strip() for tag in if_none_match.split(",")}:
            return Reply("", 304, headers, content_type=static.content_type)
        return Reply(static.body, 200, headers, content_type=static.content_type)

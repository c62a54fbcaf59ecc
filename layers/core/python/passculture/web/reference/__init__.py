"""The API reference (``GET /docs``): Swagger UI rendering this API's ``openapi.json``, from this origin only.

Our page and its script sit beside this module. Swagger UI's files come from the
npm package ``swagger-ui-dist`` (pinned in ``package.json``): ``make package``
copies them into ``swagger-ui/`` here, in the layer; in the repository (``make
run``, the tests) they are read from the nearest ``node_modules``, found as Node
finds a package. No CDN: the page runs under the Guichet's same-origin CSP.
"""

from __future__ import annotations

from pathlib import Path

from passculture.web.static import StaticSite

HERE = Path(__file__).resolve().parent
PACKAGE = "swagger-ui-dist"
VENDOR = HERE / "swagger-ui"  # where make package puts the package's files in the layer
# The package's files the page loads (its LICENSE and NOTICE ship beside them).
VENDORED = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
}
ASSETS = {**VENDORED, "reference.js": "text/javascript; charset=utf-8"}
SHIPPED_WITH = ("LICENSE", "NOTICE")


def vendor_dir() -> Path | None:
    """Where swagger-ui-dist's files are: the layer's copy, else the repository's node_modules."""
    if VENDOR.is_dir():
        return VENDOR
    for parent in HERE.parents:
        candidate = parent / "node_modules" / PACKAGE
        if candidate.is_dir():
            return candidate
    return None


def _locate(name: str) -> Path:
    if name not in VENDORED:
        return HERE / name
    folder = vendor_dir()
    if folder is None:
        raise FileNotFoundError(f"{PACKAGE} is not installed: run `npm ci` (make run does; make package ships it)")
    return folder / name


SITE = StaticSite(HERE, "docs", ASSETS, locate=_locate)

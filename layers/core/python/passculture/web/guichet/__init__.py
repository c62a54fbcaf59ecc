"""The Guichet page (``GET /guichet``): static HTML, CSS and JS that talk to this API from its own origin.

The files sit beside this module and ship in the layer with it; ``passculture.web.static``
serves them (read on first request, named by content hash, under the same-origin CSP).
"""

from __future__ import annotations

from pathlib import Path

from passculture.web.static import StaticSite

HERE = Path(__file__).resolve().parent
# The only files served: a name outside this list is a 404, whatever the path says.
ASSETS = {
    "guichet.css": "text/css; charset=utf-8",
    "guichet.js": "text/javascript; charset=utf-8",
}
# The scanner reads the camera of the Guichet's own tab, nothing else.
SITE = StaticSite(HERE, "guichet", ASSETS, permissions="camera=(self), microphone=(), geolocation=()")

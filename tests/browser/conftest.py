"""The Guichet in a real browser: Debian's Chromium, driven by Playwright, against the local server.

The server is started as ``make run`` starts it (``tests/e2e/conftest.py``), and the
scene is set through its HTTP API (``tests/browser/scene.py``). Without
``/usr/bin/chromium`` these tests are skipped, with one line saying so, except
under CI (``CI`` set), where a missing Chromium is a failure.

Every page opened here records Content-Security-Policy violations and script
errors, and fails its test if there was any: the page must work under its own CSP.
"""

from __future__ import annotations

import math
import os
import re
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import ROOT, start_local_server, stop_local_server
from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags, Chromium's own connections are refused by a closed network;
# the fake media device gives the scanner a camera.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
ARTEFACTS = ROOT / "build" / "browser"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_PATH = "/__axe__/axe.min.js"  # served by the test on the page's own origin, so its CSP allows it
VIEWPORTS = {"phone": {"width": 360, "height": 640}, "desktop": {"width": 1280, "height": 800}}
PARIS = ZoneInfo("Europe/Paris")
MISSING = (
    f"Chromium is not installed ({CHROMIUM}): the browser tests of the Guichet are skipped "
    "(apt-get install chromium runs them)"
)

_RECORDER = """
window.__problems = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__problems.push(`CSP ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


def pytest_collection_modifyitems(config, items):
    # A marker, not a skip inside a fixture: pytest -rs then folds every skipped test into one line.
    if CHROMIUM.exists() or os.environ.get("CI"):
        return
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.skip(reason=MISSING))


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI needs Chromium at {CHROMIUM} for the browser tests (.ci/run installs it)", pytrace=False)
    pytest.skip(MISSING)


def paris(moment: str | datetime) -> str:
    """How the page writes a moment: "01/12/2026 à 15:03", venue time."""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")


def retry_minutes(retry_after: str) -> str:
    n = max(1, math.ceil(int(retry_after) / 60))
    return "1 minute" if n == 1 else f"{n} minutes"


@pytest.fixture(scope="session")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def server(browser):
    server = start_local_server(
        {
            # The test mints an expired token the server must recognise as its own.
            "JWT_SECRET": os.environ["JWT_SECRET"],
            # Small export chunks, so the page must follow X-Next-Cursor.
            "CSV_EXPORT_MAX_ROWS": "2",
            # Few failures before a 429, so the rate-limited answer is the server's own.
            "COUNTERMARK_CALLER_FAILURES": "8",
        }
    )
    yield server
    stop_local_server(server)


class Guichet:
    """One browser tab on the Guichet, with the checks every screen gets."""

    def __init__(self, context, server, name: str, viewport: str) -> None:
        self.context = context
        self.server = server
        self.viewport = viewport
        self.name = name
        self.steps = 0
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(f"script error: {error}"))

    # -- navigation and actions

    def open(self, path: str = "/guichet") -> None:
        self.page.goto(self.server.url + path)

    def field(self, label: str):
        return self.page.get_by_label(label, exact=True)

    def button(self, name: str):
        return self.page.get_by_role("button", name=name, exact=True)

    @property
    def alert(self):
        return self.page.get_by_role("alert")

    @property
    def status(self):
        return self.page.get_by_role("status")

    @property
    def result(self):
        return self.page.locator("#result")

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        self.field("Adresse e-mail").fill(email)
        self.field("Mot de passe").fill(password)
        self.button("Se connecter").click()
        self.field("Contremarque").wait_for()

    def check(self, code: str):
        """Types ``code``, presses "Vérifier"; the API's answer."""
        self.field("Contremarque").fill(code)
        with self.page.expect_response(lambda r: "/v2/bookings/token/" in r.url) as answer:
            self.button("Vérifier").click()
        return answer.value

    # -- what every screen is checked for

    def shot(self, step: str) -> None:
        self.steps += 1
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=ARTEFACTS / f"{self.name}-{self.steps:02d}-{step}.png", full_page=True)

    def axe(self) -> None:
        """No serious or critical accessibility violation on the screen as it is."""
        if not AXE.exists():
            pytest.fail(f"{AXE} is missing: run `npm ci` (make test does)", pytrace=False)
        if not self.page.evaluate("typeof window.axe === 'object'"):
            self.page.add_script_tag(url=self.server.url + AXE_PATH)
        found = self.page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        bad = [
            (v["id"], v["impact"], v["help"], [node["target"] for node in v["nodes"]])
            for v in found["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == [], bad

    def fits(self) -> None:
        """Nothing wider than the screen: no sideways scrolling on a phone."""
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORTS[self.viewport]["width"], f"the page is {width} px wide"

    def problems(self) -> list[str]:
        return self.errors + self.page.evaluate("window.__problems || []")


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request) -> str:
    return request.param


def _open_guichet(browser, server, request, viewport: str, **context_options):
    context = browser.new_context(
        viewport=VIEWPORTS[viewport],
        locale="fr-FR",
        # Not the venue's zone: the page must write venue time whatever the device's clock says.
        timezone_id="America/Cayenne",
        accept_downloads=True,
        **context_options,
    )
    context.add_init_script(_RECORDER)
    context.route(f"**{AXE_PATH}", lambda route: route.fulfill(path=AXE, content_type="text/javascript"))
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")
    return context, Guichet(context, server, name, viewport)


@pytest.fixture
def open_guichet(browser, server, request):
    """``open_guichet(viewport, **context options)``: a fresh tab; its CSP violations fail the test."""
    opened = []

    def make(viewport: str, **context_options) -> Guichet:
        context, guichet = _open_guichet(browser, server, request, viewport, **context_options)
        opened.append((context, guichet))
        return guichet

    yield make
    problems = []
    for context, guichet in opened:
        problems += guichet.problems()
        context.close()
    assert problems == []


@pytest.fixture
def guichet(open_guichet, viewport) -> Guichet:
    return open_guichet(viewport)


@pytest.fixture(scope="session")
def scene(server):
    """Two validated structures, a young person's bookings of each, through the API (``scene.py``)."""
    from datetime import timedelta

    from tests.browser.scene import book, cancel, validated_structure, young_person

    theatre = validated_structure(
        server,
        "Théâtre du Guichet",
        "Le Misanthrope",
        {
            "phone": timedelta(hours=20),
            "desktop": timedelta(hours=26),
            "spare": timedelta(hours=30),
            "far": timedelta(days=10),
            "cancelled": timedelta(days=12),
        },
    )
    elsewhere = validated_structure(server, "Autre scène", "Ailleurs", {"soon": timedelta(hours=24)})
    young = young_person(server, "Camille")
    tokens = {label: book(server, young, stock) for label, (stock, _) in theatre.stocks.items()}
    cancel(server, young, tokens["cancelled"])
    return SimpleNamespace(
        theatre=theatre,
        elsewhere=elsewhere,
        tokens=tokens,
        begins={label: begins for label, (_, begins) in theatre.stocks.items()},
        other_token=book(server, young, elsewhere.stocks["soon"][0]),
    )

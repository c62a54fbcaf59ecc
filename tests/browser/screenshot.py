"""Takes the README's picture of the Guichet at phone size: ``python -m tests.browser.screenshot``.

Starts the local server as ``make run`` does, sets a scene through its API
(``tests/browser/scene.py``), checks a countermark at 360 x 640 in Debian's
Chromium and writes ``docs/guichet-phone.png`` (palette PNG, well under 150 KB).
"""

from __future__ import annotations

import io
import sys
from datetime import timedelta

from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, VIEWPORTS
from tests.browser.scene import book, validated_structure, young_person
from tests.e2e.conftest import ROOT, start_local_server, stop_local_server
from tests.factories import PASSWORD

TARGET = ROOT / "docs" / "guichet-phone.png"


def main() -> int:
    from PIL import Image
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 1
    server = start_local_server()
    try:
        theatre = validated_structure(server, "Théâtre du Guichet", "Le Misanthrope", {"ce soir": timedelta(hours=6)})
        token = book(server, young_person(server, "Camille"), theatre.stocks["ce soir"][0])
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
            page = browser.new_page(viewport=VIEWPORTS["phone"], device_scale_factor=2, locale="fr-FR")
            page.goto(server.url + "/guichet")
            page.get_by_label("Adresse e-mail", exact=True).fill(theatre.email)
            page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Se connecter").click()
            page.get_by_label("Contremarque", exact=True).fill(token)
            page.get_by_role("button", name="Vérifier").click()
            page.get_by_role("button", name="Valider la contremarque").wait_for()
            png = page.screenshot()
            browser.close()
    finally:
        stop_local_server(server)
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=64)
    TARGET.parent.mkdir(exist_ok=True)
    image.save(TARGET, optimize=True)
    print(f"{TARGET.relative_to(ROOT)}: {TARGET.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

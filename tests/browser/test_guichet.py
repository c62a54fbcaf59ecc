"""A venue's cashier uses the Guichet in Chromium, at phone and desktop sizes, against the local server.

Screenshots of each step land in build/browser/. Every screen of the flows is
checked with axe-core (no serious or critical violation) and for sideways
scrolling; every tab fails its test on a CSP violation or a script error.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import paris, retry_minutes
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

STATUS_WORDS = {"booked": "réservée", "used": "validée", "cancelled": "annulée", "reimbursed": "remboursée"}
UNKNOWN = "Contremarque inconnue : vérifiez le code saisi."


def status_of(server, structure, token: str) -> str:
    """The booking's status, as the API tells its structure."""
    items = server.get(f"/bookings/pro?siren={structure.siren}&limit=100", headers=structure.headers).json()["items"]
    return next(item["status"] for item in items if item["token"] == token)


def used_at(server, structure, token: str) -> str:
    """When the booking was validated, from the v2 API's 410 (the date the Guichet shows)."""
    answer = server.get(f"/v2/bookings/token/{token}", headers=structure.headers)
    assert answer.status_code == 410, answer.text
    return answer.json()["usedAt"][0]


def focus_is_visible(page) -> bool:
    return page.evaluate("getComputedStyle(document.activeElement).outlineStyle") not in ("none", "")


# -- the issue's flow -----------------------------------------------------------------------


def test_sign_in_check_validate_see_it_already_validated_undo_and_validate_again(guichet, server, scene, viewport):
    page, theatre = guichet.page, scene.theatre
    token = scene.tokens[viewport]
    guichet.open()
    expect(guichet.field("Adresse e-mail")).to_be_focused()
    guichet.shot("connexion")
    guichet.axe()
    guichet.fits()

    # Without a mouse: type, Tab, type, Tab to the button, Enter.
    page.keyboard.type(theatre.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    expect(guichet.button("Se connecter")).to_be_focused()
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    code = guichet.field("Contremarque")
    expect(code).to_be_focused()
    expect(page.locator("#structure-name")).to_have_text(theatre.name)

    # Trimmed and upper-cased as typed; Enter checks.
    page.keyboard.type(f"  {token.lower()}")
    expect(code).to_have_value(token)
    with page.expect_response(lambda r: "/v2/bookings/token/" in r.url) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 200
    expect(page.get_by_role("heading", name=theatre.offer_name)).to_be_focused()
    expect(guichet.result).to_contain_text(f"le {paris(scene.begins[viewport])}")
    expect(guichet.result).to_contain_text("Camille")
    expect(page.locator("#result-quantity")).to_have_text("1")
    expect(page.locator("#result-price")).to_have_text("12,50\u00a0€")
    expect(page.locator("#result-state")).to_have_text("Réservée, à valider")
    guichet.shot("verifiee")
    guichet.axe()
    guichet.fits()

    page.keyboard.press("Tab")
    expect(guichet.button("Valider la contremarque")).to_be_focused()
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(guichet.status).to_have_text(f"Contremarque {token} validée.")
    expect(code).to_be_focused()
    expect(guichet.button("Annuler la validation")).to_be_visible()
    assert status_of(server, theatre, token) == "used"
    guichet.shot("validee")

    # The code is still in the field: Enter checks it again.
    page.keyboard.press("Enter")
    expect(guichet.alert).to_have_text(
        f"Cette contremarque a déjà été validée le {paris(used_at(server, theatre, token))}."
    )
    expect(guichet.result).to_be_hidden()
    expect(guichet.button("Valider la contremarque")).to_be_hidden()
    guichet.shot("deja-validee")
    guichet.axe()
    guichet.fits()

    guichet.button("Annuler la validation").press("Enter")
    expect(guichet.status).to_have_text(f"Validation annulée : la contremarque {token} peut de nouveau être validée.")
    expect(guichet.button("Valider la contremarque")).to_be_visible()
    expect(page.locator("#result-state")).to_have_text("Réservée, à valider")
    assert status_of(server, theatre, token) == "booked"
    guichet.shot("validation-annulee")

    guichet.button("Valider la contremarque").press("Enter")
    expect(guichet.status).to_have_text(f"Contremarque {token} validée.")
    assert status_of(server, theatre, token) == "used"
    guichet.shot("validee-de-nouveau")


def test_an_unknown_code_and_another_structures_code_get_the_same_words(guichet, scene):
    guichet.open()
    guichet.sign_in(scene.theatre.email)
    assert guichet.check("ZZZZZZ").status == 404
    expect(guichet.alert).to_have_text(UNKNOWN)
    guichet.shot("inconnue")
    guichet.axe()
    guichet.fits()

    assert guichet.check(scene.other_token).status == 404
    expect(guichet.alert).to_have_text(UNKNOWN)
    expect(guichet.result).to_be_hidden()
    expect(guichet.button("Valider la contremarque")).to_be_hidden()
    guichet.shot("autre-structure")


def test_an_event_too_far_away_says_when_it_starts_and_when_it_can_be_validated(guichet, scene):
    guichet.open()
    guichet.sign_in(scene.theatre.email)
    assert guichet.check(scene.tokens["far"]).status == 403
    begins = datetime.fromisoformat(scene.begins["far"])
    expect(guichet.alert).to_have_text(
        f"Trop tôt : l'évènement a lieu le {paris(begins)}. "
        f"La contremarque pourra être validée à partir du {paris(begins - timedelta(hours=72))}."
    )
    expect(guichet.button("Valider la contremarque")).to_be_hidden()
    guichet.shot("trop-tot")
    guichet.axe()
    guichet.fits()


def test_a_cancelled_booking_is_refused_in_words(guichet, scene):
    guichet.open()
    guichet.sign_in(scene.theatre.email)
    assert guichet.check(scene.tokens["cancelled"]).status == 410
    expect(guichet.alert).to_have_text("Cette réservation a été annulée : la contremarque n'est plus valable.")
    expect(guichet.button("Valider la contremarque")).to_be_hidden()
    expect(guichet.button("Annuler la validation")).to_be_hidden()
    guichet.shot("annulee")


# -- transactions ---------------------------------------------------------------------------


def test_transactions_newest_first_with_more_on_demand_and_the_csv_export(guichet, server, scene):
    page, theatre = guichet.page, scene.theatre
    # Pages of 2 instead of 20, so "Charger plus" has something to load; the API does the paging.
    page.route(
        "**/bookings/pro?*",
        lambda route: route.continue_(url=route.request.url.replace("limit=20", "limit=2")),
    )
    guichet.open()
    guichet.sign_in(theatre.email)
    page.get_by_role("link", name="Transactions").click()
    expect(page.get_by_role("heading", name="Transactions", exact=True)).to_be_visible()
    rows = page.locator("#transactions-rows tr")
    expect(rows).to_have_count(2)
    guichet.shot("transactions")
    guichet.axe()
    guichet.fits()
    while guichet.button("Charger plus").is_visible():
        shown = rows.count()
        guichet.button("Charger plus").click()
        expect(rows).not_to_have_count(shown)

    expected = server.get(f"/bookings/pro?siren={theatre.siren}&limit=100", headers=theatre.headers).json()["items"]
    assert len(expected) == len(scene.tokens) > 2
    assert [item["bookedAt"] for item in expected] == sorted((item["bookedAt"] for item in expected), reverse=True)
    assert page.locator("#transactions-rows td[data-label='Contremarque']").all_inner_texts() == [
        item["token"] for item in expected
    ]
    assert page.locator("#transactions-rows td[data-label='Statut']").all_inner_texts() == [
        STATUS_WORDS[item["status"]] for item in expected
    ]
    assert set(page.locator("#transactions-rows td[data-label='Montant']").all_inner_texts()) == {"12,50\u00a0€"}
    assert page.locator("#transactions-rows td[data-label='Offre']").first.inner_text().startswith(theatre.offer_name)
    guichet.shot("transactions-toutes")
    guichet.fits()

    # The export, chunk after chunk as the API gives it, is one file.
    chunks, cursor = [], None
    while True:
        answer = server.get(
            f"/bookings/pro?siren={theatre.siren}" + (f"&cursor={cursor}" if cursor else ""),
            headers={**theatre.headers, "Accept": "text/csv"},
        )
        chunks.append(answer.content)
        cursor = answer.headers.get("X-Next-Cursor")
        if not cursor:
            break
    assert len(chunks) > 1
    with page.expect_download() as download:
        guichet.button("Télécharger (CSV)").click()
    assert download.value.suggested_filename == f"transactions-structure-{theatre.siren}.csv"
    content = Path(download.value.path()).read_bytes()
    assert content == b"".join(chunks)
    assert content.startswith("\ufeffContremarque;".encode())
    expect(guichet.status).to_have_text(f"Fichier transactions-structure-{theatre.siren}.csv téléchargé.")


# -- the code field, the session, refusals that are not the API's business --------------------


def test_look_alike_characters_are_flagged_and_such_a_code_is_not_sent(open_guichet, scene):
    guichet = open_guichet("phone")
    page = guichet.page
    guichet.open()
    guichet.sign_in(scene.theatre.email)
    sent = []
    page.on("request", lambda r: sent.append(r.url) if "/v2/" in r.url else None)
    code = guichet.field("Contremarque")
    code.press_sequentially("ab0o1i")
    expect(code).to_have_value("AB0O1I")
    expect(code).to_have_attribute("aria-invalid", "true")
    hint = page.locator("#code-hint")
    flagged = (
        "Le chiffre 0 (zéro), la lettre O, le chiffre 1 (un) et la lettre I "
        "n'existent pas dans les contremarques : relisez ces caractères."
    )
    expect(hint).to_have_text(flagged)
    guichet.shot("sosies")
    guichet.button("Vérifier").click()
    expect(guichet.alert).to_have_text(f"Cette contremarque ne peut pas exister. {flagged}")
    code.fill("K7L2-O")
    expect(hint).to_have_text(
        "La lettre O n'existe pas dans les contremarques : relisez ce caractère. "
        "« - » n'est pas un caractère de contremarque."
    )
    code.fill("K7L2MN")  # L is in the alphabet
    expect(hint).to_have_text("")
    expect(code).not_to_have_attribute("aria-invalid", "true")
    code.fill("ABC")
    guichet.button("Vérifier").click()
    expect(guichet.alert).to_have_text(
        "Contremarque incomplète : une contremarque a 6 caractères, vous en avez saisi 3."
    )
    code.fill("ABCDEFG")
    expect(hint).to_have_text("Une contremarque a 6 caractères : vous en avez saisi 7.")
    assert sent == []


def test_an_expired_session_brings_sign_in_back_keeps_the_code_and_resumes(open_guichet, server, scene):
    from passculture.models.base import utcnow
    from passculture.services.accounts.auth import issue_access_token

    guichet = open_guichet("phone")
    page, theatre = guichet.page, scene.theatre
    user_id = server.get("/users/current", headers=theatre.headers).json()["id"]
    expired, _ = issue_access_token(user_id, now=utcnow() - timedelta(hours=5))

    def with_expired_token(route):
        route.continue_(headers={**route.request.headers, "authorization": f"Bearer {expired}"})

    guichet.open()
    guichet.sign_in(theatre.email)
    page.route("**/v2/bookings/token/*", with_expired_token, times=1)  # the token runs out now
    token = scene.tokens["spare"]
    assert guichet.check(token).status == 401
    expect(guichet.field("Mot de passe")).to_be_focused()
    expect(page.locator("#signin-note")).to_have_text("Votre session a expiré : reconnectez-vous pour continuer.")
    expect(guichet.field("Adresse e-mail")).to_have_value(theatre.email)
    guichet.shot("session-expiree")
    guichet.axe()

    with page.expect_response(lambda r: "/v2/bookings/token/" in r.url) as answer:
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
    assert answer.value.status == 200
    expect(guichet.field("Contremarque")).to_have_value(token)
    expect(page.get_by_role("heading", name=theatre.offer_name)).to_be_visible()
    expect(guichet.button("Valider la contremarque")).to_be_visible()
    guichet.shot("reprise")


def test_a_rate_limited_cashier_is_told_when_to_come_back(open_guichet, server, scene):
    elsewhere = scene.elsewhere
    for n in range(8):  # the server allows 8 failed checks per caller (conftest)
        assert server.get(f"/v2/bookings/token/ZZZZZ{n + 2}", headers=elsewhere.headers).status_code in (404, 429)
    guichet = open_guichet("phone")
    guichet.open()
    guichet.sign_in(elsewhere.email)
    answer = guichet.check("ZZZZZZ")
    assert answer.status == 429
    expect(guichet.alert).to_have_text(f"Trop d'essais, réessayez dans {retry_minutes(answer.headers['retry-after'])}.")
    guichet.shot("trop-d-essais")


def test_a_network_failure_is_said_in_words(open_guichet, scene):
    guichet = open_guichet("phone")
    guichet.open()
    guichet.sign_in(scene.theatre.email)
    guichet.page.route("**/v2/bookings/token/*", lambda route: route.abort("internetdisconnected"))
    guichet.field("Contremarque").fill(scene.tokens["spare"])
    guichet.button("Vérifier").click()
    expect(guichet.alert).to_have_text("Le serveur ne répond pas : vérifiez la connexion et réessayez.")


# -- deployed shape: a stage prefix, the scanner ----------------------------------------------


def test_under_a_stage_prefix_the_page_calls_the_api_under_the_same_prefix(open_guichet, server, scene):
    """API Gateway serves the page at /<stage>/guichet: the page must not assume the API is at /."""
    guichet = open_guichet("phone")
    page = guichet.page
    seen = []

    def stage(route):
        seen.append(route.request.url)
        answer = route.fetch(url=route.request.url.replace("/prod/", "/", 1))
        route.fulfill(response=answer)

    page.route("**/prod/**", stage)
    guichet.open("/prod/guichet")
    guichet.sign_in(scene.theatre.email)
    assert guichet.check(scene.tokens["spare"]).status == 200
    expect(page.get_by_role("heading", name=scene.theatre.offer_name)).to_be_visible()
    paths = {url.removeprefix(server.url).split("?")[0] for url in seen}
    assert {"/prod/guichet", "/prod/users/signin", "/prod/users/current"} <= paths
    assert f"/prod/v2/bookings/token/{scene.tokens['spare']}" in paths
    assert any(path.startswith("/prod/guichet/guichet.js") for path in paths)


def test_the_scanner_is_hidden_where_the_browser_cannot_read_barcodes(open_guichet, scene):
    guichet = open_guichet("phone")
    guichet.open()
    guichet.sign_in(scene.theatre.email)
    assert guichet.page.evaluate("'BarcodeDetector' in window") is False
    expect(guichet.button("Scanner")).to_be_hidden()


FAKE_DETECTOR = """
window.BarcodeDetector = class {
  static async getSupportedFormats() { return ["qr_code", "code_128", "ean_13"]; }
  constructor(options) { window.__formats = options.formats; }
  async detect(source) {
    return source.srcObject ? [{ format: "qr_code", rawValue: "PASSCULTURE:v3;TOKEN:%s" }] : [];
  }
};
"""


def test_where_the_browser_reads_barcodes_scanner_reads_the_camera_into_the_field(open_guichet, scene):
    """Chromium's fake camera and a stand-in detector: what is tested is the page's use of them."""
    token = scene.tokens["spare"]
    guichet = open_guichet("phone", permissions=["camera"])
    guichet.context.add_init_script(FAKE_DETECTOR % token)
    guichet.open()
    guichet.sign_in(scene.theatre.email)
    with guichet.page.expect_response(lambda r: "/v2/bookings/token/" in r.url) as answer:
        guichet.button("Scanner").click()
    assert answer.value.status == 200
    expect(guichet.field("Contremarque")).to_have_value(token)
    expect(guichet.page.get_by_role("heading", name=scene.theatre.offer_name)).to_be_visible()
    expect(guichet.page.locator("#scanner")).to_be_hidden()
    assert guichet.page.evaluate("window.__formats") == ["qr_code", "code_128"]
    guichet.shot("scanner")

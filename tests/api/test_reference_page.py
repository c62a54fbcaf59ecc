"""The API reference's routes on the accounts function: `/docs`, its assets, their headers."""

from __future__ import annotations

import re

import pytest
from chalice.test import Client

from infra.catalog import load_app, load_handler
from passculture.web import reference
from passculture.web.openapi import load_document
from tests.api.test_guichet_page import CSP, invoke_raw, page_event
from tests.e2e.conftest import ROOT
from tests.unit.test_cold_start import modules_after_importing

FILES = [
    ("/docs", "text/html; charset=utf-8"),
    ("/docs/swagger-ui.css", "text/css; charset=utf-8"),
    ("/docs/swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    ("/docs/reference.js", "text/javascript; charset=utf-8"),
]


@pytest.fixture(scope="module", autouse=True)
def swagger_ui_installed():
    if reference.vendor_dir() is None:
        pytest.fail("swagger-ui-dist is not installed: run `npm ci` (make test does)", pytrace=False)


@pytest.fixture
def client(aws):
    with Client(load_app("accounts")) as c:
        yield c


@pytest.mark.parametrize(("path", "content_type"), FILES)
def test_the_page_and_its_assets_answer_200_with_their_type_and_the_same_origin_csp(client, path, content_type):
    response = client.http.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.body


def test_the_page_loads_swagger_ui_and_its_script_from_this_origin_only(client):
    html = client.http.get("/docs").body.decode()
    assert re.findall(r'(?:src|href)="(?!data:)([^"]+)"', html) == [
        f"docs/{name}?v={reference.SITE.asset(name).version}"
        for name in ("swagger-ui.css", "swagger-ui-bundle.js", "reference.js")
    ] + ["openapi.json"]
    assert "http" not in re.sub(r"<noscript>.*</noscript>", "", html, flags=re.S)


def test_swagger_ui_is_the_pinned_npm_package_s_file(client):
    import json

    folder = reference.vendor_dir()
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["swagger-ui-dist"]
    assert json.loads((folder / "package.json").read_text())["version"] == pinned
    body = client.http.get("/docs/swagger-ui-bundle.js").body
    assert body == (folder / "swagger-ui-bundle.js").read_bytes()


def test_the_page_s_script_reads_this_api_s_document(client):
    script = client.http.get("/docs/reference.js").body.decode()
    assert 'fetch("openapi.json"' in script
    assert "validatorUrl: null" in script  # Swagger UI would otherwise ask an outside validator


def test_assets_named_by_their_hash_are_cached_for_good(client):
    assert client.http.get("/docs").headers["Cache-Control"] == "no-cache"
    version = reference.SITE.asset("swagger-ui-bundle.js").version
    fresh = client.http.get(f"/docs/swagger-ui-bundle.js?v={version}")
    assert fresh.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.http.get("/docs/swagger-ui-bundle.js?v=0").headers["Cache-Control"] == "no-cache"


def test_a_known_etag_is_a_304(client):
    etag = client.http.get("/docs/swagger-ui.css").headers["ETag"]
    again = client.http.get("/docs/swagger-ui.css", headers={"If-None-Match": etag})
    assert (again.status_code, again.body) == (304, b"")


@pytest.mark.parametrize("name", ["index.html", "__init__.py", "package.json", "swagger-ui.js", "LICENSE", "..%2Fx"])
def test_a_file_outside_the_allow_list_is_a_json_404(client, name):
    response = client.http.get(f"/docs/{name}")
    assert response.status_code == 404
    assert response.json_body == {"errors": {"asset": ["No such file"]}}


def test_without_swagger_ui_the_page_says_what_to_install(aws, monkeypatch):
    site = reference.StaticSite(reference.HERE, "docs", reference.ASSETS, locate=reference._locate)
    monkeypatch.setattr(reference, "SITE", site)
    monkeypatch.setattr(reference, "vendor_dir", lambda: None)
    with Client(load_app("accounts")) as client:
        response = client.http.get("/docs")
    assert response.status_code == 404
    assert "npm ci" in response.json_body["errors"]["global"][0]


def test_under_a_stage_the_page_is_served_and_a_trailing_slash_goes_back_to_it(aws):
    handler = load_handler("accounts")
    status, _, headers = invoke_raw(handler, page_event("/docs", "/docs"))
    assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    status, _, headers = invoke_raw(handler, page_event("/docs/", "/docs"))
    assert (status, headers["Location"]) == (308, "../docs")


def test_the_routes_are_public_and_documented():
    paths = load_document()["paths"]
    assert paths["/docs"]["get"]["security"] == []
    assert "text/html" in paths["/docs"]["get"]["responses"]["200"]["content"]
    assert "404" in paths["/docs/{asset}"]["get"]["responses"]


def test_loading_the_function_reads_no_reference_file():
    assert "passculture.web.reference" not in modules_after_importing("functions.accounts.app")

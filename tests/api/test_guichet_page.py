"""The Guichet page's routes on the countermarks function: the HTML, its assets, their headers."""

from __future__ import annotations

import re

import pytest
from chalice.test import Client

from infra.catalog import load_app, load_handler
from passculture.web import guichet
from passculture.web.openapi import load_document
from tests.unit.test_cold_start import modules_after_importing

CSP = (
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


@pytest.fixture
def client(aws):
    with Client(load_app("countermarks")) as c:
        yield c


def page_event(path: str, resource: str, params: dict | None = None, headers: dict | None = None) -> dict:
    """A REST API event for the page as API Gateway sends it under the ``prod`` stage."""
    headers = {"Host": "abc123.execute-api.eu-west-3.amazonaws.com", **(headers or {})}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": "GET",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": params,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": "GET",
            "path": "/prod" + path,
            "stage": "prod",
            "requestId": "r-1",
            "identity": {"sourceIp": "198.51.100.7"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


def test_the_page_is_html_in_french_with_the_labels_of_the_contract(client):
    response = client.http.get("/guichet")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    html = response.body.decode()
    assert '<html lang="fr">' in html
    for text in ("Adresse e-mail", "Mot de passe", "Se connecter", "Contremarque", "Vérifier"):
        assert f">{text}<" in html, text
    for text in ("Valider la contremarque", "Annuler la validation", "Télécharger (CSV)", "Charger plus", "Scanner"):
        assert f">{text}</button>" in html, text
    assert html.count('role="alert"') == 3  # sign-in, guichet, transactions


def test_the_page_and_its_assets_need_no_credentials_and_ignore_bad_ones(client):
    for path in ("/guichet", "/guichet/guichet.css", "/guichet/guichet.js"):
        assert client.http.get(path).status_code == 200, path
        assert client.http.get(path, headers={"Authorization": "Bearer not-a-token"}).status_code == 200, path


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/guichet", "text/html; charset=utf-8"),
        ("/guichet/guichet.css", "text/css; charset=utf-8"),
        ("/guichet/guichet.js", "text/javascript; charset=utf-8"),
    ],
)
def test_every_file_allows_nothing_but_its_own_origin_and_is_never_sniffed(client, path, content_type):
    headers = client.http.get(path).headers
    assert headers["Content-Type"] == content_type
    assert headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_the_page_names_each_asset_by_its_content_so_assets_are_cached_for_good(client):
    html = client.http.get("/guichet").body.decode()
    assert client.http.get("/guichet").headers["Cache-Control"] == "no-cache"
    for name in ("guichet.css", "guichet.js"):
        match = re.search(rf'"guichet/{re.escape(name)}\?v=([0-9a-f]{{12}})"', html)
        assert match, name
        body = client.http.get(f"/guichet/{name}").body
        assert match.group(1) == guichet.SITE.asset(name).version
        assert body.decode() == (guichet.HERE / name).read_text(encoding="utf-8")
        current = client.http.get(f"/guichet/{name}?v={match.group(1)}")
        assert current.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        # An old or missing version is the current file, revalidated: never cached for a year under a stale name.
        for stale in (f"/guichet/{name}?v=000000000000", f"/guichet/{name}"):
            assert client.http.get(stale).headers["Cache-Control"] == "no-cache", stale


def test_every_file_the_page_references_is_served(client):
    html = client.http.get("/guichet").body.decode()
    referenced = re.findall(r'(?:src|href)="guichet/([^"?]+)', html)
    assert sorted(referenced) == sorted(guichet.ASSETS)


def test_a_known_etag_is_a_304(client):
    for path in ("/guichet", "/guichet/guichet.js"):
        etag = client.http.get(path).headers["ETag"]
        again = client.http.get(path, headers={"If-None-Match": etag})
        assert (again.status_code, again.body) == (304, b""), path
        assert client.http.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


@pytest.mark.parametrize(
    "name", ["index.html", "__init__.py", "guichet.css.map", "nope.js", "..%2F__init__.py", "GUICHET.JS", "%2e%2e"]
)
def test_a_file_outside_the_allow_list_is_a_json_404(client, name):
    response = client.http.get(f"/guichet/{name}")
    assert response.status_code == 404
    assert response.json_body == {"errors": {"asset": ["No such file"]}}


def test_under_a_stage_the_handler_serves_the_page_and_sends_a_trailing_slash_back_to_it(aws):
    handler = load_handler("countermarks")
    status, _, headers = invoke_raw(handler, page_event("/guichet", "/guichet"))
    assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    status, _, headers = invoke_raw(
        handler, page_event("/guichet/guichet.js", "/guichet/{asset}", {"asset": "guichet.js"})
    )
    assert (status, headers["Content-Type"]) == (200, "text/javascript; charset=utf-8")
    # ".../prod/guichet/" would resolve the page's relative asset URLs one level too deep.
    status, _, headers = invoke_raw(handler, page_event("/guichet/", "/guichet"))
    assert (status, headers["Location"]) == (308, "../guichet")


def invoke_raw(handler, event):
    result = handler(event, None)
    return result["statusCode"], result.get("body"), result.get("headers") or {}


def test_the_page_calls_only_routes_of_this_api():
    script = (guichet.HERE / "guichet.js").read_text(encoding="utf-8")
    calls = re.findall(r'call\("([A-Z]+)", [`"](/[^`"?$]*)', script)
    assert {path for _, path in calls} >= {"/users/signin", "/users/current", "/bookings/pro"}
    paths = load_document()["paths"]
    for method, prefix in calls:
        template = next((p for p in paths if p in (prefix, prefix + "{token}")), None)
        assert template is not None and method.lower() in paths[template], (method, prefix)


def test_the_routes_are_public_in_the_openapi_document():
    paths = load_document()["paths"]
    assert paths["/guichet"]["get"]["security"] == []
    assert "text/html" in paths["/guichet"]["get"]["responses"]["200"]["content"]
    assert "404" in paths["/guichet/{asset}"]["get"]["responses"]


def test_loading_the_function_reads_no_page_file():
    assert "passculture.web.guichet" not in modules_after_importing("functions.countermarks.app")

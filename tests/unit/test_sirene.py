"""The SIRENE adapter against a real local HTTP server answering like recherche-entreprises."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from werkzeug import Response

from passculture.adapters import sirene
from passculture.config import get_settings

SIREN = "552081317"


def company_json(siren: str = SIREN, name: str = "ELECTRICITE DE FRANCE") -> dict:
    return {
        "results": [
            {
                "siren": siren,
                "nom_complet": name,
                "nom_raison_sociale": name,
                "siege": {
                    "adresse": "22-30 AVENUE DE WAGRAM 75008 PARIS",
                    "code_postal": "75008",
                    "libelle_commune": "PARIS",
                    "siret": f"{siren}01234",
                },
            }
        ],
        "total_results": 1,
        "page": 1,
        "per_page": 1,
        "total_pages": 1,
    }


@pytest.fixture
def directory(httpserver, monkeypatch):
    """The adapter enabled and pointed at the local server, with a short timeout."""
    settings = replace(
        get_settings(),
        sirene_enabled=True,
        sirene_base_url=httpserver.url_for("/api").rstrip("/"),
        sirene_timeout_seconds=0.5,
    )
    monkeypatch.setattr(sirene, "get_settings", lambda: settings)
    return httpserver


def test_a_known_siren_gives_its_name_and_head_office_address(directory):
    directory.expect_request("/api/search", query_string={"q": SIREN, "page": "1", "per_page": "1"}).respond_with_json(
        company_json()
    )
    company = sirene.lookup(SIREN)
    assert company == sirene.Company(
        siren=SIREN,
        name="ELECTRICITE DE FRANCE",
        address="22-30 AVENUE DE WAGRAM 75008 PARIS",
        postal_code="75008",
        city="PARIS",
    )


def test_a_search_answering_other_companies_is_unknown(directory):
    directory.expect_request("/api/search").respond_with_json(company_json(siren="732829320"))
    assert sirene.lookup(SIREN) is None


def test_no_result_is_unknown(directory):
    directory.expect_request("/api/search").respond_with_json({"results": [], "total_results": 0})
    assert sirene.lookup(SIREN) is None


@pytest.mark.parametrize("status", [404, 429, 500, 503])
def test_an_error_status_is_unknown_after_a_single_request(directory, status):
    directory.expect_request("/api/search").respond_with_json({"erreur": "x"}, status=status)
    assert sirene.lookup(SIREN) is None
    assert len(directory.log) == 1


def test_a_body_that_is_not_json_is_unknown(directory):
    directory.expect_request("/api/search").respond_with_data("<html>maintenance</html>", content_type="text/html")
    assert sirene.lookup(SIREN) is None


def test_a_slow_directory_is_abandoned_at_the_timeout_without_retrying(directory):
    def slow(request):
        time.sleep(1.5)
        return Response("{}", content_type="application/json")

    directory.expect_request("/api/search").respond_with_handler(slow)
    started = time.monotonic()
    assert sirene.lookup(SIREN) is None
    assert time.monotonic() - started < 1.4
    assert len(directory.log) <= 1


def test_an_unreachable_directory_is_unknown(monkeypatch):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = replace(get_settings(), sirene_enabled=True, sirene_base_url=f"http://127.0.0.1:{port}")
    monkeypatch.setattr(sirene, "get_settings", lambda: settings)
    assert sirene.lookup(SIREN) is None


def test_disabled_means_no_request_at_all(httpserver, monkeypatch):
    settings = replace(get_settings(), sirene_enabled=False, sirene_base_url=httpserver.url_for("").rstrip("/"))
    monkeypatch.setattr(sirene, "get_settings", lambda: settings)
    assert sirene.lookup(SIREN) is None
    assert httpserver.log == []


def test_parse_keeps_the_first_matching_result_and_bounds_the_name():
    payload = company_json(name="X" * 300)
    payload["results"].insert(0, {"siren": "732829320", "nom_complet": "OTHER"})
    company = sirene.parse_search(SIREN, payload)
    assert company is not None and len(company.name) == 140


@pytest.mark.parametrize(
    "payload", [None, [], {"results": None}, {"results": [None, 3]}, {"results": [{"siren": SIREN}]}]
)
def test_parse_survives_odd_payloads(payload):
    assert sirene.parse_search(SIREN, payload) is None

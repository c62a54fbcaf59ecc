"""Signup with the SIRENE directory enabled: it fills the structure when it answers, never blocks when not."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from chalice.test import Client
from werkzeug import Response

from infra.catalog import load_app
from passculture.adapters import sirene
from passculture.config import get_settings
from tests.api.accounts_support import pro_body, send
from tests.factories import make_offerer, random_siren
from tests.unit.test_sirene import company_json


@pytest.fixture
def client(aws):
    with Client(load_app("accounts")) as c:
        yield c


@pytest.fixture
def directory(httpserver, monkeypatch):
    settings = replace(
        get_settings(),
        sirene_enabled=True,
        sirene_base_url=httpserver.url_for("").rstrip("/"),
        sirene_timeout_seconds=0.5,
    )
    monkeypatch.setattr(sirene, "get_settings", lambda: settings)
    return httpserver


def test_the_directory_fills_name_and_address_of_a_new_structure(client, directory, sent_emails):
    siren = random_siren()
    directory.expect_request("/search").respond_with_json(company_json(siren, name="THEATRE DE LA VILLE"))
    answer = send(client, "POST", "/users/signup/pro", pro_body(siren=siren, name="Théâtre"))
    assert answer.status_code == 201
    offerer = answer.json_body["offerer"]
    assert offerer["name"] == "THEATRE DE LA VILLE"
    assert offerer["address"] == "22-30 AVENUE DE WAGRAM 75008 PARIS"
    assert (offerer["postalCode"], offerer["city"], offerer["departmentCode"]) == ("75008", "PARIS", "75")
    team = [text for to, _, text in sent_emails() if to == ["team@passculture.test"]]
    assert "THEATRE DE LA VILLE" in team[0]


def test_joining_a_known_structure_does_not_ask_the_directory(client, directory):
    offerer = make_offerer()
    answer = send(client, "POST", "/users/signup/pro", pro_body(siren=offerer.siren))
    assert answer.status_code == 201
    assert directory.log == []


def test_a_failing_directory_does_not_block_signup(client, directory):
    directory.expect_request("/search").respond_with_data("down", status=503)
    answer = send(client, "POST", "/users/signup/pro", pro_body(name="Compagnie"))
    assert answer.status_code == 201
    assert answer.json_body["offerer"]["name"] == "Compagnie"
    assert len(directory.log) == 1


def test_a_slow_directory_does_not_block_signup(client, directory):
    def slow(request):
        time.sleep(1.5)
        return Response("{}", content_type="application/json")

    directory.expect_request("/search").respond_with_handler(slow)
    started = time.monotonic()
    answer = send(client, "POST", "/users/signup/pro", pro_body(name="Lente"))
    assert answer.status_code == 201
    assert answer.json_body["offerer"]["name"] == "Lente"
    assert time.monotonic() - started < 1.4


def test_an_unknown_siren_in_the_directory_keeps_what_was_typed(client, directory):
    directory.expect_request("/search").respond_with_json({"results": [], "total_results": 0})
    answer = send(client, "POST", "/users/signup/pro", pro_body(name="Association"))
    assert answer.json_body["offerer"]["name"] == "Association"
    assert answer.json_body["offerer"]["address"] is None

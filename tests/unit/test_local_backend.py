"""The local runner's choice of backend: its own twin, a given endpoint, or real AWS."""

from __future__ import annotations

import os
from types import SimpleNamespace

from infra.local import Backend, LocalApi


def test_a_given_endpoint_is_used_instead_of_starting_moto(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5999")
    backend = Backend()
    backend.start()
    assert backend.server is None
    assert backend.endpoint == "http://127.0.0.1:5999"


def test_real_aws_starts_no_twin_sets_no_fake_credentials_and_has_no_outbox(monkeypatch):
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LOCAL_TWIN", "off")
    backend = Backend()
    backend.start()
    assert backend.server is None
    assert "AWS_ENDPOINT_URL" not in os.environ
    assert "AWS_ACCESS_KEY_ID" not in os.environ
    api = LocalApi(backend, {}, SimpleNamespace(jobs={}))
    status, _, _ = api.handle("GET", "/_local/outbox", {}, b"", "127.0.0.1")
    assert status == 404

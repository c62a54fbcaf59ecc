"""The local runner's choice of backend: its own twin, a given endpoint, or real AWS."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from infra.local import Backend, LocalApi

ROOT = Path(__file__).resolve().parents[2]


def test_a_given_endpoint_is_used_instead_of_starting_moto(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5999")
    backend = Backend()
    backend.start()
    assert backend.server is None
    assert backend.endpoint == "http://127.0.0.1:5999"
    # Nothing answers moto's API there: not a twin, so no known secrets and no outbox.
    assert backend.is_twin is False
    assert backend.outbox is None


def test_an_endpoint_answering_moto_s_api_is_a_twin(moto_server):
    backend = Backend()
    backend.start()
    assert backend.server is None
    assert backend.is_twin is True
    assert backend.outbox is not None


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


def test_outside_a_twin_the_local_runner_refuses_to_start_without_a_signing_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k not in ("JWT_SECRET",)}
    env.update({"LOCAL_TWIN": "off", "PORT": "0", "PYTHONPATH": f"{ROOT / 'layers/core/python'}:{ROOT}"})
    answer = subprocess.run(
        [sys.executable, "-m", "infra.local"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert answer.returncode == 2
    assert "not started: no access-token signing key: set JWT_SECRET_PARAMETER" in answer.stderr
    assert "listening" not in answer.stdout

"""The local server started as ``make run`` starts it, driven over real HTTP."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
TEAM_EMAIL = "equipe@passculture.test"
TEAM_PASSWORD = "Equipe-locale-2026"
# The shared server's signing key, so scenes written straight to its tables can sign tokens it accepts.
JWT_SECRET = "e2e-shared-server-secret-long-enough-for-hs256-0123"


class LocalServer:
    def __init__(self, process: subprocess.Popen, url: str, aws_endpoint: str = "") -> None:
        self.process = process
        self.url = url
        # The server's AWS twin (moto), for tests that set a scene straight in its tables.
        self.aws_endpoint = aws_endpoint
        self.http = requests.Session()

    def get(self, path: str, **kw):
        return self.http.get(self.url + path, timeout=30, **kw)

    def post(self, path: str, **kw):
        return self.http.post(self.url + path, timeout=30, **kw)

    def patch(self, path: str, **kw):
        return self.http.patch(self.url + path, timeout=30, **kw)

    def delete(self, path: str, **kw):
        return self.http.delete(self.url + path, timeout=30, **kw)

    def outbox(self) -> list[dict]:
        return self.get("/_local/outbox").json()["messages"]

    def wait_for_email(self, predicate, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.outbox():
                if predicate(message):
                    return message
            time.sleep(0.2)
        raise AssertionError(f"no such email in the outbox: {self.outbox()}")

    def sign_in(self, email: str, password: str) -> dict[str, str]:
        answer = self.post("/users/signin", json={"email": email, "password": password})
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['accessToken']}"}


def start_local_server(extra_env: dict[str, str] | None = None) -> LocalServer:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "ARGON2_")) and key not in {"STAGE", "TEAM_EMAIL", "JWT_SECRET"}
    }
    env.update(
        {
            "PYTHONPATH": f"{ROOT / 'layers/core/python'}:{ROOT}",
            "PORT": "0",
            "TEAM_EMAIL": TEAM_EMAIL,
            "TEAM_PASSWORD": TEAM_PASSWORD,
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    lines = []
    url = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        lines.append(line)
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if match:
            url = match.group(1)
        twin = re.search(r"AWS twin at (http://\S+?);", line)
        if twin and url:
            server = LocalServer(process, url, twin.group(1))
            # Keep draining the output so the server never blocks on a full pipe.
            import threading

            threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
            return server
    process.kill()
    raise RuntimeError("the local server did not start:\n" + "".join(lines))


def stop_local_server(server: LocalServer) -> int:
    server.process.send_signal(signal.SIGINT)
    try:
        return server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        raise


@pytest.fixture(scope="session")
def local_server():
    server = start_local_server({"JWT_SECRET": JWT_SECRET})
    yield server
    stop_local_server(server)

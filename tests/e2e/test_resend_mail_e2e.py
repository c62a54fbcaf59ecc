"""`make resend-mail` against the running local server: a parked email is sent once, then nothing is left."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e

# Parks an email in the server's own failed_mails table, as notify does after its attempts.
PARK = """
import sys
from passculture.services.notifications.failed_mails import Email, park

address, mail_id = sys.argv[1], sys.argv[2]
email = Email("booking", "booking:E2E234", (address,), "Nouvelle réservation E2E234 : Le\\nMisanthrope", "Bonjour\\n")
assert park(email, function="notify", reason="TooManyRequestsException: slow down", attempts=3, mail_id=mail_id)
"""


def twin_env(local_server) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "ARGON2_")) and key != "STAGE"
    }
    env.update(
        {
            "PYTHONPATH": f"{ROOT / 'layers/core/python'}:{ROOT}",
            "AWS_ENDPOINT_URL": local_server.aws_endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "eu-west-3",
        }
    )
    return env


def make_resend_mail(local_server) -> subprocess.CompletedProcess:
    env = {**os.environ, "PORT": str(urlsplit(local_server.url).port)}
    return subprocess.run(
        ["make", "--no-print-directory", "resend-mail"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_make_resend_mail_sends_a_parked_email_once(local_server):
    address, mail_id = f"resa-{uuid.uuid4().hex[:8]}@theatre.example", f"e2e-{uuid.uuid4().hex}"
    parked = subprocess.run(
        [sys.executable, "-c", PARK, address, mail_id],
        cwd=ROOT,
        env=twin_env(local_server),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert parked.returncode == 0, parked.stderr

    done = make_resend_mail(local_server)
    assert done.returncode == 0, done.stdout + done.stderr
    assert mail_id in done.stdout
    email = local_server.wait_for_email(lambda m: address in m["to"])
    assert email["subject"] == "Nouvelle réservation E2E234 : Le Misanthrope"

    again = make_resend_mail(local_server)
    assert again.returncode == 0 and mail_id not in again.stdout
    assert len([m for m in local_server.outbox() if address in m["to"]]) == 1

"""The README's quick start, run exactly as written against the local server: it cannot rot."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.e2e.conftest import ROOT, TEAM_EMAIL, TEAM_PASSWORD

pytestmark = pytest.mark.e2e

BLOCK = re.compile(r"<!-- quickstart -->\n```sh\n(.*?)\n```\n<!-- /quickstart -->", re.S)


def quickstart() -> str:
    found = BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(found) == 1, "the README has one quick start between <!-- quickstart --> and <!-- /quickstart -->"
    return found[0]


def test_the_quick_start_block_is_one_shell_script_that_parses():
    checked = subprocess.run(["bash", "-n"], input=quickstart(), capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr


def test_the_readme_s_quick_start_ends_with_the_countermark_validated(local_server):
    if shutil.which("curl") is None:
        pytest.fail("the quick start needs curl (.ci/run installs it from Debian's packages)", pytrace=False)
    # As a newcomer would run it, only pointed at this server and its team account; -e stops at the first failure.
    env = {**os.environ, "API": local_server.url, "TEAM_EMAIL": TEAM_EMAIL, "TEAM_PASSWORD": TEAM_PASSWORD}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", quickstart()],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, f"the quick start stopped:\n{done.stdout}\n{done.stderr}"
    lines = done.stdout.splitlines()
    assert lines[:4] == ["pending", "validated", "published", "50000"], done.stdout
    countermark = re.fullmatch(r"countermark ([A-Z0-9]{6})", lines[4])
    assert countermark, done.stdout
    assert lines[5:] == ["Camille", "204"], done.stdout
    # The validation happened: the booking is used, as its structure's transactions say.
    pro = local_server.sign_in("lea@theatre-du-quai.test", "Quai-des-arts-2026")
    items = local_server.get("/bookings/pro?siren=123456782", headers=pro).json()["items"]
    assert [(item["token"], item["status"]) for item in items] == [(countermark.group(1), "used")]

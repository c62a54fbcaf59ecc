"""Loading a function's handler imports no library that only some requests need (cold start)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.catalog import FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]

# pydantic comes with the first request that needs a schema; the others with the service that uses them.
REQUEST_TIME_ONLY = ("pydantic", "argon2", "jwt", "PIL", "icalendar", "requests")

_PROBE = "import importlib, json, sys\nimportlib.import_module(sys.argv[1])\nprint(json.dumps(sorted(sys.modules)))"


def modules_after_importing(module: str) -> list[str]:
    """``sys.modules`` of a fresh interpreter that imported ``module`` and nothing else."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "core" / "python"), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, module], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_loading_the_handler_imports_no_request_time_library(name):
    loaded = modules_after_importing(f"functions.{name}.app")
    assert "chalice" in loaded  # the probe did import the app
    early = sorted({m.split(".", 1)[0] for m in loaded} & set(REQUEST_TIME_ONLY))
    assert early == [], f"functions.{name}.app imports {early}: import them inside the handlers that need them"

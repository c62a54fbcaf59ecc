"""`make help` lists every target of the Makefile, each with its one line."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RULE = re.compile(r"^([a-z][a-z-]*):(?!=)[^#\n]*(?:##\s*(.*))?$", re.M)


def targets() -> dict[str, str]:
    """{target: its `## ` line} for every named (not file) target of the Makefile."""
    return {name: (text or "").strip() for name, text in RULE.findall((ROOT / "Makefile").read_text())}


def test_every_target_says_what_it_does_and_is_phony():
    found = targets()
    assert {"run", "test", "help"} <= set(found)
    assert [name for name, text in found.items() if not text] == [], "give each target a `## ` line"
    phony = re.search(r"^\.PHONY:(.*)$", (ROOT / "Makefile").read_text(), re.M).group(1).split()
    assert sorted(phony) == sorted(found)


def test_make_help_prints_one_line_per_target():
    done = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30)
    lines = done.stdout.splitlines()
    assert [line.split()[1] for line in lines] == list(targets())
    for line, (name, text) in zip(lines, targets().items(), strict=True):
        assert line.split(None, 2)[2] == text, name

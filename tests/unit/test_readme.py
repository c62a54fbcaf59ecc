"""The README documents every setting the code reads, says truly where each is read, and stays inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
CONFIG = "layers/core/python/passculture/config.py"
# Where the code that runs (the functions, the layer, the local runner and tools) reads the environment.
CODE = ("functions", "layers", "infra")
NOT_SETTINGS = {"PATH"}  # handed to subprocesses as it is
READS = (
    r'os\.environ\.get\(\s*"([A-Z][A-Z0-9_]*)"',
    r'os\.getenv\(\s*"([A-Z][A-Z0-9_]*)"',
    r'os\.environ\[\s*"([A-Z][A-Z0-9_]*)"\s*\](?!\s*=[^=])',
    r'\b_(?:str|int|bool|count_or_auto)\(\s*"([A-Z][A-Z0-9_]*)"',
)


def readers() -> dict[str, set[str]]:
    """{variable: the repository files that read it} (``setdefault`` gives a default, it reads nothing)."""
    found: dict[str, set[str]] = {}
    for top in CODE:
        for path in (ROOT / top).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for pattern in READS:
                for name in re.findall(pattern, text):
                    found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return {name: files for name, files in found.items() if name not in NOT_SETTINGS}


def configuration_rows() -> list[tuple[list[str], set[str]]]:
    """(variables, files named in "read by") of each row of the configuration table."""
    text = README.read_text(encoding="utf-8")
    table = text.split("| variable | default | read by | meaning |", 1)[1].split("\n\n", 1)[0]
    rows = []
    for line in table.strip().splitlines()[1:]:
        cells = [cell.strip() for cell in line.strip("|").split(" | ")]
        names = re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0])
        named = {CONFIG if entry == "config.py" else entry for entry in cells[2].split(", ")}
        rows.append((names, {entry for entry in named if entry.endswith(".py")}))  # botocore, moto: not ours
    return rows


def test_every_setting_in_config_is_in_the_readme():
    config = (ROOT / CONFIG).read_text()
    names = set(re.findall(r'_(?:str|int|bool)\("([A-Z0-9_]+)"', config))
    readme = README.read_text()
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert not missing, f"settings missing from the README's configuration table: {missing}"


def test_every_variable_the_code_reads_has_a_row():
    documented = {name for names, _ in configuration_rows() for name in names}
    missing = sorted(set(readers()) - documented)
    assert not missing, f"read from the environment but not in the configuration table: {missing}"


def test_each_row_says_exactly_which_files_read_its_variables():
    read = readers()
    wrong = []
    for names, named in configuration_rows():
        actual = set().union(*(read.get(name, set()) for name in names))
        if actual != named:
            wrong.append(f"{', '.join(names)}: the table says {sorted(named)}, the code {sorted(actual)}")
    assert not wrong, "\n".join(wrong)


def test_the_readme_points_at_nothing_outside_the_repository():
    text = README.read_text(encoding="utf-8")
    assert "../" not in text, "describe it here (or in docs/) instead of pointing outside the repository"
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if not target.startswith(("http://", "https://")):
            assert (ROOT / target).exists(), f"the README links to {target}, which is not in the repository"

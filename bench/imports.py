"""Cold import time of each function's handler module, each in a fresh Python process.

Bytecode is cached (in a private ``PYTHONPYCACHEPREFIX``, warmed first) because
the Lambda package ships ``.pyc`` files; the Makefile's PYTHONDONTWRITEBYTECODE
would otherwise make every run compile the project from source.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "bench.bare_app"
PROJECT_PACKAGES = ("functions", "passculture", "infra", "bench")

# Times the import alone, not the interpreter's own start-up (the same for every function).
_PROBE = "import sys, time\nt = time.perf_counter_ns()\n__import__(sys.argv[1])\nprint(time.perf_counter_ns() - t)"


@dataclass
class ImportTiming:
    module: str
    samples_ms: list[float] = field(default_factory=list)  # the import alone
    process_ms: list[float] = field(default_factory=list)  # the whole process, start-up included

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def min_ms(self) -> float:
        return min(self.samples_ms)

    @property
    def max_ms(self) -> float:
        return max(self.samples_ms)

    @property
    def process_median_ms(self) -> float:
        return statistics.median(self.process_ms)


@dataclass(frozen=True)
class ImportNode:
    """One line of ``-X importtime``: a module, its own and cumulative time, who imported it."""

    module: str
    self_us: int
    cumulative_us: int
    imported_by: str | None


def subprocess_env(pycache: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "layers" / "core" / "python"), str(ROOT)])
    for name in ("PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME", "PYTHONSTARTUP", "PYTHONINSPECT"):
        env.pop(name, None)
    if pycache:
        env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def _time_once(module: str, env: dict[str, str]) -> tuple[float, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, module], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    process_ms = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"importing {module} failed:\n{done.stderr.strip()}")
    return int(done.stdout.strip().splitlines()[-1]) / 1e6, process_ms


def measure_imports(modules: Sequence[str], repeat: int = 7) -> dict[str, ImportTiming]:
    """``repeat`` fresh-process imports of each module, interleaved so drift hits them all alike."""
    pycache = tempfile.mkdtemp(prefix="passculture-bench-pycache-")
    try:
        env = subprocess_env(pycache)
        timings = {module: ImportTiming(module) for module in modules}
        for module in modules:  # warm-up: writes the bytecode and fills the file cache
            _time_once(module, env)
        for _ in range(repeat):
            for module in modules:
                import_ms, process_ms = _time_once(module, env)
                timings[module].samples_ms.append(import_ms)
                timings[module].process_ms.append(process_ms)
        return timings
    finally:
        shutil.rmtree(pycache, ignore_errors=True)


def parse_importtime(stderr: str) -> list[ImportNode]:
    """The ``-X importtime`` report as nodes, each knowing the module that imported it."""
    rows: list[tuple[int, str, int, int]] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line[len("import time:") :].split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue  # the header line
        name = parts[2].rstrip()
        depth = (len(name) - len(name.lstrip())) // 2
        rows.append((depth, name.strip(), int(parts[0]), int(parts[1])))
    # A module's line comes after the lines of what it imported, one level deeper.
    parents: dict[int, str] = {}
    pending: list[tuple[int, int]] = []  # (depth, row index) not yet given a parent
    for index, (depth, name, _, _) in enumerate(rows):
        while pending and pending[-1][0] > depth:
            child_depth, child = pending.pop()
            if child_depth == depth + 1:
                parents[child] = name
        pending.append((depth, index))
    return [ImportNode(name, own, cumulative, parents.get(i)) for i, (_, name, own, cumulative) in enumerate(rows)]


def is_project(module: str | None) -> bool:
    return module is not None and module.split(".", 1)[0] in PROJECT_PACKAGES


def heaviest_imports(nodes: Sequence[ImportNode], top: int = 8) -> list[ImportNode]:
    """Outside modules that project code imports directly, heaviest first: the imports one can make lazy."""
    pulled = [n for n in nodes if is_project(n.imported_by) and not is_project(n.module)]
    return sorted(pulled, key=lambda n: n.cumulative_us, reverse=True)[:top]


def importtime(module: str) -> list[ImportNode]:
    """``python -X importtime -c 'import module'`` in a fresh process, bytecode cached."""
    pycache = tempfile.mkdtemp(prefix="passculture-bench-pycache-")
    try:
        env = subprocess_env(pycache)
        command = [sys.executable, "-c", f"import {module}"]
        subprocess.run(command, env=env, cwd=ROOT, capture_output=True, check=True)  # writes the bytecode
        done = subprocess.run(
            [sys.executable, "-X", "importtime", *command[1:]],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return parse_importtime(done.stderr)
    finally:
        shutil.rmtree(pycache, ignore_errors=True)

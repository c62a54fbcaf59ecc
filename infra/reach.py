"""What each function's code can reach, read statically from its imports: tables, bucket, SES, SSM, jobs.

The walk starts at ``functions/<name>/app.py`` and follows every ``import`` and
``from ... import`` anywhere in a module (module level, inside functions, under
``try`` or ``if TYPE_CHECKING``: lazy imports are the norm here) within
``functions.*`` and ``passculture.*``, plus the schema modules that routes name
by reference (``body="accounts:ProSignupIn"`` is ``passculture.schemas.accounts``,
imported by ``passculture.web.routing.schema`` on first use). An import of a
module that does not exist is skipped, and followed as soon as the module is
added.

The functions it may invoke are those whose jobs its code starts: each
``start_job("<kind>", ...)`` call in the modules it reaches names its kind, and
``passculture.services.jobs.OWNERS`` the function that runs it; a function
that runs jobs also invokes itself (a job hands its rest to a new invocation).

The code's other dynamic import, ``passculture.models.all_models()``, is for
infrastructure and benches only: no Lambda code calls it (a test holds to that).
What the walk finds, ``infra.serverless`` turns into one role per function;
``tests/unit/test_infra.py`` checks it against the tables the bench operations
really touch.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_ROOTS = {"functions": ROOT / "functions", "passculture": ROOT / "layers" / "core" / "python" / "passculture"}
SCHEMAS_PACKAGE = "passculture.schemas"
MODELS_PACKAGE = "passculture.models"
# The adapters behind each non-DynamoDB grant.
STORAGE_MODULE = "passculture.adapters.storage"
MEDIA_LINKS_MODULE = "passculture.adapters.media_links"  # presigned GETs: the read alone
EMAIL_MODULE = "passculture.adapters.email"
SECRETS_MODULE = "passculture.adapters.secrets"
# A job started by its kind, a literal (a test holds every call to that).
START_JOB = re.compile(r"\bstart_job\(\s*[\"']([a-z][a-z0-9-]*)[\"']")
# A route's schema reference: "<module>:<Class>" (passculture.web.routing._split_ref).
SCHEMA_REF = re.compile(r"^(?P<module>[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*):(?P<name>[A-Z][A-Za-z0-9_]*)$")


def module_file(name: str) -> Path | None:
    """The source file of module ``name`` within our packages, or None (outside them, or missing)."""
    top, *rest = name.split(".")
    root = PACKAGE_ROOTS.get(top)
    if root is None:
        return None
    base = root.joinpath(*rest)
    for candidate in (base / "__init__.py", base.with_suffix(".py") if rest else None):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def _is_package(name: str) -> bool:
    path = module_file(name)
    return path is not None and path.name == "__init__.py"


def _absolute(module: str | None, level: int, importer: str) -> str:
    if not level:
        return module or ""
    package = importer if _is_package(importer) else importer.rpartition(".")[0]
    parts = package.split(".")
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, module] if module else base)


def imports_in(source: str, importer: str) -> set[str]:
    """Modules that ``source`` (the module ``importer``) may import: every import statement, and schema refs."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node.module, node.level, importer)
            found.add(module)
            # ``from passculture.models import users`` imports a submodule.
            found.update(f"{module}.{alias.name}" for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = SCHEMA_REF.match(node.value)
            if match:
                found.add(f"{SCHEMAS_PACKAGE}.{match['module']}")
    return found


def _with_parents(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)}


@cache
def reached_modules(function: str) -> frozenset[str]:
    """Every module of ``functions.*`` and ``passculture.*`` that the function's code can import."""
    start = f"functions.{function}.app"
    if module_file(start) is None:
        raise LookupError(f"no functions/{function}/app.py")
    seen: set[str] = set()
    todo = sorted(_with_parents(start))
    while todo:
        name = todo.pop()
        path = module_file(name)
        if name in seen or path is None:
            continue
        seen.add(name)
        for imported in imports_in(path.read_text(), name):
            # Importing a.b.c runs a/__init__ and a/b/__init__ first.
            todo.extend(m for m in _with_parents(imported) if m not in seen and module_file(m) is not None)
    return frozenset(seen)


def table_of_module(module: str) -> str | None:
    """The table (its ``Meta.short_name``) that a ``passculture.models.<m>`` module defines."""
    from importlib import import_module

    from passculture.models import TABLE_MODULES

    prefix = MODELS_PACKAGE + "."
    if not module.startswith(prefix) or module[len(prefix) :] not in TABLE_MODULES:
        return None
    short = module[len(prefix) :]
    return getattr(import_module(module), TABLE_MODULES[short]).Meta.short_name


@dataclass(frozen=True)
class Reach:
    """What one function's code can touch."""

    modules: frozenset[str]
    tables: tuple[str, ...]  # short names, in TABLE_MODULES order
    media: bool  # uploads, writes and deletes (and reads)
    email: bool
    secrets: bool
    invokes: tuple[str, ...] = ()  # functions it may invoke asynchronously (jobs it starts or hands on)
    media_read: bool = False  # presigns GETs of the bucket's objects (without ``media``)


def started_jobs(source: str) -> set[str]:
    """The kinds of job ``source`` starts."""
    return set(START_JOB.findall(source))


def invoked_functions(function: str, modules: frozenset[str]) -> tuple[str, ...]:
    from infra.catalog import runs_jobs
    from passculture.services.jobs import OWNERS

    source = "\n".join(module_file(m).read_text() for m in sorted(modules))  # type: ignore[union-attr]
    unknown = started_jobs(source) - set(OWNERS)
    if unknown:
        raise LookupError(f"{function} starts jobs of no known kind: {sorted(unknown)}")
    owners = {OWNERS[kind] for kind in started_jobs(source)}
    if runs_jobs(function):
        owners.add(function)
    return tuple(sorted(owners))


@cache
def reach(function: str) -> Reach:
    from passculture.models import TABLE_MODULES

    modules = reached_modules(function)
    by_module = {m: table_of_module(f"{MODELS_PACKAGE}.{m}") for m in TABLE_MODULES}
    tables = tuple(t for m, t in by_module.items() if t and f"{MODELS_PACKAGE}.{m}" in modules)
    return Reach(
        modules=modules,
        tables=tables,
        media=STORAGE_MODULE in modules,
        email=EMAIL_MODULE in modules,
        secrets=SECRETS_MODULE in modules,
        invokes=invoked_functions(function, modules),
        media_read=MEDIA_LINKS_MODULE in modules and STORAGE_MODULE not in modules,
    )


def reached_source(function: str) -> str:
    """The source of every module the function can import (to look for calls such as ``.scan(``)."""
    return "\n".join(module_file(m).read_text() for m in sorted(reached_modules(function)))  # type: ignore[union-attr]

"""The layer's import graph keeps its arrows one way, and the table registry names every model.

Every import statement counts, wherever it sits (module level, inside a
function, under ``if TYPE_CHECKING``): lazy imports are the norm here, and a
lazy import is still an arrow.
"""

from __future__ import annotations

import ast
import inspect
from importlib import import_module
from pathlib import Path

import pytest
from pynamodb.models import Model

from passculture.models import TABLE_MODULES

PACKAGE = Path(__file__).resolve().parents[2] / "layers" / "core" / "python" / "passculture"

# (importer package, what it must never import, why)
FORBIDDEN = [
    ("passculture.schemas", ("passculture.services",), "a schema never imports a service"),
    ("passculture.models", ("passculture.services",), "a model never imports a service"),
    ("passculture.services", ("passculture.web", "chalice"), "a service knows nothing of HTTP"),
    (
        "passculture.rules",
        (
            *("passculture.models", "passculture.adapters", "passculture.services", "passculture.schemas"),
            *("passculture.web", "passculture.config", "pynamodb", "boto3", "botocore", "requests", "pydantic"),
        ),
        "a rule is pure: no tables, I/O, settings or schemas",
    ),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, importer: str, is_package: bool = False) -> set[str]:
    """Every module an import statement anywhere in ``source`` names (relative ones made absolute)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = importer.split(".") if is_package else importer.split(".")[:-1]
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names if alias.name != "*")
    return found


def layer_modules() -> dict[str, set[str]]:
    return {
        module_name(path): imports_of(path.read_text(), module_name(path), path.name == "__init__.py")
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_the_walk_sees_lazy_guarded_and_relative_imports():
    source = """
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from passculture.services.accounts.auth import Principal

def present(thing):
    from passculture.services.booking import wallets
    import chalice
from . import base
"""
    found = imports_of(source, "passculture.schemas.accounts")
    assert {
        "passculture.services.accounts.auth",
        "passculture.services.booking.wallets",
        "chalice",
        "passculture.schemas.base",
    } <= found


def test_the_walk_covers_every_package_of_the_layer():
    modules = layer_modules()
    for package, _, _ in FORBIDDEN:
        assert any(within(m, package) and m != package for m in modules), f"no module found under {package}"


@pytest.mark.parametrize(("importer", "forbidden", "rule"), FORBIDDEN, ids=[rule for *_, rule in FORBIDDEN])
def test_arrows_point_one_way(importer, forbidden, rule):
    broken = sorted(
        f"{module} imports {name}"
        for module, names in layer_modules().items()
        if within(module, importer)
        for name in names
        if any(within(name, target) for target in forbidden)
    )
    assert broken == [], f"{rule}: {broken}"


def test_every_model_module_is_in_the_table_registry():
    """``TABLE_MODULES`` feeds the tables' creation, CloudFormation and IAM: a model left out has no table."""
    found = {}
    for path in sorted((PACKAGE / "models").glob("*.py")):
        module = import_module(module_name(path))
        models = [
            name
            for name, value in vars(module).items()
            if inspect.isclass(value) and issubclass(value, Model) and value.__module__ == module.__name__
        ]
        if models:
            found[path.stem] = models
    assert found == {module: [name] for module, name in TABLE_MODULES.items()}

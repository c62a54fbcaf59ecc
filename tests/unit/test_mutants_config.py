"""`make mutants` keeps pointing at the code: its modules, functions and tests exist; its equivalent list parses."""

from __future__ import annotations

import ast

from bench.mutants import EQUIVALENT, MODULES, OPERATORS, ROOT, equivalents


def defined_functions(path):
    tree = ast.parse((ROOT / path).read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def test_every_module_function_and_test_file_of_the_scope_exists():
    for name, module in MODULES.items():
        missing = module.functions - defined_functions(module.path)
        assert not missing, f"{name}: renamed or gone, update bench/mutants.py: {sorted(missing)}"
        assert all((ROOT / test).is_file() for test in module.tests), name
        defined = set().union(*(defined_functions(test) for test in module.tests))
        assert set(module.first) <= defined, f"{name}: tests to run first are gone: {set(module.first) - defined}"


def test_each_equivalent_mutant_names_a_module_an_operator_in_scope_a_mutated_line_and_a_reason():
    for (module, operator, line), reason in equivalents().items():
        assert module in MODULES, module
        assert OPERATORS.match(operator), operator
        source = {x.strip() for x in (ROOT / MODULES[module].path).read_text().splitlines()}
        assert line not in source, f"{EQUIVALENT.name}: give the line as the mutant has it: {line}"
        assert reason, line

"""A pytest plugin for ``make mutants``: the tests named in ``MUTANTS_FIRST`` run first (the quick killers).

``-x`` stops a mutant's run at its first failing test, so a module whose tests
that kill most mutants sit at the end of a long file runs them first instead.
"""

from __future__ import annotations

import os


def pytest_collection_modifyitems(items):
    first = [name for name in os.environ.get("MUTANTS_FIRST", "").split(",") if name]
    if first:
        rank = {name: n for n, name in enumerate(first)}
        items.sort(key=lambda item: rank.get(getattr(item, "originalname", item.name), len(rank)))

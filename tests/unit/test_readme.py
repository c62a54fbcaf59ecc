"""The README documents every setting the code reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_in_config_is_in_the_readme():
    config = (ROOT / "layers/core/python/passculture/config.py").read_text()
    names = set(re.findall(r'_(?:str|int|bool)\("([A-Z0-9_]+)"', config))
    readme = (ROOT / "README.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert not missing, f"settings missing from the README's configuration table: {missing}"

"""Writes the files derived from the code, or checks they are current (``--check``).

- ``layers/core/python/passculture/openapi.json`` from the routes and schemas, introduced by
  ``docs/api.md`` (the API's conventions);
- the derived parts of ``serverless.yml`` (``infra/serverless.py``): ``infra/functions.yml``
  (each function's routes and event sources) and ``infra/resources/{tables,media,events,iam}.yml``
  (the tables from the pynamodb models, the bucket, one role per function).

``make gen`` writes them; a test runs the check so they never drift.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
API_INTRODUCTION = ROOT / "docs" / "api.md"


def openapi_document() -> dict[str, Any]:
    from infra.catalog import load_apps
    from passculture.web.openapi import build_document

    return build_document(load_apps(), API_INTRODUCTION.read_text(encoding="utf-8").strip())


def generated_files() -> dict[Path, str]:
    from infra import serverless
    from passculture.web.openapi import DOCUMENT_PATH

    return {
        DOCUMENT_PATH: json.dumps(openapi_document(), indent=1, ensure_ascii=False, sort_keys=False) + "\n",
        **serverless.generated_files(),
    }


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, content in generated_files().items():
        current = path.read_text() if path.exists() else None
        if current != content:
            stale.append(path.relative_to(ROOT))
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content)
    if check and stale:
        print("stale generated files (run `make gen`):", *stale, sep="\n  ")
        return 1
    for path in stale:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""``make import``: one import pass of every active agenda link now, through the running ``make run`` server.

    PORT=8000 python -m infra.import_now      # or LOCAL_URL=http://127.0.0.1:8000

It calls the local-only ``POST /_local/import``, which imports each active link
in turn (``services.imports.sync.run_pass``) and streams its progress as JSON
lines. On a terminal the progress is one line rewritten in place (``\\r``): the
link, and the events read then written; otherwise one plain line per link and
per tenth of its events. Then a summary table: link, status, created, updated,
removed, unchanged, rejected, seconds. Exits 1 when a link failed, 2 when no
server answers.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO

import requests

BAR = 24
COLUMNS = ("link", "status", "created", "updated", "removed", "unchanged", "rejected", "seconds")


class Progress:
    """The progress of a pass, as ``\\r`` lines on a terminal and as plain lines elsewhere."""

    def __init__(self, out: TextIO, tty: bool) -> None:
        self.out, self.tty = out, tty
        self.links = 0
        self.name = ""
        self.tenth: tuple[str, int] = ("", -1)

    def line(self, text: str) -> None:
        if self.tty:
            self.out.write("\r\x1b[K" + text[:160])
        else:
            self.out.write(text + "\n")
        self.out.flush()

    def on(self, message: dict[str, Any]) -> None:
        kind = message.get("kind")
        if kind == "links":
            self.links = int(message["count"])
            if not self.tty:
                self.line(f"{self.links} active agenda links")
        elif kind == "link":
            self.name = str(message["name"])
            self.tenth = ("", -1)
            self.line(f"[{message['n']}/{self.links}] {self.name}: fetching")
        elif kind == "event":
            done, total, stage = int(message["done"]), max(1, int(message["total"])), message.get("stage", "event")
            verb = "reading" if stage == "event" else "writing"
            if self.tty:
                filled = BAR * done // total
                bar = "#" * filled + "." * (BAR - filled)
                self.line(f"[{message['n']}/{self.links}] {self.name}: {verb} events [{bar}] {done}/{total}")
            elif (stage, 10 * done // total) != self.tenth:
                self.tenth = (stage, 10 * done // total)
                self.line(f"[{message['n']}/{self.links}] {self.name}: {verb} events {done}/{total}")
        elif kind == "outcome":
            said = message["status"] if not message.get("error") else f"{message['status']}: {message['error']}"
            self.line(f"[{message['n']}/{self.links}] {message['name']}: {said} ({message['seconds']} s)")
            if self.tty:
                self.out.write("\n")
        elif kind == "failed":
            self.line(f"the pass failed: {message.get('error')}")


def table(outcomes: list[dict[str, Any]]) -> str:
    """The summary: one row per link, columns aligned."""
    rows = [COLUMNS]
    for o in outcomes:
        report = o.get("report") or {}
        counts = [str(report.get(k, "")) for k in ("created", "updated", "removed", "unchanged")]
        rejected = str(len(report.get("rejected") or [])) if report else ""
        rows.append((str(o["name"])[:60], str(o["status"]), *counts, rejected, f"{o['seconds']:.2f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(out: TextIO = sys.stdout) -> int:
    base = os.environ.get("LOCAL_URL") or f"http://127.0.0.1:{os.environ.get('PORT') or 8000}"
    try:
        answer = requests.post(f"{base.rstrip('/')}/_local/import", stream=True, timeout=(5, 600))
    except requests.RequestException as exc:
        print(f"no local server at {base} ({exc}): start it with `make run`", file=sys.stderr)
        return 2
    if answer.status_code != 200:
        print(f"{base} answered {answer.status_code}: {answer.text}", file=sys.stderr)
        return 2
    progress = Progress(out, out.isatty())
    outcomes: list[dict[str, Any]] = []
    failed = False
    for raw in answer.iter_lines():
        if not raw:
            continue
        message = json.loads(raw)
        progress.on(message)
        if message.get("kind") == "outcome":
            outcomes.append(message)
        failed |= message.get("kind") == "failed"
    out.write("\n" + (table(outcomes) if outcomes else "no active agenda link") + "\n")
    return 1 if failed or any(o["status"] == "error" for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())

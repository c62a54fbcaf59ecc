"""``python -m bench``: cold start, DynamoDB calls, feed cost, throughput, outbox, hot date, agendas, jobs."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from typing import Any, TextIO

# In-process moto only: whatever the shell says, never reach a real AWS account.
_FORCED_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    # The bench prints figures on stdout; the metric lines of the scenes it builds would mix in.
    "METRICS_OUTPUT": "off",
}
_DEFAULT_ENV = {
    "AWS_DEFAULT_REGION": "eu-west-3",
    "AWS_REGION": "eu-west-3",
    "STAGE": "bench",
    "JWT_SECRET": "bench-secret-that-is-long-enough-for-hs256-0123456789",
    "TEAM_EMAIL": "team@passculture.test",
    # Hash cost changes no DynamoDB call; cheap hashes keep signup and signin quick here.
    "ARGON2_TIME_COST": "1",
    "ARGON2_MEMORY_KIB": "1024",
}


def prepare_environment() -> None:
    """The settings the bench runs with; must run before anything imports ``passculture``."""
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
        os.environ.pop(name, None)
    os.environ.update(_FORCED_ENV)
    for name, value in _DEFAULT_ENV.items():
        os.environ.setdefault(name, value)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print machine-readable figures only")
    parser.add_argument("--repeat", type=int, default=7, help="fresh-process imports per module (default 7)")
    parser.add_argument("--no-imports", action="store_true", help="skip the cold-import figures")
    parser.add_argument("--no-dynamodb", action="store_true", help="skip the DynamoDB-call figures")
    parser.add_argument("--no-throughput", action="store_true", help="skip the booking throughput on moto's server")
    parser.add_argument("--no-outbox", action="store_true", help="skip the local outbox with 10,000 emails")
    parser.add_argument("--no-cold-request", action="store_true", help="skip the cold first-request figures")
    parser.add_argument("--cold-repeat", type=int, default=5, help="cold first requests per function (default 5)")
    parser.add_argument("--no-feed-cost", action="store_true", help="skip the feed's Queries and items read per page")
    parser.add_argument("--no-hot-stock", action="store_true", help="skip the hot-date simulation")
    parser.add_argument("--no-ical", action="store_true", help="skip the agenda feed parsing speed")
    parser.add_argument("--no-agenda", action="store_true", help="skip the whole agenda import on moto")
    parser.add_argument("--no-jobs", action="store_true", help="skip the background jobs' offers per second")
    parser.add_argument("-k", dest="only", default="", help="only operations whose area or name contains this")
    return parser.parse_args(argv)


# -- cold imports -------------------------------------------------------------------


def run_imports(repeat: int) -> dict[str, Any]:
    from bench.imports import BASELINE, heaviest_imports, importtime, is_project, measure_imports
    from infra.catalog import FUNCTIONS

    modules = {name: f"functions.{name}.app" for name in FUNCTIONS}
    timings = measure_imports([BASELINE, *modules.values()], repeat=repeat)
    base = timings[BASELINE]
    rows = {}
    for name, module in modules.items():
        t = timings[module]
        rows[name] = {
            "module": module,
            "median_ms": round(t.median_ms, 2),
            "min_ms": round(t.min_ms, 2),
            "max_ms": round(t.max_ms, 2),
            "ratio_to_bare": round(t.median_ms / base.median_ms, 2),
            "process_median_ms": round(t.process_median_ms, 1),
            "samples_ms": [round(s, 2) for s in t.samples_ms],
        }
    slowest = max(rows, key=lambda n: rows[n]["median_ms"])
    nodes = importtime(modules[slowest])
    heavy = [
        {
            "module": n.module,
            "cumulative_ms": round(n.cumulative_us / 1000, 2),
            "self_ms": round(n.self_us / 1000, 2),
            "imported_by": n.imported_by,
        }
        for n in heaviest_imports(nodes)
    ]
    own = sorted((n for n in nodes if is_project(n.module)), key=lambda n: n.self_us, reverse=True)
    return {
        "repeat": repeat,
        "bytecode": "cached",
        "baseline": {
            "module": BASELINE,
            "median_ms": round(base.median_ms, 2),
            "min_ms": round(base.min_ms, 2),
            "max_ms": round(base.max_ms, 2),
            "process_median_ms": round(base.process_median_ms, 1),
            "samples_ms": [round(s, 2) for s in base.samples_ms],
        },
        "functions": rows,
        "slowest": {
            "function": slowest,
            "module": modules[slowest],
            "project_self_ms": round(sum(n.self_us for n in own) / 1000, 2),
            "heaviest_imports": heavy,
            "heaviest_project_modules": [{"module": n.module, "self_ms": round(n.self_us / 1000, 2)} for n in own[:5]],
        },
    }


def print_imports(figures: dict[str, Any], out: TextIO) -> None:
    base = figures["baseline"]
    print(
        f"Cold import of each function's handler module: fresh process each time, "
        f"{figures['repeat']} runs, bytecode cached; ratio = median / bare Chalice app's median",
        file=out,
    )
    header = f"  {'function':<16}{'module':<28}{'median ms':>10}{'min-max ms':>16}{'x bare':>8}{'process ms':>12}"
    print(header, file=out)
    print("  " + "-" * (len(header) - 2), file=out)

    def row(label: str, r: dict[str, Any], ratio: str) -> None:
        spread = f"{r['min_ms']:.1f}-{r['max_ms']:.1f}"
        figures = f"{r['median_ms']:>10.1f}{spread:>16}{ratio:>8}{r['process_median_ms']:>12.0f}"
        print(f"  {label:<16}{r['module']:<28}{figures}", file=out)

    row("(bare)", base, "1.00")
    slowest = figures["slowest"]["function"]
    for name, r in figures["functions"].items():
        row(name + (" *" if name == slowest else ""), r, f"{r['ratio_to_bare']:.2f}")
    s = figures["slowest"]
    print(
        f"\n  * slowest: {s['module']}. Heaviest imports that project code makes directly "
        f"(-X importtime, one fresh run; project modules' own time {s['project_self_ms']:.1f} ms):",
        file=out,
    )
    print(f"    {'cumulative ms':>13}{'self ms':>9}  {'module':<28}imported by", file=out)
    for h in s["heaviest_imports"]:
        print(f"    {h['cumulative_ms']:>13.1f}{h['self_ms']:>9.1f}  {h['module']:<28}{h['imported_by']}", file=out)
    print("    (a module is charged to the first module that imports it)", file=out)
    own = ", ".join(f"{m['module']} {m['self_ms']:.1f}" for m in s["heaviest_project_modules"])
    print(f"    project modules by own time, ms: {own}", file=out)


# -- DynamoDB calls ------------------------------------------------------------------


def run_dynamodb(only: str) -> dict[str, Any]:
    from bench.api import Api
    from bench.dynamo import local_aws, measure_all
    from bench.registry import discover
    from passculture.config import get_settings

    logging.getLogger("botocore").setLevel(logging.WARNING)
    operations = [op for op in discover() if only.lower() in f"{op.area} {op.name}".lower()]
    prefix = get_settings().table_prefix
    with local_aws():
        results = measure_all(operations, Api())
    rows = []
    for m in results:
        rows.append(
            {
                "area": m.op.area,
                "operation": m.op.name,
                "function": m.function,
                "route": m.route,
                "status": m.status,
                "expected_status": m.op.expect_status,
                "total": m.calls.total(),
                "round_trips": m.round_trips,
                "declared_round_trips": m.op.expect_round_trips,
                "calls": dict(sorted(m.calls.items())),
                "tables": m.table_breakdown(prefix),
                "first_run_extra": dict(sorted(m.first_run_extra.items())),
                "declared": dict(m.op.expect_calls) if m.op.expect_calls is not None else None,
                "matches_declared": m.matches_declared,
                "scan": m.scans > 0,
                "error": m.error,
            }
        )
    return {"operations": rows}


def _breakdown(tables: dict[str, int]) -> str:
    if not tables:
        return "-"
    return ", ".join(f"{key} x{n}" for key, n in tables.items())


def print_dynamodb(figures: dict[str, Any], out: TextIO) -> None:
    rows = figures["operations"]
    print("DynamoDB calls per API operation: Lambda handler with API Gateway events, in-process moto, warm", file=out)
    if not rows:
        print("  (no operation registered: see bench/README.md)", file=out)
        return
    width = max(len(r["operation"]) for r in rows) + 2
    header = (
        f"  {'area':<14}{'operation':<{width}}{'function':<14}{'status':<8}{'calls':>5}{'trips':>6}"
        "  breakdown (call table xN)"
    )
    print(header, file=out)
    print("  " + "-" * (len(header) - 2), file=out)
    for r in rows:
        status = "ERROR" if r["status"] is None else str(r["status"])
        if r["error"] and r["status"] is not None:
            status += "!"
        flag = "  <-- SCAN" if r["scan"] else ""
        print(
            f"  {r['area']:<14}{r['operation']:<{width}}{r['function'] or '?':<14}{status:<8}{r['total']:>5}"
            f"{r.get('round_trips', 0):>6}  {_breakdown(r['tables'])}{flag}",
            file=out,
        )
        if r["first_run_extra"]:
            extra = ", ".join(f"{k} x{n}" for k, n in r["first_run_extra"].items())
            print(f"  {'':<14}{'':<{width}}  first run also made: {extra}", file=out)
        if r["matches_declared"] is False:
            declared = ", ".join(f"{k} x{n}" for k, n in r["declared"].items()) or "no call"
            print(f"  {'':<14}{'':<{width}}  declared: {declared} (tests/unit/test_bench.py will fail)", file=out)
    broken = [r for r in rows if r["error"]]
    for r in broken:
        print(f"\n  ERROR in {r['operation']!r}: {r['error']}", file=out)
    scans = [r for r in rows if r["scan"]]
    if scans:
        bar = "!" * 78
        print(f"\n{bar}\n!! SCAN on a request path (the house rule forbids it):", file=out)
        for r in scans:
            print(f"!!   {r['operation']} ({r['function']} {r['route']})", file=out)
        print(bar, file=out)
    else:
        print(f"\n  No Scan in {len(rows)} operations.", file=out)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    prepare_environment()
    started = time.perf_counter()
    figures: dict[str, Any] = {}
    out = sys.stdout
    if not args.no_imports:
        figures["imports"] = run_imports(args.repeat)
        if not args.json:
            print_imports(figures["imports"], out)
            print(file=out)
    if not args.no_cold_request:
        from bench.cold_request import print_cold_request, run_cold_request

        figures["cold_request"] = run_cold_request(args.cold_repeat)
        if not args.json:
            print_cold_request(figures["cold_request"], out)
            print(file=out)
    if not args.no_dynamodb:
        figures["dynamodb"] = run_dynamodb(args.only)
        if not args.json:
            print_dynamodb(figures["dynamodb"], out)
    if not args.no_feed_cost:
        from bench.feed_cost import print_feed_cost, run_feed_cost

        figures["feed_cost"] = run_feed_cost()
        if not args.json:
            print(file=out)
            print_feed_cost(figures["feed_cost"], out)
    if not args.no_throughput:
        from bench.bookings_throughput import print_throughput, run_throughput

        figures["throughput"] = run_throughput()
        if not args.json:
            print(file=out)
            print_throughput(figures["throughput"], out)
    if not args.no_outbox:
        from bench.outbox import print_outbox, run_outbox

        figures["outbox"] = run_outbox()
        if not args.json:
            print(file=out)
            print_outbox(figures["outbox"], out)
    if not args.no_hot_stock:
        from bench.hot_stock import print_hot_stock, run_hot_stock

        figures["hot_stock"] = run_hot_stock()
        if not args.json:
            print(file=out)
            print_hot_stock(figures["hot_stock"], out)
    if not args.no_ical:
        from bench.ical_parse import print_ical, run_ical

        figures["ical"] = run_ical()
        if not args.json:
            print(file=out)
            print_ical(figures["ical"], out)
    if not args.no_agenda:
        from bench.agenda_import import print_agenda_import, run_agenda_import

        figures["agenda_import"] = run_agenda_import()
        if not args.json:
            print(file=out)
            print_agenda_import(figures["agenda_import"], out)
    if not args.no_jobs:
        from bench.jobs import print_jobs, run_jobs

        figures["jobs"] = run_jobs()
        if not args.json:
            print(file=out)
            print_jobs(figures["jobs"], out)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        json.dump(figures, out, indent=2)
        print(file=out)
    else:
        print(f"\n({figures['seconds']} s)", file=out)
    broken = [r for r in figures.get("dynamodb", {}).get("operations", []) if r["error"]]
    # Figures are not pass/fail; an operation that could not be measured is a broken bench.
    return 1 if broken else 0

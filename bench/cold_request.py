"""Cold start where the user feels it: a fresh process imports a function's handler and answers its first request.

Part of ``python -m bench`` (skip it with ``--no-cold-request``); alone:

    PYTHONPATH=layers/core/python:. python -m bench.cold_request [--repeat 5] [--json]

Handler modules import fast because pynamodb, pydantic and the services load
on the first request: this measures that first request too. The parent
process starts moto's server (the local twin), creates the tables, and builds
the scene through the services: a structure with a pro member and offers, a
young user with bookings of them, a team user, a pending structure. Then, for
each function, a fresh Python process (bytecode cached, as the Lambda package
ships ``.pyc``) imports ``functions.<name>.app`` and calls its ``handler`` with
the event API Gateway would send (``infra.local.proxy_event``; for ``notify``,
the bookings stream's record of a booking), signed in with a token taken
beforehand. No HTTP server runs in the child: it times the import, then the
handler call, which makes the route's real DynamoDB calls to the twin.

The baseline, measured in the same run and interleaved with the functions, is
a bare Chalice app answering one pynamodb ``GetItem`` (``bench.bare_request_app``);
import-only figures are also given against a bare Chalice app (``bench.bare_app``),
as in the cold-import section. Medians of ``--repeat`` runs. Beside the wall-time
ratio (the figure the goal is about), ``cpu x`` is the ratio of the child's CPU
time (``process_time``): other processes on a busy machine barely move it, but it
leaves out the twin's own work for each DynamoDB call (in the parent), so a
function making more calls than the bare app's one looks cheaper by it.

For the function with the highest ratio it then shows where its first
request's time goes: ``-X importtime`` of a child split at the handler call
(what the import loads, what the request loads), and a cProfile of the
request alone.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any, TextIO

from bench.imports import ROOT, ImportNode, heaviest_imports, parse_importtime, subprocess_env

GOAL = 1.3  # issue 14: import + first request at most 1.3x the bare app's
BARE_REQUEST = "bench.bare_request_app"
BARE_IMPORT = "bench.bare_app"
_IMPORT_MARK = "cold-request: the handler's import starts"
_REQUEST_MARK = "cold-request: the first request starts"

# Runs in the child. Only json, sys and time are loaded before the clock starts (Lambda's own
# runtime has them too); the context is Lambda's, reduced to what the handlers read.
_PROBE = r"""
import json, sys, time

class Context:
    function_name = "cold-request"
    aws_request_id = "cold-request"
    memory_limit_in_mb = 512

    def get_remaining_time_in_millis(self):
        return 29000

module_name, event_path, mode, absent_path = sys.argv[1:5]
with open(absent_path) as f:
    absent = frozenset(json.load(f))


class Absent:  # development-only packages: not in the Lambda layer, so not importable here
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in absent:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, Absent())
event = None
if event_path != "-":
    with open(event_path) as f:
        event = json.load(f)
profile = None
print("@IMPORT_MARK@", file=sys.stderr, flush=True)
cpu_started = time.process_time_ns()
started = time.perf_counter_ns()
module = __import__(module_name, fromlist=["handler"])
imported = time.perf_counter_ns()
status = None
if event is not None:
    print("@REQUEST_MARK@", file=sys.stderr, flush=True)
    if mode == "profile":
        import cProfile
        profile = cProfile.Profile()
        imported = time.perf_counter_ns()
        profile.enable()
    reply = module.handler(event, Context())
    if profile is not None:
        profile.disable()
    if isinstance(reply, dict) and "statusCode" in reply:
        status = reply["statusCode"]
    elif isinstance(reply, dict) and "batchItemFailures" in reply:
        status = 500 if reply["batchItemFailures"] else 200
answered = time.perf_counter_ns()
cpu_ns = time.process_time_ns() - cpu_started
out = {"import_ns": imported - started, "request_ns": answered - imported, "cpu_ns": cpu_ns, "status": status}
if profile is not None:
    import pstats
    stats = pstats.Stats(profile).stats
    out["profile"] = [
        [f"{file}:{line}({name})", calls, own, cumulative]
        for (file, line, name), (_, calls, own, cumulative, _) in stats.items()
    ]
print(json.dumps(out))
""".replace("@IMPORT_MARK@", _IMPORT_MARK).replace("@REQUEST_MARK@", _REQUEST_MARK)


@dataclass
class Probe:
    """One function's first request: the route it takes and the event its handler gets."""

    function: str
    route: str
    event: dict[str, Any] | None
    module: str = ""

    def __post_init__(self) -> None:
        self.module = self.module or f"functions.{self.function}.app"


@dataclass
class Timing:
    import_ms: list[float] = field(default_factory=list)
    total_ms: list[float] = field(default_factory=list)  # import + first request
    cpu_ms: list[float] = field(default_factory=list)  # the child's CPU over both (not the twin's)
    statuses: set[Any] = field(default_factory=set)

    @property
    def import_median(self) -> float:
        return statistics.median(self.import_ms)

    @property
    def total_median(self) -> float:
        return statistics.median(self.total_ms)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_ms)


# What a first request typically spends its time on, found in its profile by function. They overlap:
# creating a client includes parsing botocore's data files; an import may create a client.
KEY_ENTRIES = (
    ("imports", "importlib._bootstrap", "_find_and_load"),
    ("botocore sessions created (each loads its own data)", "botocore.session", "Session.__init__"),
    ("botocore clients created", "botocore.session", "Session.create_client"),
    ("botocore data files parsed (JSON)", "botocore.loaders", "JSONFileLoader.load_file"),
    ("HTTP round trips to AWS (DynamoDB, SES)", "botocore.endpoint", "Endpoint._send"),
    ("pydantic validation", "pydantic.main", "BaseModel.model_validate"),
    ("pydantic serialisation", "pydantic.main", "BaseModel.model_dump"),
)


def _profile_key(module: str, qualname: str) -> str:
    """How cProfile names ``module.qualname``: ``file:line(name)``."""
    import importlib
    import inspect

    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    code = inspect.unwrap(target).__code__
    return f"{code.co_filename}:{code.co_firstlineno}({code.co_name})"


# Functions without a signed-in route that reads DynamoDB: what a user would wait for instead.
SKIPPED = {
    "openagenda": "no route: its work is an hourly schedule (agenda imports), nobody waits on it",
    "territories": "referents' routes only: no app or pro user waits on it",
}


# -- the scene, on the twin ----------------------------------------------------------


def http_event(method: str, path: str, headers: dict[str, str], query: str = "") -> dict[str, Any]:
    """The REST proxy event API Gateway sends for ``path``, routed as the local server routes it."""
    from infra.local import proxy_event

    match = _router().match(path)
    if match is None:
        raise LookupError(f"no function serves {path}")
    _, template, params = match
    return proxy_event(method, template, path, params, query, {"Host": "bench.local", **headers}, b"", "203.0.113.7")


@cache
def _router() -> Any:
    from infra.catalog import FUNCTIONS, load_handler
    from infra.local import Router

    return Router({name: load_handler(name) for name in FUNCTIONS})


def build_scene() -> tuple[dict[str, Probe], str]:
    """The data on the twin, and each function's first request; returns (probes, a user id the bare app reads)."""
    from passculture.models.base import utcnow
    from passculture.services.accounts.auth import Principal
    from passculture.services.booking.bookings import book
    from tests.factories import (
        auth,
        make_member,
        make_offer,
        make_offerer,
        make_stock,
        make_team_user,
        make_venue,
        make_young,
        publish,
    )

    offerer = make_offerer()
    pro = make_member(offerer)
    venue = make_venue(offerer)
    young = make_young()
    principal = Principal(user=young, roles=frozenset(young.roles))
    tokens = []
    for _ in range(3):
        offer = make_offer(venue)
        stock = make_stock(offer, quantity=100, price_cents=500, begins_at=utcnow() + timedelta(days=30))
        publish(offer)
        tokens.append(book(principal, stock.id, 1).booking.token)
    make_offerer(status="pending")
    team = make_team_user()

    probes = {
        "accounts": Probe("accounts", "GET /users/current", http_event("GET", "/users/current", auth(pro))),
        "validation": Probe(
            "validation", "GET /admin/offerers (team)", http_event("GET", "/admin/offerers", auth(team))
        ),
        "offers": Probe(
            "offers", "GET /offers?siren=", http_event("GET", "/offers", auth(pro), f"siren={offerer.siren}")
        ),
        "bookings": Probe("bookings", "GET /bookings", http_event("GET", "/bookings", auth(young))),
        "countermarks": Probe(
            "countermarks",
            "GET /bookings/pro?siren=",
            http_event("GET", "/bookings/pro", auth(pro), f"siren={offerer.siren}"),
        ),
        "partners": Probe("partners", "GET /providers", http_event("GET", "/providers", auth(pro))),
        "notify": Probe("notify", "stream: a new booking (2 emails)", booking_stream_event(tokens[0])),
    }
    return probes, pro.id


def booking_stream_event(token: str) -> dict[str, Any]:
    """The bookings stream's INSERT record of booking ``token``, read from the twin, as Lambda delivers it."""
    from infra.events import stream_event
    from passculture.adapters.aws import client
    from passculture.config import get_settings

    arn = client("dynamodb").describe_table(TableName=get_settings().table_name("bookings"))["Table"]["LatestStreamArn"]
    streams = client("dynamodbstreams")
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")
        records = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=1000)["Records"]
        for record in records:
            if record["eventName"] == "INSERT" and record["dynamodb"]["Keys"]["token"]["S"] == token:
                return json.loads(json.dumps(stream_event([record], arn), default=str))
    raise LookupError(f"no stream record of booking {token}")


# -- children ------------------------------------------------------------------------

_ABSENT = "PASSCULTURE_BENCH_ABSENT_MODULES"  # the child's list of modules the layer lacks (a file)


def not_in_the_layer() -> list[str]:
    """Top-level modules installed here for development only (moto, pytest...), absent from the Lambda layer.

    The layer ships requirements.txt and what it requires; a package like cryptography (moto's) would
    otherwise be picked up by optional imports (PyJWT loads it when present) and cost the child time
    a container never spends.
    """
    import importlib.metadata as metadata
    import re

    def normal(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    lock = (ROOT / "requirements.txt").read_text().splitlines()
    wanted = ["chalice"] + [line.split("==")[0] for line in lock if re.match(r"[A-Za-z0-9]", line)]
    todo = [normal(name) for name in wanted]
    runtime: set[str] = set()
    while todo:
        name = todo.pop()
        if name in runtime:
            continue
        runtime.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo.extend(normal(re.split(r"[ ;<>=!~\[(]", r, maxsplit=1)[0]) for r in requires if "extra ==" not in r)
    shipped: set[str] = set()
    dev_only: set[str] = set()
    for dist in metadata.distributions():
        (shipped if normal(dist.metadata["Name"]) in runtime else dev_only).update(_top_level_modules(dist))
    return sorted(dev_only - shipped - set(sys.stdlib_module_names))


def _top_level_modules(dist: Any) -> set[str]:
    listed = dist.read_text("top_level.txt")
    if listed:
        return set(listed.split())
    names = set()
    for file in dist.files or ():
        parts = file.parts
        if not parts or parts[0] in ("..", "__pycache__") or parts[0].endswith((".dist-info", ".egg-info")):
            continue
        if len(parts) > 1:
            names.add(parts[0])
        elif parts[0].endswith(".py"):
            names.add(parts[0][:-3])
        elif parts[0].endswith((".so", ".pyd")):
            names.add(parts[0].split(".")[0])
    return names


def _child(module: str, event_file: str, env: dict[str, str], *, mode: str = "time", flags: tuple[str, ...] = ()):
    done = subprocess.run(
        [sys.executable, *flags, "-c", _PROBE, module, event_file, mode, env[_ABSENT]],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the cold request of {module} failed:\n{done.stderr.strip()[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def _fresh_event(probe: Probe) -> dict[str, Any] | None:
    """The probe's event; a stream record gets a new id each time, as a new booking's would (no replay guard)."""
    if probe.event is None or "Records" not in probe.event:
        return probe.event
    import uuid

    event = json.loads(json.dumps(probe.event))
    for record in event["Records"]:
        record["eventID"] = uuid.uuid4().hex
    return event


def measure(probes: list[Probe], repeat: int, env: dict[str, str], workdir: Path) -> dict[str, Timing]:
    """``repeat`` cold runs of each probe, interleaved so that drift hits them all alike."""
    timings = {p.module: Timing() for p in probes}

    def once(probe: Probe, record: bool) -> None:
        path = "-"
        event = _fresh_event(probe)
        if event is not None:
            path = str(workdir / f"{probe.function}.json")
            Path(path).write_text(json.dumps(event))
        out, _ = _child(probe.module, path, env)
        if record:
            t = timings[probe.module]
            t.import_ms.append(out["import_ns"] / 1e6)
            t.total_ms.append((out["import_ns"] + out["request_ns"]) / 1e6)
            t.cpu_ms.append(out["cpu_ns"] / 1e6)
            t.statuses.add(out["status"])

    for probe in probes:  # warm-up: writes the bytecode, fills the file cache
        once(probe, record=False)
    for _ in range(repeat):
        for probe in probes:
            once(probe, record=True)
    return timings


def where_time_goes(probe: Probe, env: dict[str, str], workdir: Path, top: int = 12) -> dict[str, Any]:
    """``-X importtime`` split at the handler call, and a cProfile of the first request alone."""
    path = str(workdir / f"{probe.function}.json")
    Path(path).write_text(json.dumps(_fresh_event(probe)))
    _, stderr = _child(probe.module, path, env, flags=("-X", "importtime"))
    importing, _, requesting = stderr.partition(_IMPORT_MARK)[2].partition(_REQUEST_MARK)
    at_import, in_request = parse_importtime(importing), parse_importtime(requesting)

    Path(path).write_text(json.dumps(_fresh_event(probe)))
    out, _ = _child(probe.module, path, env, mode="profile")
    request_ms = out["request_ns"] / 1e6
    rows = out["profile"]
    # The entries every request goes through (handler, Chalice, dispatch) say nothing: keep what is under them.
    below = [
        {"function": _short(name), "calls": calls, "cumulative_ms": round(cum * 1000, 2), "own_ms": round(own * 1e3, 2)}
        for name, calls, own, cum in sorted(rows, key=lambda r: r[3], reverse=True)
        if not _is_import_machinery(name) and cum * 1000 < 0.9 * request_ms
    ]
    own = sorted(rows, key=lambda r: r[2], reverse=True)
    by_name = {r[0]: r for r in rows}
    key = []
    for label, module, qualname in KEY_ENTRIES:
        if module == "importlib._bootstrap":  # frozen: named by cProfile without a usable file
            hits = [r for r in rows if r[0].endswith(f"({qualname})") and "importlib._bootstrap>" in r[0]]
        else:
            hits = [by_name[k] for k in [_profile_key(module, qualname)] if k in by_name]
        calls, cumulative = sum(r[1] for r in hits), sum(r[3] for r in hits)
        key.append({"what": label, "calls": calls, "cumulative_ms": round(cumulative * 1000, 2)})
    return {
        "function": probe.function,
        "route": probe.route,
        "import_top_level_ms": round(_top_level_ms(at_import), 2),
        "request_imports_ms": round(_top_level_ms(in_request), 2),
        "request_imports": _heaviest(in_request),
        "import_imports": _heaviest(at_import),
        "profiled_request_ms": round(request_ms, 2),
        "key_entries": key,
        "request_cumulative": below[:top],
        "request_own": [
            {"function": _short(name), "calls": calls, "own_ms": round(own_s * 1000, 2)}
            for name, calls, own_s, _ in own
            if not _is_import_machinery(name)
        ][:top],
    }


def _top_level_ms(nodes: list[ImportNode]) -> float:
    return sum(n.cumulative_us for n in nodes if n.imported_by is None) / 1000


def _heaviest(nodes: list[ImportNode], top: int = 10) -> list[dict[str, Any]]:
    """Heaviest first: what code imported from inside a function (nothing else importing), and the outside
    modules that project modules import; each with everything it imported first."""
    outside = {id(n) for n in heaviest_imports(nodes, top=len(nodes))}
    picked = [n for n in nodes if n.imported_by is None or id(n) in outside]
    picked.sort(key=lambda n: n.cumulative_us, reverse=True)
    return [
        {"module": n.module, "cumulative_ms": round(n.cumulative_us / 1000, 2), "imported_by": n.imported_by}
        for n in picked[:top]
    ]


def _is_import_machinery(name: str) -> bool:
    return "<frozen importlib" in name or name.endswith("(<module>)") or "{built-in method builtins.exec}" in name


def _short(name: str) -> str:
    for marker in ("site-packages/", "layers/core/python/", str(ROOT) + "/", "lib/python3"):
        if marker in name:
            name = name.split(marker, 1)[1]
    return name


# -- the bench section ---------------------------------------------------------------


def run_cold_request(repeat: int = 5, only: list[str] | None = None, explain: str | None = None) -> dict[str, Any]:
    """The figures; ``only`` limits the functions measured, ``explain`` names the one whose time is shown."""
    import logging

    import requests

    from infra.bootstrap import create_tables, verify_sender
    from infra.catalog import FUNCTIONS
    from infra.moto_twin import forget_clients, start_moto_server

    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
    server, url = start_moto_server()
    os.environ["AWS_ENDPOINT_URL"] = url
    forget_clients()
    workdir = Path(tempfile.mkdtemp(prefix="passculture-bench-cold-"))
    try:
        create_tables()
        verify_sender()
        probes, user_id = build_scene()
        bare = Probe("(bare GetItem)", "GET /things/{id}", _bare_event(user_id), module=BARE_REQUEST)
        bare_import = Probe("(bare Chalice)", "import only", None, module=BARE_IMPORT)
        env = subprocess_env(str(workdir / "pycache"))
        env.pop("AWS_EXECUTION_ENV", None)  # Chalice apps created here appended to it; a container starts clean
        env["METRICS_OUTPUT"] = "stdout"  # the first request writes its metric lines, as in Lambda
        absent = workdir / "absent.json"
        absent.write_text(json.dumps(not_in_the_layer()))
        env[_ABSENT] = str(absent)
        measured = [probes[name] for name in FUNCTIONS if name in probes and (not only or name in only)]
        timings = measure([bare, bare_import, *measured], repeat, env, workdir)
        base, base_import = timings[BARE_REQUEST], timings[BARE_IMPORT]
        rows = {}
        for probe in measured:
            t = timings[probe.module]
            rows[probe.function] = {
                "route": probe.route,
                "import_ms": round(t.import_median, 1),
                "import_ratio": round(t.import_median / base_import.import_median, 2),
                "cold_request_ms": round(t.total_median, 1),
                "cold_request_min_max_ms": [round(min(t.total_ms), 1), round(max(t.total_ms), 1)],
                "ratio": round(t.total_median / base.total_median, 2),
                # Noise only adds time: the ratio of minimums is the steadier figure on a busy machine.
                "ratio_of_minimums": round(min(t.total_ms) / min(base.total_ms), 2),
                # The child's CPU time: what other processes on a busy machine do not add to, but the
                # twin's work for each DynamoDB call (in the parent) is left out: a steadier, partial figure.
                "cpu_ms": round(t.cpu_median, 1),
                "cpu_ratio": round(t.cpu_median / base.cpu_median, 2),
                "statuses": sorted(t.statuses, key=str),
            }
        worst = explain if explain in rows else max(rows, key=lambda n: rows[n]["ratio"])
        return {
            "repeat": repeat,
            "goal": GOAL,
            "baseline": {
                "module": BARE_REQUEST,
                "import_ms": round(base.import_median, 1),
                "cold_request_ms": round(base.total_median, 1),
                "cold_request_min_max_ms": [round(min(base.total_ms), 1), round(max(base.total_ms), 1)],
                "cpu_ms": round(base.cpu_median, 1),
                "statuses": sorted(base.statuses, key=str),
            },
            "bare_chalice_import_ms": round(base_import.import_median, 1),
            "functions": rows,
            "skipped": dict(SKIPPED),
            "worst": where_time_goes(probes[worst], env, workdir),
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        requests.post(f"{url}/moto-api/reset", timeout=10)  # moto's state is the process's: leave none behind
        server.stop()
        os.environ.pop("AWS_ENDPOINT_URL", None)
        forget_clients()


def _bare_event(user_id: str) -> dict[str, Any]:
    from infra.local import proxy_event

    path = f"/things/{user_id}"
    return proxy_event("GET", "/things/{thing_id}", path, {"thing_id": user_id}, "", {"Host": "bench.local"}, b"", "")


def print_cold_request(figures: dict[str, Any], out: TextIO) -> None:
    f, base = figures, figures["baseline"]
    print(
        f"Cold request: a fresh process imports the handler and answers its first request on the twin "
        f"(moto's server); {f['repeat']} runs, medians; x bare = / a bare Chalice app answering one pynamodb "
        f"GetItem ({base['cold_request_ms']:.1f} ms, of which import {base['import_ms']:.1f}); import x = / a bare "
        f"Chalice app's import ({f['bare_chalice_import_ms']:.1f} ms); cpu x = the child's CPU time / the bare app's "
        f"({base['cpu_ms']:.1f} ms: steadier on a busy machine, but the twin's work per call is left out)",
        file=out,
    )
    header = (
        f"  {'function':<16}{'first request':<34}{'import ms':>10}{'import x':>9}"
        f"{'+request ms':>12}{'min-max':>14}{'x bare':>8}{'(mins)':>8}{'cpu x':>7}  goal <= {f['goal']:.1f}"
    )
    print(header, file=out)
    print("  " + "-" * (len(header) - 2), file=out)
    spread = "{:.0f}-{:.0f}".format(*base["cold_request_min_max_ms"])
    print(
        f"  {'(bare)':<16}{'GET /things/{id}: one GetItem':<34}{base['import_ms']:>10.1f}{'':>9}"
        f"{base['cold_request_ms']:>12.1f}{spread:>14}{1:>8.2f}{1:>8.2f}{1:>7.2f}",
        file=out,
    )
    worst = f["worst"]["function"]
    for name, r in f["functions"].items():
        spread = "{:.0f}-{:.0f}".format(*r["cold_request_min_max_ms"])
        verdict = "met" if r["ratio"] <= f["goal"] else "MISSED"
        bad = [s for s in r["statuses"] if s != 200]
        if bad:
            verdict += f" (status {bad}!)"
        label = name + (" *" if name == worst else "")
        print(
            f"  {label:<16}{r['route']:<34}{r['import_ms']:>10.1f}{r['import_ratio']:>9.2f}"
            f"{r['cold_request_ms']:>12.1f}{spread:>14}{r['ratio']:>8.2f}{r['ratio_of_minimums']:>8.2f}"
            f"{r['cpu_ratio']:>7.2f}  {verdict}",
            file=out,
        )
    for name, why in f["skipped"].items():
        print(f"  {name:<16}skipped: {why}", file=out)
    w = f["worst"]
    print(
        f"\n  * {worst}, {w['route']}: where the first request's time goes (one fresh run each; "
        f"-X importtime and cProfile add their own overhead).",
        file=out,
    )
    print(
        f"    import of the handler: {w['import_top_level_ms']:.1f} ms of imports; during the request: "
        f"{w['request_imports_ms']:.1f} ms of imports. Heaviest imports made during the request:",
        file=out,
    )
    print(f"    {'cumulative ms':>13}  {'module':<40}imported by", file=out)
    for h in w["request_imports"]:
        by = h["imported_by"] or "(inside a function)"
        print(f"    {h['cumulative_ms']:>13.1f}  {h['module']:<40}{by}", file=out)
    print(
        f"    cProfile of the request alone ({w['profiled_request_ms']:.1f} ms under the profiler); what it "
        f"spends on (overlapping):",
        file=out,
    )
    for e in w["key_entries"]:
        print(f"    {e['cumulative_ms']:>13.1f} ms  {e['what']}: {e['calls']}", file=out)
    print("    top cumulative entries below the handler's own chain (import machinery left out):", file=out)
    print(f"    {'cumulative ms':>13}{'own ms':>9}{'calls':>7}  function", file=out)
    for e in w["request_cumulative"]:
        print(f"    {e['cumulative_ms']:>13.1f}{e['own_ms']:>9.1f}{e['calls']:>7}  {e['function']}", file=out)
    own = ", ".join(f"{e['function'].rsplit('(', 1)[-1].rstrip(')')} {e['own_ms']:.1f}" for e in w["request_own"][:6])
    print(f"    most own time, ms: {own}", file=out)


def main(argv: list[str] | None = None) -> int:
    from bench.cli import prepare_environment

    parser = argparse.ArgumentParser(prog="python -m bench.cold_request", description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="cold runs per function (default 5)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", action="append", help="measure only this function (repeatable)")
    parser.add_argument("--explain", help="show where this function's time goes (default: the worst ratio)")
    args = parser.parse_args(argv)
    prepare_environment()
    figures = run_cold_request(args.repeat, args.only, args.explain)
    if args.json:
        json.dump(figures, sys.stdout, indent=2)
        print()
    else:
        print_cold_request(figures, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

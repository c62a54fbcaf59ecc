"""``make package``: build the Lambda artifacts, package the service offline, lint the template.

1. ``build/layers/core``: the ``passculture`` package, the pinned runtime
   dependencies of ``requirements.txt`` built for Lambda's python3.11 (Amazon
   Linux 2: manylinux x86_64 up to glibc 2.26), Chalice's two runtime files, and
   Swagger UI's files from ``node_modules`` beside the API reference page.
2. ``build/functions/<name>.zip``: ``functions/<name>`` alone, one per function.
   Both carry ``.pyc`` files compiled as unchecked hashes: Lambda's task folder
   is read-only and zips lose mtimes, so timestamp-checked ``.pyc`` would be
   recompiled (in memory) on every cold start.
3. Each function is imported from its zip and the layer alone, as Lambda would;
   the static pages (the Guichet, the API reference) read all their files there.
4. ``osls package`` (osls 4, the maintained fork of the Serverless Framework v3,
   from ``node_modules``) with ``layers:`` asks CloudFormation about the last
   deployed stack: moto's proxy answers on 127.0.0.1, with fake credentials, so
   this runs without AWS.
5. The template is checked (every Chalice route is an API method of its
   function) and linted with ``cfn-lint``.

Usage: ``python -m infra.package [--stage prod]``.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import py_compile
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
LAYER_DIR = BUILD / "layers" / "core"
FUNCTIONS_DIR = BUILD / "functions"
CORE_SOURCE = ROOT / "layers" / "core" / "python" / "passculture"
TEMPLATE = ROOT / ".serverless" / "cloudformation-template-update-stack.json"
SERVERLESS = ROOT / "node_modules" / ".bin" / "osls"
REGION = "eu-west-3"

# Lambda's python3.11 runs on Amazon Linux 2 (glibc 2.26): only wheels built for
# glibc 2.26 or older load there. pip does not expand manylinux_2_x tags
# downwards by itself, so each is listed (manylinux2014 = manylinux_2_17).
LAMBDA_PLATFORMS = ("manylinux2014_x86_64", *(f"manylinux_2_{minor}_x86_64" for minor in range(17, 27)))
LAMBDA_PYTHON = (3, 11)
# Chalice's runtime; the rest of the distribution is its CLI and its dependencies.
CHALICE_RUNTIME_FILES = ("__init__.py", "app.py")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so an unchanged function keeps its code hash


def log(message: str) -> None:
    print(f"[package] {message}", flush=True)


def run(command: list[str], **kwargs: Any) -> None:
    log("$ " + " ".join(str(part) for part in command))
    subprocess.run(command, check=True, **kwargs)  # noqa: S603 (our own fixed commands)


# -- the layer ----------------------------------------------------------------------


def _requirement_name(line: str) -> str:
    return re.split(r"[\s\[=<>!~;]", line, maxsplit=1)[0].lower().replace("_", "-")


LOCK = ROOT / "requirements.txt"


def runtime_requirements() -> list[str]:
    """The lock's pins (``name==version``), every package of the layer and its dependencies; no Chalice."""
    lines = [line.split(" ", 1)[0] for line in LOCK.read_text().splitlines() if re.match(r"[A-Za-z0-9]", line)]
    return [line for line in lines if _requirement_name(line) != "chalice"]


def locked_hashes() -> dict[str, list[str]]:
    """Each locked package's ``sha256:`` hashes, as ``make lock`` wrote them."""
    hashes: dict[str, list[str]] = {}
    current = ""
    for line in LOCK.read_text().splitlines():
        if re.match(r"[A-Za-z0-9]", line):
            current = _requirement_name(line)
            hashes[current] = []
        for found in re.findall(r"--hash=(sha256:[0-9a-f]{64})", line):
            hashes[current].append(found)
    return hashes


def compile_tree(root: Path, runtime_dir: str, workers: int = 1) -> None:
    """Compiles every module under ``root`` as it will be seen from ``runtime_dir`` in Lambda."""
    ok = compileall.compile_dir(
        root,
        ddir=runtime_dir,
        quiet=1,
        workers=workers,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    if not ok:
        raise SystemExit(f"some modules under {root} do not compile")


def chalice_runtime_dir() -> Path:
    import chalice

    dev = (ROOT / "requirements-dev.txt").read_text().splitlines()
    pinned = [line for line in dev if line.startswith("chalice==")]
    if pinned and pinned[0].split("==")[1].strip() != chalice.__version__:
        raise SystemExit(f"chalice {chalice.__version__} installed, requirements-dev.txt says {pinned[0]}: run make")
    return Path(chalice.__file__).parent


def build_layer() -> None:
    shutil.rmtree(LAYER_DIR, ignore_errors=True)
    site = LAYER_DIR / "python"
    site.mkdir(parents=True)
    platforms = [arg for tag in LAMBDA_PLATFORMS for arg in ("--platform", tag)]
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "--target",
            str(site),
            *platforms,
            "--implementation",
            "cp",
            "--python-version",
            "{}.{}".format(*LAMBDA_PYTHON),
            "--abi",
            "cp{}{}".format(*LAMBDA_PYTHON),
            "--only-binary=:all:",
            # Exactly the lock: every package pinned and checked against its hashes, nothing resolved anew.
            "--require-hashes",
            "--no-deps",
            "-r",
            str(LOCK),
        ]
    )
    shutil.rmtree(site / "bin", ignore_errors=True)  # console scripts, with this machine's shebangs
    for record in site.glob("*.dist-info/RECORD"):
        # Their entries (hashed with this machine's paths) would make the layer differ per machine.
        lines = record.read_text().splitlines(keepends=True)
        record.write_text("".join(line for line in lines if not line.startswith("../")))
    chalice_dir = site / "chalice"
    chalice_dir.mkdir()
    for name in CHALICE_RUNTIME_FILES:
        shutil.copy2(chalice_runtime_dir() / name, chalice_dir / name)
    shutil.copytree(CORE_SOURCE, site / "passculture", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    vendor_reference(site)
    compile_tree(site, "/opt/python", workers=0)  # one process per core
    log(f"layer: {_size(LAYER_DIR)} MB unzipped in {LAYER_DIR}")


def vendor_reference(site: Path) -> None:
    """Swagger UI's files, from the npm package ``package-lock.json`` pins, beside the reference page (``/docs``)."""
    from passculture.web import reference

    source = ROOT / "node_modules" / reference.PACKAGE
    if not source.is_dir():
        raise SystemExit(f"{source.relative_to(ROOT)} is missing: run `npm ci` (make package does)")
    target = site / reference.VENDOR.relative_to(CORE_SOURCE.parent)
    target.mkdir()
    for name in (*reference.VENDORED, *reference.SHIPPED_WITH, "package.json"):
        shutil.copy2(source / name, target / name)


_STATIC_CHECK = """
import sys
layer = sys.argv[1]
sys.path[:0] = [layer]
from passculture.web import guichet, reference
assert str(reference.vendor_dir()).startswith(layer), reference.vendor_dir()
for site in (guichet.SITE, reference.SITE):
    assert site.page.body  # reads every asset, to name it by its hash
"""


def check_static_files() -> None:
    """The static pages find every file in the layer alone (no node_modules, no repository)."""
    env = {"PATH": os.environ.get("PATH", "")}
    command = [sys.executable, "-I", "-S", "-c", _STATIC_CHECK, str(LAYER_DIR / "python")]
    subprocess.run(command, check=True, env=env, cwd=tempfile.gettempdir())  # noqa: S603
    log("static files: the Guichet and the API reference read theirs from the layer")


# -- the functions ------------------------------------------------------------------


def write_zip(source: Path, target: Path) -> None:
    """A reproducible zip: sorted entries, fixed times, plain permissions."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), date_time=ZIP_TIME)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())


def build_functions(names: tuple[str, ...]) -> None:
    shutil.rmtree(FUNCTIONS_DIR, ignore_errors=True)
    staging = BUILD / "staging"
    for name in names:
        task = staging / name
        shutil.rmtree(task, ignore_errors=True)
        package = task / "functions"
        package.mkdir(parents=True)
        shutil.copy2(ROOT / "functions" / "__init__.py", package / "__init__.py")
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(ROOT / "functions" / name, package / name, ignore=ignore)
        compile_tree(task, "/var/task")
        write_zip(task, FUNCTIONS_DIR / f"{name}.zip")
    log(f"functions: {len(names)} zips in {FUNCTIONS_DIR}")


_IMPORT_CHECK = """
import importlib, json, sys
task, layer, name = sys.argv[1:4]
sys.path[:0] = [task, layer]
module = importlib.import_module(f"functions.{name}.app")
assert callable(module.handler)
outside = sorted(
    m.__name__ for m in list(sys.modules.values())
    if getattr(m, "__file__", None) and m.__name__.split(".")[0] in ("functions", "passculture", "chalice")
    and not m.__file__.startswith((task, layer))
)
assert not outside, outside
print(json.dumps({p: sorted(m) for p, m in module.app.routes.items()}))
"""


def check_imports(names: tuple[str, ...]) -> None:
    """Imports each function from its zip and the layer only (no site-packages), as Lambda would."""
    if sys.platform != "linux" or platform.machine() != "x86_64" or sys.version_info[:2] != LAMBDA_PYTHON:
        log("skipping the import check: this machine cannot load Lambda's binaries")
        return
    from infra.catalog import load_app

    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            task = Path(tmp) / name
            with zipfile.ZipFile(FUNCTIONS_DIR / f"{name}.zip") as archive:
                archive.extractall(task)
            env = {"PATH": os.environ.get("PATH", ""), "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}
            answer = subprocess.run(  # noqa: S603
                [sys.executable, "-I", "-S", "-c", _IMPORT_CHECK, str(task), str(LAYER_DIR / "python"), name],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            )
            routes = json.loads(answer.stdout.strip().splitlines()[-1])
            expected = {p: sorted(m) for p, m in load_app(name).routes.items()}
            if routes != expected:
                raise SystemExit(f"the packaged {name} function does not have the routes of the source")
    log(f"import check: {len(names)} functions load from their zip and the layer alone")


# -- osls package behind moto's proxy -----------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def moto_proxy() -> Iterator[dict[str, str]]:
    """moto's HTTPS proxy on 127.0.0.1; yields the environment that sends AWS SDK calls to it."""
    import moto.moto_proxy

    port = _free_port()
    log_path = BUILD / "moto_proxy.log"
    with open(log_path, "w") as output:
        proxy = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "moto.proxy", "--host", "127.0.0.1", "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "MOTO_PROXY_PORT": str(port)},
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proxy.poll() is not None:
                raise SystemExit(f"moto_proxy stopped: see {log_path}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"moto_proxy did not start: see {log_path}") from None
                time.sleep(0.2)
        log(f"moto_proxy on 127.0.0.1:{port}")
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("AWS_") and key.lower() not in ("http_proxy", "https_proxy", "no_proxy")
        }
        env.update(
            {
                "HTTPS_PROXY": f"http://127.0.0.1:{port}",
                "NODE_EXTRA_CA_CERTS": str(Path(moto.moto_proxy.__file__).parent / "ca.crt"),
                # Fake credentials, and no profile or file that could hold real ones.
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AWS_CONFIG_FILE": os.devnull,
                # Nothing but AWS calls leaves the machine, and those stop at the proxy.
                "SLS_TELEMETRY_DISABLED": "1",
                "SLS_NOTIFICATIONS_MODE": "off",
            }
        )
        yield env
    finally:
        proxy.terminate()
        try:
            proxy.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proxy.kill()
            proxy.wait()


def serverless_package(stage: str) -> None:
    if not SERVERLESS.exists():
        raise SystemExit("node_modules/.bin/osls is missing: run `npm ci`")
    shutil.rmtree(ROOT / ".serverless", ignore_errors=True)
    with moto_proxy() as env:
        run([str(SERVERLESS), "package", "--stage", stage, "--region", REGION], cwd=ROOT, env=env)


# -- checks on the template ---------------------------------------------------------


def template_routes(template: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(function logical id, METHOD, path) for every API Gateway method of the template."""
    resources = template["Resources"]

    def path_of(reference: dict[str, Any]) -> str:
        if "Fn::GetAtt" in reference:  # the API's root resource
            return ""
        resource = resources[reference["Ref"]]["Properties"]
        return path_of(resource["ParentId"]) + "/" + resource["PathPart"]

    routes = set()
    for resource in resources.values():
        if resource["Type"] != "AWS::ApiGateway::Method" or resource["Properties"]["HttpMethod"] == "OPTIONS":
            continue
        properties = resource["Properties"]
        targets = re.findall(r'"(\w+)LambdaFunction"', json.dumps(properties["Integration"]))
        routes.add((f"{targets[0]}LambdaFunction", properties["HttpMethod"], path_of(properties["ResourceId"]) or "/"))
    return routes


# API Gateway answers these itself; each must keep the API's error shape and CORS headers (infra/resources/api.yml).
GATEWAY_RESPONSE_TYPES = {
    "MISSING_AUTHENTICATION_TOKEN": "404",
    "RESOURCE_NOT_FOUND": "404",
    "REQUEST_TOO_LARGE": "413",
    "THROTTLED": "429",
    "DEFAULT_4XX": None,
    "INTEGRATION_TIMEOUT": "504",
    "INTEGRATION_FAILURE": None,
    "DEFAULT_5XX": None,
}


def gateway_response_problems(resources: dict[str, Any], cors_origin: str) -> list[str]:
    """What is wrong with the template's gateway responses: missing types, CORS headers, or the error shape."""
    from passculture.web.routing import CORS_EXPOSED, CORS_HEADERS

    headers = {
        "Content-Type": "'application/json'",
        "Access-Control-Allow-Origin": f"'{cors_origin}'",
        "Access-Control-Allow-Headers": f"'{','.join(CORS_HEADERS)}'",
        "Access-Control-Expose-Headers": f"'{','.join(CORS_EXPOSED)}'",
    }
    problems = []
    found = {}
    for key, resource in resources.items():
        if resource["Type"] != "AWS::ApiGateway::GatewayResponse":
            continue
        properties = resource["Properties"]
        found[properties["ResponseType"]] = properties.get("StatusCode")
        parameters = properties.get("ResponseParameters", {})
        for name, value in headers.items():
            if parameters.get(f"gatewayresponse.header.{name}") != value:
                problems.append(f"{key}: header {name} is not {value}")
        template = properties.get("ResponseTemplates", {}).get("application/json", "")
        sample = template.replace("$context.error.messageString", '"Forbidden"').replace("$context.requestId", "r-1")
        try:
            body = json.loads(sample)
        except ValueError:
            body = None
        if not (isinstance(body, dict) and set(body) == {"errors"} and body["errors"].get("global")):
            problems.append(f"{key}: its body is not the API's error shape: {template!r}")
    for kind, status in GATEWAY_RESPONSE_TYPES.items():
        if kind not in found:
            problems.append(f"no gateway response for {kind}")
        elif found[kind] != status:
            problems.append(f"the {kind} gateway response answers {found[kind]}, not {status}")
    return problems


def check_template(names: tuple[str, ...], stage: str) -> None:
    from infra.catalog import load_app
    from infra.serverless import function_logical_id

    template = json.loads(TEMPLATE.read_text())
    expected = {
        (function_logical_id(name), method, path)
        for name in names
        for path, methods in load_app(name).routes.items()
        for method in methods
    }
    found = template_routes(template)
    if found != expected:
        raise SystemExit(
            f"API methods differ from the Chalice routes: missing {sorted(expected - found)}, "
            f"extra {sorted(found - expected)}"
        )
    from infra.serverless import load_service

    params = load_service()["params"]
    cors_origin = params.get(stage, {}).get("corsOrigin", params["default"]["corsOrigin"])
    problems = gateway_response_problems(template["Resources"], cors_origin)
    if problems:
        raise SystemExit("gateway responses:\n  " + "\n  ".join(problems))
    responses = {k for k, r in template["Resources"].items() if r["Type"] == "AWS::ApiGateway::GatewayResponse"}
    for key, resource in template["Resources"].items():
        if resource["Type"] == "AWS::ApiGateway::Deployment" and not responses <= set(resource.get("DependsOn", [])):
            raise SystemExit(f"{key} does not wait for the gateway responses (infra/deployment-order.js)")
    log(f"template: {len(found)} API methods, exactly the Chalice routes; {len(responses)} gateway responses with CORS")


def lint_template() -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    run([str(cfn_lint), str(TEMPLATE.relative_to(ROOT))], cwd=ROOT)
    log("cfn-lint: clean")


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) // 1_000_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="prod")
    args = parser.parse_args(argv)
    if sys.version_info[:2] != LAMBDA_PYTHON:
        raise SystemExit("run with python{}.{}: the .pyc files must match Lambda's runtime".format(*LAMBDA_PYTHON))
    from infra.catalog import FUNCTIONS
    from infra.generate import main as generate

    if generate(["--check"]):
        raise SystemExit("the generated files are stale: run `make gen` and commit them")
    started = time.monotonic()
    BUILD.mkdir(exist_ok=True)
    try:
        try:
            build_layer()
        except subprocess.CalledProcessError:
            raise SystemExit(
                "pip found no wheel for Lambda's python3.11 (Amazon Linux 2, glibc 2.26) for a pinned "
                "runtime dependency (see its message above): pin a release that ships manylinux2014 wheels"
            ) from None
        build_functions(FUNCTIONS)
        check_imports(FUNCTIONS)
        check_static_files()
        serverless_package(args.stage)
        check_template(FUNCTIONS, args.stage)
        lint_template()
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"failed ({exc.returncode}): {' '.join(map(str, exc.cmd))}") from None
    log(f"done in {time.monotonic() - started:.0f} s: .serverless/ is ready for `npx osls deploy --package`")
    return 0


if __name__ == "__main__":
    sys.exit(main())

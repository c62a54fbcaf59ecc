"""The local twin: every function behind one HTTP server, on moto's server.

``make run`` runs ``python -m infra.local``. This is the composition root, the
only code that knows it is local: it starts moto's server on 127.0.0.1 (unless
``AWS_ENDPOINT_URL`` already points somewhere), creates the tables, bucket,
sender identity and team account, then serves each function's Lambda handler
with the same API Gateway proxy events production sends. Beside the server it
runs the schedules, feeds ``notify`` from the bookings table's DynamoDB stream,
delivers the media bucket's S3 events (``infra.local_s3``) and runs the jobs
the functions start (in background threads), each with Lambda's timeout,
retries and failure queue (``infra.invocation``), and serves the local-only
routes: ``GET /health``, ``GET /_local/outbox`` (``infra.outbox``) and
``POST /_local/resend-mail`` (the parked emails, sent again: ``make resend-mail``).
On its twin it sets the signing key and the team password itself; elsewhere
nothing has a default.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import signal
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from infra.events import LambdaContext

if TYPE_CHECKING:
    from infra.outbox import Outbox

logger = logging.getLogger("passculture.local")

NOT_FOUND = {"errors": {"global": ["Not found"]}}


# -- the backend -----------------------------------------------------------------


class Backend:
    """moto's server on 127.0.0.1, the endpoint ``AWS_ENDPOINT_URL`` names, or real AWS (``LOCAL_TWIN=off``)."""

    def __init__(self) -> None:
        self.server: Any = None
        self.outbox: Outbox | None = None  # the SES twin's sent messages; none on real AWS
        self.is_twin = False  # moto: started here, or answering at AWS_ENDPOINT_URL
        self.real_aws = os.environ.get("LOCAL_TWIN", "on").strip().lower() in {"off", "0", "false", "no"}
        os.environ.setdefault("AWS_DEFAULT_REGION", os.environ.get("AWS_REGION", "eu-west-3"))
        if not self.real_aws:
            # The twin takes any credentials; never let a developer's real ones reach it by accident.
            os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
            os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")

    @property
    def endpoint(self) -> str:
        return os.environ.get("AWS_ENDPOINT_URL") or "AWS (default endpoints, your credentials)"

    def start(self) -> None:
        from infra.moto_twin import answers_like_moto, start_moto_server
        from infra.outbox import InProcessSes, Outbox, RemoteMoto

        if self.real_aws:
            return
        if not os.environ.get("AWS_ENDPOINT_URL"):
            port = int(os.environ.get("MOTO_PORT") or 0) or None
            self.server, os.environ["AWS_ENDPOINT_URL"] = start_moto_server(port)
        elif not answers_like_moto(self.endpoint):
            return  # an endpoint that is not a twin is treated like real AWS
        self.is_twin = True
        # moto's server started here keeps its state in this process: read its SES backend directly.
        region = os.environ.get("AWS_REGION") or os.environ["AWS_DEFAULT_REGION"]
        self.outbox = Outbox(InProcessSes(region) if self.server is not None else RemoteMoto(self.endpoint))

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def healthy(self) -> bool:
        from passculture.models.users import User

        try:
            return bool(User.exists())
        except Exception:
            logger.exception("the data store is not reachable")
            return False


# -- API Gateway, locally ------------------------------------------------------


class Router:
    """Maps a request path to (function, route template, path parameters) like API Gateway."""

    def __init__(self, handlers: dict[str, Any]) -> None:
        self.handlers = handlers
        self.routes: dict[str, tuple[str, set[str]]] = {}
        for name, handler in handlers.items():
            for path, methods in handler.app.routes.items():
                self.routes[path] = (name, set(methods))
        # Concrete segments win over captures, as in API Gateway.
        self._templates = sorted(self.routes, key=lambda p: [(s.startswith("{"), s) for s in p.split("/")])

    def match(self, path: str) -> tuple[str, str, dict[str, str]] | None:
        if path != "/" and path.endswith("/"):
            path = path[:-1]
        parts = path.split("/")
        for template in self._templates:
            tparts = template.split("/")
            if len(tparts) != len(parts):
                continue
            captured: dict[str, str] = {}
            for actual, expected in zip(parts, tparts, strict=True):
                if expected.startswith("{") and expected.endswith("}"):
                    if not actual:
                        break
                    captured[expected[1:-1]] = actual
                elif actual != expected:
                    break
            else:
                return self.routes[template][0], template, captured
        return None


def proxy_event(
    method: str,
    template: str,
    path: str,
    params: dict[str, str],
    query: str,
    headers: dict[str, str],
    body: bytes,
    source_ip: str,
) -> dict[str, Any]:
    """A REST API (v1 payload) proxy event, as API Gateway would send it."""
    from urllib.parse import unquote

    multi = parse_qs(query, keep_blank_values=True)
    is_text = True
    try:
        text = body.decode("utf-8") if body else None
    except UnicodeDecodeError:
        is_text, text = False, base64.b64encode(body).decode()
    return {
        "resource": template,
        "path": path,
        "httpMethod": method,
        "headers": dict(headers),
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in multi.items()} or None,
        "multiValueQueryStringParameters": multi or None,
        "pathParameters": {k: unquote(v) for k, v in params.items()} or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": template,
            "httpMethod": method,
            "path": path,
            "stage": "local",
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": source_ip},
        },
        "body": text,
        "isBase64Encoded": not is_text,
    }


class LocalApi:
    """Everything the local HTTP server answers."""

    def __init__(self, backend: Backend, handlers: dict[str, Any], scheduler: Scheduler) -> None:
        self.backend = backend
        self.handlers = handlers
        self.router = Router(handlers)
        self.scheduler = scheduler

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes, source_ip: str
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(raw_path)
        path = parts.path
        if method == "GET" and path == "/health":
            ok = self.backend.healthy()
            return _json(200 if ok else 503, {"status": "ok" if ok else "unavailable"})
        if method == "GET" and path == "/_local/outbox":
            if self.backend.outbox is None:  # real SES keeps no outbox to read
                return _json(404, NOT_FOUND)
            return 200, {"Content-Type": "application/json"}, self.backend.outbox.body()
        if method == "POST" and path == "/_local/resend-mail":
            return self.resend_mail()
        if method == "POST" and path == "/_local/import":
            return self.import_now()
        if method == "POST" and path.startswith("/_local/schedules/"):
            name = path.rsplit("/", 1)[1]
            if name not in self.scheduler.jobs:
                return _json(404, NOT_FOUND)
            return _json(200, {"result": self.scheduler.run(name)})
        match = self.router.match(path)
        if match is None:
            return _json(404, NOT_FOUND)
        function, template, params = match
        if method == "OPTIONS":
            return self.preflight(function, template)
        if method not in self.router.routes[template][1]:
            return _json(405, {"errors": {"global": [f"Method {method} is not allowed here"]}})
        event = proxy_event(method, template, path, params, parts.query, headers, body, source_ip)
        response = self.handlers[function](event, LambdaContext(function))
        out_body = response.get("body") or ""
        data = base64.b64decode(out_body) if response.get("isBase64Encoded") else out_body.encode("utf-8")
        out_headers = dict(response.get("headers") or {})
        for key, values in (response.get("multiValueHeaders") or {}).items():
            out_headers[key] = ", ".join(values)
        return response["statusCode"], out_headers, data

    def resend_mail(self) -> tuple[int, dict[str, str], bytes]:
        """The parked emails sent again: notify's ``resend-mail`` action, as ``aws lambda invoke`` runs it."""
        from infra.invocation import invoke

        if "notify" not in self.handlers:
            return _json(404, NOT_FOUND)
        return _json(200, invoke(self.handlers["notify"], {"action": "resend-mail"}, "notify"))

    def import_now(self) -> tuple[int, dict[str, str], Any]:
        """One import pass of every active agenda link now, its progress streamed as JSON lines (``make import``)."""
        import queue

        from passculture.services.imports.sync import run_pass

        lines: queue.Queue[bytes | None] = queue.Queue()

        def work() -> None:
            try:
                run_pass(lambda kind, data: lines.put(json.dumps({"kind": kind, **data}).encode() + b"\n"))
            except Exception as exc:
                logger.exception("import pass failed")
                lines.put(json.dumps({"kind": "failed", "error": str(exc)}).encode() + b"\n")
            finally:
                lines.put(None)

        threading.Thread(target=work, daemon=True).start()

        def stream() -> Any:
            while (line := lines.get()) is not None:
                yield line

        return 200, {"Content-Type": "application/x-ndjson"}, stream()

    def preflight(self, function: str, template: str) -> tuple[int, dict[str, str], bytes]:
        """A browser's CORS preflight, answered as API Gateway's mock OPTIONS method does."""
        entries = self.handlers[function].app.routes[template]
        headers: dict[str, str] = {"Access-Control-Allow-Methods": ",".join([*sorted(entries), "OPTIONS"])}
        cors = next((entry.cors for entry in entries.values() if entry.cors), None)
        if cors is not None:
            headers.update(cors.get_access_control_headers())
        return 200, headers, b""


def _json(status: int, body: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


def make_http_server(api: LocalApi, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                status, out_headers, data = api.handle(self.command, self.path, headers, body, self.client_address[0])
            except Exception:
                logger.exception("local server error")
                status, out_headers, data = _json(500, {"errors": {"global": ["Internal error"]}})
            self.send_response(status)
            out_headers.pop("Content-Length", None)
            out_headers.pop("content-length", None)
            for key, value in out_headers.items():
                self.send_header(key, value)
            if not isinstance(data, bytes):
                # A stream of lines (``/_local/import``'s progress): no length, the end is the connection's.
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                for chunk in data:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                return
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _handle

        def log_message(self, fmt: str, *args: Any) -> None:
            logger.info("%s %s", self.address_string(), fmt % args)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server


# -- schedules and streams -----------------------------------------------------


class Scheduler:
    """Runs each function's schedule handler every ``LOCAL_SCHEDULE_SECONDS`` (or on demand).

    A scheduled run is an asynchronous invocation, retried and parked as Lambda does (``infra.invocation``).
    """

    def __init__(
        self, handlers: dict[str, Any], every: float, stop: threading.Event, failures: dict[str, Any] | None = None
    ) -> None:
        from infra.catalog import EVENT_SOURCES

        self.jobs = {
            name: handlers[name]
            for name, sources in EVENT_SOURCES.items()
            if any(s["kind"] == "schedule" for s in sources)
        }
        self.every = every
        self.stop = stop
        self.failures = failures or {}

    def run(self, name: str) -> Any:
        """One invocation now, within the function's timeout, as ``aws lambda invoke`` would (no retry)."""
        from infra.events import schedule_event
        from infra.invocation import invoke

        return invoke(self.jobs[name], schedule_event(), name)

    def loop(self) -> None:
        from infra.events import schedule_event
        from infra.invocation import AsyncInvoker

        invokers = [AsyncInvoker(job, name, self.stop, self.failures.get(name)) for name, job in self.jobs.items()]
        while not self.stop.wait(self.every):
            for invoke in invokers:
                invoke(schedule_event())


class StreamFeeder:
    """Polls the twin's DynamoDB stream of a table and hands batches to a function.

    The records are the ones DynamoDB Streams gives, wrapped as Lambda's event
    source mapping wraps them, in batches of its size; a failed batch is retried
    as the mapping retries it (``infra.invocation``), holding back the records after it.
    """

    def __init__(
        self,
        table: str,
        handler: Any,
        function: str,
        stop: threading.Event,
        interval: float = 0.2,
        failures: Any = None,
        retry_seconds: float | None = None,
    ) -> None:
        self.table = table
        self.handler = handler
        self.function = function
        self.stop = stop
        self.interval = interval
        self.failures = failures
        self.retry_seconds = retry_seconds
        self.iterators: dict[str, str] = {}
        self.stream_arn = ""

    def start_position(self) -> None:
        from passculture.adapters.aws import client

        self.stream_arn = client("dynamodb").describe_table(TableName=self.table)["Table"]["LatestStreamArn"]
        self.refresh_shards("LATEST")

    def refresh_shards(self, position: str = "TRIM_HORIZON") -> None:
        from passculture.adapters.aws import client

        streams = client("dynamodbstreams")
        shards = streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            if shard["ShardId"] not in self.iterators:
                self.iterators[shard["ShardId"]] = streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard["ShardId"], ShardIteratorType=position
                )["ShardIterator"]

    def poll_once(self) -> int:
        from infra.catalog import STREAM_DELIVERY
        from passculture.adapters.aws import client

        streams = client("dynamodbstreams")
        delivered = 0
        for shard_id, iterator in list(self.iterators.items()):
            answer = streams.get_records(ShardIterator=iterator, Limit=STREAM_DELIVERY["batchSize"])
            records = answer.get("Records", [])
            if records:
                self.deliver(records, shard_id)
                delivered += len(records)
            if answer.get("NextShardIterator"):
                self.iterators[shard_id] = answer["NextShardIterator"]
        return delivered

    def deliver(self, records: list[dict[str, Any]], shard_id: str = "") -> bool:
        """True once the function took the batch; False when it was given up on (and parked)."""
        from infra.catalog import STREAM_DELIVERY
        from infra.events import stream_event
        from infra.invocation import invoke, retry_delay, stream_failure_record

        pending, attempt, condition = records, 0, "RetryAttemptsExhausted"
        while True:
            attempt += 1
            error: Exception | None = None
            try:
                result = invoke(self.handler, stream_event(pending, self.stream_arn), self.function) or {}
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            except Exception as exc:
                logger.exception(
                    "the %s function failed on a batch of %s (attempt %d)", self.function, self.table, attempt
                )
                error, failed = exc, {pending[0]["dynamodb"]["SequenceNumber"]}
            if not failed:
                return True
            # Lambda retries from the first failed record on (the whole batch if it names none of them).
            sequences = [r["dynamodb"]["SequenceNumber"] for r in pending]
            pending = pending[next((i for i, s in enumerate(sequences) if s in failed), 0) :]
            if attempt > STREAM_DELIVERY["maximumRetryAttempts"]:
                break
            if _age_seconds(pending[0]) > STREAM_DELIVERY["maximumRecordAgeInSeconds"]:
                condition = "RecordAgeExceeded"
                break
            if self.stop.wait(retry_delay(attempt, self.retry_seconds)):
                return False
        logger.error("gave up on %d stream records of %s", len(pending), self.table)
        if self.failures is not None:
            self.failures.send(
                stream_failure_record(self.function, pending, self.stream_arn, shard_id, attempt, condition, error)
            )
        return False

    def loop(self) -> None:
        while not self.stop.wait(self.interval):
            try:
                self.poll_once()
            except Exception:
                logger.exception("stream polling of %s failed", self.table)


def _age_seconds(record: dict[str, Any]) -> float:
    from datetime import UTC, datetime

    created = record["dynamodb"].get("ApproximateCreationDateTime")
    if created is None:
        return 0.0
    if not isinstance(created, datetime):
        created = datetime.fromtimestamp(float(created), UTC)
    return (datetime.now(UTC) - created).total_seconds()


# -- main ----------------------------------------------------------------------


class LocalRuntime:
    """Backend, bootstrap, HTTP server and background workers, started and stopped together."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.backend = Backend()
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self.http: ThreadingHTTPServer | None = None

    def start(self) -> None:
        if self.port:
            # Links in emails point at this server unless told otherwise.
            os.environ.setdefault("PUBLIC_APP_URL", f"http://127.0.0.1:{self.port}")
        # Agenda feeds served on this machine (a local feed server) may be imported: here only.
        os.environ.setdefault("IMPORT_ALLOWED_HOSTS", "127.0.0.1")
        from passculture.config import get_settings as settings_now

        settings_now.cache_clear()  # read again with the setting above, whatever read them before
        self.backend.start()
        if self.backend.is_twin:
            # The twin's own signing key, set here, in the composition root: the code has no default one.
            os.environ.setdefault("JWT_SECRET", secrets.token_urlsafe(48))
        from chalice.local import LocalChalice

        from infra.bootstrap import LOCAL_TEAM_PASSWORD, bootstrap
        from infra.catalog import EVENT_SOURCES, FUNCTIONS, invoked_asynchronously, load_handler
        from infra.invocation import FailureQueue, ThreadInvoker
        from passculture.adapters.invocations import install as install_invoker
        from passculture.adapters.secrets import jwt_secret
        from passculture.config import get_settings

        jwt_secret()  # outside a twin, no signing key configured means no start (MissingSecret says why)
        bootstrap(LOCAL_TEAM_PASSWORD if self.backend.is_twin else None)
        handlers = {name: load_handler(name) for name in FUNCTIONS}
        for handler in handlers.values():
            handler.app.__class__ = LocalChalice  # one current_request per thread
        # The on-failure queues the deployed functions have, under the same names.
        failures = {name: FailureQueue(name).setup() for name in FUNCTIONS if invoked_asynchronously(name)}
        # A job a function starts runs beside the request, in a thread, as Lambda runs an asynchronous invoke.
        install_invoker(ThreadInvoker(handlers, self.stop_event, failures))
        every = float(os.environ.get("LOCAL_SCHEDULE_SECONDS") or 3600)
        scheduler = Scheduler(handlers, every, self.stop_event, failures)
        workers = [scheduler.loop]
        for name, sources in EVENT_SOURCES.items():
            for source in sources:
                if source["kind"] == "dynamodb":
                    feeder = StreamFeeder(
                        get_settings().table_name(source["table"]),
                        handlers[name],
                        name,
                        self.stop_event,
                        failures=FailureQueue(name, source["table"]).setup(),
                    )
                    feeder.start_position()
                    workers.append(feeder.loop)
                elif source["kind"] == "s3":
                    from infra.local_s3 import S3Feeder

                    s3_feeder = S3Feeder(
                        get_settings().media_bucket,
                        source["prefix"],
                        handlers[name],
                        name,
                        self.stop_event,
                        failures=failures.get(name),
                    )
                    s3_feeder.setup()
                    workers.append(s3_feeder.loop)
        self.http = make_http_server(LocalApi(self.backend, handlers, scheduler), self.port)
        self.port = self.http.server_address[1]
        workers.append(self.http.serve_forever)
        for work in workers:
            thread = threading.Thread(target=work, daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self) -> None:
        self.stop_event.set()
        if self.http is not None:
            self.http.shutdown()
            self.http.server_close()
        self.backend.stop()


def main() -> int:
    from passculture.adapters.secrets import MissingSecret

    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    stopped = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stopped.set()

    # Before anything starts, so a Ctrl-C at any moment stops cleanly.
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    runtime = LocalRuntime(int(os.environ.get("PORT") or 8000))
    try:
        try:
            runtime.start()
        except MissingSecret as exc:
            print(f"not started: {exc}", file=sys.stderr, flush=True)
            return 2
        if not stopped.is_set():
            print(f"Pass Culture Pro API listening on http://127.0.0.1:{runtime.port}", flush=True)
            print(f"AWS twin at {runtime.backend.endpoint}; Ctrl-C stops.", flush=True)
            # A timeout, not a bare wait: a signal delivered to another thread only runs its
            # Python handler once the main thread wakes up.
            while not stopped.wait(0.2):
                pass
    finally:
        runtime.stop()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

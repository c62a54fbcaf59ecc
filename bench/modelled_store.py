"""A modelled DynamoDB for the agenda import's bench: answers like DynamoDB documents, in another process.

moto's server spends tens of milliseconds per batch under one lock, so a figure
measured against it is mostly moto's. This store answers the import's hot calls
itself, with a latency drawn around DynamoDB's documented "single-digit
millisecond" responses, so the figure measured against it is this project's
client-side cost (our CPU, botocore's, the HTTP exchange) plus a plausible wait:

- It is an HTTP endpoint (``AWS_ENDPOINT_URL``) in a child process, so its own
  work is not this process's CPU, like DynamoDB's. Keep-alive (HTTP/1.1) and
  ``TCP_NODELAY``, as DynamoDB's endpoint.
- The tables named on its command line (the offers and stocks tables) are its
  own: ``BatchWriteItem`` (puts and deletes, at most 25), ``BatchGetItem`` (at
  most 100 keys), ``GetItem`` and ``Query`` (on the table or a global index:
  the hash key's equality, a range key's comparison or ``begins_with``; index
  projections; pages of 1 MB or ``Limit``) are answered from its dicts. Any
  other item call on those tables (an ``UpdateItem``, a filter, a transaction)
  is a ``ValidationException`` naming what is not modelled: a bench that needs
  it fails loudly instead of diverging.
- Every other request (tables and their settings, the link, the venue, the
  structure) is forwarded to a moto server started in the same child process (the twin).
- Latency: each answer of its own tables is sent no sooner than a lognormal
  draw (seeded) after the request arrived: median 3 ms for ``GetItem``, 5 ms for
  ``Query``, 6 ms for ``BatchGetItem``, 8 ms for ``BatchWriteItem`` (25 items
  written side by side: about the slowest one's time), sigma 0.35 (p99 about
  2.3x the median), all times ``--latency-scale``. A model, not a measure of
  DynamoDB: it says what the client side costs when the store answers in
  single-digit milliseconds.

Run by ``bench.agenda_import`` (``modelled_store()``); alone, for a look:
``python -m bench.modelled_store offers-table stocks-table`` prints its URL.
"""

from __future__ import annotations

import json
import random
import re
import sys
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MEDIAN_MS = {"GetItem": 3.0, "Query": 5.0, "BatchGetItem": 6.0, "BatchWriteItem": 8.0}
SIGMA = 0.35
PAGE_BYTES = 1024 * 1024  # a Query page: DynamoDB stops at 1 MB read
TARGET = "DynamoDB_20120810."
# Item calls: on an owned table, answered here or refused; any other call (tables, TTL, streams) goes to moto.
DATA_CALLS = frozenset(
    {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem"}
    | {"TransactGetItems", "TransactWriteItems", "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"}
)


class Unmodelled(Exception):
    """A call this store does not model: answered as a ValidationException naming it."""


class Store:
    """The owned tables' items (raw DynamoDB JSON) by key, their key schemas and indexes."""

    def __init__(self, owned: set[str], seed: int = 11, scale: float = 1.0) -> None:
        self.owned = owned
        self.tables: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {name: {} for name in owned}
        self.keys: dict[str, list[str]] = {}  # table -> [hash, range?]
        self.types: dict[str, dict[str, str]] = {}  # table -> attribute -> S | N | B
        self.indexes: dict[str, dict[str, tuple[list[str], dict[str, Any]]]] = {}  # table -> index -> (keys, proj)
        self.lock = threading.Lock()
        self._random = random.Random(seed)
        self.scale = scale

    def latency(self, operation: str) -> float:
        with self.lock:
            draw = self._random.lognormvariate(0.0, SIGMA)
        return MEDIAN_MS[operation] * draw * self.scale / 1000

    def learn(self, body: dict[str, Any]) -> None:
        """A CreateTable of an owned table: its key schema and indexes (moto creates it too)."""
        name = body["TableName"]
        if name not in self.owned:
            return
        order = {"HASH": 0, "RANGE": 1}

        def names(schema: list[dict[str, str]]) -> list[str]:
            return [k["AttributeName"] for k in sorted(schema, key=lambda k: order[k["KeyType"]])]

        self.keys[name] = names(body["KeySchema"])
        self.types[name] = {a["AttributeName"]: a["AttributeType"] for a in body.get("AttributeDefinitions", [])}
        self.indexes[name] = {
            index["IndexName"]: (names(index["KeySchema"]), index.get("Projection") or {"ProjectionType": "ALL"})
            for index in [*body.get("GlobalSecondaryIndexes", []), *body.get("LocalSecondaryIndexes", [])]
        }

    def _key(self, table: str, item: dict[str, Any]) -> tuple[Any, ...]:
        try:
            return tuple(json.dumps(item[name], sort_keys=True) for name in self.keys[table])
        except KeyError as exc:
            raise Unmodelled(f"an item of {table} without its key {exc}") from None

    def tables_of(self, operation: str, body: dict[str, Any]) -> set[str]:
        if operation in ("BatchWriteItem", "BatchGetItem"):
            return set(body.get("RequestItems", {}))
        if operation in ("TransactWriteItems", "TransactGetItems"):
            return {next(iter(item.values()))["TableName"] for item in body.get("TransactItems", [])}
        return {body["TableName"]} if "TableName" in body else set()

    # -- the calls -------------------------------------------------------------------

    def answer(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        handler = getattr(self, f"_{operation}", None)
        if handler is None:
            raise Unmodelled(f"{operation} on {sorted(self.tables_of(operation, body))}")
        return handler(body)

    def _BatchWriteItem(self, body: dict[str, Any]) -> dict[str, Any]:
        requests = body["RequestItems"]
        if sum(len(r) for r in requests.values()) > 25:
            raise Unmodelled("more than 25 writes in one BatchWriteItem (DynamoDB refuses it)")
        capacity = []
        with self.lock:
            for table, writes in requests.items():
                items = self.tables[table]
                for write in writes:
                    if "PutRequest" in write:
                        item = write["PutRequest"]["Item"]
                        items[self._key(table, item)] = item
                    else:
                        items.pop(self._key(table, write["DeleteRequest"]["Key"]), None)
                capacity.append({"TableName": table, "CapacityUnits": float(len(writes))})
        return {"UnprocessedItems": {}, "ConsumedCapacity": capacity}

    def _BatchGetItem(self, body: dict[str, Any]) -> dict[str, Any]:
        requests = body["RequestItems"]
        if sum(len(r["Keys"]) for r in requests.values()) > 100:
            raise Unmodelled("more than 100 keys in one BatchGetItem (DynamoDB refuses it)")
        responses: dict[str, list[dict[str, Any]]] = {}
        with self.lock:
            for table, request in requests.items():
                names = _projection(request)
                found = (self.tables[table].get(self._key(table, key)) for key in request["Keys"])
                responses[table] = [_project(item, names) for item in found if item is not None]
        return {"Responses": responses, "UnprocessedKeys": {}}

    def _GetItem(self, body: dict[str, Any]) -> dict[str, Any]:
        table = body["TableName"]
        with self.lock:
            item = self.tables[table].get(self._key(table, body["Key"]))
        return {} if item is None else {"Item": _project(item, _projection(body))}

    def _Query(self, body: dict[str, Any]) -> dict[str, Any]:
        if "FilterExpression" in body or body.get("Select") not in (None, "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"):
            raise Unmodelled("a Query with a filter or a Select")
        table, index = body["TableName"], body.get("IndexName")
        if index is None:
            keys, projection = self.keys[table], {"ProjectionType": "ALL"}
        else:
            keys, projection = self.indexes[table][index]
        conditions = _key_conditions(body)
        if set(conditions) - set(keys) or keys[0] not in conditions or conditions[keys[0]][0] != "=":
            raise Unmodelled(f"a key condition the store does not read: {body.get('KeyConditionExpression')}")
        table_keys = self.keys[table]
        kept = [*table_keys, *keys, *projection.get("NonKeyAttributes", [])]
        with self.lock:
            items = list(self.tables[table].values())
        rows = [item for item in items if all(_holds(item, n, c) for n, c in conditions.items())]
        sort = keys[1] if len(keys) > 1 else None

        def order(item: dict[str, Any]) -> tuple[Any, ...]:
            return (_value(item.get(sort)) if sort else None, *(_value(item.get(n)) for n in table_keys))

        rows.sort(key=order, reverse=body.get("ScanIndexForward", True) is False)
        start = body.get("ExclusiveStartKey")
        if start:
            mark = order(start)
            forward = body.get("ScanIndexForward", True) is not False
            rows = [r for r in rows if (order(r) > mark if forward else order(r) < mark)]
        names = _projection(body)
        page: list[dict[str, Any]] = []
        size, limit, last = 0, body.get("Limit"), None
        for row in rows:
            if projection["ProjectionType"] != "ALL":
                row = {n: row[n] for n in kept if n in row}
            page.append(_project(row, names))
            size += len(json.dumps(row))
            if (limit is not None and len(page) >= limit) or size >= PAGE_BYTES:
                if len(page) < len(rows):
                    last = {n: row[n] for n in dict.fromkeys([*table_keys, *keys]) if n in row}
                break
        answer: dict[str, Any] = {"Items": page, "Count": len(page), "ScannedCount": len(page)}
        if last is not None:
            answer["LastEvaluatedKey"] = last
        return answer


_COMPARISON = re.compile(r"^(#\w+)\s*(=|<=|>=|<|>)\s*(:\w+)$")
_BEGINS = re.compile(r"^begins_with\s*\((#\w+)\s*,\s*(:\w+)\)$")


def _key_conditions(body: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """``{attribute: (operator, value)}`` of a KeyConditionExpression (pynamodb's forms)."""
    text = body.get("KeyConditionExpression") or ""
    names, values = body.get("ExpressionAttributeNames", {}), body.get("ExpressionAttributeValues", {})
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    conditions = {}
    for part in re.split(r"\s+AND\s+", text):
        part = part.strip().strip("()").strip() if part.count("(") != part.count(")") else part.strip()
        match = _COMPARISON.match(part)
        if match:
            conditions[names[match[1]]] = (match[2], values[match[3]])
            continue
        match = _BEGINS.match(part)
        if match:
            conditions[names[match[1]]] = ("begins_with", values[match[2]])
            continue
        raise Unmodelled(f"a key condition the store does not read: {text}")
    return conditions


def _value(attribute: dict[str, Any] | None) -> Any:
    if attribute is None:
        return ("",)
    (kind, value), *_ = attribute.items()
    return (Decimal(value),) if kind == "N" else (value,)


def _holds(item: dict[str, Any], name: str, condition: tuple[str, dict[str, Any]]) -> bool:
    operator, wanted = condition
    have = item.get(name)
    if have is None or set(have) != set(wanted):
        return False
    if operator == "begins_with":
        return str(next(iter(have.values()))).startswith(str(next(iter(wanted.values()))))
    left, right = _value(have), _value(wanted)
    return {
        "=": left == right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[operator]


def _projection(body: dict[str, Any]) -> list[str] | None:
    expression = body.get("ProjectionExpression")
    if not expression:
        return None
    names = body.get("ExpressionAttributeNames", {})
    kept = []
    for part in expression.split(","):
        part = part.strip()
        if "." in part or "[" in part:
            raise Unmodelled(f"a projection of nested paths: {expression}")
        kept.append(names.get(part, part))
    return kept


def _project(item: dict[str, Any], names: list[str] | None) -> dict[str, Any]:
    return item if names is None else {n: item[n] for n in names if n in item}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as DynamoDB's endpoint
    disable_nagle_algorithm = True
    store: Store
    upstream: str
    _local = threading.local()

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        arrived = time.perf_counter()
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        operation = (self.headers.get("X-Amz-Target") or "").removeprefix(TARGET)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        tables = self.store.tables_of(operation, body)
        if operation == "CreateTable":
            self.store.learn(body)
        if operation not in DATA_CALLS or not tables & self.store.owned:
            return self._forward(raw)
        try:
            if tables - self.store.owned:
                raise Unmodelled(f"{operation} across owned and other tables: {sorted(tables)}")
            answer, status = self.store.answer(operation, body), 200
            wait = self.store.latency(operation) - (time.perf_counter() - arrived)
            if wait > 0:
                time.sleep(wait)
        except Unmodelled as exc:
            message = f"The modelled store does not model {exc}"
            answer, status = {"__type": "com.amazonaws.dynamodb.v20120810#ValidationException", "message": message}, 400
        self._send(status, json.dumps(answer).encode(), "application/x-amz-json-1.0")

    def do_GET(self) -> None:
        self._forward(b"")

    def _send(self, status: int, payload: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amzn-RequestId", "modelled")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _forward(self, raw: bytes) -> None:
        import http.client
        from urllib.parse import urlsplit

        connection = getattr(self._local, "connection", None)
        if connection is None:
            netloc = urlsplit(self.upstream).netloc
            connection = self._local.connection = http.client.HTTPConnection(netloc, timeout=120)
        skip = {"host", "content-length", "connection"}
        headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
        connection.request(self.command, self.path, body=raw or None, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        keep = {"x-amz-crc32", "x-amzn-requestid", "x-amzn-errortype"}
        passed = {k: v for k, v in response.getheaders() if k.lower() in keep}
        self._send(response.status, payload, response.getheader("Content-Type") or "application/json", passed)


def serve(owned: list[str], scale: float = 1.0) -> tuple[ThreadingHTTPServer, str, Any]:
    """The store on a free port of 127.0.0.1, its calls on other tables forwarded to a moto server of its own."""
    from infra.moto_twin import start_moto_server

    twin, upstream = start_moto_server()
    store = Store(set(owned), scale=scale)
    handler = type("Handler", (_Handler,), {"store": store, "upstream": upstream})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}", twin


def main(argv: list[str]) -> None:
    scale = 1.0
    if argv and argv[0].startswith("--latency-scale="):
        scale = float(argv.pop(0).split("=", 1)[1])
    server, url, twin = serve(argv, scale)
    print(url, flush=True)
    sys.stdin.read()  # until the parent closes it
    server.shutdown()
    twin.stop()


if __name__ == "__main__":
    main(sys.argv[1:])

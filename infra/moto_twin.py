"""moto's server as the local AWS twin: started on 127.0.0.1, with DynamoDB's isolation.

Used by the local runner, the benchmarks and the tests that need real concurrent requests.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from collections import OrderedDict
from typing import Any

_dynamodb_lock = threading.Lock()
_patched = False
# DynamoDB remembers a transaction's ClientRequestToken this long after it completed.
REQUEST_TOKEN_SECONDS = 600
# moto's item size limit (DynamoDB's 400 KB, which moto measured between 409 and 410 KB).
ITEM_SIZE_LIMIT = 405000
_clock = time.monotonic  # tests move it past the window
_tokens_lock = threading.Lock()


def serialise_dynamodb() -> None:
    """Applies each DynamoDB request atomically, as DynamoDB does, keeps cancelled transactions out of streams,
    and honours transactions' ClientRequestToken.

    moto's server runs requests in threads, checks a condition and then
    writes without a lock, and applies a transaction by snapshotting and
    restoring whole tables, which would lose concurrent writes. One lock
    around each DynamoDB (and DynamoDB Streams) request gives the isolation the
    code relies on.
    """
    global _patched
    if _patched:
        return
    from moto.dynamodb.responses import DynamoHandler
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    for handler_class in (DynamoHandler, DynamoDBStreamsHandler):
        call_action = handler_class.call_action

        def atomic_call_action(self: Any, _call_action: Any = call_action) -> Any:
            with _dynamodb_lock:
                return _call_action(self)

        handler_class.call_action = atomic_call_action
    _keep_stream_shards()
    _honour_request_tokens()
    _size_items_once()
    _patched = True


def _honour_request_tokens() -> None:
    """A ``TransactWriteItems`` with a ``ClientRequestToken`` seen in the last 10 minutes is not applied again.

    As DynamoDB does: the same token with the same request answers what the
    first one answered, without writing; with other parameters it is an
    ``IdempotentParameterMismatchException``. moto ignores the token, so a
    retried commit whose answer was lost would fail its own conditions. The
    tokens are kept on moto's backend (a reset forgets them), for committed
    transactions only.
    """
    from moto.dynamodb.exceptions import DynamodbException
    from moto.dynamodb.responses import DynamoHandler

    class IdempotentParameterMismatch(DynamodbException):
        def __init__(self) -> None:
            super().__init__(
                "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
                "The request uses the same client token as a previous, but non-identical request.",
            )

    transact_write_items = DynamoHandler.transact_write_items

    def remembering(handler: Any) -> Any:
        token = handler.body.get("ClientRequestToken")
        if not token:
            return transact_write_items(handler)
        others = {k: v for k, v in handler.body.items() if k not in ("ClientRequestToken", "ReturnConsumedCapacity")}
        digest = hashlib.sha256(json.dumps(others, sort_keys=True).encode()).hexdigest()
        backend = handler.dynamodb_backend
        now = _clock()
        with _tokens_lock:
            seen: OrderedDict[str, tuple[str, Any, float]] = backend.__dict__.setdefault(
                "_passculture_request_tokens", OrderedDict()
            )
            while seen and next(iter(seen.values()))[2] < now - REQUEST_TOKEN_SECONDS:
                seen.popitem(last=False)
            if token in seen:
                first_digest, answer, _ = seen[token]
                if first_digest != digest:
                    raise IdempotentParameterMismatch()
                return answer
        answer = transact_write_items(handler)
        with _tokens_lock:
            seen[token] = (digest, answer, _clock())
        return answer

    DynamoHandler.transact_write_items = remembering


def _size_items_once() -> None:
    """A new item's 400 KB limit is checked once, on its whole size, as DynamoDB does.

    moto re-adds the size of every attribute already set each time it sets one
    (``LimitedSizeDict.__setitem__``): quadratic in attributes, it was 45 % of
    the twin's time on an agenda import's batch writes (a stock has 25
    attributes). Same limit, same error; updates of existing items keep moto's check.
    """
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    def init(item: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        item.hash_key, item.range_key = hash_key, range_key
        values = {key: DynamoType(value) for key, value in attrs.items()}
        if sum(bytesize(key) + value.size() for key, value in values.items()) > ITEM_SIZE_LIMIT:
            raise ItemSizeTooLarge
        item.attrs = LimitedSizeDict()
        dict.update(item.attrs, values)  # dict's own update: no per-attribute check

    Item.__init__ = init


def _keep_stream_shards() -> None:
    """A cancelled transaction leaves no stream record, and later records still reach open iterators.

    moto applies the items that pass, then rolls back by swapping in the copy
    of each table taken before: the cancelled writes' records stay on the old
    stream shard that open iterators read, and every later record goes to the
    copy they never see (locally, one failed booking stopped all booking
    emails). The old shard is kept, cut back to where it was.
    """
    from moto.dynamodb.models import DynamoDBBackend

    transact_write_items = DynamoDBBackend.transact_write_items

    def keeping_shards(backend: Any, transact_items: list[dict[str, Any]]) -> Any:
        shards = {}
        for item in transact_items:
            name = next(iter(item.values())).get("TableName")
            table = backend.tables.get(name)
            if table is not None and table.stream_shard is not None:
                shards[name] = (table.stream_shard, len(table.stream_shard.items))
        try:
            return transact_write_items(backend, transact_items)
        except Exception:
            for name, (shard, length) in shards.items():
                table = backend.tables.get(name)
                if table is not None:
                    del shard.items[length:]
                    shard.table = table
                    table.stream_shard = shard
            raise

    DynamoDBBackend.transact_write_items = keeping_shards


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_moto_server(port: int | None = None) -> tuple[Any, str]:
    """A quiet, isolated ThreadedMotoServer on 127.0.0.1; returns (server, endpoint URL)."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from moto.server import ThreadedMotoServer

    MotoRequestHandler.log_request = lambda *args, **kwargs: None  # one line per AWS call is noise
    serialise_dynamodb()
    port = port or free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server, f"http://127.0.0.1:{port}"


def answers_like_moto(endpoint: str) -> bool:
    """Whether ``endpoint`` is a moto server (its own API answers), not real AWS or anything else."""
    import requests

    try:
        answer = requests.get(f"{endpoint.rstrip('/')}/moto-api/config", timeout=2)
        return answer.status_code < 300 and isinstance(answer.json(), dict)
    except (requests.RequestException, ValueError):
        return False


def forget_clients() -> None:
    """Drops every cached AWS client and connection, so the next call reads AWS_ENDPOINT_URL again."""
    from passculture.adapters import aws
    from passculture.models import all_models, base

    aws.forget()
    for model in all_models():
        model._connection = None
    base._connection = None

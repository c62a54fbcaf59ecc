"""Makes moto's DynamoDB keep two promises of DynamoDB that the suite relies on.

1. Each request is atomic and isolated. moto's server runs requests on
   concurrent threads without a lock: a transaction checks its conditions and
   then writes, so two racing bookings could both pass ``booked < quantity``
   (and a table copied for a rollback can change size under another request).
   DynamoDB serialises conflicting writes; here every DynamoDB and DynamoDB
   Streams request runs under one lock.
2. A cancelled transaction leaves no trace in the stream. moto applies the
   items that pass, then rolls back by swapping in a copy of each table taken
   before: records of the cancelled writes stay on the old stream shard that
   open iterators still read, and every later record goes to the copy they
   never see. A failed booking (sold out, already booked, an idempotent retry)
   then stopped all booking emails locally. Here the old shard is kept, cut
   back to where it was.

Only the composition roots that run moto (the local runner, the concurrency
tests, the benchmarks) call ``make_dynamodb_faithful``.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.RLock()
_applied = False


def make_dynamodb_faithful() -> None:
    """Patches moto's DynamoDB (once per process)."""
    global _applied
    with _lock:
        if _applied:
            return
        _isolate_requests()
        _keep_stream_shards()
        _applied = True


def _isolate_requests() -> None:
    from moto.dynamodb.responses import DynamoHandler
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    for handler_class in (DynamoHandler, DynamoDBStreamsHandler):
        original = handler_class.call_action

        def call_action(handler: Any, _original: Any = original) -> Any:
            with _lock:
                return _original(handler)

        handler_class.call_action = call_action


def _keep_stream_shards() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.transact_write_items

    def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> Any:
        shards = {}
        for item in transact_items:
            name = next(iter(item.values())).get("TableName")
            table = backend.tables.get(name)
            if table is not None and table.stream_shard is not None:
                shards[name] = (table.stream_shard, len(table.stream_shard.items))
        try:
            return original(backend, transact_items)
        except Exception:
            for name, (shard, length) in shards.items():
                table = backend.tables.get(name)
                if table is not None:
                    del shard.items[length:]
                    shard.table = table
                    table.stream_shard = shard
            raise

    DynamoDBBackend.transact_write_items = transact_write_items

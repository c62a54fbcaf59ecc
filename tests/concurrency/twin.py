"""moto's server on 127.0.0.1, for tests and benchmarks that need real concurrent requests.

In-process ``mock_aws`` patches botocore in the caller's process; a server on a
port is what 200 threads can really race against, as the local runner does.
``infra.twin_fidelity`` gives moto's DynamoDB the per-request atomicity of
DynamoDB: the races left are the ones between requests, which is what the
booking rules must survive. The twin also counts the DynamoDB operations it
answers, for the benchmarks.
"""

from __future__ import annotations

import os
import socket
from collections import Counter
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reset_clients() -> None:
    """Forget every cached client and connection, so the next call reads ``AWS_ENDPOINT_URL`` again."""
    import passculture.models.base as base
    from passculture.adapters.aws import client
    from passculture.models import all_models

    client.cache_clear()
    for model in all_models():
        model._connection = None
    base._connection = None


class MotoTwin:
    """A started moto server with every table, counting the DynamoDB operations it answers."""

    def __init__(self) -> None:
        self.server: Any = None
        self.endpoint = ""
        self.calls: Counter[str] = Counter()
        self._original: Any = None

    def start(self) -> MotoTwin:
        from moto.moto_server.werkzeug_app import MotoRequestHandler
        from moto.server import ThreadedMotoServer

        from infra.twin_fidelity import make_dynamodb_faithful

        MotoRequestHandler.log_request = lambda *args, **kwargs: None
        port = free_port()
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.server.start()
        self.endpoint = f"http://127.0.0.1:{port}"
        make_dynamodb_faithful()
        self.count_operations()
        os.environ["AWS_ENDPOINT_URL"] = self.endpoint
        reset_clients()
        from infra.bootstrap import create_tables, verify_sender

        create_tables()
        verify_sender()
        self.calls.clear()
        return self

    def count_operations(self) -> None:
        from moto.dynamodb.responses import DynamoHandler

        original = self._original = DynamoHandler.call_action
        calls = self.calls

        def call_action(handler: Any) -> Any:
            target = handler.headers.get("X-Amz-Target") or handler.headers.get("x-amz-target") or ""
            calls[target.rpartition(".")[2]] += 1
            return original(handler)

        DynamoHandler.call_action = call_action

    def stop(self) -> None:
        import requests
        from moto.dynamodb.responses import DynamoHandler

        try:
            requests.post(f"{self.endpoint}/moto-api/reset", timeout=10)
        finally:
            self.server.stop()
            if self._original is not None:
                DynamoHandler.call_action = self._original
            os.environ.pop("AWS_ENDPOINT_URL", None)
            reset_clients()

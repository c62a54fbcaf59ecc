"""moto's server as the local AWS twin: started on 127.0.0.1, with DynamoDB's isolation.

Used by the local runner and by the tests that need real concurrent requests.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

_dynamodb_lock = threading.Lock()
_patched = False


def serialise_dynamodb() -> None:
    """Applies each DynamoDB request atomically, as DynamoDB does.

    moto's server runs requests in threads, checks a condition and then
    writes without a lock, and applies a transaction by snapshotting and
    restoring whole tables, which would lose concurrent writes. One lock
    around each DynamoDB request gives the isolation the code relies on.
    """
    global _patched
    if _patched:
        return
    from moto.dynamodb.responses import DynamoHandler

    call_action = DynamoHandler.call_action

    def atomic_call_action(self: Any) -> Any:
        with _dynamodb_lock:
            return call_action(self)

    DynamoHandler.call_action = atomic_call_action
    _patched = True


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


def forget_clients() -> None:
    """Drops every cached AWS client and connection, so the next call reads AWS_ENDPOINT_URL again."""
    from passculture.adapters import aws
    from passculture.models import all_models, base

    aws.client.cache_clear()
    for model in all_models():
        model._connection = None
    base._connection = None

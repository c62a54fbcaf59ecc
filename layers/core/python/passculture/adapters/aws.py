"""AWS clients: one botocore session and one low-level client per service, per container, with short timeouts.

``AWS_ENDPOINT_URL`` (read by botocore itself) points them at the local twin.
They carry the request deadline's hooks (``passculture.transport``).

Plain botocore, not boto3: boto3's session wraps the same clients and costs an
import and a session of its own. The session is shared because each botocore
session loads and parses its own copy of the data files (endpoints, retry
rules, the service model: most of a cold client's cost); pynamodb's
connections are pointed at the one DynamoDB client made here
(``share_pynamodb_client``) instead of each building its own session and
client per model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from passculture import transport
from passculture.config import get_settings

_lock = threading.RLock()  # botocore session and client creation is not thread safe
_made: dict[Any, Any] = {}


def _once(key: Any, make: Callable[[], Any]) -> Any:
    """``make()`` once per container for ``key``, even when threads ask together (no client built twice)."""
    try:
        return _made[key]
    except KeyError:
        pass
    with _lock:
        if key not in _made:
            _made[key] = make()
        return _made[key]


def session() -> Any:
    """The container's botocore session (its loader caches the data files every client reads)."""

    def make() -> Any:
        from botocore.session import get_session

        transport.install()
        return get_session()

    return _once("session", make)


def client(service: str) -> Any:
    """The container's low-level client of ``service``."""
    return _once(("client", service), lambda: _make_client(service))


def _make_client(service: str) -> Any:
    from botocore.config import Config

    config = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3, "mode": "standard"})
    if service == "s3":
        # Regional virtual-host URLs: the global s3.amazonaws.com name redirects for new buckets
        # outside us-east-1, which breaks presigned POSTs. An IP endpoint (the twin) stays path-style.
        config = config.merge(Config(s3={"addressing_style": "virtual"}))
    return session().create_client(service, region_name=get_settings().region, config=config)


def dynamodb_client(region: str, host: str | None, connect: float, read: float, retries: Any, pool: int) -> Any:
    """The DynamoDB client pynamodb's connections share, configured as pynamodb configures its own."""
    key = ("pynamodb", region, host, connect, read, retries, pool)
    return _once(key, lambda: _make_dynamodb_client(region, host, connect, read, retries, pool))


def _make_dynamodb_client(region: str, host: str | None, connect: float, read: float, retries: Any, pool: int) -> Any:
    from botocore.config import Config

    config = Config(
        parameter_validation=False,  # as pynamodb: its requests are well formed
        connect_timeout=connect,
        read_timeout=read,
        max_pool_connections=pool,
        retries=dict(retries) if retries else None,
    )
    return session().create_client("dynamodb", region, endpoint_url=host, config=config)


def share_pynamodb_client() -> None:
    """Every pynamodb ``Connection`` (one per model, one for transactions) uses ``dynamodb_client`` (idempotent)."""
    from pynamodb.connection import base

    if getattr(base.Connection.client, "_passculture_shared", False):
        return

    def shared_client(self: Any) -> Any:
        current = self._client
        if current is None or (current._request_signer and not current._request_signer._credentials):
            if self._retry_configuration != "LEGACY":
                retries = self._retry_configuration
            else:
                retries = {"total_max_attempts": 1 + self._max_retry_attempts_exception, "mode": "standard"}
            key = tuple(sorted(retries.items())) if isinstance(retries, dict) else retries
            if current is not None:  # empty credentials poison a client (pynamodb's own rule): make a new one
                with _lock:
                    for made in [k for k, v in _made.items() if v is current]:
                        del _made[made]
            self._client = dynamodb_client(
                self.region,
                self.host,
                self._connect_timeout_seconds,
                self._read_timeout_seconds,
                key,
                self._max_pool_connections,
            )
        return self._client

    shared_client._passculture_shared = True  # type: ignore[attr-defined]
    base.Connection.client = property(shared_client)  # type: ignore[method-assign,assignment]


def forget() -> None:
    """Drops the session and every client (tests: the next call reads AWS_ENDPOINT_URL again)."""
    with _lock:
        _made.clear()

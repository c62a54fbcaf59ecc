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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


def prefetch(service: str) -> None:
    """Starts making ``service``'s client on a thread, while this one waits on the network; a no-op once made.

    Making a client is CPU (botocore's service model); a cold container's first
    DynamoDB round trips leave the CPU idle, so the client is ready, or nearly,
    when first used. The first use waits for it (``_once``); a failure here is
    raised again there.
    """
    if ("client", service) in _made:
        return
    threading.Thread(target=_prefetched, args=(service,), name=f"prefetch-{service}", daemon=True).start()


def _prefetched(service: str) -> None:
    try:
        client(service)
    except Exception:  # the first use makes it again, and raises
        return


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
    made = session().create_client("dynamodb", region, endpoint_url=host, config=config)
    made._serializer = _PlainJSON(made._serializer)
    return made


_plain: set[int] = set()  # ids of RequestItems (alive while marked) sent as they are


@contextmanager
def plain_request_items(items: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Inside the block, a ``BatchWriteItem`` whose ``RequestItems`` is ``items`` sends them as they are.

    ``items`` must be DynamoDB's JSON already: strings, booleans, lists and maps
    only (numbers as strings, no binary, no None). botocore's walk of the input
    shape, member by member, writes exactly ``json.dumps`` of such items, so the
    DynamoDB client skips it for them (an agenda import's 10,000 items;
    ``models.base.batch_put``). A plain dict, marked by identity: botocore's
    endpoint rules read ``RequestItems`` with jmespath, which wants a real dict.
    """
    with _lock:
        _plain.add(id(items))
    try:
        yield items
    finally:
        with _lock:
            _plain.discard(id(items))


class _PlainJSON:
    """botocore's JSON serializer, but marked ``RequestItems`` go into the body as they are (the same bytes)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def serialize_to_request(self, parameters: Any, operation_model: Any) -> Any:
        import json

        items = parameters.get("RequestItems")
        if items is None or id(items) not in _plain:
            return self._inner.serialize_to_request(parameters, operation_model)
        request = self._inner.serialize_to_request({**parameters, "RequestItems": {}}, operation_model)
        body = json.loads(request["body"])
        body["RequestItems"] = items
        try:
            request["body"] = json.dumps(body).encode("utf-8")
        except (TypeError, ValueError):  # not plain after all (bytes...): botocore's own walk
            return self._inner.serialize_to_request(parameters, operation_model)
        return request

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


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

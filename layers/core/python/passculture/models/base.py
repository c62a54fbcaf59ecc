"""What every table shares: its name from the settings, transport limits, ids and the clock,
transactions reported by label (each with a ``ClientRequestToken``), a read across tables,
and the one retry pause."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from passculture import transport
from passculture.config import get_settings

# uuid5 namespace of the ids and request tokens derived from an intent (an Idempotency-Key...).
DERIVED_NAMESPACE = uuid.UUID("6f1c2a9e-3b7d-5e4f-8a21-c0d9e8f7a6b5")


def new_id() -> str:
    return str(uuid.uuid4())


def derived_id(*parts: str) -> str:
    """The same id for the same parts (uuid5): what a retried intent writes is found again, not duplicated."""
    return str(uuid.uuid5(DERIVED_NAMESPACE, "\x1f".join(parts)))


def utcnow() -> datetime:
    """The current time, aware and in UTC: the only clock the domain reads."""
    return datetime.now(UTC)


def meta_for(short_name: str, *, stream: str | None = None) -> type:
    """A pynamodb ``Meta`` for the table called ``short_name``.

    Timeouts are short because every request path sits behind API Gateway's
    29 s limit (pynamodb's defaults are 15 s connect, 30 s read); the request's
    deadline hooks (``passculture.transport``) go on every client from here on.
    """
    from passculture.adapters.aws import share_pynamodb_client

    transport.install()
    share_pynamodb_client()
    settings = get_settings()
    attrs = {
        "table_name": settings.table_name(short_name),
        "short_name": short_name,
        "region": settings.region,
        "billing_mode": "PAY_PER_REQUEST",
        "connect_timeout_seconds": settings.dynamodb_connect_timeout,
        "read_timeout_seconds": settings.dynamodb_read_timeout,
        "max_retry_attempts": settings.dynamodb_max_retries,
    }
    if stream:
        attrs["stream_view_type"] = stream
    return type("Meta", (), attrs)


def connection() -> Any:
    """One pynamodb connection per container, for transactions (its client is the models' one)."""
    global _connection
    if _connection is None:
        from pynamodb.connection import Connection

        from passculture.adapters.aws import share_pynamodb_client

        transport.install()
        share_pynamodb_client()
        settings = get_settings()
        _connection = Connection(
            region=settings.region,
            connect_timeout_seconds=settings.dynamodb_connect_timeout,
            read_timeout_seconds=settings.dynamodb_read_timeout,
            max_retry_attempts=settings.dynamodb_max_retries,
        )
    return _connection


_connection: Any = None


def backoff(attempt: int, base_seconds: float = 0.02) -> None:
    """Pauses before retry number ``attempt`` (0 first): a random time up to ``base_seconds * 2**attempt``.

    Full jitter: callers that collided once do not collide again in step.
    """
    import random
    import time

    time.sleep(random.uniform(0, base_seconds * 2**attempt))


BATCH_GET_KEYS = 100  # DynamoDB's limit on the keys of one BatchGetItem


def batch_get(wanted: list[tuple[type, dict[str, Any]]], attempts: int = 6) -> dict[type, list[Any]]:
    """Items of several tables in one ``BatchGetItem`` (strongly consistent), by model.

    ``wanted`` is ``[(Model, raw key)]``, e.g. ``(Booking, {"token": {"S": "ABC234"}})``;
    pynamodb's ``batch_get`` is per table, hence the low-level call. More than 100
    keys take one call per 100. Unprocessed keys are asked again after a ``backoff``.
    (``infra/serverless.py`` grants BatchGetItem to the functions whose code calls this.)
    """
    found: dict[type, list[Any]] = {model: [] for model, _ in wanted}
    for start in range(0, len(wanted), BATCH_GET_KEYS):
        _batch_get(wanted[start : start + BATCH_GET_KEYS], found, attempts)
    return found


def _batch_get(wanted: list[tuple[type, dict[str, Any]]], found: dict[type, list[Any]], attempts: int) -> None:
    from pynamodb.constants import BATCH_GET_ITEM

    by_table = {model.Meta.table_name: model for model, _ in wanted}
    request: dict[str, Any] = {}
    for model, key in wanted:
        request.setdefault(model.Meta.table_name, {"Keys": [], "ConsistentRead": True})["Keys"].append(key)
    for attempt in range(attempts):
        data = connection().dispatch(BATCH_GET_ITEM, {"RequestItems": request})
        for table, items in (data.get("Responses") or {}).items():
            found[by_table[table]].extend(by_table[table].from_raw_data(item) for item in items)
        request = data.get("UnprocessedKeys") or {}
        if not request:
            return
        if attempt + 1 < attempts:
            backoff(attempt)
    from passculture.errors import ServiceUnavailable

    # Keys left unprocessed are throttled reads.
    raise ServiceUnavailable(transport.RETRY_AFTER_SECONDS)


class TransactionConflict(Exception):
    """DynamoDB cancelled a transaction because another one held one of its items.

    It says nothing about the data: rebuild the transaction from fresh state and try again.
    """


class AlreadyCommitted(Exception):
    """A transaction with this ``ClientRequestToken`` but other items committed less than 10 minutes ago.

    DynamoDB's IdempotentParameterMismatch: the intent the token names is done
    (an earlier request made it); read back what it wrote instead of writing again.
    """


def _is_conflict(exc: Any) -> bool:
    if exc.cause_response_code in ("TransactionConflictException", "TransactionInProgressException"):
        return True
    return any(r is not None and r.code == "TransactionConflict" for r in exc.cancellation_reasons or [])


def commit_retrying(build: Any, attempts: int = 6, intent: tuple[str, ...] | None = None) -> dict[str, str]:
    """Commits ``build()`` (a fresh ``Transaction`` each time), retrying conflicts after a ``backoff``.

    With an ``intent``, attempt n carries the token ``request_token(*intent, n)``:
    the same in a retried request, never one token for two different sets of items.
    Returns the failed conditions by label; ``Conflict`` when conflicts never cleared.
    """
    from passculture.errors import Conflict

    for attempt in range(attempts):
        tx = build()
        if intent is not None:
            tx.client_request_token = request_token(*intent, str(attempt))
        try:
            return tx.commit()
        except TransactionConflict:
            if attempt + 1 < attempts:
                backoff(attempt)
    raise Conflict("Too many changes at the same time, try again")


def request_token(*intent: str) -> str:
    """A ``ClientRequestToken`` (36 characters) for an intent: a retry of that intent sends the same one."""
    return derived_id("request-token", *intent)


class Transaction:
    """A ``TransactWriteItems`` whose failures are reported by label, not by position.

    pynamodb reorders the items (condition checks, deletes, puts, updates), so
    the cancellation reasons are mapped back through that same order here.

        tx = Transaction()
        tx.update("stock", stock, actions=[...], condition=...)
        tx.save("booking", booking, condition=Booking.token.does_not_exist())
        failed = tx.commit()   # {} on success, else {"stock": "ConditionalCheckFailed", ...}

    Every commit carries a ``ClientRequestToken`` (botocore draws one per call
    when none is given, the same for its retries), so botocore retrying a commit
    whose answer was lost does not apply it twice nor fail on its own writes. A
    token derived from an intent (``request_token``) also makes another
    request's retry of that intent a no-op within DynamoDB's 10 minutes; when
    that retry's items differ, ``commit`` raises ``AlreadyCommitted``.
    A transaction cancelled for throttling raises (the web layer answers 503).
    """

    def __init__(self, client_request_token: str | None = None) -> None:
        self.client_request_token = client_request_token
        self._items: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self._labels: dict[str, list[str]] = {"check": [], "delete": [], "save": [], "update": []}

    def condition_check(
        self, label: str, model_cls: Any, hash_key: Any, range_key: Any = None, condition: Any = None
    ) -> None:
        self._items.append(("condition_check", (model_cls, hash_key, range_key), {"condition": condition}))
        self._labels["check"].append(label)

    def delete(self, label: str, model: Any, condition: Any = None) -> None:
        self._items.append(("delete", (model,), {"condition": condition}))
        self._labels["delete"].append(label)

    def save(self, label: str, model: Any, condition: Any = None) -> None:
        self._items.append(("save", (model,), {"condition": condition}))
        self._labels["save"].append(label)

    def update(self, label: str, model: Any, actions: list[Any], condition: Any = None) -> None:
        self._items.append(("update", (model,), {"actions": actions, "condition": condition}))
        self._labels["update"].append(label)

    def commit(self) -> dict[str, str]:
        """Runs the transaction; returns ``{label: reason code}`` of the items that failed."""
        from pynamodb.exceptions import TransactWriteError
        from pynamodb.transactions import TransactWrite

        tx = TransactWrite(connection=connection(), client_request_token=self.client_request_token)
        for kind, args, kwargs in self._items:
            getattr(tx, kind)(*args, **kwargs)
        try:
            tx._commit()
        except TransactWriteError as exc:
            if _is_conflict(exc):
                raise TransactionConflict from exc
            if exc.cause_response_code == "IdempotentParameterMismatchException":
                raise AlreadyCommitted from exc
            if exc.cause_response_code != "TransactionCanceledException":
                raise
            order = self._labels["check"] + self._labels["delete"] + self._labels["save"] + self._labels["update"]
            reasons = exc.cancellation_reasons or []
            failed = {
                label: reason.code
                for label, reason in zip(order, reasons, strict=False)
                if reason is not None and reason.code not in (None, "None")
            }
            if not failed or any(code != "ConditionalCheckFailed" for code in failed.values()):
                # Throttling (a 503, passculture.transport) or a validation error says nothing about the data.
                raise
            return failed
        return {}


# -- many new items at once (an agenda import's BatchWriteItem) -----------------------

_NEW_PLANS: dict[type, tuple[dict[str, Any], list[tuple[str, Any]]]] = {}


def _new_plan(model_cls: type) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """(attributes by python name, (name, default) of those with a default) of ``model_cls``, read once."""
    plan = _NEW_PLANS.get(model_cls)
    if plan is None:
        attributes = model_cls.get_attributes()  # type: ignore[attr-defined]
        if model_cls._get_discriminator_attribute() is not None:  # type: ignore[attr-defined]
            raise TypeError(f"{model_cls.__name__} has a discriminator: build it with its constructor")
        defaults = []
        for name, attr in attributes.items():
            default = attr.default_for_new if attr.default_for_new is not None else attr.default
            if default is not None:
                defaults.append((name, default))
        plan = _NEW_PLANS[model_cls] = (attributes, defaults)
    return plan


def new_item(model_cls: type, **values: Any) -> Any:
    """``model_cls(**values)`` (a new item: defaults for new items, raw maps from dicts), made quicker for many.

    pynamodb's constructor sets each default and each value through its
    attribute's descriptor; here the attribute values are filled in directly,
    which is what those descriptors store (the python name as key). A dict for
    a ``MapAttribute`` becomes a map as pynamodb makes it; a map already made is
    kept as it is, so the items of one import may share one copy (never change it
    in place: ``stamp`` and ``publication`` assign new values). Unknown names
    are refused as the constructor refuses them. ``tests/unit/test_models_serialised.py``
    holds the items equal to the constructor's.
    """
    from collections.abc import Mapping

    from pynamodb.attributes import MapAttribute

    attributes, defaults = _new_plan(model_cls)
    item = model_cls.__new__(model_cls)
    kept: dict[str, Any] = {}
    for name, default in defaults:
        value = default() if callable(default) else default
        if value is not None:
            kept[name] = value
    for name, value in values.items():
        attr = attributes.get(name)
        if attr is None:
            raise ValueError(f"Attribute {name} specified does not exist")
        if isinstance(attr, MapAttribute) and isinstance(value, Mapping) and not isinstance(value, MapAttribute):
            value = type(attr)(**value)
        kept[name] = value
    item.attribute_values = kept
    return item


def assign_shared(items: list[Any], **values: Any) -> None:
    """``setattr(item, name, value)`` on each of ``items`` (new items of one model), each value converted once.

    A dict for a map attribute becomes one map, shared by every item: the copies
    a new import's stocks carry of their offer. Never change such a map in place.
    """
    if not items:
        return
    first = items[0]
    for name, value in values.items():
        setattr(first, name, value)
    converted = {name: first.attribute_values[name] for name in values if name in first.attribute_values}  # None: unset
    for item in items[1:]:
        item.attribute_values.update(converted)


BATCH_WRITE_LIMIT = 25  # items in one BatchWriteItem (DynamoDB's limit)


def batch_put(model_cls: Any, raw: list[dict[str, Any]]) -> None:
    """One ``BatchWriteItem`` of ``raw`` items (``serialised``, at most 25) into ``model_cls``'s table.

    What DynamoDB leaves unprocessed is sent again after a ``backoff``, at most
    ``max_retry_attempts`` calls in all (then ``PutError``, as pynamodb's
    ``batch_write``); a failed call is a ``PutError`` too. The items go as they
    are (``adapters.aws.plain_request_items``: no second walk by botocore). Safe
    from several threads at once (the client is shared and thread-safe).
    """
    from botocore.exceptions import BotoCoreError, ClientError
    from pynamodb.constants import BATCH_WRITE_ITEM
    from pynamodb.exceptions import PutError

    from passculture.adapters.aws import plain_request_items

    if len(raw) > BATCH_WRITE_LIMIT:
        raise ValueError(f"DynamoDB allows at most {BATCH_WRITE_LIMIT} writes in one BatchWriteItem")
    connection = model_cls._get_connection().connection
    table = model_cls.Meta.table_name
    puts = raw
    for attempt in range(model_cls.Meta.max_retry_attempts):
        if attempt:
            backoff(attempt - 1)
        request = {table: [{"PutRequest": {"Item": item}} for item in puts]}
        try:
            with plain_request_items(request):
                data = connection.dispatch(BATCH_WRITE_ITEM, {"RequestItems": request}) or {}
        except (BotoCoreError, ClientError) as exc:
            raise PutError(f"Failed to batch write items: {exc}", exc) from exc
        unprocessed = (data.get("UnprocessedItems") or {}).get(table)
        if not unprocessed:
            return
        puts = [request["PutRequest"]["Item"] for request in unprocessed]
    raise PutError("Failed to batch write items: max_retry_attempts exceeded")


# -- many items serialised at once (an agenda import's BatchWriteItem) -----------------

_SERIALISE_PLANS: dict[type, list[tuple[str, str, str, Any, str, bool]]] = {}


def _serialise_plan(model_cls: type) -> list[tuple[str, str, str, Any, str, bool]]:
    """(python name, DynamoDB name, type, attribute, how, nullable) for each attribute of ``model_cls``."""
    plan = _SERIALISE_PLANS.get(model_cls)
    if plan is None:
        from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

        how = {UnicodeAttribute: "as-is", NumberAttribute: "number", BooleanAttribute: "bool"}
        how[UTCDateTimeAttribute] = "datetime"
        plan = [
            (name, attr.attr_name, attr.attr_type, attr, how.get(type(attr), "pynamodb"), bool(attr.null))
            for name, attr in model_cls.get_attributes().items()  # type: ignore[attr-defined]
        ]
        _SERIALISE_PLANS[model_cls] = plan
    return plan


def serialised(items: list[Any]) -> list[dict[str, dict[str, Any]]]:
    """Each pynamodb item as its ``serialize()`` gives it (the same maps, the same null checks), quicker for many.

    pynamodb walks each item's attributes through their descriptors and type
    checks; here each model's attributes are listed once, plain strings, numbers
    and booleans are converted in line, and a time seen before (an import's
    ``created_at``, a start shared by many dates) is formatted once. Lists, maps
    and any other attribute type go through pynamodb's own ``serialize``; a map
    shared by several items (``new_item``'s copies) is serialised once.
    ``tests/unit/test_models_serialised.py`` holds it equal to pynamodb's.
    """
    import json

    from pynamodb.attributes import ListAttribute, MapAttribute
    from pynamodb.exceptions import AttributeNullError

    times: dict[datetime, str] = {}
    shared: dict[tuple[str, int], Any] = {}  # (name, id of a map alive in ``items``) -> its serialised form
    out = []
    for item in items:
        values = item.attribute_values
        raw: dict[str, dict[str, Any]] = {}
        for name, attr_name, attr_type, attr, how, nullable in _serialise_plan(type(item)):
            value = values.get(name)
            if value is None:
                if not nullable:
                    raise AttributeNullError(name)
                continue
            if how == "as-is":
                serialised_value = value
            elif how == "number":
                serialised_value = str(value) if type(value) is int else json.dumps(value)
            elif how == "bool":
                serialised_value = bool(value)
            elif how == "datetime":
                serialised_value = times.get(value)
                if serialised_value is None:
                    serialised_value = times[value] = attr.serialize(value)
            elif (serialised_value := shared.get((name, id(value)))) is not None:
                pass
            else:
                if isinstance(value, MapAttribute) and not value.validate(null_check=True):
                    raise ValueError(f"Attribute '{name}' is not correctly typed")
                try:
                    if isinstance(attr, (ListAttribute, MapAttribute)):
                        serialised_value = attr.serialize(value, null_check=True)
                    else:
                        serialised_value = attr.serialize(value)
                except AttributeNullError as exc:
                    exc.prepend_path(name)
                    raise
                if serialised_value is None:
                    if not nullable:
                        raise AttributeNullError(name)
                    continue
                if isinstance(value, MapAttribute):
                    shared[name, id(value)] = serialised_value
            raw[attr_name] = {attr_type: serialised_value}
        out.append(raw)
    return out

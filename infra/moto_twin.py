"""moto's server as the local AWS twin: started on 127.0.0.1, with DynamoDB's isolation.

Used by the local runner, the benchmarks and the tests that need real concurrent requests.
"""

from __future__ import annotations

import copy
import hashlib
import json
import socket
import threading
import time
from collections import OrderedDict
from functools import lru_cache
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
    _transact_in_place()
    _honour_request_tokens()
    _size_items_once()
    _parse_requests_planned()
    _project_plain_names_directly()
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


_moto_item_project: Any = None  # moto's own Item.project, kept for the fidelity test


def _project_plain_names_directly() -> None:
    """An item projected on top-level names (an index's INCLUDE or KEYS_ONLY) converts only those attributes.

    moto's ``Item.project`` turns the whole item into plain Python values
    (``to_regular_json``), picks the names and converts them back: for an
    index whose projection keeps four of an offer's forty attributes, the rest
    is converted for nothing (the agenda import's Query of a link's offers was
    mostly that). The same conversions are applied to the names kept only, in
    the same order, so the projected item is the same; a path (``a.b``,
    ``a[1]``) still goes through moto's own walk.
    """
    from moto.dynamodb.models.dynamo_type import Item, deserializer, serializer

    global _moto_item_project
    project = _moto_item_project = Item.project

    def projecting(item: Any, projection_expressions: list[list[str]]) -> Any:
        if not all(len(path) == 1 and "[" not in path[0] for path in projection_expressions):
            return project(item, projection_expressions)
        kept: dict[str, Any] = {}
        for (name,) in projection_expressions:
            attribute = item.attrs.get(name)
            if attribute is not None:
                kept[name] = deserializer.deserialize(attribute.to_regular_json())
        return Item(hash_key=item.hash_key, range_key=item.range_key, attrs=serializer.serialize(kept)["M"])

    Item.project = projecting


@lru_cache(maxsize=1)
def planned_json_parser() -> Any:
    """moto's ``JSONParser`` with each shape's walk planned once (``_parse_requests_planned``)."""
    from moto.core import parse

    class PlannedJSONParser(parse.JSONParser):
        def _handler(self, shape: Any) -> Any:
            # The class's function, not a method bound to this parser: plans outlive it.
            handler = getattr(type(self), f"_parse_{shape.type_name}", parse.RequestParser._default_handle)
            return None if handler is parse.RequestParser._default_handle else handler  # None: the value as is

        def _plan(self, shape: Any) -> tuple[Any, ...]:
            plan = shape.__dict__.get("_twin_plan")
            if plan is None:
                if shape.type_name == "structure":
                    members = tuple(
                        (member.serialization.get("name", name), name, member, self._handler(member))
                        for name, member in shape.members.items()
                    )
                    plan = (members, {json_name: (name, m, h) for json_name, name, m, h in members})
                elif shape.type_name == "list":
                    plan = (shape.member, self._handler(shape.member))
                else:  # map
                    key, value = shape.key, shape.value
                    plan = (key, self._handler(key), value, self._handler(value))
                shape.__dict__["_twin_plan"] = plan
            return plan

        def _parse_structure(self, shape: Any, value: Any) -> Any:
            if type(value) is not dict or shape.is_document_type:
                return super()._parse_structure(shape, value)
            members, by_json_name = self._plan(shape)
            final = self.MAP_TYPE()
            if len(value) == 1:
                ((json_name, raw),) = value.items()
                found = by_json_name.get(json_name)
                if found is not None and raw is not None:
                    name, member, handler = found
                    final[name] = raw if handler is None else handler(self, member, raw)
                return final
            for json_name, name, member, handler in members:
                raw = value.get(json_name)
                if raw is not None:
                    final[name] = raw if handler is None else handler(self, member, raw)
            return final

        def _parse_list(self, shape: Any, node: Any) -> Any:
            if type(node) is not list:
                return super()._parse_list(shape, node)
            member, handler = self._plan(shape)
            if handler is None:
                return list(node)
            return [handler(self, member, item) for item in node]

        def _parse_map(self, shape: Any, value: Any) -> Any:
            if type(value) is not dict:
                return super()._parse_map(shape, value)
            key_shape, key_handler, value_shape, value_handler = self._plan(shape)
            parsed = self.MAP_TYPE()
            for key, val in value.items():
                actual_key = key if key_handler is None else key_handler(self, key_shape, key)
                parsed[actual_key] = val if value_handler is None else value_handler(self, value_shape, val)
            return parsed

    return PlannedJSONParser


def _parse_requests_planned() -> None:
    """DynamoDB request bodies are read by moto's JSON parser with each shape's walk planned once.

    moto checks every request against botocore's model (``moto.core.parse``):
    for each attribute value it looks up its handler by name and tries the ten
    members of ``AttributeValue`` one by one; on an agenda import's batch
    writes that was about a third of the twin's time. The planned parser
    resolves each shape's handlers once (kept on the shape) and reads a
    one-key structure, such as an attribute value, by its key: the same result
    for every body (same members, same order, same types, same errors).
    """
    from moto.core import parse
    from moto.core.request import determine_request_protocol
    from moto.core.utils import get_service_model
    from moto.dynamodb.responses import DynamoHandler

    def planned_parse_parameters(handler: Any, request: Any) -> None:
        # moto's BaseResponse.parse_parameters, with the planned parser for the JSON protocol.
        service_model = get_service_model(handler.boto3_service_name)
        operation_model = service_model.operation_model(handler._get_action())
        parser_cls = parse.PROTOCOL_PARSERS[determine_request_protocol(service_model, request.content_type)]
        if parser_cls is parse.JSONParser:
            parser_cls = planned_json_parser()
        parser = parser_cls(operation_model, map_type=handler.PROTOCOL_PARSER_MAP_TYPE)
        values = {"method": request.method, "values": request.values, "headers": request.headers}
        values.update(body=request.data, url_path=request.path, url_params=handler.uri_match)
        handler.params = parser.parse(values)

    DynamoHandler.parse_parameters = planned_parse_parameters


def _transact_in_place() -> None:
    """A transaction checks every condition first, then writes; a cancelled one touches nothing.

    moto's own ``transact_write_items`` deep-copies every table the transaction
    touches before applying it (to swap the copies back on a cancellation):
    on a table of thousands of items each booking copied them all (the
    2,000-bookers test grew a worker to 14 GB), and the swap left the
    cancelled writes' stream records on the old table's shard, which open
    iterators read (locally, one failed booking stopped every booking email).
    Here the conditions are evaluated on the current items first (a
    transaction names each item once, so no write can change another's
    condition); a failed one cancels with DynamoDB's reasons and writes
    nothing. Only the items written are copied, and restored (with the stream
    cut back) if a write itself fails.
    """
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType

    def located(backend: Any, table_name: str, key: dict[str, Any]) -> tuple[Any, Any, Any]:
        table = backend.get_table(table_name)
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr is not None else None
        return table, hash_value, range_value

    def restore(table: Any, hash_value: Any, range_value: Any, old: Any) -> None:
        items = table.items[hash_value] if range_value is not None else table.items
        slot = range_value if range_value is not None else hash_value
        if old is None:
            items.pop(slot, None)
        else:
            items[slot] = old

    def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        seen: set[tuple[str, str]] = set()
        planned: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        errors: list[tuple[Any, Any, Any]] = []
        for item in transact_items:
            if len(item) > 1:
                raise TransactWriteSingleOpException
            op_type, op = next(iter(item.items()))
            old_attributes = None
            try:
                if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                    raise ValueError("Unsupported transaction operation")
                table_name = op["TableName"]
                if op_type == "Put":
                    table = backend.get_table(table_name)
                    attrs = op["Item"]
                    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = attrs[table.range_key_attr]
                else:
                    key = op["Key"]
                unique = (str(table_name), str(dict(sorted(key.items()))))
                if unique in seen:
                    raise MultipleTransactionsException()
                seen.add(unique)
                planned.append((op_type, op, key))
                expression = op.get("ConditionExpression")
                if expression is not None:
                    current = backend.get_item(table_name, key)
                    condition = get_filter_expression(
                        expression, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                    )
                    if not condition.expr(current):
                        if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                            old_attributes = current.to_json()["Attributes"]
                        raise ConditionalCheckFailed(item=old_attributes)
                errors.append((None, None, None))
            except (MultipleTransactionsException, MockValidationException):
                raise
            except ConditionalCheckFailed as exc:
                errors.append(("ConditionalCheckFailed", str(exc.message), old_attributes))
            except Exception as exc:  # DynamoDB names any other reason in the cancellation, as moto does
                errors.append((type(exc).__name__, str(exc), None))
        if any(code is not None for code, _, _ in errors):
            raise TransactionCanceledException(errors)

        # Every condition holds: write, keeping a copy of each written item (and the stream's length) to undo.
        undo: list[tuple[Any, Any, Any, Any]] = []
        shards: dict[int, tuple[Any, int]] = {}
        position = 0
        try:
            for position, (op_type, op, key) in enumerate(planned):  # noqa: B007 (read after a failure)
                if op_type == "ConditionCheck":
                    continue
                table, hash_value, range_value = located(backend, op["TableName"], key)
                if table.stream_shard is not None and id(table) not in shards:
                    shards[id(table)] = (table.stream_shard, len(table.stream_shard.items))
                undo.append((table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))))
                names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                if op_type == "Put":
                    backend.put_item(op["TableName"], op["Item"])
                elif op_type == "Delete":
                    backend.delete_item(op["TableName"], key)
                else:
                    backend.update_item(
                        op["TableName"],
                        key,
                        update_expression=op["UpdateExpression"],
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
        except Exception as exc:
            for table, hash_value, range_value, old in reversed(undo):
                restore(table, hash_value, range_value, old)
            for shard, length in shards.values():
                del shard.items[length:]
            if isinstance(exc, MockValidationException):
                raise
            failed = [(None, None, None)] * len(planned)
            failed[position] = (type(exc).__name__, str(exc), None)
            raise TransactionCanceledException(failed) from exc

    DynamoDBBackend.transact_write_items = transact_write_items


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

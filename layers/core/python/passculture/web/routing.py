"""Routes and the error contract, shared by every function's Chalice app.

A function declares its routes on a ``RouteSet`` inside a blueprint factory
(``make_blueprint()``): one fresh Blueprint per app, because registering one
Blueprint object on two apps silently turns POST routes into GET.

Each view goes through ``_dispatch``, which (in this order) refuses a body over
the size limit (413), authenticates inside the function (401/403; a raw Lambda
invocation without a token is refused too), parses JSON and validates it with
pydantic (400 naming every bad field; nesting and numbers bounded; a well-formed
query of a read route is read without pydantic, ``passculture.web.queries``), calls the
handler, and maps domain exceptions to their status, all within the request's
deadline (``passculture.transport``). A throttled, slow or unreachable data store
is a 503 with ``Retry-After``; anything else unexpected is logged with the
request id and answered 500 without a stack trace. Every HTTP event, routed or
not, gets one log line and its route's metrics (``_contract_middleware``): request
id, function, route template, method, status, latency and the caller's kind.

A route names its schemas by class or, to keep pydantic out of the function's
cold import, by reference: ``body="accounts:ProSignupIn"`` is
``passculture.schemas.accounts.ProSignupIn``, imported when a request (or the
OpenAPI generator) first needs it (``schema(ref)``).

A route's docstring is its description in the OpenAPI document (Markdown): the
first line its summary, the whole of it the operation's description.
"""

from __future__ import annotations

import enum
import inspect
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import field
from functools import cache
from importlib import import_module
from typing import Any

from chalice import Blueprint, Chalice, CORSConfig, Response

from passculture import transport
from passculture.adapters import logs, metrics
from passculture.config import get_settings
from passculture.errors import (
    DomainError,
    InvalidInput,
    PayloadTooLarge,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
)
from passculture.records import record
from passculture.web.jsonutil import dumps

logger = logging.getLogger("passculture")

JSON = "application/json"
SCHEMAS_PACKAGE = "passculture.schemas"

# A schema class, or "<module>:<Class>" naming passculture.schemas.<module>.<Class>.
SchemaRef = Any


class Auth(enum.Enum):
    PUBLIC = "public"  # anyone
    USER = "user"  # a bearer access token
    TEAM = "team"  # an access token of a team member
    COUNTERMARK = "countermark"  # an API key, an access token or HTTP Basic (v2 API)
    PROVIDER = "provider"  # a provider's API key (the partner API, /public/...)


@record
class Reply:
    """A reply with a status, headers or a content type other than the route's defaults.

    ``body`` is what a handler would return (a schema, a dict, None) and is sent as
    JSON; with another ``content_type`` it is text, sent as it is (the CSV export).
    """

    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON


@record
class Req:
    """What a handler gets: the validated body and query, and who is calling."""

    raw: Any  # chalice.app.Request
    request_id: str
    body: Any = None
    query: Any = None
    principal: Any = None  # passculture.services.accounts.auth.Principal
    credentials: Any = None  # passculture.services.accounts.auth.Credentials (countermark API)

    @property
    def headers(self) -> Any:
        return self.raw.headers

    @property
    def source_ip(self) -> str:
        return (self.raw.context.get("identity") or {}).get("sourceIp") or "unknown"


@record(frozen=True)
class OtherReply:
    """A success a route answers besides its own status (a replayed booking's 200), for the document."""

    status: int
    description: str
    headers: tuple[tuple[str, str], ...] = ()  # response headers: (name, description)
    has_body: bool = True  # the route's response body, or none (a 304)


@record(frozen=True)
class RouteSpec:
    """One route as the OpenAPI document and serverless.yml see it."""

    path: str
    method: str
    name: str
    summary: str
    auth: Auth
    body: SchemaRef  # None, a class, or a "<module>:<Class>" reference (see ``schema``)
    query: SchemaRef
    response: SchemaRef
    status: int
    errors: tuple[int, ...]
    v2_errors: bool
    produces: tuple[str, ...]
    headers: tuple[tuple[str, str], ...] = ()  # request headers the route reads: (name, description)
    description: str = ""  # the handler's whole docstring (Markdown)
    error_notes: tuple[tuple[int, str], ...] = ()  # what a documented error status means on this route
    response_headers: tuple[tuple[str, str], ...] = ()  # headers of the success answer: (name, description)
    also: tuple[OtherReply, ...] = ()
    deprecated: str = ""  # why, and what to use instead; empty: not deprecated
    partner_errors: bool = False  # the partner API's flat errors (``DomainError.flat`` when set)
    deferred_user: bool = False  # Auth.USER: the token checked, the user read by the service (``Principal.deferred``)


def schema(ref: SchemaRef) -> Any:
    """The schema a route names: ``ref`` itself, or the class a ``"<module>:<Class>"`` reference names."""
    return _resolve(ref) if isinstance(ref, str) else ref


@cache
def _resolve(ref: str) -> Any:
    module_name, name = _split_ref(ref)
    qualified = f"{SCHEMAS_PACKAGE}.{module_name}"
    try:
        module = import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name != qualified:
            raise  # a dependency of the schema module is missing: not the reference's fault
        raise LookupError(f"schema reference {ref!r}: there is no module {qualified}") from exc
    try:
        return getattr(module, name)
    except AttributeError as exc:
        raise LookupError(f"schema reference {ref!r}: {qualified} has no {name}") from exc


def _split_ref(ref: str) -> tuple[str, str]:
    module_name, _, name = ref.partition(":")
    if not name.isidentifier() or not all(part.isidentifier() for part in module_name.split(".")):
        raise ValueError(f"schema reference {ref!r} is not '<module>:<Class>' (a class of {SCHEMAS_PACKAGE})")
    return module_name, name


def _checked(ref: SchemaRef) -> SchemaRef:
    # The form is checked when the route is declared; the class itself on first use.
    if isinstance(ref, str):
        _split_ref(ref)
    return ref


def error_body(errors: dict[str, list[str]], v2: bool = False) -> dict[str, Any]:
    """The contract's error shape; the v2 countermark routes put fields at the top."""
    return dict(errors) if v2 else {"errors": errors}


def _json_response(body: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    all_headers = {"Content-Type": JSON, **(headers or {})}
    return Response(body=dumps(body), status_code=status, headers=all_headers)


def _error_response(exc: DomainError, request_id: str, spec: RouteSpec) -> Response:
    headers = {"X-Request-Id": request_id}
    if isinstance(exc, (RateLimited, ServiceUnavailable)):
        headers["Retry-After"] = str(exc.retry_after)
    if spec.partner_errors and exc.flat is not None:
        return _json_response(exc.flat, exc.status, headers)
    return _json_response(error_body(exc.errors, _flat(spec)), exc.status, headers)


def _flat(spec: RouteSpec) -> bool:
    """Whether the route's errors are fields at the top (v2 and the partner API), not ``{"errors": ...}``."""
    return spec.v2_errors or spec.partner_errors


def pydantic_errors(exc: Any) -> dict[str, list[str]]:
    """A pydantic ValidationError as ``{field path: [messages]}``, using the JSON names."""
    errors: dict[str, list[str]] = {}
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err.get("loc", ()) if p != "__root__"]
        key = ".".join(loc) or "global"
        message = err.get("msg", "Invalid value")
        if err.get("type") == "extra_forbidden":
            message = "extra fields not permitted"  # the partner API's words (its bodies forbid unknown fields)
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        errors.setdefault(key, []).append(message)
    return errors


# No body of the contract nests deeper than a few levels, nor needs a number this long:
# past these, recursion (RecursionError) and int() (over 4,300 digits) would fail as 500s.
MAX_JSON_DEPTH = 32
MAX_NUMBER_CHARS = 64


def _number_text(text: str) -> None:
    if len(text) > MAX_NUMBER_CHARS:
        raise InvalidInput(f"A number in the body is longer than {MAX_NUMBER_CHARS} characters")


def _parse_int(text: str) -> int:
    _number_text(text)
    return int(text)


def _parse_float(text: str) -> float:
    import math

    _number_text(text)
    value = float(text)
    if not math.isfinite(value):
        raise InvalidInput("A number in the body is too large")
    return value


def _parse_constant(name: str) -> Any:
    raise InvalidInput(f"{name} is not a JSON number")


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists or objects more than ``limit`` deep (iteratively: no recursion)."""
    stack = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > limit:
            return True
        children = current.values() if isinstance(current, dict) else current
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _parse_json(raw: bytes | str) -> Any:
    """The body as JSON; a 400 naming the problem for bad text, deep nesting, long or non-finite numbers."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput("The body is not UTF-8 text") from exc
    if not raw.strip():
        return {}
    too_deep = f"The body nests lists or objects more than {MAX_JSON_DEPTH} levels deep"
    try:
        data = json.loads(raw, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"Malformed JSON body: {exc.msg} (line {exc.lineno}, column {exc.colno})") from exc
    except RecursionError as exc:
        raise InvalidInput(too_deep) from exc
    # Fewer brackets than the limit cannot nest deeper than it: most bodies skip the walk.
    brackets = raw.count("[") + raw.count("{")
    if isinstance(data, (dict, list)) and brackets > MAX_JSON_DEPTH and _depth_exceeds(data, MAX_JSON_DEPTH):
        raise InvalidInput(too_deep)
    return data


def validate(model: type, data: Any) -> Any:
    """``model`` validated from ``data``, or ``InvalidInput`` listing every bad field."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(pydantic_errors(exc)) from exc


def _query(ref: SchemaRef, data: dict[str, str]) -> Any:
    """The validated query: by its plain parser when it is sure (no pydantic on a cold read), else by the schema."""
    from passculture.web import queries

    plain = queries.parse(ref, data)
    return plain if plain is not None else validate(schema(ref), data)


def _query_dict(request: Any) -> dict[str, str]:
    params = request.query_params
    if not params:
        return {}
    return {key: params.getlist(key)[-1] for key in params}


def request_id_of(request: Any) -> str:
    context = getattr(request, "lambda_context", None)
    rid = getattr(context, "aws_request_id", None) if context is not None else None
    if not rid and request is not None:
        rid = (request.context or {}).get("requestId")
    return rid or str(uuid.uuid4())


class RouteSet:
    """A fresh Blueprint plus the specs of its routes."""

    def __init__(self, import_name: str) -> None:
        self.blueprint = Blueprint(import_name)
        self.specs: list[RouteSpec] = []
        self.blueprint.route_specs = self.specs  # type: ignore[attr-defined]

    def route(
        self,
        path: str,
        method: str,
        *,
        auth: Auth = Auth.USER,
        body: SchemaRef = None,
        query: SchemaRef = None,
        response: SchemaRef = None,
        status: int = 200,
        summary: str = "",
        errors: Iterable[int] | Mapping[int, str] = (),
        v2_errors: bool = False,
        produces: Iterable[str] = (JSON,),
        headers: Iterable[tuple[str, str]] = (),
        response_headers: Iterable[tuple[str, str]] = (),
        also: Iterable[OtherReply] = (),
        deprecated: str = "",
        partner_errors: bool = False,
        deferred_user: bool = False,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declares a route; ``errors`` lists the statuses its handler answers (or maps each to what it means)."""

        def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
            description = inspect.cleandoc(handler.__doc__ or "")
            notes = dict(errors) if isinstance(errors, Mapping) else {}
            spec = RouteSpec(
                path=path,
                method=method.upper(),
                name=handler.__name__,
                summary=summary or description.split("\n")[0],
                auth=auth,
                body=_checked(body),
                query=_checked(query),
                response=_checked(response),
                status=status,
                errors=tuple(sorted(set(errors) | _implied_errors(auth, body, query))),
                v2_errors=v2_errors,
                produces=tuple(produces),
                headers=tuple(headers),
                description=description,
                error_notes=tuple(sorted(notes.items())),
                response_headers=tuple(response_headers),
                also=tuple(also),
                deprecated=deprecated,
                partner_errors=partner_errors,
                deferred_user=deferred_user,
            )
            blueprint = self.blueprint

            def view(**path_params: str) -> Response:
                return _dispatch(spec, handler, blueprint.current_request, path_params)

            view.__name__ = handler.__name__
            view.__doc__ = handler.__doc__
            # Any content type is read as JSON: a wrong header must not cost a 415.
            blueprint.route(path, methods=[spec.method], content_types=["*/*"], cors=cors_config())(view)
            self.specs.append(spec)
            return handler

        return decorate

    def get(self, path: str, **kw: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(path, "GET", **kw)

    def post(self, path: str, **kw: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(path, "POST", **kw)

    def patch(self, path: str, **kw: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(path, "PATCH", **kw)

    def put(self, path: str, **kw: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(path, "PUT", **kw)

    def delete(self, path: str, **kw: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(path, "DELETE", **kw)


# Browsers (the pro portal) call the API from another origin; credentials are
# bearer tokens, never cookies, so no Allow-Credentials.
CORS_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "Accept")
CORS_EXPOSED = ("Retry-After", "X-Request-Id", "X-Next-Cursor", "Link", "Content-Disposition")


def cors_config() -> CORSConfig:
    return CORSConfig(
        allow_origin=get_settings().cors_allow_origin,
        allow_headers=list(CORS_HEADERS),
        expose_headers=list(CORS_EXPOSED),
        max_age=600,
    )


def _implied_errors(auth: Auth, body: SchemaRef, query: SchemaRef) -> set[int]:
    """What the dispatcher itself may answer on this route, whatever its handler does."""
    implied: set[int] = {500}
    if auth is not Auth.PUBLIC:
        implied.add(401)
    if auth is Auth.TEAM:
        implied.add(403)
    if body is not None or query is not None:
        implied.add(400)
    if body is not None:
        implied.add(413)
    implied.add(503)  # any route may find the data store throttled or slow (passculture.transport)
    return implied


def _dispatch(spec: RouteSpec, handler: Callable[..., Any], request: Any, path_params: dict[str, str]) -> Response:
    request_id = request_id_of(request)
    try:
        with transport.deadline(_deadline_seconds(request)):
            req = Req(raw=request, request_id=request_id)
            raw_body = request.raw_body or b""
            if len(raw_body) > get_settings().max_body_bytes:
                raise PayloadTooLarge(f"The body is larger than {get_settings().max_body_bytes} bytes")
            _authenticate(spec, req)
            request.caller_kind = caller_kind(req)
            if spec.body is not None:
                req.body = validate(schema(spec.body), _parse_json(raw_body))
            if spec.query is not None:
                req.query = _query(spec.query, _query_dict(request))
            result = handler(req, **path_params)
        return _to_response(result, spec.status, request_id)
    except DomainError as exc:
        return _error_response(exc, request_id, spec)
    except Exception as exc:
        busy = transport.unavailable(exc)
        if busy is not None:
            logger.warning("unavailable request_id=%s route=%s %s: %r", request_id, spec.method, spec.path, exc)
            return _error_response(busy, request_id, spec)
        logger.exception("unhandled error request_id=%s route=%s %s", request_id, spec.method, spec.path)
        return _json_response(
            error_body({"global": [f"Internal error (request id {request_id})"]}, _flat(spec)),
            500,
            {"X-Request-Id": request_id},
        )


# Time kept, under the Lambda's own timeout, to answer once the data store gave up.
ANSWER_MARGIN_SECONDS = 1.0


def _deadline_seconds(request: Any) -> float:
    """``REQUEST_DEADLINE_SECONDS``, or less when the Lambda itself has less time left."""
    seconds = get_settings().request_deadline_seconds
    context = getattr(request, "lambda_context", None)
    remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
    if callable(remaining_ms):
        seconds = min(seconds, remaining_ms() / 1000 - ANSWER_MARGIN_SECONDS)
    return seconds


def _authenticate(spec: RouteSpec, req: Req) -> None:
    if spec.auth is Auth.PUBLIC:
        return
    authorization = req.headers.get("authorization")
    if spec.auth is Auth.PROVIDER:
        req.credentials = _provider_credentials(authorization)
        return
    if spec.auth is Auth.COUNTERMARK:
        from passculture.services.accounts.auth import parse_authorization

        req.credentials = parse_authorization(authorization)
        if req.credentials is None:
            raise Unauthorized("Authentication is required", field="global")
        return
    from passculture.services.accounts.auth import authenticate_user

    req.principal = authenticate_user(authorization, defer=spec.deferred_user and spec.auth is Auth.USER)
    if spec.auth is Auth.TEAM:
        req.principal.require_team()


def _provider_credentials(authorization: str | None) -> Any:
    """A well-formed provider key (verified by the service, with what it reads); 401 otherwise."""
    from passculture.rules.partners import parse_provider_key
    from passculture.services.accounts.auth import Credentials

    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or parse_provider_key(value.strip()) is None:
        from passculture.errors import flat

        raise flat(Unauthorized("API key required", field="auth"), {"auth": "API key required"})
    return Credentials("provider_key", value.strip())


def caller_kind(req: Req) -> str:
    """Who is calling, for the logs: anonymous, user, team, api_key or basic (a v2 access token: user)."""
    if req.credentials is not None:
        return {"token": "user"}.get(req.credentials.kind, req.credentials.kind)
    if req.principal is not None:
        return "team" if getattr(req.principal, "is_team", False) else "user"
    return "anonymous"


def _to_response(result: Any, status: int, request_id: str) -> Response:
    headers = {"X-Request-Id": request_id}
    if isinstance(result, Reply):
        if result.content_type != JSON:
            text_headers = {"Content-Type": result.content_type, **headers, **result.headers}
            return Response(body=result.body or "", status_code=result.status, headers=text_headers)
        status, headers, result = result.status, {**headers, **result.headers}, result.body
    if result is None:
        return Response(body="", status_code=204 if status in (200, 204) else status, headers=headers)
    if hasattr(result, "model_dump"):
        result = result.model_dump(by_alias=True, mode="json")
    return _json_response(result, status, headers)


# -- the app -------------------------------------------------------------------


def _contract_middleware(app: Chalice) -> Callable[..., Any]:
    """Keeps Chalice's own answers inside the contract.

    An event whose resource this function does not serve is a 404 (Chalice
    would raise a KeyError, hence a 500); Chalice's 405/415 bodies
    (``{"Code", "Message"}``) are rewritten to ``{"errors": ...}``.
    """

    def middleware(event: Any, get_response: Callable[..., Any]) -> Response:
        started = time.perf_counter()
        with metrics.batch():
            resource = (getattr(event, "context", None) or {}).get("resourcePath")
            if event is None or resource not in app.routes:
                response = _json_response(
                    error_body({"global": ["Not found"]}), 404, {"X-Request-Id": request_id_of(event)}
                )
            else:
                response = get_response(event)
                body = response.body
                if isinstance(body, dict) and set(body) == {"Code", "Message"}:
                    response.body = dumps(error_body({"global": [str(body["Message"])]}))
                    response.headers["Content-Type"] = JSON
            _log_request(app.app_name, event, resource if resource in app.routes else None, response, started)
        return response

    return middleware


def _log_request(function: str, event: Any, resource: str | None, response: Response, started: float) -> None:
    """The request's line and its route's metrics; ``resource`` is None for a path this function does not serve."""
    status = response.status_code
    method = getattr(event, "method", None) or "-"
    # Routes are a closed set of templates; anything else is one dimension value, not one per path.
    route = f"{method} {resource}" if resource else "unrouted"
    fields = {
        "requestId": response.headers.get("X-Request-Id") or request_id_of(event),
        "function": function,
        "route": resource or "-",
        "method": method,
        "status": status,
        "latencyMs": round((time.perf_counter() - started) * 1000, 1),
        "caller": getattr(event, "caller_kind", "anonymous"),
    }
    level = logging.ERROR if status >= 500 else logging.INFO
    logs.line(f"{method} {resource or '-'} {status}", level, **fields)
    values = {"HttpRequests": 1, "Http4xx": int(400 <= status < 500), "Http5xx": int(status >= 500)}
    metrics.emit(values, function=function, route=route)


def create_app(name: str, *blueprint_factories: Callable[[], Blueprint]) -> Chalice:
    """A function's Chalice app, from fresh blueprints (none for a function without routes) and the error contract."""
    app = Chalice(app_name=name)
    app.debug = False
    app.route_specs = []  # type: ignore[attr-defined]
    for factory in blueprint_factories:
        blueprint = factory()
        app.register_blueprint(blueprint)
        app.route_specs.extend(getattr(blueprint, "route_specs", []))  # type: ignore[attr-defined]
    app.register_middleware(_contract_middleware(app), "http")
    _configure_logging()
    logs.install()
    return app


def _configure_logging() -> None:
    # Lambda's root logger has a handler but stays at WARNING: our own INFO lines
    # (who validated a countermark, ...) must still reach CloudWatch.
    logger.setLevel(logging.INFO)
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(levelname)s %(name)s %(message)s")

"""The OpenAPI 3.1 document, generated from the route specs and pydantic schemas.

``build_document`` runs at build time (``make gen``) over every function's app;
the result is committed as ``passculture/openapi.json`` (a test keeps it in
step with the routes) and served as is by ``GET /openapi.json``, rendered by
``GET /docs``, so no function imports the others.

Each operation is its route: the handler's docstring is its description, the
body schema's ``examples`` its request examples, and its answers are the
route's status, the errors it declares and those the dispatcher may give on
any route (400 and 413 with a body, 401 with credentials, 403 for the team's
routes, 500 everywhere), each with the one error shape of its family
(``#/components/schemas/Error``, ``V2Error`` on the v2 countermark routes,
``PartnerError`` on the partner API).
"""

from __future__ import annotations

import json
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from passculture.web.routing import JSON, Auth, RouteSpec, schema

DOCUMENT_PATH = Path(__file__).resolve().parent.parent / "openapi.json"
ERROR = "#/components/schemas/Error"
V2_ERROR = "#/components/schemas/V2Error"
PARTNER_ERROR = "#/components/schemas/PartnerError"

STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No content",
    304: "Not modified: the `ETag` given in `If-None-Match` is current",
    308: "Permanent redirect",
    400: "Invalid input: every bad field is listed, by its JSON name",
    401: "No credentials, or bad ones",
    403: "Authenticated, but not allowed",
    404: "Unknown, or not yours to see (both answered alike)",
    409: "Conflict with the current state",
    410: "Gone",
    413: "The body is larger than 1 MB",
    429: "Rate limited: try again after `Retry-After` seconds",
    500: "Unexpected error: the body and `X-Request-Id` give the request id to report",
    502: "A partner system called on the way (ticketing) failed: try again after `Retry-After` seconds",
    503: "The data store is busy or slow: try again after `Retry-After` seconds",
    504: "A partner system called on the way (ticketing) did not answer in time: try again after `Retry-After` seconds",
}

# Who may call, said in words: the security schemes alone do not tell a user from the team.
AUTH_TEXT = {
    Auth.PUBLIC: "**Authentication**: none.",
    Auth.USER: "**Authentication**: an access token (`Authorization: Bearer <accessToken>`) from `POST /users/signin`.",
    Auth.TEAM: "**Authentication**: an access token of a member of the Pass Culture team (the `team` role).",
    Auth.COUNTERMARK: (
        "**Authentication**: a structure's API key (`Authorization: Bearer <apiKey>`), the access token of one of "
        "its members, or HTTP Basic `email:password` of a member."
    ),
    Auth.PROVIDER: (
        "**Authentication**: a provider's API key (`Authorization: Bearer <env>_<12 hex>_<64 hex>`), from the team; "
        "200 requests a minute per key."
    ),
}

PATH_PARAMETERS = {
    "siren": "The structure's SIREN: 9 digits",
    "userId": "A user's id (`user.id` in the signup, signin and `GET /admin/users` answers)",
    "token": "A countermark: 6 characters, matched case-insensitively (trimmed, upper-cased)",
    "prefix": "The API key's display prefix, as listed",
    "asset": "A file name of the page (an allow-list)",
    "providerId": "The agenda link's id (`id` in the venue's `GET /venues/{id}/providers`)",
    "department": 'A department code: "01" to "95", "2A", "2B" or "971" to "976"',
    "offerId": "The offer's id",
    "event_id": "The event's integer id (`id` in its creation's answer)",
    "price_category_id": "The price category's integer id",
    "stock_id": "The date's integer id (`id` in `GET .../dates`)",
    "product_id": "The product's integer id (`id` in its creation's answer)",
}
PATH_PARAMETER_TEXT = {
    ("/users/validate/{token}", "token"): "The token at the end of the confirmation link's `/validate/<token>`",
    ("/admin/providers/{providerId}", "providerId"): "The provider's integer id",
    ("/admin/providers/{providerId}/api-keys", "providerId"): "The provider's integer id",
    ("/admin/providers/{providerId}/api-keys/{prefix}", "providerId"): "The provider's integer id",
    ("/admin/providers/{providerId}/api-keys/{prefix}", "prefix"): "The key's prefix, `<env>_<12 hex>`",
    ("/venues/{id}/partners/{providerId}", "providerId"): "The provider's integer id (`GET /providers`)",
    ("/public/providers/v1/venues/{venue_id}", "venue_id"): "The venue's integer id, as the partner API shows it",
    ("/offers/{id}/price-categories/{categoryId}", "categoryId"): "The price category's integer id",
    ("/public/offers/v1/venues/{siret}", "siret"): "The venue's SIRET: 14 digits",
}
# `{id}` is the id of the thing the segment before it names.
ID_OF = {"venues": "The venue's id", "offers": "The offer's id", "stocks": "The stock's id"}

TEXT_CONTENT = {
    "text/csv": (
        "CSV: `;`-separated, decimal comma, CRLF lines, UTF-8 with a BOM before the header row (first chunk "
        "only); cells a spreadsheet would run as formulas are neutralised"
    ),
}

TAGS = {
    "accounts": "Signup, signin, email confirmation, the current user, structures and their members; this document",
    "bookings": "The app side: the feed around a point, an offer's public page, booking, my bookings, cancelling",
    "countermarks": (
        "The v2 countermark API (ticketing systems and the Guichet), a structure's API keys and its transactions "
        "(JSON and CSV); the Guichet page"
    ),
    "offers": "Venues, offers, their dates and stocks, and image uploads (the pro portal)",
    "partners": (
        "The partner API (`/public/bookings/v1`, `/public/offers/v1`, `/public/providers/v1`: providers' keys) "
        "and the team's providers and their keys"
    ),
    "openagenda": "A venue's agenda links (OpenAgenda or any iCalendar feed) and their imports, kept up to date hourly",
    "validation": "The Pass Culture team: validating structures, changing rights and roles, the validation queues",
    "territories": (
        "A department's referents: local validation and highlights of its offers, labelled local credit "
        "programmes, and (in the test phase) the validation of its structures"
    ),
}

SERVERS = [
    {
        "url": "https://{apiId}.execute-api.{region}.amazonaws.com/{stage}",
        "description": "Deployed: a stage of the REST API (`serverless info --stage <stage>` prints its URL)",
        "variables": {
            "apiId": {"default": "abcdef1234", "description": "The REST API's id"},
            "region": {"default": "eu-west-3"},
            "stage": {"default": "prod"},
        },
    },
    {"url": "http://127.0.0.1:8000", "description": "Local: `make run` (another port with `PORT=...`)"},
]

HEADERS = {
    "X-Request-Id": {
        "description": "This request's id, also in the function's log lines: give it when reporting a problem",
        "schema": {"type": "string"},
    },
    "Retry-After": {
        "description": "Seconds to wait before the next attempt",
        "schema": {"type": "integer", "minimum": 1},
    },
}

ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "description": (
            "Every error but the v2 countermark routes': each bad field (by its JSON name, `global` for the "
            "request as a whole) with its messages"
        ),
        "required": ["errors"],
        "properties": {
            "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}
        },
        "examples": [
            {
                "errors": {
                    "email": ["An email address looks like name@example.org (at most 254 characters)"],
                    "siren": ["A SIREN is 9 digits with a valid Luhn check digit"],
                }
            }
        ],
    },
    "PartnerError": {
        "type": "object",
        "description": (
            "The partner API's errors, in pass Culture's published shape: fields (or `global`, `auth`) at the top "
            "level, each with a message or a list of messages"
        ),
        "additionalProperties": {
            "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        },
        "examples": [{"global": "This countermark cannot be found"}, {"auth": ["Inactive provider"]}],
    },
    "V2Error": {
        "type": "object",
        "description": (
            "The v2 countermark routes' errors, in Pass Culture's published shape: fields at the top level, "
            "`global` for the request as a whole"
        ),
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
        "examples": [{"booking": ["Cette réservation a déjà été validée"], "usedAt": ["2026-05-01T20:03:00+00:00"]}],
    },
}


@lru_cache(maxsize=1)
def load_document() -> dict[str, Any]:
    return json.loads(DOCUMENT_PATH.read_text())


def _model_schema(model: Any, components: dict[str, Any]) -> dict[str, Any]:
    if model is None or model is dict:
        return {"type": "object"}
    if model is list:
        return {"type": "array", "items": {}}
    if not hasattr(model, "model_json_schema"):
        from pydantic import TypeAdapter

        return TypeAdapter(model).json_schema(ref_template="#/components/schemas/{model}")
    schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = definition
    name = model.__name__
    components[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


def body_examples(model: Any) -> list[Any]:
    """The request examples a body schema gives (its JSON schema's ``examples``)."""
    return list(model.model_json_schema(by_alias=True).get("examples") or [])


def _query_parameters(model: Any) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        parameter = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if prop.get("description"):
            parameter["description"] = prop["description"]
        parameters.append(parameter)
    return parameters


def _headers(pairs: tuple[tuple[str, str], ...], *, retry_after: bool = False) -> dict[str, Any]:
    headers: dict[str, Any] = {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}
    if retry_after:
        headers["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
    for name, text in pairs:
        headers[name] = {"description": text, "schema": {"type": "string"}}
    return headers


def _content(spec: RouteSpec, components: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = {}
    for ctype in spec.produces:
        if ctype == JSON:
            content[ctype] = {"schema": _model_schema(schema(spec.response), components)}
        else:
            text = {"type": "string"}
            if ctype in TEXT_CONTENT:
                text["description"] = TEXT_CONTENT[ctype]
            content[ctype] = {"schema": text}
    return content


def _description(spec: RouteSpec) -> str:
    parts = [spec.description, AUTH_TEXT[spec.auth]]
    if spec.deprecated:
        parts.append(f"**Deprecated**: {spec.deprecated}")
    return "\n\n".join(part for part in parts if part)


def _request_body(spec: RouteSpec, components: dict[str, Any]) -> dict[str, Any]:
    model = schema(spec.body)
    media: dict[str, Any] = {"schema": _model_schema(model, components)}
    examples = body_examples(model)
    if len(examples) == 1:
        media["example"] = examples[0]
    elif examples:
        media["examples"] = {f"example {i}": {"value": value} for i, value in enumerate(examples, 1)}
    return {"required": True, "content": {JSON: media}}


def _operation(spec: RouteSpec, function: str, components: dict[str, Any]) -> dict[str, Any]:
    params: list[dict[str, Any]] = []
    parts = spec.path.split("/")
    for before, part in pairwise(parts):
        if part.startswith("{"):
            name = part[1:-1]
            param = {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            text = PATH_PARAMETER_TEXT.get((spec.path, name)) or PATH_PARAMETERS.get(name)
            if name == "id":
                text = ID_OF.get(before)
            if text:
                param["description"] = text
            params.append(param)
    params += _query_parameters(schema(spec.query))
    params += [
        {"name": name, "in": "header", "required": False, "description": text, "schema": {"type": "string"}}
        for name, text in spec.headers
    ]
    operation: dict[str, Any] = {
        "operationId": f"{function}.{spec.name}",
        "tags": [function],
        "summary": spec.summary,
        "description": _description(spec),
        "parameters": params,
    }
    if spec.deprecated:
        operation["deprecated"] = True
    if spec.auth is Auth.PUBLIC:
        operation["security"] = []
    elif spec.auth is Auth.COUNTERMARK:
        operation["security"] = [{"accessToken": []}, {"apiKey": []}, {"basic": []}]
    elif spec.auth is Auth.PROVIDER:
        operation["security"] = [{"providerKey": []}]
    else:
        operation["security"] = [{"accessToken": []}]
    if spec.body is not None:
        operation["requestBody"] = _request_body(spec, components)

    responses: dict[str, Any] = {}
    success: dict[str, Any] = {
        "description": STATUS_TEXT.get(spec.status, "OK"),
        "headers": _headers(spec.response_headers),
    }
    if spec.status != 204:
        success["content"] = _content(spec, components)
    responses[str(spec.status)] = success
    for other in spec.also:
        answer: dict[str, Any] = {"description": other.description, "headers": _headers(other.headers)}
        if other.has_body and spec.status != 204:
            answer["content"] = _content(spec, components)
        responses[str(other.status)] = answer
    notes = dict(spec.error_notes)
    ref = PARTNER_ERROR if spec.partner_errors else V2_ERROR if spec.v2_errors else ERROR
    error = {JSON: {"schema": {"$ref": ref}}}
    for status in spec.errors:
        responses[str(status)] = {
            "description": notes.get(status) or STATUS_TEXT.get(status, "Error"),
            "headers": _headers((), retry_after=status in (429, 502, 503, 504)),
            "content": error,
        }
    operation["responses"] = dict(sorted(responses.items()))
    return operation


def build_document(apps: dict[str, Any], description: str = "") -> dict[str, Any]:
    """The document for ``{function name: Chalice app}``; ``description`` (Markdown) introduces it."""
    paths: dict[str, dict[str, Any]] = {}
    components: dict[str, Any] = {}
    for function, app in sorted(apps.items()):
        for spec in sorted(app.route_specs, key=lambda s: (s.path, s.method)):
            paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec, function, components)
    clashes = set(components) & set(ERROR_SCHEMAS)
    if clashes:
        raise ValueError(f"schemas named like the error components: {sorted(clashes)}")
    components.update(ERROR_SCHEMAS)
    tags = sorted({tag for methods in paths.values() for op in methods.values() for tag in op["tags"]})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Pass Culture Pro API",
            "version": "1.0.0",
            "description": description
            or "The pro portal, the mobile app and partners' ticketing systems call this API.",
        },
        "servers": SERVERS,
        "tags": [{"name": tag, "description": TAGS[tag]} if tag in TAGS else {"name": tag} for tag in tags],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.items())),
            "headers": HEADERS,
            "securitySchemes": {
                "accessToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "From `POST /users/signin`",
                },
                "apiKey": {"type": "http", "scheme": "bearer", "description": "A structure's API key (v2 routes only)"},
                "basic": {"type": "http", "scheme": "basic", "description": "A member's `email:password` (v2 only)"},
                "providerKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A provider's API key (the partner API, `/public/...`)",
                },
            },
        },
    }

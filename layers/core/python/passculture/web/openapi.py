"""The OpenAPI 3 document, generated from the route specs and pydantic schemas.

``build_document`` runs at build time (``make gen``) over every function's app;
the result is committed as ``passculture/openapi.json`` (a test keeps it in
step with the routes) and served as is, so no function imports the others.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from passculture.web.routing import Auth, RouteSpec, schema

DOCUMENT_PATH = Path(__file__).resolve().parent.parent / "openapi.json"

_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No content",
    400: "Invalid input: every bad field is listed",
    401: "No or bad credentials",
    403: "Not allowed",
    404: "Unknown, or not yours to see",
    409: "Conflict with the current state",
    410: "Gone",
    413: "Body too large",
    429: "Rate limited; see Retry-After",
    503: "The data store is busy or slow; retry after Retry-After",
}


@lru_cache(maxsize=1)
def load_document() -> dict[str, Any]:
    return json.loads(DOCUMENT_PATH.read_text())


def _error_schema(v2: bool) -> dict[str, Any]:
    fields = {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}
    if v2:
        return fields
    return {"type": "object", "required": ["errors"], "properties": {"errors": fields}}


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


def _query_parameters(model: Any) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def _operation(spec: RouteSpec, function: str, components: dict[str, Any]) -> dict[str, Any]:
    params = [
        {"name": part[1:-1], "in": "path", "required": True, "schema": {"type": "string"}}
        for part in spec.path.split("/")
        if part.startswith("{")
    ]
    params += _query_parameters(schema(spec.query))
    params += [
        {"name": name, "in": "header", "required": False, "description": text, "schema": {"type": "string"}}
        for name, text in spec.headers
    ]
    operation: dict[str, Any] = {
        "operationId": f"{function}.{spec.name}",
        "tags": [function],
        "summary": spec.summary,
        "parameters": params,
        "responses": {},
    }
    if spec.auth is Auth.PUBLIC:
        operation["security"] = []
    elif spec.auth is Auth.COUNTERMARK:
        operation["security"] = [{"accessToken": []}, {"apiKey": []}, {"basic": []}]
    else:
        operation["security"] = [{"accessToken": []}]
    if spec.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _model_schema(schema(spec.body), components)}},
        }
    success: dict[str, Any] = {"description": _STATUS_TEXT.get(spec.status, "OK")}
    if spec.status != 204:
        response = schema(spec.response)
        success["content"] = {ctype: {"schema": _model_schema(response, components)} for ctype in spec.produces}
    operation["responses"][str(spec.status)] = success
    error = {"application/json": {"schema": _error_schema(spec.v2_errors)}}
    for status in spec.errors:
        operation["responses"][str(status)] = {"description": _STATUS_TEXT.get(status, "Error"), "content": error}
    return operation


def build_document(apps: dict[str, Any]) -> dict[str, Any]:
    """The document for ``{function name: Chalice app}``."""
    paths: dict[str, dict[str, Any]] = {}
    components: dict[str, Any] = {}
    for function, app in sorted(apps.items()):
        for spec in sorted(app.route_specs, key=lambda s: (s.path, s.method)):
            paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec, function, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Pass Culture Pro API",
            "version": "1.0.0",
            "description": "The pro portal, the mobile app and partners' ticketing systems call this API.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {
                "accessToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "apiKey": {"type": "http", "scheme": "bearer", "description": "A structure's API key"},
                "basic": {"type": "http", "scheme": "basic"},
            },
        },
    }

"""Routes may name their schemas as ``"<module>:<Class>"``: resolved on first use, and every one resolves."""

from __future__ import annotations

import pytest
from chalice.test import Client

from infra.catalog import load_apps
from infra.generate import generated_files
from passculture.schemas.accounts import ProSignupIn
from passculture.schemas.base import PageQuery
from passculture.web import Auth, RouteSet, create_app, routing
from passculture.web.openapi import DOCUMENT_PATH
from passculture.web.routing import schema


def test_a_reference_names_a_class_of_passculture_schemas():
    assert schema("accounts:ProSignupIn") is ProSignupIn
    assert schema("base:PageQuery") is PageQuery


def test_classes_and_none_are_taken_as_they_are():
    assert schema(PageQuery) is PageQuery
    assert schema(dict) is dict
    assert schema(None) is None


def test_a_reference_is_imported_once(monkeypatch):
    imported = []
    real_import = routing.import_module
    monkeypatch.setattr(routing, "import_module", lambda name: imported.append(name) or real_import(name))
    routing._resolve.cache_clear()
    assert schema("stocks:StockOut") is schema("stocks:StockOut")
    assert imported == ["passculture.schemas.stocks"]


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("nosuchmodule:Thing", "there is no module passculture.schemas.nosuchmodule"),
        ("accounts:NoSuchClass", "passculture.schemas.accounts has no NoSuchClass"),
    ],
)
def test_a_reference_to_nothing_fails_loudly_on_first_use(ref, message):
    with pytest.raises(LookupError, match=message):
        schema(ref)


@pytest.mark.parametrize("ref", ["ProSignupIn", "accounts.ProSignupIn", "accounts:", ":ProSignupIn", "a b:C"])
def test_a_malformed_reference_is_refused_when_the_route_is_declared(ref):
    routes = RouteSet(__name__)
    with pytest.raises(ValueError, match="is not '<module>:<Class>'"):
        routes.post("/things", body=ref)(lambda req: None)


def test_a_route_validates_with_the_schema_its_reference_names():
    def blueprint():
        routes = RouteSet(__name__)

        @routes.get("/things", auth=Auth.PUBLIC, query="base:PageQuery")
        def things(req):
            return {"type": type(req.query).__name__, "limit": req.query.limit}

        return routes.blueprint

    with Client(create_app("schema-refs-test", blueprint)) as client:
        # A well-formed page query is read without pydantic (passculture.web.queries); any other, by the schema.
        assert client.http.get("/things?limit=5").json_body == {"type": "Values", "limit": 5}
        assert client.http.get("/things?limit=05").json_body == {"type": "PageQuery", "limit": 5}
        refused = client.http.get("/things?limit=0")
        assert refused.status_code == 400 and list(refused.json_body["errors"]) == ["limit"]


def test_every_reference_of_every_function_resolves_to_a_schema():
    for function, app in load_apps().items():
        for spec in app.route_specs:
            where = f"{function}: {spec.method} {spec.path}"
            for ref in (spec.body, spec.query):
                assert ref is None or hasattr(schema(ref), "model_validate"), where
            assert spec.response in (None, dict, list, str) or hasattr(schema(spec.response), "model_json_schema"), (
                where
            )


def test_the_committed_openapi_document_is_current():
    assert DOCUMENT_PATH.read_text() == generated_files()[DOCUMENT_PATH], "run `make gen` and commit the result"

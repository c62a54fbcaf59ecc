"""The OpenAPI document is valid, and says what a client needs of every route.

Every operation has a description (its handler's docstring, more than a summary
line), every body an example that the server itself accepts, every answer its
`X-Request-Id`, every error one of the two error components, every 429 its
`Retry-After`; the v2 routes are deprecated, the CSV export is text/csv.
"""

from __future__ import annotations

import pytest

from infra.catalog import load_apps
from infra.generate import openapi_document
from passculture.web.openapi import body_examples
from passculture.web.routing import schema

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def document():
    return openapi_document()


def operations(document):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def specs():
    for function, app in sorted(load_apps().items()):
        for spec in app.route_specs:
            yield pytest.param(spec, id=f"{function}:{spec.method} {spec.path}")


def test_the_document_is_valid_openapi_3_1(document):
    from openapi_spec_validator import validate

    validate(document)
    assert document["openapi"].startswith("3.1")


def test_every_route_of_every_function_is_an_operation(document):
    documented = {name for name, _ in operations(document)}
    routes = {f"{spec.method} {spec.path}" for app in load_apps().values() for spec in app.route_specs}
    assert documented == routes


def test_the_document_names_the_deployed_and_the_local_servers(document):
    servers = document["servers"]
    deployed = servers[0]
    assert deployed["url"] == "https://{apiId}.execute-api.{region}.amazonaws.com/{stage}"
    assert set(deployed["variables"]) == {"apiId", "region", "stage"}
    assert all("default" in variable for variable in deployed["variables"].values())
    assert {"url": "http://127.0.0.1:8000"}.items() <= servers[1].items()


def test_the_introduction_is_the_contract_of_docs_api_md(document):
    from infra.generate import API_INTRODUCTION

    assert document["info"]["description"] == API_INTRODUCTION.read_text(encoding="utf-8").strip()
    assert '{"errors": {"<field or global>"' in document["info"]["description"]


@pytest.mark.parametrize("spec", list(specs()))
def test_every_route_has_a_docstring_that_says_more_than_its_summary(spec):
    lines = spec.description.splitlines()
    assert lines and lines[0] == spec.summary, "the docstring's first line is the summary"
    body = " ".join(line for line in lines[1:] if line.strip())
    assert len(body) >= 40, f"{spec.name}: say what the route does beyond its summary (a paragraph after it)"
    assert "``" not in spec.description, "descriptions are Markdown: `code`, not ``code``"


def test_every_operation_has_its_summary_and_description(document):
    for name, operation in operations(document):
        assert operation["summary"], name
        assert operation["description"].startswith(operation["summary"]), name
        assert "**Authentication**" in operation["description"], name


@pytest.mark.parametrize("spec", [p for p in specs() if p.values[0].body is not None])
def test_every_request_body_has_examples_that_the_route_accepts(spec):
    model = schema(spec.body)
    examples = body_examples(model)
    assert examples, f"{spec.body} has no examples (schemas.base.examples)"
    for example in examples:
        # What the dispatcher runs on a body: an example that fails here would be a 400 in "Try it out".
        model.model_validate(example)


def test_the_document_shows_each_body_s_examples(document):
    for name, operation in operations(document):
        if "requestBody" not in operation:
            continue
        media = operation["requestBody"]["content"]["application/json"]
        assert "example" in media or len(media["examples"]) > 1, name


def test_errors_are_the_three_error_components_referenced_everywhere(document):
    schemas = document["components"]["schemas"]
    assert schemas["Error"]["required"] == ["errors"]
    assert "properties" not in schemas["V2Error"]  # the published v2 shape: fields at the top level
    assert "properties" not in schemas["PartnerError"]  # the partner API's: the same, with bare strings too
    for name, operation in operations(document):
        path = name.split(" ")[1]
        component = "V2Error" if path.startswith("/v2/") else "PartnerError" if path.startswith("/public/") else "Error"
        for status, answer in operation["responses"].items():
            if int(status) < 400:
                continue
            assert answer["content"] == {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}
            }, (name, status)


def test_every_route_documents_the_errors_the_dispatcher_may_answer(document):
    for name, operation in operations(document):
        statuses = set(operation["responses"])
        assert "500" in statuses, name
        if operation["security"]:
            assert "401" in statuses, name
        if "requestBody" in operation:
            assert {"400", "413"} <= statuses, name
        if any(p["in"] == "query" for p in operation["parameters"]):
            assert "400" in statuses, name


def test_the_team_s_routes_document_their_403(document):
    for name, operation in operations(document):
        if name.split(" ")[1].startswith("/admin/"):
            assert "403" in operation["responses"], name


def test_every_answer_names_its_request_id_and_every_429_its_retry_after(document):
    headers = document["components"]["headers"]
    assert set(headers) >= {"X-Request-Id", "Retry-After"}
    for name, operation in operations(document):
        for status, answer in operation["responses"].items():
            assert answer["headers"]["X-Request-Id"] == {"$ref": "#/components/headers/X-Request-Id"}, (name, status)
            if status == "429":
                assert answer["headers"]["Retry-After"] == {"$ref": "#/components/headers/Retry-After"}, name


def test_route_specific_errors_say_what_they_mean_on_that_route(document):
    signup = document["paths"]["/users/signup"]["post"]["responses"]
    assert signup["409"]["description"] == "The email address is already used"
    use = document["paths"]["/v2/bookings/use/token/{token}"]["patch"]["responses"]
    assert "72 hours" in use["403"]["description"]


def test_a_replayed_booking_is_a_200_with_its_header(document):
    responses = document["paths"]["/bookings"]["post"]["responses"]
    assert responses["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/BookingCreated"}
    assert responses["200"]["content"] == responses["201"]["content"]
    assert "Idempotent-Replayed" in responses["200"]["headers"]


def test_the_csv_export_is_text_csv_with_its_paging_headers(document):
    answer = document["paths"]["/bookings/pro"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/TransactionPage"}
    csv = answer["content"]["text/csv"]["schema"]
    assert csv["type"] == "string" and "BOM" in csv["description"]
    assert {"X-Next-Cursor", "Link", "Content-Disposition"} <= set(answer["headers"])


def test_the_v2_routes_are_deprecated_in_favour_of_the_partner_api(document):
    for name, operation in operations(document):
        if "/v2/" in name:
            assert operation.get("deprecated") is True, name
            assert "/public/bookings/v1" in operation["description"], name
        else:
            assert "deprecated" not in operation, name


def test_every_tag_is_described(document):
    used = {tag for _, operation in operations(document) for tag in operation["tags"]}
    assert {tag["name"] for tag in document["tags"]} == used
    assert all(tag.get("description") for tag in document["tags"])


def test_path_parameters_are_described(document):
    for name, operation in operations(document):
        for parameter in operation["parameters"]:
            if parameter["in"] == "path":
                assert parameter.get("description"), (name, parameter["name"])

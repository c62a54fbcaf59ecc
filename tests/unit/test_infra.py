"""The deployable description (serverless.yml and its generated parts) matches the code."""

from __future__ import annotations

import inspect
import json
import re
import zipfile
from pathlib import Path

import pytest
from pynamodb.attributes import TTLAttribute
from pynamodb.indexes import GlobalSecondaryIndex, LocalSecondaryIndex

from infra import package, serverless
from infra.catalog import EVENT_SOURCES, FUNCTIONS, load_app
from passculture.models import all_models

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def service():
    return serverless.load_service()


@pytest.fixture(scope="module")
def resources(service):
    merged = {}
    for part in service["resources"]:
        merged.update(part["Resources"])
    return merged


def test_generated_parts_of_serverless_yml_are_current():
    stale = [
        str(path.relative_to(ROOT))
        for path, content in serverless.generated_files().items()
        if not path.exists() or path.read_text() != content
    ]
    assert stale == [], "run `make gen` and commit the result"


# -- functions and their events -----------------------------------------------------


def http_events(definition):
    return {(e["http"]["path"], e["http"]["method"].upper()) for e in definition.get("events", []) if "http" in e}


def test_every_function_is_deployed_with_its_handler_and_artifact(service):
    assert list(service["functions"]) == list(FUNCTIONS)
    for name, definition in service["functions"].items():
        assert definition["handler"] == f"functions/{name}/app.handler"
        assert definition["package"]["artifact"] == f"build/functions/{name}.zip"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_http_events_are_exactly_the_chalice_routes_of_the_function(service, name):
    routes = {(path, method) for path, methods in load_app(name).routes.items() for method in methods}
    events = http_events(service["functions"][name])
    assert routes - events == set(), "Chalice routes with no http event (run `make gen`)"
    assert events - routes == set(), "http events with no Chalice route behind them"


def test_http_events_use_the_rest_api_proxy_with_chalice_path_templates(service):
    for definition in service["functions"].values():
        for event in definition.get("events", []):
            assert "httpApi" not in event, "Chalice only understands REST (v1 payload) events"
            if "http" in event:
                assert "{proxy+}" not in event["http"]["path"]
                assert set(event["http"]) == {"path", "method", "cors"}  # browsers' preflight


def test_a_new_route_shows_up_as_an_http_event():
    from chalice import Chalice

    app = Chalice(app_name="probe")
    app.route("/offers/{offer_id}/image", methods=["POST", "GET"])(lambda offer_id: {})
    assert serverless.http_events(app) == [
        {"http": {"path": "/offers/{offer_id}/image", "method": "get", "cors": "${self:custom.cors}"}},
        {"http": {"path": "/offers/{offer_id}/image", "method": "post", "cors": "${self:custom.cors}"}},
    ]


def test_schedules_come_from_the_catalog(service):
    for name in FUNCTIONS:
        expected = [s["rate"] for s in EVENT_SOURCES.get(name, ()) if s["kind"] == "schedule"]
        events = [e["schedule"] for e in service["functions"][name]["events"] if "schedule" in e]
        assert [rate for event in events for rate in event["rate"]] == expected
        assert all(event["enabled"] for event in events)


def test_stream_events_read_the_table_stream_and_report_failed_items(service, resources):
    sources = [(n, s) for n in FUNCTIONS for s in EVENT_SOURCES.get(n, ()) if s["kind"] == "dynamodb"]
    assert sources, "notify reads the bookings stream"
    for name, source in sources:
        (stream,) = [e["stream"] for e in service["functions"][name]["events"] if "stream" in e]
        table = serverless.table_logical_id(source["table"])
        assert stream["type"] == "dynamodb"
        assert stream["arn"] == {"Fn::GetAtt": [table, "StreamArn"]}
        assert stream["functionResponseType"] == "ReportBatchItemFailures"
        assert stream["bisectBatchOnFunctionError"] is True
        assert 1 <= stream["batchSize"] <= 100
        queue = stream["destinations"]["onFailure"]["arn"]["Fn::GetAtt"][0]
        assert resources[queue]["Type"] == "AWS::SQS::Queue"
        assert resources[table]["Properties"]["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"


def test_an_s3_source_becomes_a_bucket_notification_with_its_permission(monkeypatch):
    import infra.catalog

    monkeypatch.setitem(
        infra.catalog.EVENT_SOURCES,
        "offers",
        ({"kind": "s3", "prefix": "uploads/"}, {"kind": "s3", "prefix": "imports/", "suffix": ".png"}),
    )
    media = serverless.media_document()["Resources"]
    bucket = media["MediaBucket"]
    first, second = bucket["Properties"]["NotificationConfiguration"]["LambdaConfigurations"]
    target = {"Fn::GetAtt": ["OffersLambdaFunction", "Arn"]}
    assert first == {
        "Event": "s3:ObjectCreated:*",
        "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "uploads/"}]}},
        "Function": target,
    }
    assert second["Filter"]["S3Key"]["Rules"] == [
        {"Name": "prefix", "Value": "imports/"},
        {"Name": "suffix", "Value": ".png"},
    ]
    permission = media["OffersLambdaPermissionMediaS3"]
    assert bucket["DependsOn"] == ["OffersLambdaPermissionMediaS3"]
    assert permission["Properties"]["FunctionName"] == target
    assert permission["Properties"]["Principal"] == "s3.amazonaws.com"
    assert permission["Properties"]["SourceArn"] == serverless.media_bucket_arn()
    # Serverless must not also create a bucket for it.
    offers = serverless.functions_document()["offers"]
    assert not [e for e in offers["events"] if "s3" in e]


def test_an_unknown_event_kind_is_refused():
    with pytest.raises(ValueError, match="unknown event kind"):
        serverless.source_events("offers", ({"kind": "sqs"},))


# -- tables ---------------------------------------------------------------------------


def expected_keys(attributes):
    keys = [{"AttributeName": a.attr_name, "KeyType": "HASH"} for a in attributes if a.is_hash_key]
    return keys + [{"AttributeName": a.attr_name, "KeyType": "RANGE"} for a in attributes if a.is_range_key]


def model_indexes(model, kind):
    return sorted(
        (index for _, index in inspect.getmembers(model, lambda v: isinstance(v, kind))),
        key=lambda index: index.Meta.index_name,
    )


@pytest.mark.parametrize("model", all_models(), ids=lambda m: m.Meta.short_name)
def test_table_resource_matches_its_model(resources, model):
    table = resources[serverless.table_logical_id(model.Meta.short_name)]
    properties = table["Properties"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    assert properties["TableName"] == "${self:custom.tablePrefix}" + model.Meta.short_name
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"] == {"SSEEnabled": True}

    attributes = list(model.get_attributes().values())
    assert properties["KeySchema"] == expected_keys(attributes)

    key_attributes = {a.attr_name: a.attr_type for a in attributes if a.is_hash_key or a.is_range_key}
    for kind, section in (
        (GlobalSecondaryIndex, "GlobalSecondaryIndexes"),
        (LocalSecondaryIndex, "LocalSecondaryIndexes"),
    ):
        indexes = model_indexes(model, kind)
        expected = []
        for index in indexes:
            index_attributes = list(index.Meta.attributes.values())
            key_attributes.update({a.attr_name: a.attr_type for a in index_attributes})
            projection = {"ProjectionType": index.Meta.projection.projection_type}
            if getattr(index.Meta.projection, "non_key_attributes", None):
                projection["NonKeyAttributes"] = index.Meta.projection.non_key_attributes
            expected.append(
                {
                    "IndexName": index.Meta.index_name,
                    "KeySchema": expected_keys(index_attributes),
                    "Projection": projection,
                }
            )
        assert properties.get(section, []) == expected
    # CloudFormation refuses attribute definitions that no key uses.
    assert {a["AttributeName"]: a["AttributeType"] for a in properties["AttributeDefinitions"]} == key_attributes
    assert len(properties["AttributeDefinitions"]) == len(key_attributes)

    stream = getattr(model.Meta, "stream_view_type", None)
    assert properties.get("StreamSpecification") == ({"StreamViewType": stream} if stream else None)
    ttl = [a.attr_name for a in attributes if isinstance(a, TTLAttribute)]
    expected_ttl = {"AttributeName": ttl[0], "Enabled": True} if ttl else None
    assert properties.get("TimeToLiveSpecification") == expected_ttl


def test_there_is_one_table_per_model_and_no_other(resources):
    tables = {key for key, r in resources.items() if r["Type"] == "AWS::DynamoDB::Table"}
    assert tables == {serverless.table_logical_id(m.Meta.short_name) for m in all_models()}


def test_rate_limits_expire_with_ttl(resources):
    assert resources["RateLimitsTable"]["Properties"]["TimeToLiveSpecification"]["Enabled"] is True


def test_table_names_follow_the_prefix_the_code_reads(service):
    from passculture.config import get_settings

    assert service["custom"]["tablePrefix"] == "passculture-${sls:stage}-"
    assert service["provider"]["environment"]["TABLE_PREFIX"] == "${self:custom.tablePrefix}"
    # The code's default prefix has the same shape, so the local twin names tables alike.
    assert get_settings().table_prefix == f"passculture-{get_settings().stage}-"


# -- provider, layer, bucket, API ---------------------------------------------------------


def test_provider_is_python311_rest_in_paris_with_a_dev_default_stage(service):
    provider = service["provider"]
    assert service["frameworkVersion"] == "3"
    assert provider["name"] == "aws"
    assert provider["runtime"] == "python3.11"
    assert provider["region"] == "eu-west-3"
    assert provider["stage"] == "${opt:stage, 'dev'}"
    assert provider["timeout"] < 29, "API Gateway gives up after 29 s"
    assert provider["layers"] == [{"Ref": "CoreLambdaLayer"}]


def test_the_core_layer_is_built_for_lambda_and_not_slimmed(service):
    layer = service["layers"]["core"]
    assert layer["path"] == "build/layers/core"
    assert layer["compatibleRuntimes"] == ["python3.11"]
    assert layer["compatibleArchitectures"] == ["x86_64"]
    assert "slim" not in json.dumps(service)


def test_environment_names_are_settings_the_code_reads(service):
    environment = service["provider"]["environment"]
    config = (ROOT / "layers/core/python/passculture/config.py").read_text()
    read = set(re.findall(r'_(?:str|int|bool)\("([A-Z0-9_]+)"', config))
    assert set(environment) <= read
    assert {"STAGE", "TABLE_PREFIX", "MEDIA_BUCKET", "JWT_SECRET_PARAMETER", "MAIL_SENDER", "TEAM_EMAIL"} <= set(
        environment
    )
    assert "JWT_SECRET" not in environment, "production reads the secret from SSM, never from the template"
    assert environment["JWT_SECRET_PARAMETER"] == "/passculture/${sls:stage}/jwt-secret"
    assert environment["MEDIA_BUCKET"] == "${self:custom.mediaBucket}"


def test_media_bucket_is_private_encrypted_retained_and_accepts_browser_posts(resources):
    bucket = resources["MediaBucket"]
    properties = bucket["Properties"]
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
    assert properties["BucketName"] == "${self:custom.mediaBucket}"
    assert set(properties["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(properties["PublicAccessBlockConfiguration"]) == 4
    assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    (rule,) = properties["CorsConfiguration"]["CorsRules"]
    assert "POST" in rule["AllowedMethods"]
    assert rule["AllowedOrigins"]


def test_unknown_routes_are_a_json_404_like_the_local_server(resources):
    from infra.local import NOT_FOUND

    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::ApiGateway::GatewayResponse"
    }
    missing = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert missing["StatusCode"] == "404"
    assert json.loads(missing["ResponseTemplates"]["application/json"]) == NOT_FOUND
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        template = responses[kind]["ResponseTemplates"]["application/json"]
        sample = template.replace("$context.error.messageString", '"Too many requests"')
        assert set(json.loads(sample)) == {"errors"}
    for response in responses.values():
        assert response["RestApiId"] == {"Ref": "ApiGatewayRestApi"}


# -- IAM ----------------------------------------------------------------------------


def statements(service):
    return {s["Sid"]: s for s in service["provider"]["iam"]["role"]["statements"]}


def test_role_reaches_every_table_and_its_indexes_and_nothing_else(service):
    found = statements(service)
    tables = [serverless.table_logical_id(m.Meta.short_name) for m in all_models()]
    assert found["Tables"]["Resource"] == [{"Fn::GetAtt": [t, "Arn"]} for t in tables]
    indexed = [
        serverless.table_logical_id(m.Meta.short_name)
        for m in all_models()
        if model_indexes(m, GlobalSecondaryIndex) or model_indexes(m, LocalSecondaryIndex)
    ]
    index_tables = [r["Fn::Join"][1][0]["Fn::GetAtt"][0] for r in found["Indexes"]["Resource"]]
    assert index_tables == indexed
    assert all(r["Fn::Join"][1][1] == "/index/*" for r in found["Indexes"]["Resource"])
    for statement in found.values():
        assert statement["Effect"] == "Allow"
        assert all("*" not in action for action in statement["Action"]), "no wildcard actions"
        assert "*" not in statement["Resource"]


def test_role_reads_only_the_jwt_secret_parameter_and_sends_only_as_the_sender(service):
    found = statements(service)
    assert found["JwtSecret"]["Action"] == ["ssm:GetParameter"]
    (parameter,) = found["JwtSecret"]["Resource"]
    assert parameter["Fn::Join"][1][-1] == service["provider"]["environment"]["JWT_SECRET_PARAMETER"]
    assert found["Email"]["Action"] == ["ses:SendEmail"]
    assert found["Email"]["Condition"] == {"StringEquals": {"ses:FromAddress": "${param:mailSender}"}}
    assert service["provider"]["environment"]["MAIL_SENDER"] == "${param:mailSender}"
    (objects,) = found["Media"]["Resource"]
    assert objects == serverless.media_bucket_arn("/*")


def test_scan_is_granted_only_while_lambda_code_scans(monkeypatch):
    monkeypatch.setattr(serverless, "lambda_sources", lambda: "Offer.query(venue_id)\n")
    assert "dynamodb:Scan" not in serverless.dynamodb_actions()
    monkeypatch.setattr(serverless, "lambda_sources", lambda: "for p in Provider.scan():\n")
    assert "dynamodb:Scan" in serverless.dynamodb_actions()


# -- packaging ----------------------------------------------------------------------


def test_layer_requirements_are_the_pins_without_chalice():
    requirements = package.runtime_requirements()
    assert all("==" in line for line in requirements)
    assert not [line for line in requirements if line.lower().startswith("chalice")]
    assert (
        len(requirements)
        == len([line for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line]) - 1
    )


def test_function_zip_holds_only_its_folder_with_unchecked_pyc(tmp_path, monkeypatch):
    monkeypatch.setattr(package, "BUILD", tmp_path)
    monkeypatch.setattr(package, "FUNCTIONS_DIR", tmp_path / "functions")
    package.build_functions(("accounts",))
    archive = tmp_path / "functions" / "accounts.zip"
    names = zipfile.ZipFile(archive).namelist()
    assert "functions/__init__.py" in names
    assert "functions/accounts/app.py" in names
    assert all(n.startswith(("functions/accounts/", "functions/__init__", "functions/__pycache__/")) for n in names)
    pyc = [n for n in names if n.endswith(".pyc")]
    assert "functions/accounts/__pycache__/app.cpython-311.pyc" in pyc
    for name in pyc:
        flags = int.from_bytes(zipfile.ZipFile(archive).read(name)[4:8], "little")
        assert flags == 0b01, "hash-based and never checked: Lambda's task folder is read-only"
    first = archive.read_bytes()
    package.build_functions(("accounts",))
    assert archive.read_bytes() == first, "an unchanged function zips to the same bytes"


def test_template_routes_follow_resources_up_to_the_root():
    template = {
        "Resources": {
            "ApiGatewayResourceOffers": {
                "Type": "AWS::ApiGateway::Resource",
                "Properties": {
                    "ParentId": {"Fn::GetAtt": ["ApiGatewayRestApi", "RootResourceId"]},
                    "PathPart": "offers",
                },
            },
            "ApiGatewayResourceOffersOfferidVar": {
                "Type": "AWS::ApiGateway::Resource",
                "Properties": {"ParentId": {"Ref": "ApiGatewayResourceOffers"}, "PathPart": "{offer_id}"},
            },
            "ApiGatewayMethodOffersOfferidVarGet": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "HttpMethod": "GET",
                    "ResourceId": {"Ref": "ApiGatewayResourceOffersOfferidVar"},
                    "Integration": {"Uri": {"Fn::Join": ["", [{"Fn::GetAtt": ["OffersLambdaFunction", "Arn"]}]]}},
                },
            },
        }
    }
    assert package.template_routes(template) == {("OffersLambdaFunction", "GET", "/offers/{offer_id}")}

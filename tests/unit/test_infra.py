"""The deployable description (serverless.yml and its generated parts) matches the code."""

from __future__ import annotations

import ast
import inspect
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pynamodb.attributes import TTLAttribute
from pynamodb.indexes import GlobalSecondaryIndex, LocalSecondaryIndex

# Imported at collection, before any test creates a botocore client: bench.counting hooks botocore then.
from bench.api import Api
from bench.counting import count_dynamodb_calls
from bench.registry import discover
from infra import package, serverless
from infra.catalog import EVENT_SOURCES, FUNCTIONS, load_app
from infra.reach import imports_in, module_file, reach, reached_source
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


def test_each_function_s_timeout_and_retries_are_the_catalog_s_that_the_local_runner_enforces(service):
    from infra import catalog

    assert service["provider"]["timeout"] == catalog.DEFAULT_TIMEOUT_SECONDS
    for name in FUNCTIONS:
        assert service["functions"][name]["timeout"] == catalog.timeout(name)
    (stream,) = [e["stream"] for e in service["functions"]["notify"]["events"] if "stream" in e]
    for key, value in catalog.STREAM_DELIVERY.items():
        assert stream[key] == value
    assert 0 < stream["maximumRecordAgeInSeconds"] < 24 * 3600, "the stream keeps records 24 h"


def test_functions_invoked_asynchronously_park_what_still_fails_in_their_queue(service, resources):
    from infra import catalog

    asynchronous = [n for n in FUNCTIONS if catalog.invoked_asynchronously(n)]
    # the image check and the schedules (notify's retries the parked ticket cancellations)
    assert asynchronous == ["offers", "openagenda", "notify", "territories"]
    for name in FUNCTIONS:
        definition = service["functions"][name]
        if name not in asynchronous:
            assert "destinations" not in definition and "maximumRetryAttempts" not in definition
            continue
        assert definition["maximumRetryAttempts"] == catalog.ASYNC_DELIVERY["maximumRetryAttempts"] == 2
        assert definition["maximumEventAge"] == catalog.ASYNC_DELIVERY["maximumEventAge"]
        failure = definition["destinations"]["onFailure"]
        assert failure["type"] == "sqs"
        (queue, attribute) = failure["arn"]["Fn::GetAtt"]
        assert attribute == "Arn"
        properties = resources[queue]["Properties"]
        assert resources[queue]["Type"] == "AWS::SQS::Queue"
        assert properties["QueueName"] == catalog.failure_queue_name(name, "${sls:stage}")
        assert properties["MessageRetentionPeriod"] == 14 * 24 * 3600
        assert properties["SqsManagedSseEnabled"] is True
        # The function's own role sends there (Serverless grants nothing to a custom role).
        sent = statements(service, resources, name)["AsyncFailures"]
        assert sent["Action"] == ["sqs:SendMessage"] and sent["Resource"] == [failure["arn"]]
    for name in FUNCTIONS:
        if name not in asynchronous:
            assert "AsyncFailures" not in statements(service, resources, name)


def test_a_parked_email_raises_the_alarm_of_its_stage(service, resources):
    from passculture.adapters.metrics import NAMESPACE

    alarm = resources["EmailsParkedAlarm"]
    assert alarm["Type"] == "AWS::CloudWatch::Alarm"
    properties = alarm["Properties"]
    # The metric notify and the accounts emails emit (EMF), summed over 5 minutes, alarming from 1.
    assert (properties["Namespace"], properties["MetricName"]) == (NAMESPACE, "EmailsParked")
    assert properties["Dimensions"] == [{"Name": "stage", "Value": "${sls:stage}"}]
    assert (properties["Statistic"], properties["Period"], properties["EvaluationPeriods"]) == ("Sum", 300, 1)
    assert (properties["Threshold"], properties["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert properties["TreatMissingData"] == "notBreaching"
    # It notifies the stage's SNS topic, and nothing when the param is empty (the default).
    topic = {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
    assert properties["AlarmActions"] == topic
    conditions, parameters = {}, {}
    for part in service["resources"]:
        conditions.update(part.get("Conditions") or {})
        parameters.update(part.get("Parameters") or {})
    assert conditions["HasAlarmTopic"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}]}
    assert parameters["AlarmTopicArn"]["Default"] == "${param:alarmTopicArn}"
    assert service["params"]["default"]["alarmTopicArn"] == ""


def test_notify_s_lease_outlives_its_invocation_and_it_parks_before_lambda_gives_up():
    from infra import catalog
    from passculture.config import get_settings

    settings = get_settings()
    assert settings.notify_lease_seconds > catalog.timeout("notify")
    # N failed attempts, or N timeouts and the delivery after them that parks: all within Lambda's
    # deliveries of one record (the first and its retries), so the email is parked, not left behind.
    assert settings.notify_max_attempts + 1 <= 1 + catalog.STREAM_DELIVERY["maximumRetryAttempts"]


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
    assert service["frameworkVersion"] == "4"  # osls 4
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


def gateway_responses(resources):
    return {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::ApiGateway::GatewayResponse"
    }


def test_unknown_routes_are_a_json_404_like_the_local_server(resources):
    from infra.local import NOT_FOUND

    responses = gateway_responses(resources)
    missing = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert missing["StatusCode"] == "404"
    assert json.loads(missing["ResponseTemplates"]["application/json"]) == NOT_FOUND
    for response in responses.values():
        assert response["RestApiId"] == {"Ref": "ApiGatewayRestApi"}


def test_every_gateway_response_carries_cors_headers_and_the_error_shape(resources):
    from passculture.web.routing import CORS_EXPOSED, CORS_HEADERS

    assert package.gateway_response_problems(resources, "${param:corsOrigin}") == []
    throttled = gateway_responses(resources)["THROTTLED"]
    assert throttled["StatusCode"] == "429"
    assert throttled["ResponseParameters"]["gatewayresponse.header.Retry-After"] == "'1'"
    # The same headers as the functions' own answers and API Gateway's preflight.
    parameters = gateway_responses(resources)["DEFAULT_5XX"]["ResponseParameters"]
    allowed = parameters["gatewayresponse.header.Access-Control-Allow-Headers"].strip("'").split(",")
    assert allowed == list(CORS_HEADERS)
    assert parameters["gatewayresponse.header.Access-Control-Expose-Headers"].strip("'").split(",") == list(
        CORS_EXPOSED
    )


def test_the_gateway_response_check_finds_a_response_without_cors_or_shape(resources):
    broken = json.loads(json.dumps(resources))
    throttled = next(r for r in broken.values() if r["Properties"].get("ResponseType") == "THROTTLED")
    del throttled["Properties"]["ResponseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"]
    throttled["Properties"]["ResponseTemplates"]["application/json"] = '{"message": "Too Many Requests"}'
    problems = package.gateway_response_problems(broken, "${param:corsOrigin}")
    assert len(problems) == 2 and all(p.startswith("GatewayResponseThrottled:") for p in problems)
    assert "no gateway response for DEFAULT_5XX" in package.gateway_response_problems({}, "*")


# -- IAM: one role per function, granting what its code reaches -------------------------

# What the import walk finds today, written out so a change to it is a visible diff.
EXPECTED_TABLES = {
    # The emails that could not be sent are parked whole in failed_mails.
    # territories: the confirmation grants the department's running local credits.
    "accounts": {
        *("users", "uniques", "offerers", "memberships", "venues", "wallets", "rate_limits", "failed_mails"),
        "territories",
    },
    # A structure's offers are republished by the offers function's job, not here: no stocks.
    # rate_limits: accounts.offerers, which it reads structures with, also counts join-request emails.
    "validation": {"users", "uniques", "offerers", "memberships", "venues", "offers", "failed_mails", "rate_limits"},
    # providers, venue_providers: a venue's grants to providers. territories: a deleted stock's
    # cancelled bookings give their local programmes' spent totals back.
    "offers": {
        *("users", "uniques", "offerers", "memberships", "venues", "offers", "stocks", "bookings", "wallets"),
        *("providers", "venue_providers", "territories", "failed_mails", "stock_shards"),
    },
    # The app side never reads a structure's members. Ticketing (every function that books or cancels):
    # the offer's provider and its grant, and the ticket cancellations parked in failed_mails.
    "bookings": {
        *("users", "uniques", "offerers", "venues", "offers", "stocks", "bookings", "wallets", "territories"),
        *("providers", "venue_providers", "failed_mails", "stock_shards"),
    },
    "countermarks": {
        *("users", "uniques", "offerers", "memberships", "venues", "offers", "stocks", "bookings", "wallets"),
        *("api_keys", "rate_limits", "territories", "providers", "venue_providers", "failed_mails"),
        "stock_shards",
    },
    # Imports write offers and stocks like the catalogue does; a removed date's bookings are the offers job's.
    # stock_shards: a big date's places (booking.places), marked with a withdrawn date.
    "openagenda": {"users", "uniques", "offerers", "memberships", "venues", "offers", "stocks", "agenda_links"}
    | {"stock_shards"},
    # euros() is a rule now: no reach into wallets. Partner messages: the venue's grants
    # (venue_providers) and their providers; a booking lacking its integer ids is given them
    # (its offer's and stock's, written on the booking).
    # Its schedule retries ticket cancellations: the date then follows the partner's count (offerers: the
    # offer's refresh in the feed; stock_shards: a big date's places).
    "notify": {"users", "uniques", "venues", "failed_mails", "providers", "venue_providers", "bookings"}
    | {"offers", "stocks", "offerers", "stock_shards"},
    # Local decisions on offers, programmes and their grants (wallets), structures validated as the team does.
    "territories": {
        *("users", "uniques", "offerers", "memberships", "venues", "offers", "wallets", "territories"),
        *("failed_mails", "rate_limits"),
    },
    # The partner API reuses the v2 machinery (services.countermarks.v2), whose module names api_keys;
    # territories: a cancellation gives the local programmes' spent totals back.
    # venue_providers: a venue's URLs are on its grant (/public/providers/v1/venues/{id}).
    "partners": {
        *("users", "uniques", "offerers", "memberships", "venues", "offers", "stocks", "bookings", "wallets"),
        *("api_keys", "rate_limits", "providers", "provider_keys", "territories", "venue_providers"),
        "failed_mails",
        "stock_shards",
    },
}


def role_of(service, resources, name):
    reference = service["functions"][name]["role"]
    (logical_id,) = re.fullmatch(r"\$\{(\w+)\.Arn\}", reference["Fn::Sub"]).groups()
    return resources[logical_id]


def statements(service, resources, name):
    (policy,) = role_of(service, resources, name)["Properties"]["Policies"]
    return {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}


def granted_tables(found):
    return {r["Fn::GetAtt"][0] for r in found["Tables"]["Resource"]} if "Tables" in found else set()


def short_names(logical_ids):
    by_id = {serverless.table_logical_id(m.Meta.short_name): m.Meta.short_name for m in all_models()}
    return {by_id[i] for i in logical_ids}


def test_every_function_has_its_own_role_and_there_is_no_shared_one(service, resources):
    assert "iam" not in service["provider"], "a provider role would be shared by every function"
    roles = {key for key, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
    assert roles == {serverless.role_logical_id(name) for name in FUNCTIONS}
    for name in FUNCTIONS:
        role = role_of(service, resources, name)
        assert role is resources[serverless.role_logical_id(name)]
        trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust == [
            {"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}
        ]
        assert "ManagedPolicyArns" not in role["Properties"]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_role_grants_exactly_the_tables_its_code_reaches(service, resources, name):
    found = statements(service, resources, name)
    assert short_names(granted_tables(found)) == set(reach(name).tables) == EXPECTED_TABLES[name]
    indexed = {
        serverless.table_logical_id(m.Meta.short_name)
        for m in all_models()
        if model_indexes(m, GlobalSecondaryIndex) or model_indexes(m, LocalSecondaryIndex)
    }
    index_tables = {r["Fn::Join"][1][0]["Fn::GetAtt"][0] for r in found.get("Indexes", {}).get("Resource", [])}
    assert index_tables == granted_tables(found) & indexed
    assert all(r["Fn::Join"][1][1] == "/index/*" for r in found.get("Indexes", {}).get("Resource", []))
    for statement in found.values():
        assert statement["Effect"] == "Allow"
        assert all("*" not in action for action in statement["Action"]), "no wildcard actions"
        # X-Ray's two actions have no resource ARNs: "*" is the only resource they take.
        assert "*" not in statement["Resource"] or statement["Action"] == list(serverless.XRAY_ACTIONS)


def test_accounts_cannot_touch_bookings_or_api_keys_and_countermarks_can_read_api_keys(service, resources):
    accounts = short_names(granted_tables(statements(service, resources, "accounts")))
    assert not accounts & {"bookings", "api_keys", "offers", "stocks", "agenda_links"}
    assert "api_keys" in short_names(granted_tables(statements(service, resources, "countermarks")))
    assert not short_names(granted_tables(statements(service, resources, "territories"))) & {"bookings", "api_keys"}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_role_writes_only_its_own_log_group(service, resources, name):
    found = statements(service, resources, name)
    assert found["Logs"]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    (group,) = found["Logs"]["Resource"]
    parts = group["Fn::Join"][1]
    assert parts[-2:] == [f"/aws/lambda/${{self:service}}-${{sls:stage}}-{name}", ":*"]
    assert ":log-group:" in parts


def test_the_stream_reader_can_read_its_stream_and_park_failures_and_no_other_can(service, resources):
    for name in FUNCTIONS:
        found = statements(service, resources, name)
        streams = [s["table"] for s in EVENT_SOURCES.get(name, ()) if s["kind"] == "dynamodb"]
        if not streams:
            assert "Streams" not in found and "StreamFailures" not in found
            continue
        assert set(found["Streams"]["Action"]) == {
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:ListStreams",
        }
        assert found["Streams"]["Resource"] == [
            {"Fn::GetAtt": [serverless.table_logical_id(t), "StreamArn"]} for t in streams
        ]
        # Whatever the event's on-failure destination is, the role may send to it.
        (stream,) = [e["stream"] for e in service["functions"][name]["events"] if "stream" in e]
        assert stream["destinations"]["onFailure"]["type"] == "sqs"
        assert found["StreamFailures"]["Action"] == ["sqs:SendMessage"]
        assert found["StreamFailures"]["Resource"] == [stream["destinations"]["onFailure"]["arn"]]
    notify = statements(service, resources, "notify")
    assert notify["Streams"]["Resource"] == [{"Fn::GetAtt": ["BookingsTable", "StreamArn"]}]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_bucket_mail_and_secret_are_granted_only_to_the_code_that_reaches_their_adapter(service, resources, name):
    found = statements(service, resources, name)
    reached = reach(name)
    assert ("Media" in found) == reached.media == ("passculture.adapters.storage" in reached.modules)
    links_only = "passculture.adapters.media_links" in reached.modules and not reached.media
    assert ("MediaRead" in found) == reached.media_read == links_only
    if "MediaRead" in found:
        assert found["MediaRead"]["Action"] == ["s3:GetObject"]
        assert found["MediaRead"]["Resource"] == [serverless.media_bucket_arn("/*")]
    assert ("Email" in found) == reached.email == ("passculture.adapters.email" in reached.modules)
    assert ("JwtSecret" in found) == reached.secrets == ("passculture.adapters.secrets" in reached.modules)
    if "Media" in found:
        assert found["Media"]["Resource"] == [serverless.media_bucket_arn("/*")]
    if "Email" in found:
        assert found["Email"]["Action"] == ["ses:SendEmail"]
        assert found["Email"]["Condition"] == {"StringEquals": {"ses:FromAddress": "${param:mailSender}"}}
        assert service["provider"]["environment"]["MAIL_SENDER"] == "${param:mailSender}"
    if "JwtSecret" in found:
        assert found["JwtSecret"]["Action"] == ["ssm:GetParameter"]
        (parameter,) = found["JwtSecret"]["Resource"]
        assert parameter["Fn::Join"][1][-1] == service["provider"]["environment"]["JWT_SECRET_PARAMETER"]


def test_only_offers_and_imports_write_the_bucket_bookings_only_reads_it_and_only_mailers_reach_ses(service, resources):
    # openagenda puts an event's image under uploads/, where the offers function checks it; partners checks
    # and writes a partner's base64 image itself (services/partners/images.py).
    media = {n for n in FUNCTIONS if "Media" in statements(service, resources, n)}
    assert media == {"offers", "openagenda", "partners"}
    # The app's feed and offer pages show images through presigned GETs: the read alone.
    assert {n for n in FUNCTIONS if "MediaRead" in statements(service, resources, n)} == {"bookings"}
    assert {n for n in FUNCTIONS if "Email" in statements(service, resources, n)} == {
        "accounts",
        "validation",
        "notify",
        "territories",  # a structure validated by its territory: the team's emails
    }


def test_only_the_functions_that_start_jobs_may_invoke_the_function_that_runs_them(service, resources):
    invoking = {name: reach(name).invokes for name in FUNCTIONS if reach(name).invokes}
    # The team's validation starts the offers' republication; offers deletes stocks and hands its jobs on;
    # an import removes dates through the stock deletion and starts its own imports and image fetches.
    # A territory's structure validation is the team's; a programme's grant is the territories function's job.
    # A partner deleting a date or a product's stock starts the cancellation of its bookings.
    assert invoking == {
        "validation": ("offers",),
        "offers": ("offers",),
        "partners": ("offers",),
        "openagenda": ("offers", "openagenda"),
        "territories": ("offers", "territories"),
    }
    for name in FUNCTIONS:
        found = statements(service, resources, name)
        environment = service["functions"][name].get("environment", {})
        if name not in invoking:
            assert "Jobs" not in found and not any(key.endswith("_FUNCTION_NAME") for key in environment)
            continue
        assert found["Jobs"]["Action"] == ["lambda:InvokeFunction"]
        targets = [r["Fn::Join"][1] for r in found["Jobs"]["Resource"]]
        assert [t[-1] for t in targets] == [f"${{self:service}}-${{sls:stage}}-{t}" for t in invoking[name]]
        assert all(t[:3] == ["arn:", {"Ref": "AWS::Partition"}, ":lambda:"] and t[-2] == ":function:" for t in targets)
        # The name the code invokes (config.function_name) is the one the role may invoke.
        assert environment == {
            f"{t.upper()}_FUNCTION_NAME": f"${{self:service}}-${{sls:stage}}-{t}" for t in invoking[name]
        }


def test_every_job_is_started_by_a_literal_kind_that_a_function_runs():
    from infra.catalog import runs_jobs
    from passculture.services.jobs import OWNERS

    assert all(runs_jobs(owner) for owner in OWNERS.values())
    modules = set().union(*(reach(name).modules for name in FUNCTIONS))
    started = set()
    for module in sorted(modules):
        for node in ast.walk(ast.parse(module_file(module).read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "start_job":
                kind = node.args[0]
                # A computed kind would escape the walk that grants lambda:InvokeFunction.
                assert isinstance(kind, ast.Constant) and kind.value in OWNERS, f"{module}: start_job({ast.dump(kind)})"
                started.add(kind.value)
    # The hourly refresh and the imports' schedule are started by their schedules.
    # A programme's grant is started by its creation (and by the territories' schedule).
    assert started == {
        *("offerer-offers", "stock-bookings", "withdrawn-bookings", "agenda-import", "agenda-images"),
        *("territory-grant", "venue-booking-ids"),
    }


def test_scan_is_granted_only_while_lambda_code_scans(monkeypatch):
    assert "dynamodb:Scan" not in serverless.dynamodb_actions("Offer.query(venue_id)\n")
    assert "dynamodb:Scan" in serverless.dynamodb_actions("for p in AgendaLink.scan():\n")
    monkeypatch.setattr(serverless, "lambda_sources", lambda: "User.batch_get(ids)\n")
    assert "dynamodb:BatchGetItem" in serverless.dynamodb_actions()
    raw = 'connection().dispatch("BatchGetItem", {"RequestItems": request})\n'
    assert serverless.dynamodb_actions(raw) == sorted([*serverless.DYNAMODB_ACTIONS, "dynamodb:BatchGetItem"])
    # models.base.batch_get reads across tables: its callers are granted, its definition grants nothing.
    assert "dynamodb:BatchGetItem" in serverless.dynamodb_actions("found = batch_get(wanted)\n")
    assert "dynamodb:BatchGetItem" not in serverless.dynamodb_actions("def batch_get(wanted):\n")


def test_batch_actions_are_granted_per_function():
    def actions(name):
        return serverless.dynamodb_actions(reached_source(name))

    assert "dynamodb:BatchGetItem" in actions("offers")  # a replayed batch of dates read back
    assert "dynamodb:BatchWriteItem" not in actions("offers")  # dates are one transaction
    assert "dynamodb:BatchGetItem" in actions("countermarks")  # one BatchGetItem across tables
    assert "dynamodb:BatchWriteItem" not in actions("accounts")
    assert "dynamodb:BatchGetItem" in actions("territories")  # the decisions on a page of offers
    assert not any("dynamodb:Scan" in actions(name) for name in FUNCTIONS), "no Scan on a request path"


# -- the import walk behind the roles -------------------------------------------------


def test_the_walk_follows_lazy_guarded_relative_imports_and_schema_references():
    source = """
from __future__ import annotations
import passculture.models.users
from passculture.models import offers
from . import routes

def handler():
    from passculture.models.stocks import Stock
    try:
        from passculture.services.nowhere import thing
    except ImportError:
        pass

@route(body="accounts:SigninIn", response="feed:FeedPage", summary="a: B")
def view(): ...
"""
    found = imports_in(source, "functions.accounts.app")
    assert {
        "passculture.models.users",
        "passculture.models.offers",
        "functions.accounts.routes",
        "passculture.models.stocks",
        "passculture.services.nowhere",
        "passculture.schemas.accounts",
        "passculture.schemas.feed",
    } <= found
    assert module_file("passculture.services.nowhere") is None, "a missing module is skipped by the walk"


def test_every_schema_a_route_names_is_reached_by_its_function():
    for name in FUNCTIONS:
        for spec in load_app(name).route_specs:
            for ref in (spec.body, spec.query, spec.response):
                module = f"passculture.schemas.{ref.partition(':')[0]}" if isinstance(ref, str) else None
                if ref is not None and not isinstance(ref, str):
                    module = getattr(ref, "__module__", "builtins")
                if module and module.startswith(("passculture.", "functions.")):
                    assert module in reach(name).modules, f"{name}: {ref}"


def test_no_lambda_code_imports_by_computed_name_but_schema_references():
    # all_models() (models/__init__) imports every table: infrastructure and benches only.
    modules = set().union(*(reach(name).modules for name in FUNCTIONS))
    for module in sorted(modules):
        tree = ast.parse(module_file(module).read_text())
        calls = [
            node.func
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)
        ]
        names = {f.id if isinstance(f, ast.Name) else f.attr for f in calls}
        assert "all_models" not in names, f"{module} calls all_models(): every table"
        assert "__import__" not in names, module
        if "import_module" in names:
            # routing: schema references, which the walk follows; models: all_models() itself.
            assert module in ("passculture.web.routing", "passculture.models"), f"{module} imports by computed name"


_IMPORTED = """
import json, sys
sys.path[:0] = sys.argv[1:3]
import functions.{name}.app
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("functions", "passculture"))))
"""


@pytest.mark.parametrize("name", FUNCTIONS)
def test_what_a_function_imports_when_it_starts_is_within_its_reach(name):
    answer = subprocess.run(
        [sys.executable, "-c", _IMPORTED.format(name=name), str(ROOT / "layers/core/python"), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    imported = set(json.loads(answer.stdout.strip().splitlines()[-1]))
    assert imported - reach(name).modules == set()


BENCH_OPERATIONS = discover()
# Authorised through the item actions of each table they name.
TRANSACTIONS = {"TransactWriteItems", "TransactGetItems"}


@pytest.mark.parametrize("op", BENCH_OPERATIONS, ids=lambda op: f"{op.area}: {op.name}")
def test_the_tables_an_operation_really_touches_are_granted_to_its_function(aws, sent_emails, op):
    from passculture.config import get_settings

    prefix = get_settings().table_prefix
    api = Api()
    request = op.setup(api)
    function = api.route(request)[0]
    mails_before = len(sent_emails())
    with count_dynamodb_calls() as calls:
        response = api.send(request)
    assert response.status == op.expect_status
    touched = {table.removeprefix(prefix) for _, table in calls.tables}
    assert touched <= set(reach(function).tables), f"{function} touches tables its role does not grant"
    actions = serverless.dynamodb_actions(reached_source(function))
    for call, _ in calls.tables:
        assert call in TRANSACTIONS or f"dynamodb:{call}" in actions, f"{function} calls {call}"
    if len(sent_emails()) > mails_before:
        assert reach(function).email, f"{function} sent an email without ses:SendEmail"


# -- packaging ----------------------------------------------------------------------


def test_the_layer_installs_the_hashed_lock_of_the_human_list():
    requirements = package.runtime_requirements()
    assert all(re.fullmatch(r"[\w.-]+==[\w.]+", line) for line in requirements)
    assert not [line for line in requirements if line.lower().startswith("chalice")]
    # Every package of the lock carries its hashes (pip's --require-hashes refuses the lock otherwise).
    hashes = package.locked_hashes()
    assert set(hashes) == {package._requirement_name(line) for line in requirements}
    assert all(hashes.values())
    # requirements.in's pins are the lock's versions: what was reviewed is what ships.
    human = [line for line in (ROOT / "requirements.in").read_text().splitlines() if "==" in line]
    assert {package._requirement_name(line): line.split("==")[1] for line in human}.items() <= {
        package._requirement_name(line): line.split("==")[1] for line in requirements
    }.items()
    # The tools install the same versions (the lock without hashes as constraints).
    assert "-r requirements.in" in (ROOT / "requirements-dev.txt").read_text()


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


# -- operations: alarms, tracing, logs, throttling, deletion protection (README "Operations") --


def alarms_of(resources):
    return {key: r["Properties"] for key, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def watched(alarm):
    """(namespace, metric, dimensions) of each metric an alarm reads, its own or in its math."""
    if "MetricName" in alarm:
        return [(alarm["Namespace"], alarm["MetricName"], {d["Name"]: d["Value"] for d in alarm["Dimensions"]})]
    found = []
    for metric in alarm["Metrics"]:
        if "MetricStat" in metric:
            m = metric["MetricStat"]["Metric"]
            found.append((m["Namespace"], m["MetricName"], {d["Name"]: d["Value"] for d in m["Dimensions"]}))
    return found


def test_every_function_has_an_alarm_on_its_errors_and_its_throttles(resources):
    read = [w for alarm in alarms_of(resources).values() for w in watched(alarm)]
    for name in FUNCTIONS:
        function = {"FunctionName": f"${{self:service}}-${{sls:stage}}-{name}"}
        for metric in ("Errors", "Throttles"):
            assert ("AWS/Lambda", metric, function) in read, (name, metric)


def test_every_http_function_has_an_alarm_on_its_share_of_5xx(resources):
    from infra.catalog import HTTP_FUNCTIONS
    from passculture.adapters.metrics import NAMESPACE

    alarms = alarms_of(resources)
    for name in HTTP_FUNCTIONS:
        alarm = alarms[f"{serverless.camel(name)}Http5xxRateAlarm"]
        dims = {"stage": "${sls:stage}", "function": name}
        assert (NAMESPACE, "Http5xx", dims) in watched(alarm)
        assert (NAMESPACE, "HttpRequests", dims) in watched(alarm)
        (expression,) = [m for m in alarm["Metrics"] if "Expression" in m]
        assert expression["ReturnData"] and "100 * FILL(errors, 0) / requests" in expression["Expression"]
        assert alarm["Threshold"] == serverless.HTTP_5XX_PERCENT


def test_every_dead_letter_destination_has_an_alarm_on_any_message(resources):
    queues = [key for key, r in resources.items() if r["Type"] == "AWS::SQS::Queue"]
    assert queues  # the failure queues of infra/resources/events.yml
    read = {
        (metric, dims["QueueName"]["Fn::GetAtt"][0]): alarm
        for alarm in alarms_of(resources).values()
        for _, metric, dims in watched(alarm)
        if "QueueName" in dims
    }
    for queue in queues:
        alarm = read[("ApproximateNumberOfMessagesVisible", queue)]
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
        assert alarm["Statistic"] == "Maximum"
    # And the store the code parks emails in, and agenda links failing again and again.
    alarms = alarms_of(resources)
    assert alarms["EmailsParkedAlarm"]["MetricName"] == "EmailsParked"
    thrice = alarms["ImportLinkFailedThriceAlarm"]
    assert (thrice["MetricName"], thrice["Period"], thrice["Threshold"]) == ("ImportLinkFailedThrice", 3600, 1)


def test_every_table_has_an_alarm_on_throttled_reads_and_writes(resources):
    read = [w for alarm in alarms_of(resources).values() for w in watched(alarm)]
    for model in all_models():
        table = {"TableName": {"Ref": serverless.table_logical_id(model.Meta.short_name)}}
        assert ("AWS/DynamoDB", "ReadThrottleEvents", table) in read
        assert ("AWS/DynamoDB", "WriteThrottleEvents", table) in read


def test_every_alarm_notifies_the_stage_topic_or_nothing(resources):
    topic = {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
    for key, alarm in alarms_of(resources).items():
        assert alarm["AlarmActions"] == topic and alarm["OKActions"] == topic, key
        assert alarm["TreatMissingData"] == "notBreaching", key
        assert alarm["AlarmName"].startswith("${self:service}-${sls:stage}-"), key
    names = [a["AlarmName"] for a in alarms_of(resources).values()]
    assert len(names) == len(set(names))


def test_tables_cannot_be_deleted_while_protected(resources):
    for model in all_models():
        table = resources[serverless.table_logical_id(model.Meta.short_name)]
        assert table["Properties"]["DeletionProtectionEnabled"] is True


def test_api_gateway_and_every_function_are_traced_and_every_role_may_send_traces(service, resources):
    assert service["provider"]["tracing"] == {"apiGateway": True, "lambda": True}
    assert service["custom"]["apiStage"]["tracingEnabled"] is True
    for name in FUNCTIONS:
        tracing = statements(service, resources, name)["Tracing"]
        assert sorted(tracing["Action"]) == ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
        assert tracing["Resource"] == ["*"]


def test_every_function_logs_in_lambda_s_json_format(service):
    extensions = {}
    for part in service["resources"]:
        extensions.update(part.get("extensions") or {})
    for name in FUNCTIONS:
        config = extensions[serverless.function_logical_id(name)]["Properties"]["LoggingConfig"]
        assert config == {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO"}


def test_the_api_stage_is_throttled_by_stage_params(service):
    stage = service["custom"]["apiStage"]
    assert stage["throttlingRateLimit"] == "${param:apiRateLimit}"
    assert stage["throttlingBurstLimit"] == "${param:apiBurstLimit}"
    defaults = service["params"]["default"]
    assert 0 < defaults["apiRateLimit"] <= defaults["apiBurstLimit"]
    assert "./infra/api-stage.js" in service["plugins"]

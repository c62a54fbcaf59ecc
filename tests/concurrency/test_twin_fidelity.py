"""The local twin keeps the stream promise the booking emails rely on (``infra/moto_twin.py``)."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def scratch(moto_server):
    """A table with a stream, and an iterator opened on it before anything is written."""
    dynamodb = boto3.client("dynamodb", endpoint_url=moto_server, region_name="eu-west-3")
    dynamodb.create_table(
        TableName="scratch",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    arn = dynamodb.describe_table(TableName="scratch")["Table"]["LatestStreamArn"]
    streams = boto3.client("dynamodbstreams", endpoint_url=moto_server, region_name="eu-west-3")
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    yield (
        dynamodb,
        lambda: [r["dynamodb"]["Keys"]["k"]["S"] for r in streams.get_records(ShardIterator=iterator)["Records"]],
    )
    dynamodb.delete_table(TableName="scratch")


def test_a_cancelled_transaction_leaves_no_stream_record_and_later_ones_still_arrive(scratch):
    dynamodb, keys = scratch
    dynamodb.put_item(TableName="scratch", Item={"k": {"S": "first"}})
    with pytest.raises(ClientError, match="TransactionCanceled"):
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "scratch", "Item": {"k": {"S": "phantom"}}}},
                {
                    "Put": {
                        "TableName": "scratch",
                        "Item": {"k": {"S": "first"}},
                        "ConditionExpression": "attribute_not_exists(k)",
                    }
                },
            ]
        )
    dynamodb.put_item(TableName="scratch", Item={"k": {"S": "after"}})
    assert keys() == ["first", "after"]
    assert "Item" not in dynamodb.get_item(TableName="scratch", Key={"k": {"S": "phantom"}})


def test_a_cancelled_transaction_names_its_failed_condition_and_changes_no_item(scratch):
    dynamodb, keys = scratch
    dynamodb.put_item(TableName="scratch", Item={"k": {"S": "stock"}, "left": {"N": "1"}})
    dynamodb.put_item(TableName="scratch", Item={"k": {"S": "wallet"}, "balance": {"N": "500"}})
    take = {
        "Update": {
            "TableName": "scratch",
            "Key": {"k": {"S": "stock"}},
            "UpdateExpression": "SET #l = #l - :one",
            "ConditionExpression": "#l >= :one",
            "ExpressionAttributeNames": {"#l": "left"},
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }
    debit = {
        "Update": {
            "TableName": "scratch",
            "Key": {"k": {"S": "wallet"}},
            "UpdateExpression": "SET balance = balance - :c",
            "ConditionExpression": "balance >= :c",
            "ExpressionAttributeValues": {":c": {"N": "600"}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }
    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(TransactItems=[take, debit])
    reasons = refused.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"]
    assert reasons[1]["Item"]["balance"] == {"N": "500"}
    item = dynamodb.get_item(TableName="scratch", Key={"k": {"S": "stock"}}, ConsistentRead=True)["Item"]
    assert item["left"] == {"N": "1"}  # the first update, whose condition held, was not applied
    debit["Update"]["ExpressionAttributeValues"] = {":c": {"N": "500"}}
    dynamodb.transact_write_items(TransactItems=[take, debit])
    assert keys() == ["stock", "wallet", "stock", "wallet"]
    item = dynamodb.get_item(TableName="scratch", Key={"k": {"S": "wallet"}}, ConsistentRead=True)["Item"]
    assert item["balance"] == {"N": "0"}


def test_a_write_that_fails_inside_a_transaction_undoes_the_writes_before_it(scratch):
    dynamodb, keys = scratch
    dynamodb.put_item(TableName="scratch", Item={"k": {"S": "kept"}, "n": {"N": "1"}, "s": {"S": "text"}})
    with pytest.raises(ClientError):
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "scratch", "Item": {"k": {"S": "phantom"}}}},
                {
                    "Update": {
                        "TableName": "scratch",
                        "Key": {"k": {"S": "kept"}},
                        "UpdateExpression": "SET n = n + :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                {  # an attribute the item lacks: refused while it is applied, after the two writes above
                    "Update": {
                        "TableName": "scratch",
                        "Key": {"k": {"S": "other"}},
                        "UpdateExpression": "SET s = s + :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
            ]
        )
    assert "Item" not in dynamodb.get_item(TableName="scratch", Key={"k": {"S": "phantom"}}, ConsistentRead=True)
    item = dynamodb.get_item(TableName="scratch", Key={"k": {"S": "kept"}}, ConsistentRead=True)["Item"]
    assert item["n"] == {"N": "1"}
    dynamodb.put_item(TableName="scratch", Item={"k": {"S": "after"}})
    assert keys() == ["kept", "after"]


def test_an_item_over_400_kb_is_refused_whole_and_one_under_it_is_kept(scratch):
    dynamodb, _ = scratch
    # Many attributes (the twin checks a new item's size once, on the whole item) summing past the limit.
    too_big = {"k": {"S": "big"}} | {f"a{n}": {"S": "x" * 1000} for n in range(410)}
    with pytest.raises(ClientError, match="Item size has exceeded the maximum allowed size"):
        dynamodb.put_item(TableName="scratch", Item=too_big)
    assert "Item" not in dynamodb.get_item(TableName="scratch", Key={"k": {"S": "big"}})
    fits = {"k": {"S": "fits"}} | {f"a{n}": {"S": "x" * 1000} for n in range(390)}
    dynamodb.batch_write_item(RequestItems={"scratch": [{"PutRequest": {"Item": fits}}]})
    kept = dynamodb.get_item(TableName="scratch", Key={"k": {"S": "fits"}}, ConsistentRead=True)["Item"]
    assert len(kept) == 391


# Every kind of attribute value, nested, with what moto's parser drops (a null member, an unknown one).
EVERY_KIND = {
    "k": {"S": "every-kind"},
    "s": {"S": "Théâtre"},
    "n": {"N": "-12.50"},
    "b": {"B": "aGk="},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2.5"]},
    "bs": {"BS": ["aGk=", "aG8="]},
    "null": {"NULL": True},
    "bool": {"BOOL": False},
    "m": {"M": {"inner": {"L": [{"S": "x"}, {"N": "1"}, {"M": {}}, {"B": "aGk="}]}, "empty": {"L": []}}},
}


def test_a_batch_of_every_kind_of_attribute_reads_back_as_written(scratch):
    dynamodb, _ = scratch
    other = {"k": {"S": "second"}, "m": {"M": {"deep": {"M": {"deeper": {"SS": ["z"]}}}}}}
    dynamodb.batch_write_item(
        RequestItems={"scratch": [{"PutRequest": {"Item": EVERY_KIND}}, {"PutRequest": {"Item": other}}]}
    )
    got = dynamodb.get_item(TableName="scratch", Key={"k": {"S": "every-kind"}}, ConsistentRead=True)["Item"]
    assert got["b"] == {"B": b"aGk="} and sorted(got["bs"]["BS"]) == [b"aG8=", b"aGk="]  # str blobs: their bytes
    assert got["n"] == {"N": "-12.50"} and got["null"] == {"NULL": True} and got["bool"] == {"BOOL": False}
    assert got["m"]["M"]["inner"]["L"] == [{"S": "x"}, {"N": "1"}, {"M": {}}, {"B": b"aGk="}]
    assert dynamodb.get_item(TableName="scratch", Key={"k": {"S": "second"}})["Item"] == other
    with pytest.raises(ClientError, match="duplicates"):
        dynamodb.batch_write_item(RequestItems={"scratch": [{"PutRequest": {"Item": other}}] * 2})


def test_the_twins_planned_request_parser_reads_every_body_as_motos_own():
    import json
    import random

    from moto.core import parse
    from moto.core.utils import get_service_model

    from infra.moto_twin import planned_json_parser

    model, planned = get_service_model("dynamodb"), planned_json_parser()
    rng = random.Random(11)

    def value(depth: int = 0):
        kind = rng.choice(["S", "N", "B", "SS", "NS", "BS", "NULL", "BOOL", "Unknown"] + ["M", "L"] * (depth < 3))
        if kind == "M":
            return {"M": {f"m{i}": value(depth + 1) for i in range(rng.randint(0, 3))}}
        if kind == "L":
            return {"L": [value(depth + 1) for _ in range(rng.randint(0, 3))]}
        shaped = {k: v for k, v in EVERY_KIND.items() if kind in v}
        found = next(iter(shaped.values()), {kind: 1})
        return {**found, "S": "two members"} if rng.random() < 0.1 else ({kind: None} if rng.random() < 0.05 else found)

    bodies = []
    for _ in range(150):
        item = {f"a{i}": value() for i in range(rng.randint(1, 8))}
        bodies += [
            (
                "BatchWriteItem",
                {"RequestItems": {"t": [{"PutRequest": {"Item": item}}, {"DeleteRequest": {"Key": item}}]}},
            ),
            ("Query", {"TableName": "t", "ExpressionAttributeValues": item, "Limit": "7", "ExclusiveStartKey": item}),
            ("TransactWriteItems", {"TransactItems": [{"Put": {"TableName": "t", "Item": item}}], "Bogus": 1}),
            ("PutItem", {"TableName": "t", "Item": item, "Expected": {"a": {"Value": value(), "Exists": True}}}),
        ]
    bodies += [  # malformed: the same error either way
        ("Query", {"TableName": "t", "ExpressionAttributeValues": ["x"]}),
        ("PutItem", {"TableName": "t", "Item": "s"}),
        ("PutItem", {"TableName": "t", "Item": {"a": ["s"]}}),
        ("BatchWriteItem", {"RequestItems": {"t": {"PutRequest": 1}}}),
        ("Query", {"TableName": "t", "Limit": "x"}),
    ]

    def read(parser_class, operation, body):
        try:
            parsed = parser_class(model.operation_model(operation), map_type=dict).parse({"body": json.dumps(body)})
        except Exception as exc:
            return type(exc).__name__, str(exc)
        return json.dumps(parsed, default=repr)  # order and types included

    for operation, body in bodies:
        assert read(planned, operation, body) == read(parse.JSONParser, operation, body), (operation, body)


def test_an_item_projected_on_names_is_the_item_motos_own_projection_gives(moto_server):
    import random

    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    from infra import moto_twin

    rng = random.Random(5)
    stored = {"b": {"B": b"hi"}, "bs": {"BS": [b"hi", b"ho"]}}  # moto keeps blobs decoded
    kinds = [stored.get(k, v) for k, v in EVERY_KIND.items() if k not in ("k", "m")] + [{"M": {"s": {"S": "x"}}}]
    for n in range(200):
        attrs = {"k": {"S": f"k{n}"}} | {f"a{i}": rng.choice(kinds) for i in range(rng.randint(0, 12))}
        item = Item(DynamoType({"S": f"k{n}"}), None, attrs)
        names = [[f"a{rng.randint(0, 14)}"] for _ in range(rng.randint(0, 5))] + [["k"]] * rng.randint(0, 2)
        ours, motos = Item.project(item, names), moto_twin._moto_item_project(item, names)
        assert ours.to_json() == motos.to_json() and list(ours.attrs) == list(motos.attrs), names
        assert ours.hash_key == motos.hash_key and ours.range_key == motos.range_key

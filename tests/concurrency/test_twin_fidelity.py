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

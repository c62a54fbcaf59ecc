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

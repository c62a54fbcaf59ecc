"""The local runner's S3 events: new uploads reach the function as S3 would send them."""

from __future__ import annotations

import threading
from urllib.parse import unquote_plus

from infra.local_s3 import S3Feeder
from passculture.adapters.aws import client
from passculture.config import get_settings


def test_new_objects_under_the_prefix_are_delivered_once_as_s3_events(aws):
    bucket = get_settings().media_bucket
    received = []
    feeder = S3Feeder(bucket, "uploads/", lambda event, context: received.append(event), "offers", threading.Event())
    feeder.setup()
    feeder.setup()  # a restart of the local server keeps one rule, not two
    rules = client("s3").get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]
    assert len(rules) == 1

    s3 = client("s3")
    s3.put_object(Bucket=bucket, Key="uploads/offer-1/a b", Body=b"12345")
    s3.put_object(Bucket=bucket, Key="images/offer-1/x.jpg", Body=b"x")
    while feeder.poll_once():
        pass

    records = [record for event in received for record in event["Records"]]
    assert len(records) == 1
    record = records[0]
    assert record["eventSource"] == "aws:s3" and record["eventName"].startswith("ObjectCreated")
    assert record["s3"]["bucket"]["name"] == bucket
    # URL-encoded, as S3 sends keys (moto encodes the slashes too; the handler decodes either)
    assert unquote_plus(record["s3"]["object"]["key"]) == "uploads/offer-1/a b"
    assert record["s3"]["object"]["size"] == 5
    assert feeder.poll_once() == 0

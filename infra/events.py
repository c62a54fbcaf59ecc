"""Event shapes Lambda receives from EventBridge, DynamoDB Streams and S3, and the context it passes.

The local runner builds its events here, so they match the samples in
``events/`` that the tests invoke every handler with.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

REGION = "eu-west-3"
ACCOUNT = "123456789012"


class LambdaContext:
    """The context object Lambda hands a handler with each event (what our code reads of it)."""

    def __init__(self, function_name: str, timeout: float | None = None) -> None:
        from infra.catalog import timeout as function_timeout

        self.function_name = function_name
        self.aws_request_id = str(uuid.uuid4())
        self.memory_limit_in_mb = 512
        # Lambda's deadline is the function's timeout (infra.catalog), as deployed.
        self._deadline = time.monotonic() + (function_timeout(function_name) if timeout is None else timeout)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def schedule_event(rule: str = "local-schedule") -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}"],
        "detail": {},
    }


def stream_event(records: list[dict[str, Any]], stream_arn: str) -> dict[str, Any]:
    """Stream records (as GetRecords gives them) wrapped as Lambda's event source mapping does."""
    wrapped = []
    for record in records:
        data = dict(record["dynamodb"])
        created = data.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            data["ApproximateCreationDateTime"] = created.timestamp()
        wrapped.append(
            {
                "eventID": record.get("eventID") or str(uuid.uuid4()),
                "eventName": record["eventName"],
                "eventVersion": record.get("eventVersion", "1.1"),
                "eventSource": "aws:dynamodb",
                "awsRegion": record.get("awsRegion", REGION),
                "dynamodb": data,
                "eventSourceARN": stream_arn,
            }
        )
    return {"Records": wrapped}


def s3_put_event(bucket: str, key: str, size: int, etag: str = "") -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "eventName": "ObjectCreated:Post",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {"key": key, "size": size, "eTag": etag},
                },
            }
        ]
    }

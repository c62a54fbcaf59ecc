"""S3 events on the local twin: the media bucket's new uploads, delivered to a function.

In production S3 invokes the function itself. Locally, the twin's bucket is
given a notification configuration to an SQS queue (moto's S3 sends the real
``ObjectCreated`` records there, prefix filter included), and this worker
long-polls the queue and hands each event to the function's handler, within a
second of the upload. A delivery that raises stays in the queue and comes back
after its visibility timeout, as Lambda retries an asynchronous invocation.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

logger = logging.getLogger("passculture.local")

VISIBILITY_SECONDS = 5
MAX_ATTEMPTS = 3


class S3Feeder:
    """Feeds ``ObjectCreated`` events of ``bucket`` under ``prefix`` to ``handler``."""

    def __init__(
        self, bucket: str, prefix: str, handler: Any, function: str, stop: threading.Event, wait_seconds: int = 1
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.handler = handler
        self.function = function
        self.stop = stop
        self.wait_seconds = wait_seconds
        self.queue_url = ""

    def setup(self) -> None:
        """Creates the queue and adds this function's rule to the bucket's notifications."""
        from passculture.adapters.aws import client

        sqs, s3 = client("sqs"), client("s3")
        name = f"{self.bucket}-{self.function}-s3-events"[:80]
        self.queue_url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": str(VISIBILITY_SECONDS)})[
            "QueueUrl"
        ]
        arn = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        rule_id = f"{self.function}-{self.prefix.strip('/') or 'all'}"
        current = s3.get_bucket_notification_configuration(Bucket=self.bucket)
        queues = [q for q in current.get("QueueConfigurations", []) if q.get("Id") != rule_id]
        queues.append(
            {
                "Id": rule_id,
                "QueueArn": arn,
                "Events": ["s3:ObjectCreated:*"],
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": self.prefix}]}},
            }
        )
        configuration = {k: v for k, v in current.items() if k.endswith("Configurations") and v}
        configuration["QueueConfigurations"] = queues
        s3.put_bucket_notification_configuration(Bucket=self.bucket, NotificationConfiguration=configuration)

    def poll_once(self) -> int:
        """Delivers what the queue holds now (waiting up to ``wait_seconds``); returns how many events."""
        from passculture.adapters.aws import client

        sqs = client("sqs")
        answer = sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=self.wait_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        delivered = 0
        for message in answer.get("Messages", []):
            if self.deliver(message):
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
                delivered += 1
        return delivered

    def deliver(self, message: dict[str, Any]) -> bool:
        """True when the message is done with (handled, not an event, or given up on)."""
        from infra.events import LambdaContext

        event = json.loads(message["Body"])
        if "Records" not in event:
            return True  # S3's test event when the notification is configured
        try:
            self.handler(event, LambdaContext(self.function))
        except Exception:
            attempts = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
            logger.exception("the %s function failed on an S3 event (attempt %d)", self.function, attempts)
            return attempts >= MAX_ATTEMPTS
        return True

    def loop(self) -> None:
        while not self.stop.is_set():
            try:
                self.poll_once()
            except Exception:
                logger.exception("S3 event polling for %s failed", self.function)
                self.stop.wait(1)

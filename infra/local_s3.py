"""S3 events on the local twin: the media bucket's new uploads, delivered to a function.

In production S3 invokes the function itself. Locally, the twin's bucket is
given a notification configuration to an SQS queue (moto's S3 sends the real
``ObjectCreated`` records there, prefix filter included), and this worker
long-polls the queue and hands each event to the function's handler, within a
second of the upload. The delivery is an asynchronous invocation as Lambda makes
it (``infra.invocation``): within the function's timeout; one that fails or
overruns stays in the queue and comes back after the retry delay, other uploads
going on meanwhile; after the last retry the event goes to the function's
on-failure queue.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from typing import Any

logger = logging.getLogger("passculture.local")


class S3Feeder:
    """Feeds ``ObjectCreated`` events of ``bucket`` under ``prefix`` to ``handler``."""

    def __init__(
        self,
        bucket: str,
        prefix: str,
        handler: Any,
        function: str,
        stop: threading.Event,
        wait_seconds: int = 1,
        failures: Any = None,
        retry_seconds: float | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.handler = handler
        self.function = function
        self.stop = stop
        self.wait_seconds = wait_seconds
        self.failures = failures
        self.retry_seconds = retry_seconds
        self.queue_url = ""

    def setup(self) -> None:
        """Creates the queue and adds this function's rule to the bucket's notifications."""
        from infra.catalog import timeout
        from passculture.adapters.aws import client

        sqs, s3 = client("sqs"), client("s3")
        name = f"{self.bucket}-{self.function}-s3-events"[:80]
        self.queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
        # An event being handled must not come back before the function's timeout has passed.
        visibility = str(math.ceil(timeout(self.function)) + 2)
        sqs.set_queue_attributes(QueueUrl=self.queue_url, Attributes={"VisibilityTimeout": visibility})
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
        """True when the message is done with (handled, not an event, or given up on and parked)."""
        from infra.catalog import ASYNC_DELIVERY
        from infra.invocation import async_failure_record, invoke, retry_delay
        from passculture.adapters.aws import client

        event = json.loads(message["Body"])
        if "Records" not in event:
            return True  # S3's test event when the notification is configured
        attempt = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        attempts = 1 + ASYNC_DELIVERY["maximumRetryAttempts"]
        try:
            invoke(self.handler, event, self.function)
        except Exception as exc:
            logger.exception(
                "the %s function failed on an S3 event (attempt %d of %d)", self.function, attempt, attempts
            )
            if attempt >= attempts:
                if self.failures is not None:
                    self.failures.send(async_failure_record(self.function, event, exc, attempt))
                return True
            # Back in the queue after the retry delay, as Lambda retries an asynchronous invocation later.
            delay = math.ceil(retry_delay(attempt, self.retry_seconds))
            client("sqs").change_message_visibility(
                QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=delay
            )
            return False
        return True

    def loop(self) -> None:
        while not self.stop.is_set():
            try:
                self.poll_once()
            except Exception:
                logger.exception("S3 event polling for %s failed", self.function)
                self.stop.wait(1)

"""Emails driven by the bookings stream: decoding records and reporting partial failures."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def decode_image(image: dict[str, Any] | None) -> dict[str, Any] | None:
    """A stream image (DynamoDB JSON) as plain Python values."""
    if not image:
        return None
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {key: deserializer.deserialize(value) for key, value in image.items()}


def handle_record(record: dict[str, Any]) -> None:
    """One change of a booking. The emails it sends arrive with the bookings work."""
    data = record.get("dynamodb") or {}
    decode_image(data.get("NewImage"))
    decode_image(data.get("OldImage"))


def handle_stream_batch(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Handles each record; the ones that failed are returned for Lambda to retry."""
    failures = []
    for record in records:
        try:
            handle_record(record)
        except Exception:
            sequence = (record.get("dynamodb") or {}).get("SequenceNumber")
            logger.exception("notify failed for record %s", sequence)
            failures.append({"itemIdentifier": sequence})
    return {"batchItemFailures": failures}

"""DynamoDB stream records: the images they carry (DynamoDB JSON) as plain Python values."""

from __future__ import annotations

from typing import Any


def image_values(image: dict[str, Any] | None) -> dict[str, Any] | None:
    """``{"token": {"S": "ABC234"}, "quantity": {"N": "2"}}`` -> ``{"token": "ABC234", "quantity": Decimal(2)}``."""
    if not image:
        return None
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {key: deserializer.deserialize(value) for key, value in image.items()}

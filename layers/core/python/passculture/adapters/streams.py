"""DynamoDB stream records: the images they carry (DynamoDB JSON) as plain Python values.

The values are those boto3's ``TypeDeserializer`` gives (numbers as ``Decimal``,
sets as sets), written here so that a stream function's first record does not
import boto3 (about 50 ms of a cold start) for a dozen lines.
"""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any


def image_values(image: dict[str, Any] | None) -> dict[str, Any] | None:
    """``{"token": {"S": "ABC234"}, "quantity": {"N": "2"}}`` -> ``{"token": "ABC234", "quantity": Decimal(2)}``."""
    if not image:
        return None
    return {key: value_of(value) for key, value in image.items()}


def _binary(value: Any) -> bytes:
    return base64.b64decode(value) if isinstance(value, str) else bytes(value)


def value_of(typed: dict[str, Any]) -> Any:
    """One DynamoDB JSON value (``{"N": "2"}``) as a Python value."""
    ((kind, value),) = typed.items()
    if kind == "S":
        return value
    if kind == "N":
        return Decimal(value)
    if kind == "BOOL":
        return bool(value)
    if kind == "NULL":
        return None
    if kind == "M":
        return {key: value_of(item) for key, item in value.items()}
    if kind == "L":
        return [value_of(item) for item in value]
    if kind == "SS":
        return set(value)
    if kind == "NS":
        return {Decimal(item) for item in value}
    if kind == "B":
        return _binary(value)
    if kind == "BS":
        return {_binary(item) for item in value}
    raise TypeError(f"unknown DynamoDB type {kind!r}")

"""The media bucket (S3): presigned uploads, reading, writing and removing objects (links: ``media_links``)."""

from __future__ import annotations

from typing import Any

from passculture.adapters.aws import client
from passculture.config import get_settings


def _bucket() -> str:
    return get_settings().media_bucket


def presigned_post(key: str, content_type: str, max_bytes: int, expires_in: int) -> dict[str, Any]:
    """``{"url", "fields"}`` of a browser upload to ``key``, bounded by the policy S3 enforces.

    The policy pins the key and the exact Content-Type, and S3 refuses a file
    outside ``1..max_bytes`` before it is stored.
    """
    return client("s3").generate_presigned_post(
        Bucket=_bucket(),
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=expires_in,
    )


def read_object(key: str, max_bytes: int, bucket: str | None = None) -> bytes | None:
    """The object's first ``max_bytes + 1`` bytes (so an oversized file is noticed, not loaded); None if absent."""
    from botocore.exceptions import ClientError

    try:
        answer = client("s3").get_object(Bucket=bucket or _bucket(), Key=key, Range=f"bytes=0-{max_bytes}")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return answer["Body"].read(max_bytes + 1)


def write_object(key: str, data: bytes, content_type: str, bucket: str | None = None) -> None:
    client("s3").put_object(
        Bucket=bucket or _bucket(),
        Key=key,
        Body=data,
        ContentType=content_type,
        CacheControl="public, max-age=31536000, immutable",
    )


def delete_object(key: str, bucket: str | None = None) -> None:
    """Removes an object; removing one that is already gone is not an error (S3 semantics)."""
    client("s3").delete_object(Bucket=bucket or _bucket(), Key=key)

"""Addresses of the media bucket's objects for the app and the pro site: only reads (``s3:GetObject``).

``MEDIA_BASE_URL`` + key when it is set (a CDN in front of the bucket: stable,
cacheable URLs), else a presigned GET valid ``MEDIA_URL_SECONDS``: the bucket
is private, and a presigned URL is authorised by the signer's own right to
read the object. Signing is local (no call to S3). Apart from
``adapters.storage`` (uploads, writes, deletes) so that code that only shows
images is granted only the read.
"""

from __future__ import annotations

from passculture.config import get_settings

MEDIA_URL_SECONDS = 12 * 3600


def presigned_get(key: str, expires_in: int) -> str:
    from passculture.adapters.aws import client

    return client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": get_settings().media_bucket, "Key": key}, ExpiresIn=expires_in
    )


def media_url(key: str | None) -> str | None:
    """Where a browser or the app fetches the object ``key``; None without a key."""
    if not key:
        return None
    base = get_settings().media_base_url
    if base:
        return f"{base.rstrip('/')}/{key}"
    return presigned_get(key, MEDIA_URL_SECONDS)

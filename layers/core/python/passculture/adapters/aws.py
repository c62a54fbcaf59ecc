"""boto3 clients, created lazily once per container with short timeouts.

``AWS_ENDPOINT_URL`` (read by botocore itself) points them at the local twin.
They carry the request deadline's hooks (``passculture.transport``).
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

from passculture import transport
from passculture.config import get_settings

_lock = threading.Lock()


@cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    transport.install()
    config = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3, "mode": "standard"})
    if service == "s3":
        # Regional virtual-host URLs: the global s3.amazonaws.com name redirects for new buckets
        # outside us-east-1, which breaks presigned POSTs. An IP endpoint (the twin) stays path-style.
        config = config.merge(Config(s3={"addressing_style": "virtual"}))
    with _lock:  # botocore client creation is not thread safe
        return boto3.session.Session().client(service, region_name=get_settings().region, config=config)

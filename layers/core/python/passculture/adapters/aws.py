"""boto3 clients, created lazily once per container with short timeouts.

``AWS_ENDPOINT_URL`` (read by botocore itself) points them at the local twin.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

from passculture.config import get_settings

_lock = threading.Lock()


@cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    with _lock:  # botocore client creation is not thread safe
        return boto3.session.Session().client(
            service,
            region_name=get_settings().region,
            config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3, "mode": "standard"}),
        )

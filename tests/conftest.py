"""Shared fixtures. The environment is set before any ``passculture`` import:
models read their table names when their class is created."""

from __future__ import annotations

import os

os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-3",
        "AWS_REGION": "eu-west-3",
        "STAGE": "test",
        "JWT_SECRET": "test-secret-that-is-long-enough-for-hs256-0123456789",
        "TEAM_EMAIL": "team@passculture.test",
        # Cheap hashes: the parameters are a setting, the algorithm is the same.
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "1024",
    }
)

import pytest
from moto import mock_aws


@pytest.fixture
def aws():
    """An empty in-process AWS (moto) with every table, the bucket and the sender."""
    from infra.bootstrap import create_bucket, create_tables, verify_sender

    with mock_aws():
        create_tables()
        create_bucket()
        verify_sender()
        yield


@pytest.fixture
def sent_emails(aws):
    """The emails sent so far through SES, as (to, subject, body) tuples, oldest first."""
    from email import message_from_bytes, policy

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    def read():
        backend = ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-3"]
        out = []
        for raw in backend.sent_messages:
            data = raw.raw_data if isinstance(raw.raw_data, bytes) else raw.raw_data.encode()
            message = message_from_bytes(data, policy=policy.default)
            out.append(
                (list(dict.fromkeys(raw.destinations)), str(message["Subject"]), message.get_body().get_content())
            )
        return out

    return read

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


def _reset_aws_clients():
    """Forgets every cached AWS client, so the next call reads AWS_ENDPOINT_URL again."""
    from passculture.adapters import aws as aws_adapter
    from passculture.models import all_models
    from passculture.models import base as models_base

    aws_adapter.client.cache_clear()
    for model in all_models():
        model._connection = None
    models_base._connection = None


@pytest.fixture(scope="session")
def _moto_server_url():
    """One moto server per test session (per xdist worker), started on first use."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def moto_server(_moto_server_url, monkeypatch):
    """moto's server on 127.0.0.1 with every table: for tests that need real concurrent requests.

    Yields the endpoint URL, which every client uses during the test (cached
    clients are reset before and after, so other tests keep their in-process
    moto). Each DynamoDB request is applied atomically, as DynamoDB does:
    moto's own transactions snapshot and restore whole tables, which would
    lose concurrent writes. The server lives for the session and its data is
    shared between the tests using it (``aws`` tests wipe it; missing tables
    are created again): use fresh ids, never count a whole table.
    """
    import threading

    from moto.dynamodb.responses import DynamoHandler
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    from infra.bootstrap import verify_sender
    from passculture.adapters.aws import client
    from passculture.models import all_models

    lock = threading.Lock()
    call_action = DynamoHandler.call_action

    def atomic_call_action(self):
        with lock:
            return call_action(self)

    monkeypatch.setattr(DynamoHandler, "call_action", atomic_call_action)
    monkeypatch.setattr(MotoRequestHandler, "log_request", lambda *args, **kwargs: None)
    monkeypatch.setenv("AWS_ENDPOINT_URL", _moto_server_url)
    _reset_aws_clients()
    try:
        existing = set(client("dynamodb").list_tables()["TableNames"])
        for model in all_models():
            if model.Meta.table_name not in existing:
                model.create_table(wait=False)
        verify_sender()
        yield _moto_server_url
    finally:
        _reset_aws_clients()

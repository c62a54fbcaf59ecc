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
        # The concurrency tests send hundreds of requests at once to one moto server on a shared
        # 2-core machine: a 5 s read timeout there is a test flake, not a finding.
        "DYNAMODB_READ_TIMEOUT": "30",
    }
)

import pytest
from moto import mock_aws


@pytest.fixture
def aws(monkeypatch):
    """An empty in-process AWS (moto) with every table, the bucket and the sender.

    A job a request starts (``services.jobs``) runs to its end before the request
    answers (``InProcessInvoker``); the ``jobs`` fixture runs them when told instead.
    The rate limits' clock stands still, so a slow test never straddles two windows
    (a test that moves it patches ``ratelimit.clock`` itself).
    """
    import time

    from infra.bootstrap import create_bucket, create_tables, verify_sender
    from infra.invocation import InProcessInvoker
    from passculture.adapters.invocations import install
    from passculture.services import ratelimit

    now = time.time()
    monkeypatch.setattr(ratelimit, "clock", lambda: now)

    with mock_aws():
        create_tables()
        create_bucket()
        verify_sender()
        previous = install(InProcessInvoker())
        try:
            yield
        finally:
            install(previous)


@pytest.fixture
def jobs(aws):
    """Jobs started meanwhile wait until the test runs them: ``jobs.run()``; ``jobs.invocations`` lists them all."""
    from infra.invocation import InProcessInvoker
    from passculture.adapters.invocations import install

    invoker = InProcessInvoker(deferred=True)
    previous = install(invoker)
    try:
        yield invoker
    finally:
        install(previous)


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


@pytest.fixture(scope="session")
def _moto_server_url():
    """One moto server per test session (per xdist worker), started on first use."""
    from infra.moto_twin import start_moto_server

    server, url = start_moto_server()
    yield url
    server.stop()


@pytest.fixture
def moto_server(_moto_server_url, monkeypatch):
    """moto's server on 127.0.0.1 with every table: for tests that need real concurrent requests.

    Yields the endpoint URL, which every client uses during the test (cached
    clients are reset before and after, so other tests keep their in-process
    moto). Each DynamoDB request is applied atomically, as DynamoDB does
    (``infra.moto_twin.serialise_dynamodb``). The server lives for the session and its data is
    shared between the tests using it (``aws`` tests wipe it; missing tables
    are created again): use fresh ids, never count a whole table.
    """
    from infra.bootstrap import verify_sender
    from infra.moto_twin import forget_clients
    from passculture.adapters.aws import client
    from passculture.models import all_models

    monkeypatch.setenv("AWS_ENDPOINT_URL", _moto_server_url)
    forget_clients()
    try:
        existing = set(client("dynamodb").list_tables()["TableNames"])
        for model in all_models():
            if model.Meta.table_name not in existing:
                model.create_table(wait=False)
        verify_sender()
        yield _moto_server_url
    finally:
        forget_clients()

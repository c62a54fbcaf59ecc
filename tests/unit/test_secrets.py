"""The signing key comes from SSM Parameter Store when a parameter is named (production)."""

from __future__ import annotations

import dataclasses

from passculture.adapters import secrets
from passculture.config import get_settings


def test_the_jwt_secret_is_read_from_ssm_when_a_parameter_is_named(aws, monkeypatch):
    from passculture.adapters.aws import client

    client("ssm").put_parameter(Name="/passculture/prod/jwt-secret", Value="from-ssm-" + "x" * 40, Type="SecureString")
    settings = dataclasses.replace(get_settings(), jwt_secret_parameter="/passculture/prod/jwt-secret")
    monkeypatch.setattr(secrets, "get_settings", lambda: settings)
    assert secrets.jwt_secret.__wrapped__() == "from-ssm-" + "x" * 40


def test_the_jwt_secret_comes_from_the_environment_otherwise():
    assert secrets.jwt_secret.__wrapped__() == get_settings().jwt_secret

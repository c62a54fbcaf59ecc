"""The signing key comes from SSM Parameter Store when a parameter is named (production), never from a default."""

from __future__ import annotations

import dataclasses

import pytest

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


def test_with_neither_a_parameter_nor_a_secret_there_is_no_default_key(monkeypatch):
    settings = dataclasses.replace(get_settings(), jwt_secret="", jwt_secret_parameter="")
    monkeypatch.setattr(secrets, "get_settings", lambda: settings)
    with pytest.raises(secrets.MissingSecret, match=r"JWT_SECRET_PARAMETER.*JWT_SECRET.*no default"):
        secrets.jwt_secret.__wrapped__()


def test_the_settings_hold_no_signing_key_unless_one_is_given(monkeypatch):
    from passculture import config

    monkeypatch.delenv("JWT_SECRET")
    config.get_settings.cache_clear()
    try:
        assert config.get_settings().jwt_secret == ""
    finally:
        config.get_settings.cache_clear()

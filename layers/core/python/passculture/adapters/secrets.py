"""Secrets: from the environment locally, from SSM Parameter Store in production."""

from __future__ import annotations

from functools import lru_cache

from passculture.config import get_settings


@lru_cache(maxsize=1)
def jwt_secret() -> str:
    """The access-token signing key, fetched once per container."""
    settings = get_settings()
    if settings.jwt_secret_parameter:
        from passculture.adapters.aws import client

        answer = client("ssm").get_parameter(Name=settings.jwt_secret_parameter, WithDecryption=True)
        return answer["Parameter"]["Value"]
    return settings.jwt_secret

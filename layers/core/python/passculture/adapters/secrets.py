"""Secrets: from the environment locally, from SSM Parameter Store in production."""

from __future__ import annotations

from functools import lru_cache

from passculture.config import get_settings


class MissingSecret(RuntimeError):
    """No signing key is configured: there is deliberately no default one."""


@lru_cache(maxsize=1)
def jwt_secret() -> str:
    """The access-token signing key, fetched once per container; ``MissingSecret`` when none is configured."""
    settings = get_settings()
    if settings.jwt_secret_parameter:
        from passculture.adapters.aws import client

        answer = client("ssm").get_parameter(Name=settings.jwt_secret_parameter, WithDecryption=True)
        return answer["Parameter"]["Value"]
    if not settings.jwt_secret:
        raise MissingSecret(
            "no access-token signing key: set JWT_SECRET_PARAMETER to the SSM parameter holding it "
            "(as deployed), or JWT_SECRET; there is no default"
        )
    return settings.jwt_secret

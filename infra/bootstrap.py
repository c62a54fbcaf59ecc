"""Creates what the API needs on an empty backend: tables, bucket, sender, team account.

Idempotent; used by the local runner, the tests and ``python -m infra.bootstrap``.
The team account's password is ``TEAM_PASSWORD``; without it, a known one only
on a twin (the local runner says so), otherwise one generated and printed once:
an account on real AWS never has a password anyone could guess from this code.
"""

from __future__ import annotations

import logging
import os
import secrets

logger = logging.getLogger(__name__)

# The local twin's team account, when TEAM_PASSWORD is not set (README, "Two commands").
LOCAL_TEAM_PASSWORD = "Team-password-2026"


def create_tables() -> None:
    from passculture.models import all_models

    for model in all_models():
        if not model.exists():
            model.create_table(wait=True)


def create_bucket() -> None:
    from botocore.exceptions import ClientError

    from passculture.adapters.aws import client
    from passculture.config import get_settings

    settings = get_settings()
    s3 = client("s3")
    try:
        s3.head_bucket(Bucket=settings.media_bucket)
        return
    except ClientError:
        pass
    params: dict = {"Bucket": settings.media_bucket}
    if settings.region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": settings.region}
    s3.create_bucket(**params)
    s3.put_public_access_block(
        Bucket=settings.media_bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )


def verify_sender() -> None:
    from botocore.exceptions import ClientError

    from passculture.adapters.aws import client
    from passculture.config import get_settings

    try:
        client("sesv2").create_email_identity(EmailIdentity=get_settings().mail_sender)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "AlreadyExistsException":
            raise


def generated_password() -> str:
    """A random password (24 characters) that the signup rules accept."""
    from passculture.rules.accounts import check_password

    while True:
        password = secrets.token_urlsafe(18)
        try:
            return check_password(password)
        except ValueError:  # no digit or no capital this time
            continue


def ensure_team_account(password: str | None = None) -> None:
    """Creates the team account if it is missing: ``TEAM_PASSWORD``, else ``password``, else a generated one.

    Only the local runner on its twin passes ``password`` (the known local one);
    a generated password is printed once, here, and never stored in clear.
    """
    from passculture.config import get_settings
    from passculture.errors import Conflict
    from passculture.models.base import utcnow
    from passculture.services.accounts.users import create_user

    email = get_settings().team_email
    chosen = os.environ.get("TEAM_PASSWORD") or password
    generated = chosen is None
    if chosen is None:
        chosen = generated_password()
    try:
        create_user(email, chosen, {"team"}, email_confirmed_at=utcnow(), first_name="Équipe", last_name="Pass Culture")
    except Conflict:
        return
    logger.info("created the team account %s", email)
    if generated:
        print(f"Created the team account {email} with the password {chosen} (shown once, keep it).", flush=True)


def bootstrap(team_password: str | None = None) -> None:
    """Everything, idempotently; ``team_password`` only on a twin (see ``ensure_team_account``)."""
    create_tables()
    create_bucket()
    verify_sender()
    ensure_team_account(team_password)


if __name__ == "__main__":
    from infra.moto_twin import answers_like_moto

    logging.basicConfig(level=logging.INFO)
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    bootstrap(LOCAL_TEAM_PASSWORD if endpoint and answers_like_moto(endpoint) else None)

"""Creates what the API needs on an empty backend: tables, bucket, sender, team account.

Idempotent; used by the local runner, the tests and ``python -m infra.bootstrap``.
"""

from __future__ import annotations

import logging
import os

logger = logging.getLogger(__name__)

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


def ensure_team_account() -> None:
    from passculture.config import get_settings
    from passculture.errors import Conflict
    from passculture.models.base import utcnow
    from passculture.services.accounts.users import create_user

    email = get_settings().team_email
    password = os.environ.get("TEAM_PASSWORD") or LOCAL_TEAM_PASSWORD
    try:
        create_user(
            email, password, {"team"}, email_confirmed_at=utcnow(), first_name="Équipe", last_name="Pass Culture"
        )
        logger.info("created the team account %s", email)
    except Conflict:
        pass


def bootstrap() -> None:
    create_tables()
    create_bucket()
    verify_sender()
    ensure_team_account()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    bootstrap()

"""Outgoing email through SES (sesv2), as a MIME message so it carries its own Date."""

from __future__ import annotations

from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from passculture.adapters.aws import client
from passculture.config import get_settings


def send_email(to: Iterable[str], subject: str, body: str) -> str:
    """Sends a plain-text email; returns the SES message id."""
    recipients = [address for address in to if address]
    if not recipients:
        raise ValueError("an email needs at least one recipient")
    sender = get_settings().mail_sender
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(body)
    answer = client("sesv2").send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": recipients},
        Content={"Raw": {"Data": message.as_bytes()}},
    )
    return answer["MessageId"]

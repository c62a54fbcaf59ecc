"""Outgoing email through SES (sesv2), as a MIME message so it carries its own Date.

Any text makes a valid message (DESIGN.md's trap: the standard library refuses
CR or LF in a header, and U+2028 and friends split lines for some parsers).
Headers are cleaned of what no header may hold (``rules.text.header_text``) and
written with the standard library's RFC 2047 encoding (``email.header.Header``,
``formataddr``), so a subject reads back exactly as cleaned; the body is
cleaned (``rules.text.body_text``) and sent as base64 UTF-8, which carries any
line. An address that is no address (no ``@``, spaces or controls in it) is an
``InvalidAddress``: SES would refuse it too, and retrying cannot help.
"""

from __future__ import annotations

from collections.abc import Iterable
from email import policy
from email.charset import BASE64, Charset
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid

from passculture.adapters import metrics
from passculture.adapters.aws import client
from passculture.config import get_settings
from passculture.rules.text import body_text, header_text

SENDER_NAME = "pass Culture"
# Every line CR LF, as RFC 5322 wants; compat32 is the policy under which Header objects fold.
_WIRE = policy.compat32.clone(linesep="\r\n")
_UTF8 = Charset("utf-8")
_UTF8.body_encoding = BASE64

Recipient = str | tuple[str, str]  # an address, or (display name, address)


class InvalidAddress(ValueError):
    """An address SES cannot send to, whatever the retries."""


def _address(value: str) -> str:
    address = str(value).strip()
    local, at, domain = address.rpartition("@")
    if not (local and at and domain) or any(ch.isspace() or not ch.isprintable() for ch in address):
        raise InvalidAddress(f"not an email address: {address!r}")
    return address


def _mailbox(recipient: Recipient) -> tuple[str, str]:
    """(the header's form, the bare address) of a recipient."""
    if isinstance(recipient, tuple):
        # Address parsers fold any run of blanks in a display name into one space: so do we.
        name, address = " ".join(header_text(recipient[0]).split()), _address(recipient[1])
        return (formataddr((name, address), charset="utf-8") if name else address), address
    address = _address(recipient)
    return address, address


def build_message(sender: str, to: Iterable[Recipient], subject: str, body: str) -> tuple[list[str], bytes]:
    """(the bare recipient addresses, the raw message): pure, any ``str`` accepted."""
    mailboxes = [_mailbox(r) for r in to if r and (not isinstance(r, tuple) or r[1])]
    if not mailboxes:
        raise InvalidAddress("an email needs at least one recipient")
    sender_address = _address(sender)
    message = MIMEText(body_text(body), "plain", _UTF8)
    message["From"] = formataddr((SENDER_NAME, sender_address))
    message["To"] = ", ".join(header for header, _ in mailboxes)
    message["Subject"] = Header(header_text(subject), "utf-8")
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender_address.rpartition("@")[2])
    raw = message.as_bytes(policy=_WIRE)
    return list(dict.fromkeys(address for _, address in mailboxes)), raw


def send_email(to: Iterable[Recipient], subject: str, body: str) -> str:
    """Sends a plain-text email; returns the SES message id once SES accepted it."""
    sender = get_settings().mail_sender
    try:
        recipients, raw = build_message(sender, to, subject, body)
        answer = client("sesv2").send_email(
            FromEmailAddress=sender,
            Destination={"ToAddresses": recipients},
            Content={"Raw": {"Data": raw}},
        )
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code") if hasattr(exc, "response") else None
        metrics.count("EmailsFailed", reason=code or type(exc).__name__)
        raise
    metrics.count("EmailsSent")
    return answer["MessageId"]

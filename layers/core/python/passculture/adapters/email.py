"""Outgoing email through SES (sesv2), as a MIME message so it carries its own Date.

Any text makes a valid message (DESIGN.md's trap: the standard library refuses
CR or LF in a header, and U+2028 and friends split lines for some parsers).
Headers are cleaned of what no header may hold (``rules.text.header_text``) and
written with the standard library's RFC 2047 encoding (``email.header.Header``,
``formataddr``), so a subject reads back exactly as cleaned; the body is
cleaned (``rules.text.body_text``) and sent as base64 UTF-8, which carries any
line. An address that is no address (no ``@``, spaces or controls in it) is an
``InvalidAddress``: SES would refuse it too, and retrying cannot help.

The message is written out here rather than by ``email.mime`` and a
``policy``: those import ``email.policy``'s header parser and registry (≈ 10 ms
of a cold container's first email, more on a loaded CPU). It is byte for byte
what ``MIMEText`` under ``compat32`` with CR LF line ends writes (each header
folded by ``Header.encode`` as that policy folds it, the body base64 in 76-column
lines): ``tests/unit/test_email_any_text.py`` compares the two on any text.
"""

from __future__ import annotations

from collections.abc import Iterable
from email.base64mime import body_encode
from email.header import Header
from email.utils import formataddr, formatdate, make_msgid

from passculture.adapters import metrics
from passculture.adapters.aws import client, prefetch
from passculture.config import get_settings
from passculture.rules.text import body_text, header_text

SENDER_NAME = "pass Culture"
_CRLF = "\r\n"  # every line's end, as RFC 5322 wants
_MAX_LINE = 78  # where headers fold (RFC 5322's advice, compat32's)

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
    headers: list[tuple[str, str | Header]] = [
        ("Content-Type", 'text/plain; charset="utf-8"'),
        ("MIME-Version", "1.0"),
        ("Content-Transfer-Encoding", "base64"),
        ("From", formataddr((SENDER_NAME, sender_address))),
        ("To", ", ".join(header for header, _ in mailboxes)),
        ("Subject", Header(header_text(subject), "utf-8")),
        ("Date", formatdate(usegmt=True)),
        ("Message-ID", make_msgid(domain=sender_address.rpartition("@")[2])),
    ]
    lines = [f"{name}: {_folded(name, value)}{_CRLF}" for name, value in headers]
    lines.append(_CRLF)
    lines.append(body_encode(body_text(body).encode("utf-8")).replace("\n", _CRLF))
    raw = "".join(lines).encode("ascii")
    return list(dict.fromkeys(address for _, address in mailboxes)), raw


def _folded(name: str, value: str | Header) -> str:
    """A header's value in ASCII lines of at most 78 columns where it can break (as compat32 folds it)."""
    header = value if isinstance(value, Header) else Header(value, header_name=name)
    return header.encode(linesep=_CRLF, maxlinelen=_MAX_LINE)


def prepare() -> None:
    """Starts making the SES client beside the round trips that come before a send (``aws.prefetch``)."""
    prefetch("sesv2")


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

"""The local outbox: the emails the SES twin has sent, oldest first (``GET /_local/outbox``).

Flows that wait for an email read it several times a second, so a read must
not grow with the twin's data (moto's state dump, ``/moto-api/data.json``,
serialises every service's data and took more than 10 s after a few hundred users):

- when the local runner started moto itself, moto's server runs in this
  process, its backends are this process's, and the SES backend's
  ``sent_messages`` is read directly: only the messages after the last read;
- with an external ``AWS_ENDPOINT_URL`` (a moto server elsewhere), SES's
  ``GetSendQuota`` (a counter moto raises with each message sent) says whether
  anything was sent since the last read; only then is the state dump fetched,
  and only its new messages are parsed.

Sent messages are append-only: each is parsed once, kept in date order with its
JSON, and the response body is reused until a new message arrives.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import os
import re
import threading
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

# (how many messages the twin has sent in all, those after the ones already read)
Reading = tuple[int, list[Any]]


class SentMessages(Protocol):
    def read(self, known: int) -> Reading: ...


class InProcessSes:
    """The SES backend of the moto running in this process (the local runner's own twin, or ``mock_aws``)."""

    def __init__(self, region: str, account: str | None = None) -> None:
        self.region = region
        self.account = account

    def read(self, known: int) -> Reading:
        from moto.ses.models import ses_backends

        sent = ses_backends[self.account or _moto_account()][self.region].sent_messages
        total = len(sent)
        return total, sent[known:] if total >= known else list(sent)


def _moto_account() -> str:
    """The account moto files this process's requests under, as its server decides it."""
    from moto.iam.models import get_account_id_from

    return os.environ.get("MOTO_ACCOUNT_ID") or get_account_id_from(os.environ.get("AWS_ACCESS_KEY_ID", ""))


class RemoteMoto:
    """A moto server elsewhere: its state dump, fetched only when SES says something was sent."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self._sent_count: float | None = None

    def read(self, known: int) -> Reading:
        import requests

        from passculture.adapters.aws import client

        sent_count = client("ses").get_send_quota()["SentLast24Hours"]
        if sent_count == self._sent_count:
            return known, []
        data = requests.get(f"{self.endpoint}/moto-api/data.json", timeout=30).json()
        self._sent_count = sent_count  # after the dump: a message sent meanwhile is read next time
        sent = data.get("ses", {}).get("RawMessage", [])
        return len(sent), sent[known:] if len(sent) >= known else sent


def parse(sent: Any) -> tuple[float, dict[str, Any]]:
    """One sent message (moto's object, or its entry in the state dump): (its date's timestamp, as the outbox shows it).

    A message without a date sorts first.
    """
    field = sent.get if isinstance(sent, dict) else lambda name: getattr(sent, name, None)
    destinations = field("destinations") or []
    if isinstance(destinations, dict):  # a simple (not raw) message: {"ToAddresses": [...], ...}
        destinations = [address for addresses in destinations.values() for address in addresses]
    raw = field("raw_data")
    if raw is None:
        message = {"to": list(dict.fromkeys(destinations)), "subject": str(field("subject") or "")}
        return float("-inf"), {**message, "body": str(field("body") or ""), "sentAt": None}
    subject, body, date = _read_plain_text(raw) or _read_any(raw)
    try:
        sent_at = _date(date) if date else None
    except (TypeError, ValueError):  # a date no one can read: the message still shows, first
        sent_at = None
    return sent_at.timestamp() if sent_at else float("-inf"), {
        "to": list(dict.fromkeys(destinations)),
        "subject": subject,
        "body": body,
        "sentAt": sent_at.isoformat() if sent_at else None,
    }


_RFC5322_DATE = re.compile(
    r"(?:[A-Z][a-z]{2}, )?(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d):(\d\d) (GMT|[+-]\d{4})"
)
_MONTHS = {
    name: n
    for n, name in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)
}


def _date(value: str) -> datetime:
    """A ``Date`` header as ``email.utils.formatdate`` writes it, in a quarter of the standard library's time."""
    match = _RFC5322_DATE.fullmatch(value.strip())
    if match is None or match[2] not in _MONTHS:
        return parsedate_to_datetime(value)
    day, month, year, hour, minute, second, zone = match.groups()
    offset = 0 if zone == "GMT" else (int(zone[1:3]) * 60 + int(zone[3:])) * (-1 if zone[0] == "-" else 1)
    tz = timezone(timedelta(minutes=offset))
    return datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=tz)


def _read_any(raw: Any) -> tuple[str, str, str | None]:
    """Subject, text and date of any MIME message, by the standard library's full parser (about 2 ms each)."""
    parsed = message_from_bytes(_raw_bytes(raw), policy=policy.default)
    body = parsed.get_body(preferencelist=("plain", "html"))
    return str(parsed["Subject"] or ""), body.get_content() if body is not None else "", parsed["Date"]


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([qQbB])\?([^?\s]*)\?=")
_TRANSFER_DECODERS = {
    "quoted-printable": binascii.a2b_qp,
    "base64": binascii.a2b_base64,
    "7bit": bytes,
    "8bit": bytes,
}


def _read_plain_text(raw: Any) -> tuple[str, str, str | None] | None:
    """The same as ``_read_any`` for a single-part UTF-8 text message, as the project sends them, in about 20 µs.

    None for anything else (the full parser reads it).
    """
    if not isinstance(raw, str):
        return None
    head, separator, body = raw.replace("\r\n", "\n").partition("\n\n")
    if not separator:
        return None
    headers: dict[str, str] = {}
    name = ""
    for line in head.split("\n"):
        if line[:1] in (" ", "\t") and name:
            headers[name] += line  # a folded line: the line break goes, the space stays
            continue
        name, colon, value = line.partition(":")
        name = name.strip().lower()
        if not colon or not name or name in headers:
            return None
        headers[name] = value.lstrip(" \t")
    content_type = headers.get("content-type", "").replace(" ", "").lower()
    decode = _TRANSFER_DECODERS.get(headers.get("content-transfer-encoding", "7bit").strip().lower())
    if content_type not in ('text/plain;charset="utf-8"', "text/plain;charset=utf-8") or decode is None:
        return None
    subject = _decode_words(headers.get("subject", ""))
    try:
        text = decode(body.encode("utf-8", "surrogateescape")).decode("utf-8")
    except (ValueError, UnicodeError):
        return None
    if subject is None:
        return None
    return subject, text, headers.get("date")


def _decode_words(value: str) -> str | None:
    """An unstructured header's text with its RFC 2047 encoded words decoded; None if one is not UTF-8."""
    if "=?" not in value:
        return value
    out: list[str] = []
    pending = b""  # consecutive encoded words are decoded together: a character may span two
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        if between and not (pending and between.isspace()):  # blanks between encoded words are dropped
            out.append(pending.decode("utf-8", "replace"))
            out.append(between)
            pending = b""
        charset, encoding, text = match.groups()
        if charset.lower().partition("*")[0] not in ("utf-8", "us-ascii"):
            return None
        try:
            pending += (
                binascii.a2b_qp(text.encode(), header=True) if encoding in "qQ" else binascii.a2b_base64(text.encode())
            )
        except binascii.Error:
            return None
        position = match.end()
    out.append(pending.decode("utf-8", "replace"))
    out.append(value[position:])
    return "".join(out)


def _raw_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    text = str(value)
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        return text.encode()


class Outbox:
    """The sent messages read so far, in date order (then sending order), each parsed once."""

    def __init__(self, source: SentMessages) -> None:
        self.source = source
        self._lock = threading.Lock()
        self._known = 0
        # Sorted by key (sent at as a timestamp, position in sending order): the keys, then each message and its JSON.
        self._keys: list[tuple[float, int]] = []
        self._entries: list[tuple[dict[str, Any], bytes]] = []
        self._body: bytes | None = None

    def refresh(self) -> int:
        """Reads what was sent since the last call; returns how many new messages."""
        with self._lock:
            total, new = self.source.read(self._known)
            if total < self._known:  # the twin was reset (moto's /moto-api/reset)
                self._known, self._keys, self._entries = 0, [], []
            for offset, sent in enumerate(new):
                timestamp, message = parse(sent)
                key = (timestamp, self._known + offset)
                # Mail mostly arrives in date order: then it goes at the end.
                at = len(self._keys) if not self._keys or key > self._keys[-1] else bisect.bisect(self._keys, key)
                self._keys.insert(at, key)
                self._entries.insert(at, (message, json.dumps(message).encode()))
            if new or total != self._known:
                self._body = None
            self._known = total
            return len(new)

    def messages(self) -> list[dict[str, Any]]:
        self.refresh()
        with self._lock:
            return [message for message, _ in self._entries]

    def body(self) -> bytes:
        """``{"messages": [...]}``, oldest first, encoded once per new message."""
        self.refresh()
        with self._lock:
            if self._body is None:
                self._body = b'{"messages": [' + b", ".join([encoded for _, encoded in self._entries]) + b"]}"
            return self._body

"""``GET /_local/outbox``: every email the SES twin sent, oldest first, without moto's whole state dump."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import infra.outbox
from bench.outbox import mime_text
from infra.local import Backend, LocalApi
from infra.outbox import InProcessSes, Outbox, RemoteMoto

SENDER = "no-reply@passculture.local"


def raw_email(to: str, subject: str, body: str, sent_at: datetime) -> str:
    """A message as ``passculture.adapters.email`` builds it, with the given date."""
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(sent_at, usegmt=True)
    message.set_content(body)
    return message.as_bytes().decode("utf-8")


def ses_backend():
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-3"]


def get_outbox(outbox: Outbox) -> tuple[int, list[dict]]:
    backend = Backend()
    backend.outbox = outbox
    api = LocalApi(backend, {}, SimpleNamespace(jobs={}))
    status, headers, body = api.handle("GET", "/_local/outbox", {}, b"", "127.0.0.1")
    assert headers["Content-Type"] == "application/json"
    return status, json.loads(body)["messages"]


def test_the_outbox_answers_with_ten_thousand_emails_oldest_first(aws):
    from passculture.adapters.email import send_email

    start = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    sample = mime_text("a@example.com", "Réservation « n°1 »", "Bonjour,\nvotre contremarque.\n", start)
    assert infra.outbox._read_any(sample)[:2] == ("Réservation « n°1 »", "Bonjour,\nvotre contremarque.\n")
    # Sent in an order that is not the dates' order (threads, clocks): the outbox sorts them.
    minutes = list(range(10_000))
    random.Random(9).shuffle(minutes)
    ses = ses_backend()
    for minute in minutes:
        to = f"young-{minute}@example.com"
        body = f"Bonjour,\nvotre contremarque {minute}.\n"
        when = start + timedelta(minutes=minute)
        ses.send_raw_email(SENDER, [to], mime_text(to, f"Réservation n°{minute} confirmée", body, when))
    send_email(["last@example.com"], "Sent « now » through the adapter", "Dernier message.")

    status, messages = get_outbox(Outbox(InProcessSes("eu-west-3")))

    assert status == 200
    assert len(messages) == 10_001
    assert [m["subject"] for m in messages[:3]] == [f"Réservation n°{n} confirmée" for n in range(3)]
    assert messages[-1]["subject"] == "Sent « now » through the adapter"
    assert messages[-1]["to"] == ["last@example.com"]
    assert messages[1234]["to"] == ["young-1234@example.com"]
    assert messages[1234]["body"] == "Bonjour,\nvotre contremarque 1234.\n"
    assert messages[1234]["sentAt"] == (start + timedelta(minutes=1234)).isoformat()
    dates = [datetime.fromisoformat(m["sentAt"]) for m in messages]
    assert dates == sorted(dates)


def test_each_email_is_parsed_once_and_new_ones_are_read_after_the_others(aws, monkeypatch):
    parsed = []
    original = infra.outbox.parse
    monkeypatch.setattr(infra.outbox, "parse", lambda sent: parsed.append(sent) or original(sent))
    ses = ses_backend()
    start = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    for minute in (5, 3, 4):
        when = start + timedelta(minutes=minute)
        ses.send_raw_email(SENDER, ["a@example.com"], raw_email("a@example.com", f"m{minute}", "x", when))
    outbox = Outbox(InProcessSes("eu-west-3"))
    assert [m["subject"] for m in get_outbox(outbox)[1]] == ["m3", "m4", "m5"]
    assert get_outbox(outbox)[1] == get_outbox(outbox)[1]
    assert len(parsed) == 3

    ses.send_raw_email(SENDER, ["b@example.com"], raw_email("b@example.com", "m1", "x", start))
    ses.send_raw_email(SENDER, ["b@example.com"], raw_email("b@example.com", "m9", "x", start + timedelta(hours=1)))

    # The one dated before the others takes its place among them.
    assert [m["subject"] for m in get_outbox(outbox)[1]] == ["m1", "m3", "m4", "m5", "m9"]
    assert len(parsed) == 5


def test_an_external_twin_is_read_again_only_once_ses_has_sent_something(moto_server, monkeypatch):
    import requests

    from passculture.adapters.email import send_email

    dumps = []
    real_get = requests.get
    monkeypatch.setattr(requests, "get", lambda url, **kw: dumps.append(url) or real_get(url, **kw))
    outbox = Outbox(RemoteMoto(moto_server))
    before = len(outbox.messages())  # the session's server may hold other tests' emails
    send_email(["first@example.com"], "Premier", "Un.")
    send_email(["second@example.com"], "Second", "Deux.")

    messages = outbox.messages()
    assert [(m["to"], m["subject"], m["body"]) for m in messages[before:]] == [
        (["first@example.com"], "Premier", "Un.\n"),
        (["second@example.com"], "Second", "Deux.\n"),
    ]
    fetched = len(dumps)
    assert outbox.messages() == messages
    assert len(dumps) == fetched, "nothing was sent: the state dump is not fetched again"
    send_email(["third@example.com"], "Troisième", "Trois.")
    assert [m["subject"] for m in outbox.messages()[before:]] == ["Premier", "Second", "Troisième"]


def _build(subject: str, body: str) -> str:
    return raw_email("a@example.com", subject, body, datetime(2026, 3, 1, tzinfo=UTC))


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(subject=st.text(), body=st.text())
def test_the_quick_reading_of_an_email_is_what_the_standard_parser_reads(subject, body):
    try:
        raw = _build(subject, body)
    except (ValueError, TypeError):
        assume(False)  # text the email library refuses for a header: never sent
    quick = infra.outbox._read_plain_text(raw)
    if quick is not None:
        assert quick == infra.outbox._read_any(raw)


@pytest.mark.parametrize(
    "raw",
    [
        _build("Réservation « Théâtre » confirmée " + "très " * 30, "Bonjour ✓\n" * 40),
        _build("ASCII only", "plain\n"),
        _build("=?utf-8?q?looks_encoded?= but is not", "x"),
    ],
    ids=["folded-utf8", "ascii", "encoded-looking"],
)
def test_the_project_s_emails_take_the_quick_path(raw):
    assert infra.outbox._read_plain_text(raw) == infra.outbox._read_any(raw)

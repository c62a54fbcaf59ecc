"""Whatever a stored name holds, its emails are built, accepted by SES (moto) and read back.

Names stored before the input rules, or written by an import, may hold line
breaks, controls, U+2028 and friends or lone surrogates: each must still give a
valid message that names its countermark or SIREN.
"""

from __future__ import annotations

from email import message_from_bytes, policy
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Every code point, surrogates included, and the ones that break headers more often than chance gives.
TRICKY = "\r\n\t\x00\x0b\x0c\x1c\x1d\x1e\x7f\x85\u2028\u2029\ud800\udbff\udc00\udfff\u202e\u2066\ufeff\ufffe =?"
ALPHABET = st.one_of(st.characters(codec=None, exclude_categories=()), st.sampled_from(TRICKY))
ANY_TEXT = st.text(alphabet=ALPHABET, max_size=80)
EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def last_sent():
    """The last message the SES twin accepted, parsed back: (destinations, subject, body)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    raw = ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-3"].sent_messages[-1]
    data = raw.raw_data if isinstance(raw.raw_data, bytes) else raw.raw_data.encode("utf-8", "surrogateescape")
    message = message_from_bytes(data, policy=policy.default)
    return raw.destinations, str(message["Subject"]), message.get_body().get_content()


def sent_count() -> int:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return len(ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-3"].sent_messages)


def venue_named(name: str) -> SimpleNamespace:
    return SimpleNamespace(
        name=name,
        address="2 quai Ouest",
        postal_code="97400",
        city="Saint-Denis",
        department_code="974",
        booking_email="resa@port.example",
        is_virtual=False,
    )


def booking_of(offer_name: str, public_name: str) -> dict:
    return {
        "token": "ABC234",
        "offer_name": offer_name,
        "begins_at": "2027-03-14T16:00:00.000000+0000",
        "quantity": 1,
        "amount_cents": 1200,
        "user_email": "jeune@example.org",
        "user_public_name": public_name,
        "user_id": "42",
        "cancelled_by": "key:ab12cd34",
    }


def assert_one_line(subject: str) -> None:
    assert not any(ch in subject for ch in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def assert_sent_as_built(to: str, subject: str, body: str) -> None:
    """The last message SES took reads back as the cleaned subject and body."""
    from passculture.rules.text import body_text, header_text

    destinations, parsed_subject, parsed_body = last_sent()
    assert to in destinations
    assert parsed_subject == header_text(subject)
    assert parsed_body == body_text(body)
    assert_one_line(parsed_subject)


# -- the message itself: any subject, body and display name --------------------------


@settings(max_examples=500, deadline=None)
@given(subject=ANY_TEXT, body=st.text(alphabet=ALPHABET, max_size=400), name=ANY_TEXT)
def test_any_text_builds_a_message_that_reads_back_as_cleaned(subject, body, name):
    from passculture.adapters.email import build_message
    from passculture.rules.text import body_text, header_text

    to, raw = build_message("no-reply@passculture.local", [(name, "resa@port.example"), "b@example.org"], subject, body)
    assert to == ["resa@port.example", "b@example.org"]
    assert all(b"\r" not in line and b"\n" not in line for line in raw.split(b"\r\n"))
    message = message_from_bytes(raw, policy=policy.default)
    assert str(message["Subject"]) == header_text(subject)
    assert message.get_body().get_content() == body_text(body)
    (named, bare) = message["To"].addresses
    assert (named.addr_spec, bare.addr_spec) == ("resa@port.example", "b@example.org")
    assert named.display_name == " ".join(header_text(name).split())


def mimetext_message(sender: str, to: list, subject: str, body: str, date: str, msgid: str) -> bytes:
    """The same message written by the standard library's MIMEText under compat32 (the reference)."""
    from email.charset import BASE64, Charset
    from email.header import Header
    from email.mime.text import MIMEText
    from email.utils import formataddr

    from passculture.adapters.email import SENDER_NAME, _mailbox
    from passculture.rules.text import body_text, header_text

    utf8 = Charset("utf-8")
    utf8.body_encoding = BASE64
    message = MIMEText(body_text(body), "plain", utf8)
    message["From"] = formataddr((SENDER_NAME, sender))
    message["To"] = ", ".join(_mailbox(r)[0] for r in to)
    message["Subject"] = Header(header_text(subject), "utf-8")
    message["Date"] = date
    message["Message-ID"] = msgid
    return message.as_bytes(policy=policy.compat32.clone(linesep="\r\n"))


@settings(max_examples=300, deadline=None)
@given(
    subject=st.one_of(ANY_TEXT, st.text(alphabet=ALPHABET, min_size=60, max_size=300)),
    body=st.text(alphabet=ALPHABET, max_size=400),
    names=st.lists(ANY_TEXT, min_size=1, max_size=8),
)
def test_the_message_is_byte_for_byte_what_mimetext_writes(subject, body, names):
    """Written without email.mime and email.policy (a cold container's import), the bytes are MIMEText's."""
    from unittest import mock

    from passculture.adapters import email

    date, msgid = "Thu, 03 Dec 2026 06:23:39 GMT", "<1.2.3@passculture.local>"
    to = [(name, f"r{i}@port.example") for i, name in enumerate(names)] + ["b@example.org"]
    with (
        mock.patch.object(email, "formatdate", return_value=date),
        mock.patch.object(email, "make_msgid", return_value=msgid),
    ):
        _, raw = email.build_message("no-reply@passculture.local", to, subject, body)
    assert raw == mimetext_message("no-reply@passculture.local", to, subject, body, date, msgid)
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


@pytest.mark.parametrize("address", ["", "no-at-sign", "a b@example.org", "a@example.org\r\nBcc: x@evil.example"])
def test_an_address_that_is_none_is_refused_before_ses(address):
    from passculture.adapters.email import InvalidAddress, build_message

    with pytest.raises(InvalidAddress):
        build_message("no-reply@passculture.local", [address] if address else [], "Sujet", "Corps")


# -- through the real builders, to SES (moto) ------------------------------------------


@EXAMPLES
@given(offer=ANY_TEXT, public_name=ANY_TEXT, venue=ANY_TEXT)
def test_booking_and_cancellation_emails_of_any_names_are_sent(aws, offer, public_name, venue):
    from passculture.adapters.email import send_email
    from passculture.services.notifications.booking_emails import booking_emails, cancellation_emails

    booking = booking_of(offer, public_name)
    emails = booking_emails(booking, venue_named(venue)) + cancellation_emails(booking, venue_named(venue))
    assert len(emails) == 3
    for _, to, subject, body in emails:
        before = sent_count()
        send_email([to], subject, body)
        assert sent_count() == before + 1
        assert_sent_as_built(to, subject, body)
        _, parsed_subject, parsed_body = last_sent()
        assert "ABC234" in parsed_subject and "ABC234" in parsed_body


@EXAMPLES
@given(name=ANY_TEXT, signer=ANY_TEXT, address=ANY_TEXT)
def test_the_team_is_told_of_a_new_structure_whatever_its_name(aws, name, signer, address):
    from passculture.services.accounts import mail

    before = sent_count()
    assert mail.send_new_structure_to_team("123456782", name, "pro@example.org", address) is True
    assert sent_count() == before + 1
    built = mail.new_structure_email("123456782", name, "pro@example.org", address)
    assert_sent_as_built("team@passculture.test", built.subject, built.body)
    _, subject, body = last_sent()
    assert "123456782" in subject and "123456782" in body


@EXAMPLES
@given(name=ANY_TEXT, status=st.sampled_from(["validated", "rejected"]), reason=ANY_TEXT)
def test_join_requests_acceptances_and_statuses_are_sent_whatever_the_structures_name(aws, name, status, reason):
    from passculture.services.accounts import mail

    for send, built in (
        (
            lambda: mail.send_join_request(["admin@example.org"], "123456782", name, "member@example.org"),
            mail.join_request_email(["admin@example.org"], "123456782", name, "member@example.org"),
        ),
        (
            lambda: mail.send_membership_accepted("member@example.org", "123456782", name),
            mail.membership_accepted_email("member@example.org", "123456782", name),
        ),
        (
            lambda: mail.send_structure_status(["admin@example.org"], "123456782", name, status, reason),
            mail.structure_status_email(["admin@example.org"], "123456782", name, status, reason),
        ),
    ):
        before = sent_count()
        assert send() is True
        assert sent_count() == before + 1
        assert_sent_as_built(built.recipients[0], built.subject, built.body)
        assert "123456782" in last_sent()[2]


@EXAMPLES
@given(first_name=ANY_TEXT)
def test_a_confirmation_is_sent_whatever_the_first_name(aws, first_name):
    from passculture.services.accounts import mail

    before = sent_count()
    assert mail.send_confirmation("pro@example.org", "the-token-0123", first_name) is True
    assert sent_count() == before + 1
    built = mail.confirmation_email("pro@example.org", "the-token-0123", first_name)
    assert_sent_as_built("pro@example.org", built.subject, built.body)
    assert "/validate/the-token-0123" in last_sent()[2]


@pytest.mark.parametrize("name", ["Le\nMisanthrope", "Le\u2028Misanthrope", "Le\rMisanthrope", "Café\ud800"])
def test_names_that_broke_emails_before(aws, name):
    from passculture.adapters.email import send_email
    from passculture.services.notifications.booking_emails import booking_emails

    for _, to, subject, body in booking_emails(booking_of(name, name), venue_named(name)):
        send_email([to], subject, body)
        _, parsed_subject, _ = last_sent()
        assert "ABC234" in parsed_subject
        assert_one_line(parsed_subject)

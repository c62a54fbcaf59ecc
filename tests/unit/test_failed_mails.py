"""Parked emails: kept whole, counted once, resent once whoever resends, from the local route too."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest

from infra.catalog import load_handler
from passculture.models.base import utcnow
from passculture.services.notifications.failed_mails import Email, park, resend_parked, send_or_park

EMAIL = Email("booking", "booking:ABC234", ("resa@theatre.example",), "Nouvelle réservation ABC234", "Bonjour,\n")


def emf_points(capsys, metric="EmailsParked"):
    return [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith('{"_aws"') and metric in json.loads(line)
    ]


def stored(mail_id):
    from passculture.models.failed_mails import FailedMail

    return FailedMail.get(mail_id, consistent_read=True)


def test_a_parked_email_is_kept_whole_and_counted_once(aws, capsys):
    first = utcnow() - timedelta(minutes=3)
    assert park(
        EMAIL, function="notify", reason="Throttling: slow down", attempts=3, first_attempt_at=first, mail_id="m1"
    )
    assert not park(EMAIL, function="notify", reason="again", attempts=4, mail_id="m1")
    item = stored("m1")
    assert (item.status, item.parked, item.kind, item.ref) == ("parked", "parked", "booking", "booking:ABC234")
    assert (item.recipients, item.subject, item.body) == (["resa@theatre.example"], EMAIL.subject, EMAIL.body)
    assert (item.reason, item.attempts, item.first_attempt_at) == ("Throttling: slow down", 3, first)
    (point,) = emf_points(capsys)
    assert (point["EmailsParked"], point["function"], point["stage"]) == (1, "notify", "test")
    (definition,) = point["_aws"]["CloudWatchMetrics"]
    assert definition["Namespace"] == "PassCulture"
    assert definition["Dimensions"] == [["stage"], ["stage", "function"]]
    assert definition["Metrics"] == [{"Name": "EmailsParked", "Unit": "Count"}]


def test_any_text_is_stored_as_it_will_be_sent(aws):
    from passculture.rules.text import body_text, header_text

    odd = Email("join-request", "offerer:123456782", ("a@example.org",), "Le\nThéâtre\ud800", "Bon\rjour\u2028\x00")
    park(odd, function="accounts", reason="boom \udfff", attempts=1, mail_id="odd")
    item = stored("odd")
    assert (item.subject, item.body) == (header_text(odd.subject), body_text(odd.body))
    assert item.reason == "boom \ufffd"


def test_send_or_park_keeps_an_email_ses_refused_and_reports_no_message_id(aws, monkeypatch, sent_emails):
    from passculture.adapters import email
    from passculture.services.notifications.failed_mails import parked_mails

    assert send_or_park(EMAIL) is not None and len(sent_emails()) == 1
    monkeypatch.setattr(email, "send_email", lambda *a: (_ for _ in ()).throw(ConnectionError("no route")))
    assert send_or_park(EMAIL) is None
    (item,) = list(parked_mails())
    assert (item.function, item.attempts, item.reason) == ("accounts", 1, "ConnectionError: no route")


def test_the_function_is_the_deployed_one_when_lambda_names_it(aws, monkeypatch):
    from passculture.adapters import metrics
    from passculture.config import get_settings

    assert metrics.function_name("accounts") == "accounts"
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "passculture-pro-test-validation")
    get_settings.cache_clear()
    try:
        assert metrics.function_name("accounts") == "validation"
    finally:
        monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME")
        get_settings.cache_clear()


def test_a_resend_sends_each_parked_email_once_and_records_it(aws, sent_emails):
    park(EMAIL, function="notify", reason="x", attempts=3, mail_id="m1")
    park(EMAIL, function="notify", reason="x", attempts=3, mail_id="m2")
    report = resend_parked()
    assert (report.resent, report.failed, report.skipped, report.complete) == (["m1", "m2"], [], [], True)
    assert [to for to, _, _ in sent_emails()] == [["resa@theatre.example"]] * 2
    item = stored("m1")
    assert (item.status, item.parked, item.attempts, item.lease_until) == ("resent", None, 4, None)
    assert item.message_id and item.resent_at and item.expires_at
    assert resend_parked().as_dict() == {"resent": [], "failed": [], "skipped": [], "dropped": [], "complete": True}
    assert len(sent_emails()) == 2


def test_two_resends_at_once_send_a_parked_email_once(aws, sent_emails, monkeypatch):
    from passculture.adapters import email

    park(EMAIL, function="notify", reason="x", attempts=3, mail_id="m1")
    real, inner = email.send_email, []

    def send_while_another_resend_runs(*args):
        if not inner:
            inner.append(resend_parked())  # the second resend, while the first one is sending
        return real(*args)

    monkeypatch.setattr(email, "send_email", send_while_another_resend_runs)
    assert resend_parked().resent == ["m1"]
    assert inner[0].skipped == ["m1"] and inner[0].resent == []
    assert len(sent_emails()) == 1


def test_a_resend_that_fails_again_keeps_the_email_parked_with_the_new_reason(aws, monkeypatch, sent_emails):
    from botocore.exceptions import ClientError

    from passculture.adapters import email

    park(EMAIL, function="notify", reason="first", attempts=3, mail_id="m1")
    error = ClientError({"Error": {"Code": "MessageRejected", "Message": "Address blacklisted"}}, "SendEmail")
    monkeypatch.setattr(email, "send_email", lambda *a: (_ for _ in ()).throw(error))
    assert resend_parked().failed == ["m1"]
    item = stored("m1")
    assert (item.status, item.parked, item.attempts) == ("parked", "parked", 4)
    assert item.reason == "MessageRejected: " + str(error)
    monkeypatch.undo()
    assert resend_parked().resent == ["m1"] and len(sent_emails()) == 1


def test_a_resend_that_died_while_sending_is_taken_again_after_its_lease(aws, sent_emails):
    from passculture.models.failed_mails import FailedMail
    from passculture.services.notifications.failed_mails import _take

    park(EMAIL, function="notify", reason="x", attempts=3, mail_id="m1")
    assert _take(stored("m1"), utcnow(), timedelta(seconds=60))  # a resend that holds it, then dies
    assert resend_parked().skipped == ["m1"] and sent_emails() == []
    stored("m1").update(actions=[FailedMail.lease_until.set(utcnow() - timedelta(seconds=1))])
    assert resend_parked().resent == ["m1"] and len(sent_emails()) == 1


def test_a_resend_stops_before_its_invocation_runs_out_of_time(aws, sent_emails):
    park(EMAIL, function="notify", reason="x", attempts=3, mail_id="m1")
    report = resend_parked(remaining_ms=lambda: 5_000)
    assert (report.resent, report.complete) == ([], False)
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: 50_000)
    assert load_handler("notify")({"action": "resend-mail", "limit": 1}, context)["resent"] == ["m1"]


def test_the_local_route_resends_through_the_notify_handler(aws, sent_emails):
    from infra.local import Backend, LocalApi

    park(EMAIL, function="notify", reason="x", attempts=3, mail_id="m1")
    api = LocalApi(Backend(), {"notify": load_handler("notify")}, SimpleNamespace(jobs={}))
    status, _, body = api.handle("POST", "/_local/resend-mail", {}, b"", "127.0.0.1")
    assert (status, json.loads(body)["resent"]) == (200, ["m1"])
    assert [to for to, _, _ in sent_emails()] == [["resa@theatre.example"]]
    status, _, body = api.handle("POST", "/_local/resend-mail", {}, b"", "127.0.0.1")
    assert (status, json.loads(body)["resent"]) == (200, [])


@pytest.mark.parametrize(
    ("report", "status"),
    [
        ({"resent": ["m1"], "failed": [], "skipped": [], "complete": True}, 0),
        ({"resent": [], "failed": ["m1"], "skipped": [], "complete": True}, 1),
        ({"resent": [], "failed": [], "skipped": [], "complete": False}, 1),
    ],
)
def test_make_resend_mail_says_what_happened_and_fails_when_something_is_left(httpserver, monkeypatch, report, status):
    from infra import resend_mail

    httpserver.expect_request("/_local/resend-mail", method="POST").respond_with_json(report)
    monkeypatch.setenv("LOCAL_URL", httpserver.url_for(""))
    assert resend_mail.main() == status


def test_make_resend_mail_without_a_server_says_how_to_start_one(monkeypatch, capsys):
    from infra import resend_mail

    monkeypatch.setenv("LOCAL_URL", "http://127.0.0.1:9")
    assert resend_mail.main() == 2
    assert "make run" in capsys.readouterr().err

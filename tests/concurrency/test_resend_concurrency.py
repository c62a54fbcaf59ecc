"""Resends run at the same time (two operators, a retry) against moto's server: each parked email goes once."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from passculture.services.notifications.failed_mails import Email, park, resend_parked


def test_four_resends_at_once_send_each_parked_email_exactly_once(moto_server, monkeypatch):
    from passculture.adapters import email
    from passculture.models.failed_mails import FailedMail

    run = uuid.uuid4().hex[:8]  # the server is shared by the session: count only this test's emails
    ids = [f"race-{run}-{n}" for n in range(12)]
    for mail_id in ids:
        park(
            Email("booking", f"booking:{mail_id}", ("resa@theatre.example",), mail_id, "Bonjour\n"),
            function="notify",
            reason="Throttling",
            attempts=3,
            mail_id=mail_id,
        )
    sends: Counter[str] = Counter()
    lock = threading.Lock()
    real = email.send_email

    def counting(to, subject, body):
        with lock:
            sends[subject] += 1
        return real(to, subject, body)

    monkeypatch.setattr(email, "send_email", counting)
    start = threading.Event()

    def resend():
        start.wait()
        return resend_parked()

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(resend) for _ in range(4)]
        start.set()
        reports = [f.result(timeout=120) for f in futures]

    assert {mail_id: sends[mail_id] for mail_id in ids} == dict.fromkeys(ids, 1)
    resent = [mail_id for report in reports for mail_id in report.resent if mail_id in ids]
    assert sorted(resent) == sorted(ids)
    assert {FailedMail.get(mail_id, consistent_read=True).status for mail_id in ids} == {"resent"}

"""Emails that could not be sent are kept whole in ``failed_mails``, counted, and resent on demand.

- ``park``: the email (recipients, subject, body, what it belongs to), the reason
  and its attempts are written once (a second park of the same id is a no-op),
  and the ``EmailsParked`` metric is counted (the template's alarm watches it).
- ``send_or_park``: the accounts emails, sent on the request path: one try; a
  failure parks the email and the request still succeeds (its data is saved).
- ``resend_parked``: every parked email, oldest first, is taken by a conditional
  update (``parked``, or a resend's lease that expired) so two resends running
  at once never send one email twice; it ends ``resent`` (with SES's message id)
  or back to ``parked`` with the new reason. Run by the notify function's
  ``{"action": "resend-mail"}`` event (``make resend-mail`` locally). Partner
  messages parked in the same table (``channel`` ``partner``) are resent by the
  same command, to the URL that applies now, signed again
  (``partner_messages.resend``); one no longer due ends ``dropped``. Ticket
  cancellations (``channel`` ``ticketing``, ``booking.ticketing``) too, and
  notify's schedule retries them every 10 minutes (``channels``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

logger = logging.getLogger(__name__)

RESENT_KEEP = timedelta(days=90)  # a resent email's record, for the curious, then DynamoDB's TTL removes it
# SES refusals that no retry can change: the email is parked at once.
PERMANENT_SES_ERRORS = frozenset({"MessageRejected", "BadRequestException", "InvalidParameterValue"})
# Parked calls to partners (not emails): booking notifications, and ticket cancellations (``booking.ticketing``).
PARTNER_CHANNELS = frozenset({"partner", "ticketing"})
RESEND_MARGIN_MS = 10_000  # a resend stops taking emails when its invocation has less time left than this


@dataclass(frozen=True)
class Email:
    """An email to send: what it is, what it belongs to, to whom, and its text."""

    # booking, cancellation, withdrawal, confirmation, new-structure, join-request, membership, structure-status
    kind: str
    ref: str  # booking:<token>, user:<id>, offerer:<siren>
    recipients: tuple[str, ...]
    subject: str
    body: str


@dataclass
class ResendReport:
    resent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # another resend holds them
    # Partner messages no longer due: the venue's grant was withdrawn, or the provider has no URL any more.
    dropped: list[str] = field(default_factory=list)
    complete: bool = True  # False when the invocation's time ran short: run it again

    def as_dict(self) -> dict[str, Any]:
        return {
            "resent": self.resent,
            "failed": self.failed,
            "skipped": self.skipped,
            "dropped": self.dropped,
            "complete": self.complete,
        }


def describe(error: BaseException) -> str:
    """The failure in words, as the operator reads it."""
    reason = getattr(error, "reason", None)
    if isinstance(reason, str):  # a partner message's (``adapters.feeds.FeedError``): already in words
        return reason
    code = _error_code(error)
    return f"{code}: {error}" if code else f"{type(error).__name__}: {error}"


def _error_code(error: BaseException) -> str | None:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return (response.get("Error") or {}).get("Code")
    return None


def is_permanent(error: BaseException) -> bool:
    """Whether retrying cannot help: an address that is none, or SES refusing the message itself."""
    from passculture.adapters.email import InvalidAddress

    return isinstance(error, InvalidAddress) or _error_code(error) in PERMANENT_SES_ERRORS


def park(
    email: Email,
    *,
    function: str,
    reason: str,
    attempts: int,
    first_attempt_at: datetime | None = None,
    mail_id: str | None = None,
    metric: str = "EmailsParked",
    **extra: Any,
) -> bool:
    """Keeps the email for a resend; True when this call parked it (False: that id was parked already).

    ``extra``: the attributes of a partner message (``channel``, ``provider_id``, ``venue_id``), counted in ``metric``.
    """
    from pynamodb.exceptions import PutError

    from passculture.adapters import metrics
    from passculture.models.base import new_id, utcnow
    from passculture.models.failed_mails import PARKED, FailedMail
    from passculture.rules.text import body_text, header_text, without_lone_surrogates

    now = utcnow()
    item = FailedMail(
        mail_id or new_id(),
        status="parked",
        parked=PARKED,
        function=function,
        kind=email.kind,
        ref=without_lone_surrogates(email.ref),
        # Stored as they will be sent: DynamoDB takes no lone surrogate.
        recipients=[without_lone_surrogates(r) for r in email.recipients],
        subject=header_text(email.subject),
        body=body_text(email.body),
        reason=without_lone_surrogates(reason)[:2000],
        attempts=attempts,
        first_attempt_at=first_attempt_at or now,
        parked_at=now,
        last_attempt_at=now,
        **extra,
    )
    try:
        item.save(condition=FailedMail.id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    logger.error(
        "email %s (%s, %s) parked after %d attempt(s): %s", item.id, item.kind, item.ref, attempts, item.reason
    )
    metrics.count(metric, function=function)
    return True


def send_or_park(email: Email, *, function: str = "accounts") -> str | None:
    """One try; SES's message id, or None when the email was parked (or had no recipient)."""
    from passculture.adapters import metrics
    from passculture.adapters.email import send_email

    if not email.recipients:
        return None
    try:
        return send_email(list(email.recipients), email.subject, email.body)
    except Exception as exc:
        logger.exception("could not send the %s email of %s", email.kind, email.ref)
        try:
            park(email, function=metrics.function_name(function), reason=describe(exc), attempts=1)
        except Exception:
            # Even the table failed: the log line above is all that is left of it.
            logger.exception("could not park the %s email of %s: %r", email.kind, email.ref, email)
        return None


# -- resending -----------------------------------------------------------------


def parked_mails(limit: int | None = None) -> Iterator[Any]:
    """The emails waiting to be resent, oldest first, page after page."""
    from passculture.models.failed_mails import PARKED, FailedMail

    return iter(FailedMail.parked_index.query(PARKED, limit=limit))


def _take(item: Any, now: datetime, lease: timedelta) -> bool:
    """Holds a parked email for this resend (a conditional update); False when another one holds it."""
    from pynamodb.exceptions import UpdateError

    from passculture.models.failed_mails import FailedMail

    free = (FailedMail.status == "parked") | ((FailedMail.status == "resending") & (FailedMail.lease_until < now))
    try:
        item.update(
            actions=[
                FailedMail.status.set("resending"),
                FailedMail.lease_until.set(now + lease),
                FailedMail.attempts.add(1),
                FailedMail.last_attempt_at.set(now),
            ],
            condition=FailedMail.parked.exists() & free,
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _settle(item: Any, actions: list[Any]) -> None:
    """Ends this resend's hold, only if it still holds the email."""
    from pynamodb.exceptions import UpdateError

    from passculture.models.failed_mails import FailedMail

    held = (FailedMail.status == "resending") & (FailedMail.lease_until == item.lease_until)
    try:
        item.update(actions=[*actions, FailedMail.lease_until.remove()], condition=held)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        # The send outlived the lease and another resend took the email: it may go twice.
        logger.warning("email %s: the resend's lease ran out before it was recorded", item.id)


def _expiry() -> list[Any]:
    from passculture.models.base import utcnow
    from passculture.models.failed_mails import FailedMail

    return [FailedMail.expires_at.set(utcnow() + RESENT_KEEP)]


def resend_one(item: Any, now: datetime | None = None, send_partner: Callable[[Any], str | None] | None = None) -> str:
    """``resent``, ``failed`` (parked again, with the new reason), ``skipped`` (another resend holds it),
    or ``dropped`` (a partner message no longer due)."""
    from passculture.adapters.email import send_email
    from passculture.config import get_settings
    from passculture.models.base import utcnow
    from passculture.models.failed_mails import FailedMail

    now = now or utcnow()
    if item.channel in PARTNER_CHANNELS and send_partner is None:
        return "skipped"  # only notify sends partner messages (``partner_messages.resend``)
    if not _take(item, now, timedelta(seconds=get_settings().notify_lease_seconds)):
        return "skipped"
    try:
        if item.channel in PARTNER_CHANNELS and send_partner is not None:
            message_id = send_partner(item)
            if message_id is None:
                _settle(item, [FailedMail.status.set("dropped"), FailedMail.parked.remove(), *_expiry()])
                return "dropped"
        else:
            message_id = send_email(list(item.recipients), item.subject, item.body)
    except Exception as exc:
        logger.warning("resending email %s failed again: %s", item.id, describe(exc))
        _settle(item, [FailedMail.status.set("parked"), FailedMail.reason.set(describe(exc)[:2000])])
        return "failed"
    done = utcnow()
    _settle(
        item,
        [
            FailedMail.status.set("resent"),
            FailedMail.parked.remove(),
            FailedMail.message_id.set(message_id),
            FailedMail.resent_at.set(done),
            FailedMail.expires_at.set(done + RESENT_KEEP),
        ],
    )
    return "resent"


def resend_parked(
    limit: int | None = None,
    remaining_ms: Callable[[], int] | None = None,
    send_partner: Callable[[Any], str | None] | None = None,
    channels: frozenset[str] | None = None,
) -> ResendReport:
    """Resends the parked emails, oldest first, while the invocation has time (``remaining_ms``).

    ``send_partner`` sends a parked partner message (notify passes ``partner_messages.resend``,
    so the functions that only park emails never reach the partners' tables); without it they wait.
    """
    report = ResendReport()
    for item in parked_mails(limit):
        if channels is not None and item.channel not in channels:
            continue  # notify's schedule retries the ticket cancellations only
        if remaining_ms is not None and remaining_ms() < RESEND_MARGIN_MS:
            report.complete = False
            break
        outcome = resend_one(item, send_partner=send_partner)
        getattr(report, outcome).append(item.id)
    return report

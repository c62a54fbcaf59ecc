"""failed_mails: an email (or a partner message) that could not be sent after its attempts, kept whole until resent.

Written by ``services.notifications.outbox.park`` (notify after its attempts on
one message; the accounts emails on their first failure), read and resent by
``resend_parked``. The ``parked`` attribute exists only while the email waits
(``parked`` or ``resending``), so the ``parked-parked_at-index`` is sparse: it
lists the emails to resend, oldest first, and nothing else.
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from passculture.models.base import meta_for

PARKED = "parked"


class ParkedIndex(GlobalSecondaryIndex["FailedMail"]):
    """The emails waiting to be resent, oldest first (sparse: sent ones leave it)."""

    class Meta:
        index_name = "parked-parked_at-index"
        projection = AllProjection()

    parked = UnicodeAttribute(hash_key=True)
    parked_at = UTCDateTimeAttribute(range_key=True)


class FailedMail(Model):
    """An email, or a message to a partner (``channel`` ``partner``: ``services.notifications.partner_messages``)."""

    Meta = meta_for("failed_mails")

    # notify: its claim's key (one parked email per stream record and recipient); others: a random id.
    id = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute()  # parked | resending | resent | dropped (a partner message no longer due)
    parked = UnicodeAttribute(null=True)  # PARKED while not sent: the sparse index's key
    function = UnicodeAttribute()  # the function that gave up (notify, accounts, validation)
    kind = UnicodeAttribute()  # what it is: booking, cancellation, confirmation, new-structure...
    ref = UnicodeAttribute()  # what it belongs to: booking:<token>, user:<id>, offerer:<siren>
    recipients = ListAttribute(of=UnicodeAttribute)  # a partner message: the URL it was last sent to
    subject = UnicodeAttribute()
    body = UnicodeAttribute()  # a partner message: its JSON text (signed again when resent)
    # None: an email. "partner": a booking notification to a provider, for one of its granted venues.
    channel = UnicodeAttribute(null=True)
    provider_id = NumberAttribute(null=True)
    venue_id = UnicodeAttribute(null=True)
    reason = UnicodeAttribute()  # the last failure, in words
    attempts = NumberAttribute(default=0)  # sends tried, resends included
    first_attempt_at = UTCDateTimeAttribute()
    parked_at = UTCDateTimeAttribute()
    last_attempt_at = UTCDateTimeAttribute()
    lease_until = UTCDateTimeAttribute(null=True)  # a resend in progress holds the email until then
    message_id = UnicodeAttribute(null=True)  # SES's id (a partner message: its answer's status) once resent
    resent_at = UTCDateTimeAttribute(null=True)
    # Set when resent: the record of it goes after a while; a parked email never expires.
    expires_at = TTLAttribute(null=True)

    parked_index = ParkedIndex()

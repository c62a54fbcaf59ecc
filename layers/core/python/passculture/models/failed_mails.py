"""failed_mails: an email that could not be sent after its attempts, kept whole until it is resent.

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
    Meta = meta_for("failed_mails")

    # notify: its claim's key (one parked email per stream record and recipient); others: a random id.
    id = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute()  # parked | resending | resent
    parked = UnicodeAttribute(null=True)  # PARKED while not sent: the sparse index's key
    function = UnicodeAttribute()  # the function that gave up (notify, accounts, validation)
    kind = UnicodeAttribute()  # what it is: booking, cancellation, confirmation, new-structure...
    ref = UnicodeAttribute()  # what it belongs to: booking:<token>, user:<id>, offerer:<siren>
    recipients = ListAttribute(of=UnicodeAttribute)
    subject = UnicodeAttribute()
    body = UnicodeAttribute()
    reason = UnicodeAttribute()  # the last failure, in words
    attempts = NumberAttribute(default=0)  # sends tried, resends included
    first_attempt_at = UTCDateTimeAttribute()
    parked_at = UTCDateTimeAttribute()
    last_attempt_at = UTCDateTimeAttribute()
    lease_until = UTCDateTimeAttribute(null=True)  # a resend in progress holds the email until then
    message_id = UnicodeAttribute(null=True)  # SES's id, once a resend was accepted
    resent_at = UTCDateTimeAttribute(null=True)
    # Set when resent: the record of it goes after a while; a parked email never expires.
    expires_at = TTLAttribute(null=True)

    parked_index = ParkedIndex()

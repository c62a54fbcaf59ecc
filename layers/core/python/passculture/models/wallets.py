"""wallets: a young user's credits, national and labelled local ones.

One item per (user, credit). Debits and refunds are conditional updates on
``balance_cents`` (and on the category caps of the national credit) inside the
booking and cancellation transactions only.
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from passculture.models.base import meta_for

NATIONAL_CREDIT_ID = "national"


class Wallet(Model):
    Meta = meta_for("wallets")

    user_id = UnicodeAttribute(hash_key=True)
    credit_id = UnicodeAttribute(range_key=True)  # "national" or "local#<programme id>"
    label = UnicodeAttribute()
    kind = UnicodeAttribute(default="national")  # national | local
    department_code = UnicodeAttribute(null=True)
    initial_cents = NumberAttribute(default=0)
    balance_cents = NumberAttribute(default=0)
    # National credit caps: spent so far on physical things and on digital offers.
    physical_spent_cents = NumberAttribute(default=0)
    digital_spent_cents = NumberAttribute(default=0)
    physical_cap_cents = NumberAttribute(null=True)
    digital_cap_cents = NumberAttribute(null=True)
    # Local credits: {"categories": [...]} | {"venueIds": [...]} | {"labelOnly": true}
    perimeter = JSONAttribute(null=True)
    starts_at = UTCDateTimeAttribute(null=True)
    ends_at = UTCDateTimeAttribute(null=True)
    granted_at = UTCDateTimeAttribute()

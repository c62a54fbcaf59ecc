"""uniques: one item per value that must be unique (email, SIRET, idempotency keys...).

Written in the same transaction as the item it guards, with
``attribute_not_exists(key)``, so uniqueness holds under concurrency.
Keys are ``<kind>#<value>``; ``target`` points at the owning item.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from passculture.models.base import meta_for


class Unique(Model):
    Meta = meta_for("uniques")

    key = UnicodeAttribute(hash_key=True)
    target = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    # For keys that expire (email confirmation tokens, notify's sent-email claims): checked in
    # code, and removed by DynamoDB's TTL afterwards so they do not pile up. Guards that hold
    # for good (emails, SIRETs, bookings per stock) have none.
    expires_at = TTLAttribute(null=True)
    # Single-use keys (email confirmation tokens) are marked, so a second use is told apart.
    used_at = UTCDateTimeAttribute(null=True)
    extra = UnicodeAttribute(null=True)
    version = NumberAttribute(null=True)
    # For counter items (live API keys of a structure): updated conditionally in the guarded transaction.
    # notify's claims count their send attempts here.
    count = NumberAttribute(null=True)
    # notify's claims: held by one delivery until then (``extra`` claimed), SES's id once sent.
    lease_until = UTCDateTimeAttribute(null=True)
    message_id = UnicodeAttribute(null=True)


def unique_key(kind: str, value: str) -> str:
    return f"{kind}#{value}"

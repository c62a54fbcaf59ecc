"""wallets: a young user's credits, national and labelled local ones.

One item per (user, credit). Debits and refunds are conditional updates on
``balance_cents`` (and on the caps of the national credit) inside the booking
and cancellation transactions only.

The national credit has two caps, each a limit and a spent counter on the item:
the cap on physical goods (things, not events) and the cap on digital offers.
``CapKind`` (``passculture.vocabulary``) names them, and the ``Wallet`` methods below are the only code that
knows which attributes hold them.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from passculture.models.base import meta_for
from passculture.vocabulary import CapKind

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
    # National credit caps (see CapKind): spent so far on physical goods and on digital offers.
    physical_spent_cents = NumberAttribute(default=0)
    digital_spent_cents = NumberAttribute(default=0)
    physical_cap_cents = NumberAttribute(null=True)
    digital_cap_cents = NumberAttribute(null=True)
    # Local credits: {"categories": [...]} | {"venueIds": [...]} | {"labelOnly": true}
    perimeter = JSONAttribute(null=True)
    starts_at = UTCDateTimeAttribute(null=True)
    ends_at = UTCDateTimeAttribute(null=True)
    granted_at = UTCDateTimeAttribute()

    # -- the caps: the one place that maps a CapKind to its attributes -------------

    @staticmethod
    def spent_attribute(kind: CapKind) -> Any:
        return Wallet.digital_spent_cents if kind == CapKind.DIGITAL else Wallet.physical_spent_cents

    @staticmethod
    def cap_attribute(kind: CapKind) -> Any:
        return Wallet.digital_cap_cents if kind == CapKind.DIGITAL else Wallet.physical_cap_cents

    def cap(self, kind: CapKind) -> int | None:
        """The cap's limit; None when this credit has no such cap."""
        value = self.digital_cap_cents if kind == CapKind.DIGITAL else self.physical_cap_cents
        return None if value is None else int(value)

    def spent(self, kind: CapKind) -> int:
        return int((self.digital_spent_cents if kind == CapKind.DIGITAL else self.physical_spent_cents) or 0)

    def cap_room(self, kind: CapKind | None) -> int | None:
        """What may still be spent under the cap (never below 0); None when no cap applies."""
        if kind is None:
            return None
        cap = self.cap(kind)
        return None if cap is None else max(0, cap - self.spent(kind))

    def spendable_on(self, kind: CapKind) -> int:
        """What can still be spent on that kind of offer: the balance, or less when the cap leaves less."""
        balance = int(self.balance_cents or 0)
        room = self.cap_room(kind)
        return balance if room is None else min(balance, room)

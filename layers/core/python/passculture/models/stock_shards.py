"""stock_shards: the places of a big stock spread over K items, so bookings of one date write different items.

Hash key ``<stock id>#<n>`` for the shard number ``n`` in ``[0, K)``: each shard is a
partition key of its own (DynamoDB's write sharding: a partition serves at most 1,000
WCU/s, and items sharing a partition key share a partition), and one BatchGetItem of
the K known keys reads a stock's shards. Each shard holds ``quantity`` places, ``booked`` of them
taken and ``left`` = ``quantity - booked`` (kept in step by every write, because a
condition cannot do arithmetic: a booking is ``left >= wanted``). ``begins_key``
is the stock's, copied: a booking of a date the pro just moved fails, as it does
on an unsharded stock. ``is_deleted`` follows the stock's.

A stock with ``shards`` absent or 1 has no items here: its own ``booked`` counts.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from passculture.models.base import meta_for


class StockShard(Model):
    Meta = meta_for("stock_shards")

    id = UnicodeAttribute(hash_key=True)
    stock_id = UnicodeAttribute()
    n = NumberAttribute()
    quantity = NumberAttribute(default=0)
    booked = NumberAttribute(default=0)
    left = NumberAttribute(default=0)
    begins_key = UnicodeAttribute()
    is_deleted = BooleanAttribute(default=False)

    @classmethod
    def key(cls, stock_id: str, n: int) -> str:
        return f"{stock_id}#{int(n)}"

    @classmethod
    def of(cls, stock_id: str, n: int, **attributes: object) -> StockShard:
        return cls(cls.key(stock_id, n), stock_id=stock_id, n=int(n), **attributes)

"""A stock's places, on the stock item or spread over shards (``models/stock_shards.py``).

Every booking of one date writes the item holding its places, and DynamoDB runs
one transaction at a time per item (a concurrent one fails with
``TransactionConflict``), at most ~500 transactional writes a second per item.
A big stock is therefore split over K shard items: K from its quantity
(``shard_count_for``: 1 under ``SHARD_FROM`` places, then one per
``PLACES_PER_SHARD``, at most ``MAX_SHARDS``) or chosen by the pro. K = 1 is
the stock item itself, exactly as before shards existed.

A booking on a sharded stock reads nothing more: after the stock read it takes
its places from a random shard in its transaction (``left >= wanted``). A
refused shard makes it try another untried one; after ``REFUSALS_BEFORE_READ``
refusals (or when every shard was tried) it reads the shards (one BatchGetItem) and
takes from one that has the places, or from two for a duo when none alone has
two; the same read gives the precise "sold out" / "only N left". A conflict
moves to another shard too. The booking records the shards it took from
(``Booking.shards``) and a cancellation gives the places back there.

Readers of the places (the feed's sold-out state, the offer page, the pro's
stock view) call ``count_booked``: one BatchGetItem for all the sharded stocks (per 100 shards), none otherwise,
after which ``stock.booked`` is the sum of its shards.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

from passculture.models.base import Transaction
from passculture.models.stock_shards import StockShard
from passculture.models.stocks import Stock

SHARD_FROM = 200
PLACES_PER_SHARD = 100
MAX_SHARDS = 64
# Shards a booking tries blind (no read) before it reads them all.
REFUSALS_BEFORE_READ = 2


def shard_count_for(quantity: int | None, asked: int | None = None) -> int:
    """K: the pro's choice, else 1 under ``SHARD_FROM`` places (or unlimited), then one per 100, at most 64."""
    if quantity is None:
        return 1
    if asked is not None:
        return max(1, min(MAX_SHARDS, int(asked), max(1, int(quantity))))
    if quantity < SHARD_FROM:
        return 1
    return min(MAX_SHARDS, quantity // PLACES_PER_SHARD)


def is_sharded(stock: Stock) -> bool:
    return stock.shard_count > 1


def spread(places: int, shards: int) -> list[int]:
    """Places per shard, as even as possible (the first ones take the remainder)."""
    base, extra = divmod(max(0, places), shards)
    return [base + (1 if n < extra else 0) for n in range(shards)]


def new_shards(stock: Stock) -> list[StockShard]:
    """The shard items of a new sharded stock (nothing booked)."""
    if not is_sharded(stock):
        return []
    return [
        StockShard.of(stock.id, n, quantity=q, booked=0, left=q, begins_key=stock.begins_key, is_deleted=False)
        for n, q in enumerate(spread(int(stock.quantity), stock.shard_count))
    ]


def read_shards(stock: Stock) -> list[StockShard]:
    """A stock's shards by number, in one strongly consistent BatchGetItem of their K keys."""
    keys = [StockShard.key(stock.id, n) for n in range(stock.shard_count)]
    return sorted(StockShard.batch_get(keys, consistent_read=True), key=lambda shard: int(shard.n))


def count_booked(stocks: list[Stock]) -> list[Stock]:
    """Sets each sharded stock's ``booked`` to the sum of its shards (one BatchGetItem per 100); others untouched."""
    sharded = {stock.id: stock for stock in stocks if is_sharded(stock) and not stock.is_deleted}
    if not sharded:
        return stocks
    keys = [StockShard.key(stock.id, n) for stock in sharded.values() for n in range(stock.shard_count)]
    booked = dict.fromkeys(sharded, 0)
    for shard in StockShard.batch_get(keys, consistent_read=True):
        booked[shard.stock_id] += int(shard.booked or 0)
    for stock_id, stock in sharded.items():
        stock.booked = booked[stock_id]
    return stocks


# -- taking places in the booking transaction, giving them back -----------------------


class PlaceTaker:
    """Which shard(s) a booking takes its places from, attempt after attempt."""

    def __init__(self, stock: Stock, wanted: int, rng: random.Random | None = None) -> None:
        self.stock, self.wanted = stock, wanted
        self.k = stock.shard_count
        self.rng = rng or random.Random()
        self.tried: set[int] = set()
        self.refusals = 0
        self.left: dict[int, int] | None = None  # per shard, as last read
        self.takes: dict[int, int] = {self.rng.randrange(self.k): wanted}

    @property
    def sharded(self) -> bool:
        return self.k > 1

    def add_to(self, tx: Transaction, booking: Any, stock_condition: Callable[[Stock, int], Any]) -> None:
        """The transaction item(s) taking the places, labelled ``stock``; records the shards on the booking.

        Unsharded: the stock item's ``booked``, under ``stock_condition`` (``bookings.stock_condition``).
        """
        stock, wanted = self.stock, self.wanted
        if not self.sharded:
            tx.update("stock", Stock(stock.id), [Stock.booked.add(wanted)], stock_condition(stock, wanted))
            return
        booking.shards = {str(n): places for n, places in sorted(self.takes.items())}
        for n, places in sorted(self.takes.items()):
            tx.update("stock", StockShard(StockShard.key(stock.id, n)), *take_update(stock, places))

    def refused(self) -> bool:
        """The shard(s) had too few places: True when another choice is made blind, False when a read is due."""
        self.tried.update(self.takes)
        self.refusals += 1
        if self.left is not None:
            for n in self.takes:
                self.left[n] = 0
            return self._choose_known()
        untried = [n for n in range(self.k) if n not in self.tried]
        if not untried or self.refusals >= REFUSALS_BEFORE_READ:
            return False
        self.takes = {self.rng.choice(untried): self.wanted}
        return True

    def conflicted(self) -> None:
        """Another transaction held the shard: the next attempt prefers another one that may have places."""
        if not self.sharded:
            return
        if self.left is not None:
            others = [n for n, left in self.left.items() if left >= self.wanted and n not in self.takes]
        else:
            others = [n for n in range(self.k) if n not in self.tried and n not in self.takes]
        if others and len(self.takes) == 1:
            self.takes = {self.rng.choice(others): self.wanted}

    def reread(self) -> int:
        """Reads the shards (one BatchGetItem), sets ``stock.booked`` to their sum, and chooses from what they have.

        Returns the places left on the whole stock, for the precise refusal.
        """
        shards = read_shards(self.stock)
        self.left = {int(s.n): int(s.left or 0) for s in shards}
        self.tried.clear()
        self.stock.booked = sum(int(s.booked or 0) for s in shards)
        self._choose_known()
        return sum(self.left.values())

    def _choose_known(self) -> bool:
        """One shard with the places (the fuller of two random ones), else the fullest few for a duo."""
        assert self.left is not None
        fits = [n for n, left in self.left.items() if left >= self.wanted]
        if fits:
            a, b = self.rng.choice(fits), self.rng.choice(fits)
            self.takes = {a if self.left[a] >= self.left[b] else b: self.wanted}
            return True
        takes, missing = {}, self.wanted
        for n in sorted(self.left, key=lambda n: -self.left[n]):  # type: ignore[index]
            if missing == 0 or self.left[n] <= 0:
                break
            takes[n] = min(missing, self.left[n])
            missing -= takes[n]
        if missing:
            return False
        self.takes = takes
        return True


def take_update(stock: Stock, places: int) -> tuple[list[Any], Any]:
    """Actions and condition taking ``places`` from a shard of ``stock`` (not deleted, same date, room)."""
    not_deleted = StockShard.is_deleted.does_not_exist() | (StockShard.is_deleted == False)  # noqa: E712
    condition = not_deleted & (StockShard.begins_key == stock.begins_key) & (StockShard.left >= places)
    return [StockShard.left.add(-places), StockShard.booked.add(places)], condition


def give_back(tx: Transaction, booking: Any, starts_after: datetime | None = None) -> None:  # a Booking (Any)
    """The cancellation's item(s) giving the booking's places back: to its shards, or to the stock's ``booked``.

    With ``starts_after``, the stock item is also conditioned on its date (none, or after that instant),
    so the cancellation deadline is checked against the date the stock has now, in the same transaction:
    on the stock's own update, or by a condition check beside the shards' updates.
    """
    raw = booking.shards
    taken = raw.as_dict() if hasattr(raw, "as_dict") else dict(raw or {})
    stock_condition = Stock.id.exists()
    if starts_after is not None:
        stock_condition &= Stock.begins_at.does_not_exist() | (Stock.begins_at > starts_after)
    if not taken:
        tx.update("stock", Stock(booking.stock_id), [Stock.booked.add(-booking.quantity)], stock_condition)
        return
    if starts_after is not None:
        tx.condition_check("stock", Stock, booking.stock_id, condition=stock_condition)
    for n, places in sorted(taken.items()):
        tx.update(
            f"stock:{n}",
            StockShard(StockShard.key(booking.stock_id, int(n))),
            [StockShard.left.add(int(places)), StockShard.booked.add(-int(places))],
            StockShard.id.exists(),
        )


# -- the pro's changes: quantity, date, deletion ---------------------------------------


def redistribute(tx: Transaction, stock: Stock, quantity: int, shards: list[StockShard], begins_key: str) -> int:
    """Adds to ``tx`` the shards' new quantities (sum ``quantity``), each conditioned on its booked as read.

    Returns the places booked; the caller refuses a quantity under it before committing.
    """
    booked = [int(s.booked or 0) for s in shards]
    free = spread(quantity - sum(booked), len(shards))
    for shard, taken, extra in zip(shards, booked, free, strict=True):
        actions = [
            StockShard.quantity.set(taken + extra),
            StockShard.left.set(extra),
            StockShard.begins_key.set(begins_key),
        ]
        none = StockShard.booked.does_not_exist() | (StockShard.booked == 0)
        condition = (StockShard.booked == taken) if taken else none
        tx.update(f"shard:{int(shard.n)}", shard, actions, condition & StockShard.id.exists())
    return sum(booked)


def mark_shards(tx: Transaction, stock: Stock, *, deleted: bool) -> None:
    """Adds to ``tx`` the shards' ``is_deleted`` following the stock's (deletion, withdrawal, restoration)."""
    for n in range(stock.shard_count if is_sharded(stock) else 0):
        tx.update(f"shard:{n}", StockShard(StockShard.key(stock.id, n)), [StockShard.is_deleted.set(deleted)])

"""A hot date: how long 10,000 places take to sell out on DynamoDB, with the stock split over K shard items.

Part of ``python -m bench`` (skip it with ``--no-hot-stock``); alone:

    PYTHONPATH=layers/core/python:. python -m bench.hot_stock [--shards 1 4 16 64] [--seed 1] [--json]

Throughput cannot be measured on moto (it serialises every request), so this is
a discrete-event simulation (pure Python, ``heapq``; seeded, so one seed always
gives the same figures) of what DynamoDB documents about the booking
transaction:

- One transaction at a time per item: an item that an in-flight transaction
  holds (from its prepare to its commit) makes a competing transaction fail
  fast with ``TransactionConflict``; that one writes nothing.
- A per-item write ceiling: 1,000 WCU/s per partition, a transactional write
  costing 2 WCU per KB per item: at most 500 bookings/s on one item.
- Latency drawn from lognormal distributions (a transaction's median ~9 ms,
  p99 ~30 ms), per leg: network out, service, network back.

Each booking is the project's transaction: the stock item (one of its K shard
items; two when no shard alone has the places), the booker's wallet item, the
booking put and the one-booking-per-date guard. Only the shards are shared
between clients: the other items are each booker's own and never conflict, so
the simulation tracks the shards alone. K = 1 is today's design.

Clients: 5,000 app sessions open the date within ``arrival_window_s`` of the
sale opening and book 1 place; once booked, the session books again (the next
user in the crowd), so demand stays above the places left until the date is
sold out: 10,000 bookings, 2 per client on average. (``once=True`` gives each
client a single booking instead: duos, 2 places each; there the time to serve
the unluckiest client hides the design's throughput.)

A request reads no shard before its first commit (``services/booking/places.py``):
after its read of the stock item (one round trip, its RCU counted) it commits on a
random shard. The sharded design's choices, modelled here:

- a shard found short (condition failed) is marked tried and another untried one
  is tried at once, blind; after ``REFUSALS_BEFORE_READ`` refusals (or when every
  shard was tried) the request reads every shard (one ``BatchGetItem``) and
  commits on the fuller of two random shards that have the places, or splits a
  duo over two; only a read showing too few places says sold out;
- after a conflict, the next commit goes to another shard (untried, or known to
  have places).

As in ``services/bookings.py``: a conflict pauses with full jitter
(``uniform(0, 20 ms x 2**attempt)``, after every conflict, the last one
included), and a request makes at most ``MAX_ATTEMPTS`` commits (a short shard
counts as one), then answers 409 "please try again" (a *gave up*); that user
taps again 1-3 s later. A throttled commit is paused and retried like a
conflict here (today's ``Transaction.commit`` lets ``ThrottlingError`` raise).

Not modelled (outside DynamoDB, or constant per request): API Gateway and
Lambda overheads and concurrency, the other reads of the booking (user,
wallet), eventually consistent reads' lag (reads see the last commit), shards
sharing a partition (adaptive capacity isolates hot items), and on-demand
table limits; the figures needed to judge the last two are printed instead.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import math
import random
from collections import Counter
from dataclasses import asdict, dataclass, field
from statistics import NormalDist
from typing import Any, TextIO

# -- documented figures (Amazon DynamoDB developer guide) ------------------------------

# "Burst and adaptive capacity" (isolate frequently accessed items) and "Partitions and data
# distribution": a partition serves at most 3,000 RCU and 1,000 WCU per second, even when
# adaptive capacity has given one hot item a partition of its own.
PARTITION_WCU_PER_S = 1_000
PARTITION_RCU_PER_S = 3_000
# "Amazon DynamoDB Transactions: How it works", Capacity management for transactions: a
# transactional write costs 2 WCU per 1 KB of each item (one to prepare, one to commit).
TRANSACTIONAL_WCU_PER_KB = 2
# "Read consistency" and the capacity units' definition: an eventually consistent read of an
# item up to 4 KB costs 0.5 RCU.
EVENTUAL_READ_RCU = 0.5  # half of a strongly consistent read's
# "On-demand capacity mode", initial throughput: a new on-demand table serves up to 4,000
# write request units per second at once (more once it has seen them, or with warm throughput).
NEW_ON_DEMAND_TABLE_WRU_PER_S = 4_000

# -- the booking service's retry (layers/core/python/passculture/services/bookings.py) --

MAX_ATTEMPTS = 6  # bookings.MAX_ATTEMPTS: commits per request, then 409 "please try again"
REFUSALS_BEFORE_READ = 2  # places.REFUSALS_BEFORE_READ: blind refusals before the shards are read
CONSISTENT_READ_RCU = 1  # the booking's strongly consistent read of the stock item (under 4 KB)
BACKOFF_BASE_S = 0.02  # bookings._backoff: uniform(0, 0.02 * 2**attempt) after a conflict


@dataclass(frozen=True)
class Model:
    """The modelling choices, in seconds; medians and sigmas are of lognormal distributions."""

    arrival_window_s: float = 1.0  # sessions tap "book" within this long after the sale opens
    net_median_s: float = 0.0015  # one way, Lambda to DynamoDB in the same region
    net_sigma: float = 0.5
    hold_median_s: float = 0.006  # a transaction's prepare to commit, its items held
    hold_sigma: float = 0.6  # with both network legs: a transaction's median ~9 ms, p99 ~30 ms
    reject_median_s: float = 0.001  # a conflict or a failed condition is answered fast
    read_median_s: float = 0.002  # service time of the BatchGetItem
    service_sigma: float = 0.5  # tail of the reject and read service times
    refusals_before_read: int = REFUSALS_BEFORE_READ
    think_min_s: float = 1.0  # a user told "please try again" taps again after this long
    think_max_s: float = 3.0
    max_taps: int = 200  # a bound for the simulation: users keep trying until booked
    item_kb: int = 1  # a stock shard item is under 1 KB
    max_attempts: int = MAX_ATTEMPTS
    backoff_base_s: float = BACKOFF_BASE_S


MODEL = Model()
UNKNOWN = -1  # a shard this request has not read


@dataclass
class Result:
    shards: int
    places: int
    clients: int
    wanted: int
    seed: int
    sold: int = 0
    sold_out_s: float | None = None  # simulated time of the commit that sold the last place
    sold_99_s: float | None = None  # ... that sold 99 % of them
    ended_s: float = 0.0
    bookings: int = 0
    transactions: int = 0  # TransactWriteItems sent
    conflicts: int = 0  # TransactionConflict: a shard was held by another transaction
    throttled: int = 0  # a shard's write ceiling was reached (cancelled like a conflict)
    retries: int = 0  # commits re-sent after a pause (conflict or throttle) within a request
    short: int = 0  # condition failed: the shard had fewer places than read
    gave_ups: int = 0  # requests out of attempts: 409 "please try again"
    taps: int = 0  # requests made by users: first ones and taps after "please try again"
    reads: int = 0  # BatchGetItem of every shard (after refusals), or re-reads of the stock item when K = 1
    sold_out_answers: int = 0  # requests answered "sold out"
    unserved_clients: int = 0  # clients who stopped at max_taps while places were left
    wait_p50_s: float = 0.0  # a booking's first tap to its commit
    wait_p99_s: float = 0.0
    wait_max_s: float = 0.0
    peak_bookings_per_s: int = 0  # the busiest second
    peak_item_wcu_per_s: int = 0  # the busiest shard's busiest second
    peak_item_rcu_per_s: float = 0.0  # the busiest shard's reads (after refusals)
    peak_stock_rcu_per_s: float = 0.0  # the stock item's reads: every request reads it once
    shard_sold: list[int] = field(default_factory=list)
    shard_shares: list[int] = field(default_factory=list)

    @property
    def oversold(self) -> int:
        over_shards = sum(max(0, s - share) for s, share in zip(self.shard_sold, self.shard_shares, strict=True))
        return max(0, self.sold - self.places) + over_shards

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "oversold": self.oversold}


_QUANTILE_BITS = 12  # latencies are drawn from 4,096 quantiles of their distribution: fast, tail to p99.99


def lognormal_quantiles(median: float, sigma: float) -> list[float]:
    """Equally likely values of a lognormal distribution, to draw from with ``getrandbits``."""
    n = 1 << _QUANTILE_BITS
    normal = NormalDist()
    return [median * math.exp(sigma * normal.inv_cdf((i + 0.5) / n)) for i in range(n)]


def shares(places: int, shards: int) -> list[int]:
    """The places of each shard: as even as possible, the first ones taking the remainder."""
    base, extra = divmod(places, shards)
    return [base + (1 if k < extra else 0) for k in range(shards)]


# Events, in a heap of (time, sequence, kind, client, data); the sequence makes ties deterministic.
# Events are what happens at DynamoDB. A client's reaction to a reply depends on its own state
# only, so it is decided when the reply is sent, at the reply's time: one event per attempt.
_READ_AT, _TX_AT, _COMMIT = range(3)
_PREPARED, _CONFLICT, _THROTTLED, _SHORT = "prepared", "conflict", "throttled", "short"


def simulate(
    shards: int,
    *,
    places: int = 10_000,
    clients: int = 5_000,
    wanted: int = 1,
    once: bool = False,
    seed: int = 1,
    model: Model = MODEL,
) -> Result:
    """One sale of ``places`` spread over ``shards`` items, ``clients`` booking ``wanted`` places each time.

    A client books again once booked until the date is sold out; with ``once``, it stops after one booking.
    Raises AssertionError if the model ever sells a place it does not have.
    """
    rng = random.Random(seed)
    m = model
    uniform, bits = rng.uniform, rng.getrandbits
    net_s = lognormal_quantiles(m.net_median_s, m.net_sigma)
    hold_s = lognormal_quantiles(m.hold_median_s, m.hold_sigma)
    reject_s = lognormal_quantiles(m.reject_median_s, m.service_sigma)
    read_s = lognormal_quantiles(m.read_median_s, m.service_sigma)
    everything = list(range(shards))
    TRIED = -2  # a shard this request found short before reading the shards

    share = shares(places, shards)
    remaining = list(share)  # committed places left per shard: what a read sees
    holder: list[int | None] = [None] * shards  # the client whose transaction holds the shard
    tokens = [float(PARTITION_WCU_PER_S)] * shards  # write capacity left per shard, refilled continuously
    refilled_at = [0.0] * shards
    tx_wcu = TRANSACTIONAL_WCU_PER_KB * m.item_kb

    known: list[list[int]] = [[] for _ in range(clients)]  # per client: its shards as last read or told
    full_read = [False] * clients  # this request has read every shard
    refusals = [0] * clients  # shards found short by this request
    attempt = [0] * clients
    busy: list[tuple[tuple[int, int], ...]] = [()] * clients  # the takes of this request's last conflict
    taps = [0] * clients
    first_tap = [0.0] * clients
    waits: list[float] = []
    bookings_per_s: Counter[int] = Counter()
    wcu_per_item_s: Counter[tuple[int, int]] = Counter()
    rcu_per_item_s: Counter[tuple[int, int]] = Counter()
    stock_rcu_per_s: Counter[int] = Counter()
    result = Result(shards, places, clients, wanted, seed, shard_shares=share)
    sold = 0

    events: list[tuple[float, int, int, int, Any]] = []
    push, pop, sequence, rand = heapq.heappush, heapq.heappop, itertools.count().__next__, rng.random

    def at(time: float, kind: int, client: int, data: Any = None) -> None:
        push(events, (time, sequence(), kind, client, data))

    def tap(time: float, c: int) -> None:
        """A user taps "book" at ``time``: a new request, which starts with its read."""
        result.taps += 1
        taps[c] += 1
        if taps[c] == 1:
            first_tap[c] = time
        attempt[c], busy[c], full_read[c], refusals[c] = 0, (), False, 0
        known[c] = [UNKNOWN] * shards
        # The stock item's read (user and wallet beside it): its answer comes back, then the first commit.
        push(events, (time + net_s[bits(_QUANTILE_BITS)], sequence(), _READ_AT, c, None))

    def plan(time: float, c: int) -> None:
        """At ``time`` the client sends its next commit, or a full read, or gives the sold-out answer."""
        view = known[c]
        if not full_read[c]:  # blind: a random untried shard, away from the one just in conflict
            if shards > 1 and refusals[c] >= m.refusals_before_read:
                full_read[c] = True
                at(time + net_s[bits(_QUANTILE_BITS)], _READ_AT, c, everything)
                return
            untried = [k for k in everything if view[k] == UNKNOWN]
            held = busy[c]
            if held and len(untried) > len(held):
                untried = [k for k in untried if all(k != h for h, _n in held)]
            if untried:
                k = untried[int(rand() * len(untried))]
                push(events, (time + net_s[bits(_QUANTILE_BITS)], sequence(), _TX_AT, c, ((k, wanted),)))
                return
            full_read[c] = True
            at(time + net_s[bits(_QUANTILE_BITS)], _READ_AT, c, everything)
            return
        candidates = [k for k in everything if view[k] >= wanted]
        if len(candidates) > 1:
            held = busy[c]
            if held and len(candidates) > len(held):
                candidates = [k for k in candidates if all(k != h for h, _n in held)]
            # The fuller of two random ones (power of two choices): the shards drain evenly.
            a, b = candidates[int(rand() * len(candidates))], candidates[int(rand() * len(candidates))]
            candidates = [a if view[a] >= view[b] else b]
        if candidates:
            push(events, (time + net_s[bits(_QUANTILE_BITS)], sequence(), _TX_AT, c, ((candidates[0], wanted),)))
            return
        if sum(n for n in view if n > 0) >= wanted:  # no shard alone has the places: take from the fullest
            takes, left = [], wanted
            for k in sorted(everything, key=lambda k: -view[k]):
                if left == 0 or view[k] <= 0:
                    break
                takes.append((k, min(left, view[k])))
                left -= takes[-1][1]
            at(time + net_s[bits(_QUANTILE_BITS)], _TX_AT, c, tuple(takes))
            return
        result.sold_out_answers += 1

    def not_booked(time: float, c: int, pause: float) -> None:
        """Within the request, try again after ``pause``; out of attempts, 409 and the user taps again later."""
        attempt[c] += 1
        if attempt[c] < m.max_attempts:
            plan(time + pause, c)
            return
        result.gave_ups += 1
        if taps[c] < m.max_taps:
            tap(time + pause + uniform(m.think_min_s, m.think_max_s), c)
        else:
            result.unserved_clients += 1

    for c in range(clients):
        tap(uniform(0, m.arrival_window_s), c)

    max_attempts = m.max_attempts
    backoff_caps = [m.backoff_base_s * 2**attempt for attempt in range(max_attempts)]
    transactions = conflicts = retries = 0
    now = 0.0
    while events and sold < places:
        now, _, kind, c, data = pop(events)
        if kind == _TX_AT:  # the transaction reaches DynamoDB: every item is prepared, or it is cancelled
            transactions += 1
            reply = _PREPARED
            for k, _n in data:
                if holder[k] is not None:
                    reply = _CONFLICT
                    break
            if reply is _PREPARED:
                for k, n in data:
                    left = tokens[k] + (now - refilled_at[k]) * PARTITION_WCU_PER_S
                    tokens[k] = left if left < PARTITION_WCU_PER_S else PARTITION_WCU_PER_S
                    refilled_at[k] = now
                    if left < tx_wcu:
                        reply = _THROTTLED
                        break
                    if remaining[k] < n:
                        reply = _SHORT
                        break
            if reply is _PREPARED:
                for k, _n in data:
                    holder[k] = c
                    tokens[k] -= tx_wcu
                    wcu_per_item_s[(k, int(now))] += tx_wcu
                push(events, (now + hold_s[bits(_QUANTILE_BITS)], sequence(), _COMMIT, c, data))
                continue
            replied = now + reject_s[bits(_QUANTILE_BITS)] + net_s[bits(_QUANTILE_BITS)]
            if reply is _SHORT:
                result.short += 1
                refusals[c] += 1
                for k, _n in data:
                    known[c][k] = 0 if full_read[c] else TRIED
                if full_read[c] and not any(n >= wanted for n in known[c]) and sum(known[c]) < wanted:
                    full_read[c] = False  # what was read is gone: read the shards again
                    refusals[c] = m.refusals_before_read
                not_booked(replied, c, 0.0)
                continue
            if reply is _CONFLICT:
                conflicts += 1
            else:
                result.throttled += 1
            busy[c] = data
            made = attempt[c]
            if made + 1 < max_attempts:
                retries += 1
            not_booked(replied, c, rand() * backoff_caps[made])
        elif kind == _COMMIT:
            for k, n in data:
                if holder[k] != c or remaining[k] < n:
                    raise AssertionError(f"shard {k}: {n} places committed without holding it or having them")
                remaining[k] -= n
                holder[k] = None
                sold += n
            result.bookings += 1
            bookings_per_s[int(now)] += 1
            if result.sold_99_s is None and sold * 100 >= places * 99:
                result.sold_99_s = now
            if sold == places:
                result.sold_out_s = now
            replied = now + net_s[bits(_QUANTILE_BITS)]
            waits.append(replied - first_tap[c])
            if not once:
                taps[c] = 0  # the next user of this session books at once
                tap(replied, c)
        elif kind == _READ_AT:  # the read happens at DynamoDB: it sees the last commit of each shard
            second = int(now)
            if data is None:  # the stock item, read by every request
                stock_rcu_per_s[second] += CONSISTENT_READ_RCU
            else:
                result.reads += 1
                view = [UNKNOWN] * shards
                for k in data:
                    view[k] = remaining[k]
                    rcu_per_item_s[(k, second)] += CONSISTENT_READ_RCU
                known[c] = view
            plan(now + read_s[bits(_QUANTILE_BITS)] + net_s[bits(_QUANTILE_BITS)], c)

    result.ended_s = now
    result.transactions, result.conflicts, result.retries = transactions, conflicts, retries
    result.sold = sold
    result.shard_sold = [s - r for s, r in zip(share, remaining, strict=True)]
    if sold > places or min(remaining) < 0:
        raise AssertionError(f"oversold: {sold} of {places} places, by shard {result.shard_sold} of {share}")
    if sold == places:
        result.unserved_clients = 0  # the ones still trying had nothing left to book
    waits.sort()
    if waits:
        result.wait_p50_s = waits[len(waits) // 2]
        result.wait_p99_s = waits[min(len(waits) - 1, len(waits) * 99 // 100)]
        result.wait_max_s = waits[-1]
    result.peak_bookings_per_s = max(bookings_per_s.values(), default=0)
    result.peak_item_wcu_per_s = max(wcu_per_item_s.values(), default=0)
    result.peak_item_rcu_per_s = max(rcu_per_item_s.values(), default=0.0)
    result.peak_stock_rcu_per_s = max(stock_rcu_per_s.values(), default=0.0)
    return result


# -- the bench section ---------------------------------------------------------------


def run_hot_stock(
    shard_counts: tuple[int, ...] = (1, 4, 16, 64),
    *,
    places: int = 10_000,
    clients: int = 5_000,
    wanted: int = 1,
    once: bool = False,
    seed: int = 1,
    model: Model = MODEL,
) -> dict[str, Any]:
    runs = [
        simulate(k, places=places, clients=clients, wanted=wanted, once=once, seed=seed, model=model)
        for k in shard_counts
    ]
    base = next((r.sold_out_s for r in runs if r.shards == 1), None)
    rows = []
    for r in runs:
        row = r.as_dict()
        del row["shard_sold"], row["shard_shares"]
        row["speedup_to_k1"] = round(base / r.sold_out_s, 1) if base and r.sold_out_s else None
        rows.append(row)
    return {
        "model": asdict(model),
        "places": places,
        "clients": clients,
        "wanted": wanted,
        "once": once,
        "seed": seed,
        "goal": "K=64 sells out at least 10x faster than K=1, and no K oversells",
        "runs": rows,
    }


def print_hot_stock(figures: dict[str, Any], out: TextIO) -> None:
    f, m = figures, figures["model"]
    demand = "one booking each" if f["once"] else "booking again once booked, until sold out"
    print(
        f"A hot date, simulated (a model of DynamoDB, not a measurement): {f['places']:,} places, "
        f"{f['clients']:,} clients booking {f['wanted']} place(s) at a time ({demand}), arriving over "
        f"{m['arrival_window_s']:g} s; seed {f['seed']}",
        file=out,
    )
    header = (
        f"  {'K':>3}{'sold out':>10}{'x K=1':>7}{'99% at':>9}{'commits':>9}{'conflicts':>10}{'retries':>9}"
        f"{'short':>7}{'gave up':>8}{'wait p50/p99 s':>16}{'peak/s':>8}{'item WCU/s':>11}{'stock RCU/s':>12}"
        f"{'oversold':>9}"
    )
    print(header, file=out)
    print("  " + "-" * (len(header) - 2), file=out)
    for r in f["runs"]:
        sold_out = f"{r['sold_out_s']:.2f} s" if r["sold_out_s"] is not None else f"({r['sold']:,})"
        speedup = f"{r['speedup_to_k1']:.1f}" if r["speedup_to_k1"] else "-"
        sold_99 = f"{r['sold_99_s']:.2f} s" if r["sold_99_s"] is not None else "-"
        wait = f"{r['wait_p50_s']:.2f}/{r['wait_p99_s']:.2f}"
        print(
            f"  {r['shards']:>3}{sold_out:>10}{speedup:>7}{sold_99:>9}{r['transactions']:>9}{r['conflicts']:>10}"
            f"{r['retries']:>9}{r['short']:>7}{r['gave_ups']:>8}{wait:>16}{r['peak_bookings_per_s']:>8}"
            f"{r['peak_item_wcu_per_s']:>11}{r['peak_stock_rcu_per_s']:>12,.0f}{r['oversold']:>9}",
            file=out,
        )
    by_k = {r["shards"]: r for r in f["runs"]}
    verdict = ""
    if 1 in by_k and 64 in by_k and by_k[64]["speedup_to_k1"] is not None:
        met = by_k[64]["speedup_to_k1"] >= 10 and all(r["oversold"] == 0 for r in f["runs"])
        verdict = f" -> {'met' if met else 'MISSED'} ({by_k[64]['speedup_to_k1']:.1f}x)"
    print(f"  goal: {f['goal']}{verdict}", file=out)
    peak = max(r["peak_bookings_per_s"] for r in f["runs"])
    rcu = max(r["peak_item_rcu_per_s"] for r in f["runs"])
    stock_rcu = max(r["peak_stock_rcu_per_s"] for r in f["runs"])
    print(
        f"  An item holds one transaction at a time ({m['hold_median_s'] * 1000:g} ms median): that caps a shard "
        f"near 1/hold, before its write ceiling of {PARTITION_WCU_PER_S // TRANSACTIONAL_WCU_PER_KB} transactions/s "
        f"({PARTITION_WCU_PER_S:,} WCU/s; 'item WCU/s' is the busiest shard's busiest second).\n"
        f"  Each booking writes ~{TRANSACTIONAL_WCU_PER_KB} WRU in each of 4 tables: {peak:,} bookings/s is "
        f"{TRANSACTIONAL_WCU_PER_KB * peak:,} WRU/s per table, "
        f"{'over' if TRANSACTIONAL_WCU_PER_KB * peak > NEW_ON_DEMAND_TABLE_WRU_PER_S else 'within'} the "
        f"{NEW_ON_DEMAND_TABLE_WRU_PER_S:,} a new on-demand table serves at once (warm throughput first).\n"
        f"  No shard is read before the first commit; after {m['refusals_before_read']} refusals the shards are "
        f"read: {rcu:,.0f} RCU/s on the busiest shard. Every request reads the stock item (strongly consistent, "
        f"{CONSISTENT_READ_RCU} RCU): {stock_rcu:,.0f} RCU/s at the peak, against a partition's "
        f"{PARTITION_RCU_PER_S:,} RCU/s (twice that in eventually consistent reads): the next ceiling.",
        file=out,
    )


def main(argv: list[str] | None = None) -> int:
    import json
    import sys

    parser = argparse.ArgumentParser(prog="python -m bench.hot_stock", description=__doc__.split("\n")[0])
    parser.add_argument("--shards", type=int, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument("--places", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=5_000)
    parser.add_argument("--wanted", type=int, default=1, help="places per booking (2: duos)")
    parser.add_argument("--once", action="store_true", help="one booking per client instead of until sold out")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--window", type=float, default=MODEL.arrival_window_s, help="arrival window, seconds")
    parser.add_argument(
        "--refusals", type=int, default=MODEL.refusals_before_read, help="blind refusals before reading the shards"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    model = Model(arrival_window_s=args.window, refusals_before_read=args.refusals)
    figures = run_hot_stock(
        tuple(args.shards),
        places=args.places,
        clients=args.clients,
        wanted=args.wanted,
        once=args.once,
        seed=args.seed,
        model=model,
    )
    if args.json:
        json.dump(figures, sys.stdout, indent=2)
        print()
    else:
        print_hot_stock(figures, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

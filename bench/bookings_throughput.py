"""Booking throughput on moto's server, as a ratio to a bare conditional PutItem measured in the same run.

Part of ``python -m bench`` (skip it with ``--no-throughput``); alone:

    PYTHONPATH=layers/core/python:. python -m bench.bookings_throughput [--bookings 100] [--threads 8]

Bookings go through the booking service (reads, then one TransactWriteItems)
from distinct young users on one unlimited stock, on a real moto server (the
twin the local runner uses, DynamoDB requests made atomic), from a pool of
threads. The absolute rates say more about moto than about the code: moto
copies every table a transaction touches to be able to roll it back, so the
run also measures the same conditional put alone in a TransactWriteItems. The
ratios are the figures to compare between versions.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TextIO


def _rate(calls: list[Callable[[], Any]], threads: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(call) for call in calls]:
            future.result()
    return len(calls) / (time.perf_counter() - started)


def run_throughput(bookings: int = 100, threads: int = 8) -> dict[str, Any]:
    import logging
    import os

    import requests

    from infra.bootstrap import create_tables, verify_sender
    from infra.moto_twin import forget_clients, start_moto_server

    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)  # more threads than pooled connections
    server, url = start_moto_server()
    os.environ["AWS_ENDPOINT_URL"] = url
    forget_clients()
    try:
        create_tables()
        verify_sender()
        return _measure(bookings, threads)
    finally:
        requests.post(f"{url}/moto-api/reset", timeout=10)  # moto's state is the process's: leave none behind
        server.stop()
        os.environ.pop("AWS_ENDPOINT_URL", None)
        forget_clients()


def _measure(bookings: int, threads: int) -> dict[str, Any]:
    from passculture.adapters.aws import client
    from passculture.config import get_settings
    from passculture.models.base import new_id, utcnow
    from passculture.services.accounts.auth import Principal
    from passculture.services.booking.bookings import book
    from tests.factories import make_offer, make_offerer, make_stock, make_venue, make_young, publish

    offer = make_offer(make_venue(make_offerer()))
    stock = make_stock(offer, quantity=None, price_cents=500, begins_at=utcnow() + timedelta(days=30))
    publish(offer)
    with ThreadPoolExecutor(max_workers=8) as pool:
        users = list(pool.map(lambda _: make_young(), range(bookings)))
    principals = [Principal(user=u, roles=frozenset(u.roles)) for u in users]
    dynamodb, table = client("dynamodb"), get_settings().table_name("uniques")
    now = utcnow().isoformat()

    def item() -> dict[str, Any]:
        return {"key": {"S": f"bench#{new_id()}"}, "target": {"S": "x"}, "created_at": {"S": now}}

    condition = {"ConditionExpression": "attribute_not_exists(#k)", "ExpressionAttributeNames": {"#k": "key"}}

    def put() -> None:
        dynamodb.put_item(TableName=table, Item=item(), **condition)

    def put_in_transaction() -> None:
        dynamodb.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": item(), **condition}}])

    put_before = _rate([put] * bookings, threads)
    booking = _rate([lambda p=p: book(p, stock.id, 1) for p in principals], threads)
    put_after = _rate([put] * bookings, threads)
    transaction = _rate([put_in_transaction] * bookings, threads)
    put_rate = (put_before + put_after) / 2
    return {
        "bookings": bookings,
        "threads": threads,
        "put_item_per_s": round(put_rate, 1),
        "put_item_spread_per_s": [round(put_before, 1), round(put_after, 1)],
        "put_in_transaction_per_s": round(transaction, 1),
        "booking_per_s": round(booking, 1),
        "booking_to_put_item": round(booking / put_rate, 3),
        "transaction_to_put_item": round(transaction / put_rate, 3),
    }


def print_throughput(figures: dict[str, Any], out: TextIO) -> None:
    f = figures
    print(
        f"Booking throughput on moto's server ({f['threads']} threads, {f['bookings']} of each, distinct young users)",
        file=out,
    )
    lo, hi = sorted(f["put_item_spread_per_s"])
    print(f"  conditional PutItem                   {f['put_item_per_s']:8.1f}/s  ({lo}-{hi} before/after)", file=out)
    print(f"  the same put alone in a transaction   {f['put_in_transaction_per_s']:8.1f}/s", file=out)
    print(f"  booking (4 reads + 1 transaction)     {f['booking_per_s']:8.1f}/s", file=out)
    print(f"  ratio booking / PutItem               {f['booking_to_put_item']:8.3f}", file=out)
    ratio = f["transaction_to_put_item"]
    print(f"  ratio transaction of 1 put / PutItem  {ratio:8.3f}  (moto's own cost of a transaction)", file=out)


def main(argv: list[str] | None = None) -> int:
    import sys

    from bench.cli import prepare_environment

    parser = argparse.ArgumentParser(prog="python -m bench.bookings_throughput", description=__doc__.split("\n")[0])
    parser.add_argument("--bookings", type=int, default=100)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    prepare_environment()
    print_throughput(run_throughput(args.bookings, args.threads), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

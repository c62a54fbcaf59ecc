"""Bookings benchmark on moto's server: DynamoDB round trips of a booking and of the feed,
and booking throughput as a ratio to a bare conditional PutItem measured in the same run.

    PYTHONPATH=layers/core/python:. python -m bench.bookings_throughput [--bookings 200] [--threads 16]

Round trips are counted by the twin (every DynamoDB request it answers, by
operation), so they include the authentication's user read. Throughput on moto
says little in absolute terms (moto copies every table a transaction touches,
to roll back); the ratio to the simplest conditional write in the same process
and run is the figure worth comparing between versions.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "eu-west-3",
        "AWS_REGION": "eu-west-3",
        "STAGE": "bench",
        "JWT_SECRET": "bench-secret-that-is-long-enough-for-hs256-0123456789",
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "1024",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

PARIS = (48.8566, 2.3522)


def counted(twin: Any, call: Any) -> tuple[Any, Counter[str]]:
    twin.calls.clear()
    result = call()
    return result, Counter(twin.calls)


def show(label: str, calls: Counter[str]) -> None:
    detail = ", ".join(f"{op} {n}" for op, n in sorted(calls.items()))
    print(f"  {label:<46} {sum(calls.values()):>3} round trips ({detail})")


def booking_round_trips(twin: Any) -> None:
    from chalice.test import Client

    from infra.catalog import load_app
    from tests.factories import auth, make_local_credit, make_offer, make_offerer, make_stock, make_venue, make_young
    from tests.factories import publish as refresh

    venue = make_venue(make_offerer())
    show_offer = make_offer(venue)
    show_stock = make_stock(show_offer, price_cents=1_500)
    book_offer = make_offer(venue, category="BOOK")
    book_stock = make_stock(book_offer, event=False, price_cents=2_000)
    refresh(show_offer)
    refresh(book_offer)
    young, local = make_young(), make_young()
    make_local_credit(local, perimeter={"categories": ["BOOK"]})
    print("DynamoDB round trips per request (through the bookings function, authentication included):")
    with Client(load_app("bookings")) as client:

        def post(user: Any, stock: Any, key: str | None = None) -> Any:
            headers = {"Content-Type": "application/json", **auth(user)}
            if key:
                headers["Idempotency-Key"] = key
            answer = client.http.post("/bookings", body=json.dumps({"stockId": stock.id}), headers=headers)
            assert answer.status_code in (200, 201), answer.json_body
            return answer

        _, calls = counted(twin, lambda: post(young, show_stock, "bench-key"))
        show("POST /bookings (event, national credit)", calls)
        _, calls = counted(twin, lambda: post(local, book_stock))
        show("POST /bookings (thing, local + national credit)", calls)
        _, calls = counted(twin, lambda: post(young, show_stock, "bench-key"))
        show("POST /bookings (Idempotency-Key replay)", calls)
        token = json.loads(post(local, show_stock).body)["token"]
        _, calls = counted(twin, lambda: client.http.post(f"/bookings/{token}/cancel", headers=auth(local)))
        show("POST /bookings/{token}/cancel", calls)
        _, calls = counted(twin, lambda: client.http.get("/bookings", headers=auth(local)))
        show("GET /bookings", calls)


def feed_round_trips(twin: Any) -> None:
    from chalice.test import Client

    from infra.catalog import load_app
    from passculture.services.feed import geohash
    from tests.factories import auth, make_offer, make_offerer, make_stock, make_venue, make_young
    from tests.factories import publish as refresh

    offerer = make_offerer()
    for i in range(60):
        lat, lng = PARIS[0] + (i % 10 - 5) * 0.08, PARIS[1] + (i // 10 - 3) * 0.1
        offer = make_offer(make_venue(offerer, latitude=lat, longitude=lng, geohash=geohash(lat, lng, 9)))
        make_stock(offer)
        refresh(offer)
    young = make_young()
    with Client(load_app("bookings")) as client:
        for radius in (5, 20, 50, 100):
            url = f"/feed?latitude={PARIS[0]}&longitude={PARIS[1]}&radiusKm={radius}"
            answer, calls = counted(twin, lambda url=url: client.http.get(url, headers=auth(young)))
            found = len(answer.json_body["items"])
            show(f"GET /feed radiusKm={radius} ({found} on the page)", calls)


def throughput(twin: Any, bookings: int, threads: int) -> None:
    from passculture.adapters.aws import client
    from passculture.config import get_settings
    from passculture.models.base import new_id, utcnow
    from passculture.services.auth import Principal
    from passculture.services.bookings import book
    from tests.factories import make_offer, make_offerer, make_stock, make_venue, make_young
    from tests.factories import publish as refresh

    offer = make_offer(make_venue(make_offerer()))
    stock = make_stock(offer, quantity=None, price_cents=500, begins_at=utcnow() + timedelta(days=30))
    refresh(offer)
    with ThreadPoolExecutor(max_workers=8) as pool:
        users = list(pool.map(lambda _: make_young(), range(bookings)))
    principals = [Principal(user=u, roles=frozenset(u.roles)) for u in users]

    def run(calls: list[Any]) -> float:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            for future in [pool.submit(call) for call in calls]:
                future.result()
        return len(calls) / (time.perf_counter() - started)

    dynamodb, table = client("dynamodb"), get_settings().table_name("uniques")
    now = utcnow().isoformat()

    def put() -> None:
        dynamodb.put_item(
            TableName=table,
            Item={"key": {"S": f"bench#{new_id()}"}, "target": {"S": "x"}, "created_at": {"S": now}},
            ConditionExpression="attribute_not_exists(#k)",
            ExpressionAttributeNames={"#k": "key"},
        )

    def transact_put() -> None:
        # The same conditional put, alone in a TransactWriteItems: what moto charges for a transaction.
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": table,
                        "Item": {"key": {"S": f"bench#{new_id()}"}, "target": {"S": "x"}, "created_at": {"S": now}},
                        "ConditionExpression": "attribute_not_exists(#k)",
                        "ExpressionAttributeNames": {"#k": "key"},
                    }
                }
            ]
        )

    put_rate = run([put] * bookings)
    booking_rate = run([lambda p=p: book(p, stock.id, 1) for p in principals])
    put_again = run([put] * bookings)
    transact_rate = run([transact_put] * bookings)
    puts = (put_rate + put_again) / 2
    print(f"Throughput on moto's server, {threads} threads, {bookings} of each:")
    print(f"  conditional PutItem                  {put_rate:8.1f}/s (again after the bookings: {put_again:.1f}/s)")
    print(f"  the same put in a TransactWriteItems {transact_rate:8.1f}/s")
    print(f"  booking (service call, 3 reads + tx) {booking_rate:8.1f}/s")
    print(f"  ratio booking / PutItem              {booking_rate / puts:8.3f}")
    print(f"  ratio transaction of 1 put / PutItem {transact_rate / puts:8.3f}  (moto's own cost of a transaction)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bookings", type=int, default=200)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    import logging

    from tests.concurrency.twin import MotoTwin

    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)  # more threads than pooled connections
    twin = MotoTwin().start()
    try:
        booking_round_trips(twin)
        feed_round_trips(twin)
        throughput(twin, args.bookings, args.threads)
    finally:
        twin.stop()


if __name__ == "__main__":
    main()

"""Background jobs' speed: offers refreshed per second by the offers function's jobs, on in-process moto.

Part of ``python -m bench`` (skip it with ``--no-jobs``); alone:

    PYTHONPATH=layers/core/python:. python -m bench.jobs [--offers 500]

One structure gets ``--offers`` pending offers, each with one future date. Then,
through the offers function's real handler, each job chain run to its end by
the in-process invoker (every invocation with Lambda's deadline, 28 s):

- the baseline: one Query of the stock index per offer, offers read by pages of
  the structure's index, nothing else (the least any refresh must read);
- validating the structure: the ``offerer-offers`` job publishes every offer
  (a read and a write each);
- the hourly refresh: the ``published-offers`` job, started by the schedule's
  event, with nothing to change (a read each: the usual hour).

Figures are offers per second of CPU time (in-process moto is CPU-bound, so
the machine's other load does not blur them; the wall time is beside), the
ratio to the baseline, and DynamoDB calls per offer. From each rate: how many
offers one invocation handles in the time it works (the timeout less
``JOB_MARGIN_SECONDS``), and what 100,000 offers take: invocations and time.
moto's Query goes through every item of the table (DynamoDB's reads only the
matching ones), so its rate falls as the tables grow: measured on small tables,
the figures are moto's best, not a floor.
"""

from __future__ import annotations

import argparse
import logging
import math
import time
from functools import partial
from typing import Any, TextIO

TARGET_OFFERS = 100_000


def _build(offers: int) -> str:
    """A pending structure with ``offers`` pending offers and one date each; returns its SIREN."""
    from datetime import timedelta

    from passculture.models.base import new_id, utcnow
    from passculture.models.offers import Offer
    from passculture.models.stocks import Stock
    from passculture.services.catalogue.publication import begins_key
    from tests.factories import make_offerer, make_venue

    offerer = make_offerer(status="pending")
    venue = make_venue(offerer, geohash="u09tvny1w")
    now = utcnow()
    begins = now + timedelta(days=30)
    with Offer.batch_write() as offer_batch, Stock.batch_write() as stock_batch:
        for i in range(offers):
            offer = Offer(
                new_id(),
                venue_id=venue.id,
                siren=offerer.siren,
                department_code=venue.department_code,
                name=f"Offre {i}",
                category="LIVE_SHOW",
                status="pending",
                is_digital=False,
                geohash=venue.geohash,
                created_at=now,
            )
            offer_batch.save(offer)
            stock_batch.save(
                Stock(
                    new_id(),
                    offer_id=offer.id,
                    begins_key=begins_key(begins),
                    begins_at=begins,
                    price_cents=0,
                    booked=0,
                    booking_limit_at=begins,
                    is_deleted=False,
                    created_at=now,
                )
            )
    return offerer.siren


def _timed(work: Any) -> tuple[Any, float, float, Any]:
    """(result, CPU seconds, wall seconds, DynamoDB calls) of ``work()``."""
    from bench.counting import count_dynamodb_calls

    with count_dynamodb_calls() as calls:
        cpu, wall = time.process_time(), time.perf_counter()
        result = work()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return result, cpu, wall, calls


def _baseline(siren: str) -> int:
    from passculture.models.offers import Offer
    from passculture.models.stocks import Stock
    from passculture.services.pagination import key_page

    visited, key = 0, None
    while True:
        offers, key = key_page(partial(Offer.siren_index.query, siren), 100, key)
        for offer in offers:
            list(Stock.offer_index.query(offer.id))
        visited += len(offers)
        if key is None:
            return visited


def _chain(invoker: Any, first: Any) -> dict[str, Any]:
    """Runs a job chain to its end; what its invocations said, added up."""
    before = len(invoker.results)
    first()
    invoker.run()
    results = [r for r in invoker.results[before:] if isinstance(r, dict)]
    assert results and results[-1]["done"], results
    return {"invocations": len(results), "items": sum(r["items"] for r in results)}


def run_jobs(offers: int = 500) -> dict[str, Any]:
    from moto import mock_aws

    from infra.bootstrap import create_tables
    from infra.catalog import load_handler, timeout
    from infra.events import LambdaContext, schedule_event
    from infra.invocation import InProcessInvoker
    from passculture.adapters.invocations import install
    from passculture.config import get_settings
    from passculture.models.offerers import Offerer
    from passculture.models.offers import Offer
    from passculture.services.jobs import Job

    handler = load_handler("offers")
    # One line per invocation would bury the figures.
    logging.getLogger("passculture.services.jobs").setLevel(logging.WARNING)
    with mock_aws():
        create_tables()
        invoker = InProcessInvoker(deferred=True)
        previous = install(invoker)
        try:
            siren = _build(offers)
            visited, base_cpu, base_wall, base_calls = _timed(lambda: _baseline(siren))
            Offerer.get(siren).update(actions=[Offerer.status.set("validated")])
            event = Job("offerer-offers", {"siren": siren}).event()
            validation, val_cpu, val_wall, val_calls = _timed(lambda: _chain(invoker, lambda: invoker("offers", event)))
            published = sum(1 for _ in Offer.status_index.query("published"))
            refresh, ref_cpu, ref_wall, ref_calls = _timed(
                lambda: _chain(
                    invoker, lambda: invoker.results.append(handler(schedule_event(), LambdaContext("offers")))
                )
            )
        finally:
            install(previous)
    assert visited == validation["items"] == refresh["items"] == published == offers
    working = timeout("offers") - get_settings().job_margin_seconds
    base_rate = offers / base_cpu

    def figures(cpu: float, wall: float, calls: Any, chain: dict[str, Any]) -> dict[str, Any]:
        rate = offers / cpu
        per_invocation = rate * working
        return {
            "offers_per_s": round(rate, 1),
            "cpu_s": round(cpu, 2),
            "wall_s": round(wall, 2),
            "ratio_to_baseline": round(rate / base_rate, 3),
            "calls_per_offer": {name: round(n / offers, 3) for name, n in sorted(calls.items())},
            "invocations": chain["invocations"],
            "offers_per_invocation": int(per_invocation),
            "target_invocations": math.ceil(TARGET_OFFERS / per_invocation),
            "target_minutes": round(TARGET_OFFERS / rate / 60, 1),
        }

    return {
        "offers": offers,
        "working_seconds_per_invocation": working,
        "baseline": {
            "offers_per_s": round(base_rate, 1),
            "cpu_s": round(base_cpu, 2),
            "wall_s": round(base_wall, 2),
            "calls_per_offer": {name: round(n / offers, 3) for name, n in sorted(base_calls.items())},
        },
        "validation": figures(val_cpu, val_wall, val_calls, validation),
        "hourly_refresh": figures(ref_cpu, ref_wall, ref_calls, refresh),
    }


def print_jobs(figures: dict[str, Any], out: TextIO) -> None:
    f = figures
    print(
        f"Background jobs on in-process moto: {f['offers']} offers of one structure, offers per second of CPU time; "
        f"an invocation works {f['working_seconds_per_invocation']:g} s (timeout less JOB_MARGIN_SECONDS)",
        file=out,
    )

    def calls(per_offer: dict[str, float]) -> str:
        return ", ".join(f"{name} {n:g}" for name, n in per_offer.items())

    base = f["baseline"]
    print(
        f"  {'baseline: a stock Query per offer':<36}{base['offers_per_s']:9.1f} /s  ({base['cpu_s']:.2f} s CPU, "
        f"{base['wall_s']:.2f} s wall; per offer: {calls(base['calls_per_offer'])})",
        file=out,
    )
    for label, key in (
        ("validating the structure", "validation"),
        ("hourly refresh, nothing changes", "hourly_refresh"),
    ):
        r = f[key]
        print(
            f"  {label:<36}{r['offers_per_s']:9.1f} /s  x{r['ratio_to_baseline']:.2f} baseline "
            f"({r['cpu_s']:.2f} s CPU, {r['wall_s']:.2f} s wall, {r['invocations']} invocations; "
            f"per offer: {calls(r['calls_per_offer'])})",
            file=out,
        )
        print(
            f"  {'':<36}=> {r['offers_per_invocation']} offers per invocation; {TARGET_OFFERS:,} offers: "
            f"{r['target_invocations']} invocations, about {r['target_minutes']:g} min",
            file=out,
        )


def main(argv: list[str] | None = None) -> int:
    import sys

    from bench.cli import prepare_environment

    parser = argparse.ArgumentParser(prog="python -m bench.jobs", description=__doc__.split("\n")[0])
    parser.add_argument("--offers", type=int, default=500)
    args = parser.parse_args(argv)
    prepare_environment()
    print_jobs(run_jobs(args.offers), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

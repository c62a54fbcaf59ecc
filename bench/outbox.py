"""The local outbox with 10,000 emails, as a ratio to the same reads with 10, in the same run.

Part of ``python -m bench`` (skip it with ``--no-outbox``); alone:

    PYTHONPATH=layers/core/python:. python -m bench.outbox [--emails 10000] [--items 100000]

moto's server is started in this process, as ``make run`` starts it, and one
table is given ``--items`` items (the data moto's state dump used to serialise
on every outbox read). Emails go straight into the SES twin's backend (building
10,000 with the ``email`` package alone takes longer than the whole bench);
one goes through the email adapter, so the real path is in the figures.

For 10 emails, then for ``--emails``, it measures (median of ``--repeat``):

- the first read: every message parsed (the cost paid once; median of 3, also
  on the thread's CPU clock, which the load of a shared machine does not inflate);
- a read after one new email: it is parsed and put in its place (the cost paid
  as mail arrives: goal about 1x);
- the whole answer's body with nothing new (kept from the last read);
- the local server's ``GET /_local/outbox`` after one new email: the body of
  every message is joined again, so that one grows with the count;
- with an external twin (``AWS_ENDPOINT_URL`` elsewhere), a read with nothing
  new: one ``GetSendQuota``. After a new email that path fetches moto's state
  dump, which grows with every item of the twin: ``--state-dump`` times it
  (about 3 s per 10,000 items here), to show why the in-process read exists.
"""

from __future__ import annotations

import argparse
import base64
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.utils import format_datetime
from types import SimpleNamespace
from typing import Any, TextIO

SENDER = "no-reply@passculture.local"


def mime_text(to: str, subject: str, body: str, sent_at: datetime) -> str:
    """A single-part UTF-8 text message as the email adapter sends it, written out directly (fast)."""
    encoded = base64.encodebytes(body.encode("utf-8")).decode("ascii")
    return (
        f"From: {SENDER}\nTo: {to}\nSubject: {Header(subject, 'utf-8').encode()}\n"
        f"Date: {format_datetime(sent_at, usegmt=True)}\n"
        'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: base64\nMIME-Version: 1.0\n\n'
        f"{encoded}"
    )


def _median_ms(
    run: Callable[[], Any],
    repeat: int,
    before: Callable[[], Any] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    samples = []
    for _ in range(repeat):
        if before is not None:
            before()
        started = clock()
        run()
        samples.append((clock() - started) * 1000)
    return statistics.median(samples)


class _Mail:
    """The SES twin's backend, filled directly."""

    def __init__(self) -> None:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        from passculture.config import get_settings

        self.backend = ses_backends[DEFAULT_ACCOUNT_ID][get_settings().region]
        self.sent = 0
        self.start = datetime.now(UTC) - timedelta(days=30)

    def send(self, count: int = 1) -> None:
        for _ in range(count):
            n = self.sent
            to = f"young-{n}@example.com"
            subject = f"Votre réservation n°{n} pour « Concert au parc » est confirmée"
            body = f"Bonjour,\n\nVotre contremarque est A{n:05d}. Présentez-la à l'entrée.\n\nL'équipe Pass Culture\n"
            self.backend.send_raw_email(SENDER, [to], mime_text(to, subject, body, self.start + timedelta(seconds=n)))
            self.sent += 1


def _fill_table(items: int) -> str:
    """``items`` items in the offers table, straight into moto's backend; returns the table's name."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from passculture.config import get_settings

    name = get_settings().table_name("offers")
    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][get_settings().region]
    table = backend.get_table(name)
    keys = [table.hash_key_attr, *([table.range_key_attr] if table.range_key_attr else [])]
    for n in range(items):
        item = {key: {"S": f"bench-{n:06d}"} for key in keys}
        item.update({"name": {"S": f"Offre {n}"}, "description": {"S": "Une offre du banc d'essai. " * 4}})
        backend.put_item(name, item)
    return name


def _reads(count: int, mail: _Mail, repeat: int, endpoint: str, state_dump: bool) -> dict[str, float | None]:
    from infra.local import Backend, LocalApi
    from infra.outbox import InProcessSes, Outbox, RemoteMoto
    from passculture.config import get_settings

    mail.send(count - mail.sent)
    emails = mail.sent
    region = get_settings().region
    first = _median_ms(lambda: Outbox(InProcessSes(region)).refresh(), 3)
    # The same on this thread's CPU clock: what the parsing costs, whatever else the machine runs.
    first_cpu = _median_ms(lambda: Outbox(InProcessSes(region)).refresh(), 3, clock=time.thread_time)
    outbox = Outbox(InProcessSes(region))
    outbox.body()
    after_one = _median_ms(outbox.refresh, repeat, before=mail.send)
    outbox.body()
    unchanged = _median_ms(outbox.body, repeat)
    backend = Backend()
    backend.outbox = outbox
    api = LocalApi(backend, {}, SimpleNamespace(jobs={}))
    http = _median_ms(lambda: api.handle("GET", "/_local/outbox", {}, b"", "127.0.0.1"), repeat, before=mail.send)
    remote_first_ms: float | None = None
    if state_dump:
        remote = Outbox(RemoteMoto(endpoint))
        remote_first_ms = round(_median_ms(remote.refresh, 1), 1)
        remote_unchanged = _median_ms(remote.refresh, repeat)
    else:  # what that read does when nothing is new
        remote_unchanged = _median_ms(_sent_count, repeat)
    return {
        "emails": emails,
        "first_read_ms": round(first, 2),
        "first_read_cpu_ms": round(first_cpu, 2),
        "after_one_new_ms": round(after_one, 3),
        "unchanged_ms": round(unchanged, 4),
        "local_server_get_after_one_new_ms": round(http, 3),
        "external_twin_unchanged_ms": round(remote_unchanged, 2),
        "external_twin_state_dump_ms": remote_first_ms,
    }


def _sent_count() -> float:
    from passculture.adapters.aws import client

    return client("ses").get_send_quota()["SentLast24Hours"]


def run_outbox(
    emails: int = 10_000, baseline: int = 10, items: int = 100_000, repeat: int = 31, state_dump: bool = False
) -> dict[str, Any]:
    import logging
    import os

    import requests

    from infra.bootstrap import create_tables, verify_sender
    from infra.moto_twin import forget_clients, start_moto_server
    from passculture.adapters.email import send_email

    logging.getLogger("botocore").setLevel(logging.WARNING)
    server, url = start_moto_server()
    os.environ["AWS_ENDPOINT_URL"] = url
    forget_clients()
    try:
        create_tables()
        verify_sender()
        started = time.perf_counter()
        table = _fill_table(items)
        fill_s = time.perf_counter() - started
        send_email(["first@example.com"], "Le premier, par l'adaptateur", "Bonjour.")
        mail = _Mail()
        mail.sent = 1
        small = _reads(baseline, mail, repeat, url, state_dump)
        big = _reads(emails, mail, repeat, url, state_dump)
        return {
            "items": items,
            "table": table,
            "fill_seconds": round(fill_s, 1),
            "baseline": small,
            "large": big,
            "ratios": {
                key: round(big[key] / small[key], 2) if small[key] else None
                for key in small
                if key.endswith("_ms") and key != "external_twin_state_dump_ms"
            },
        }
    finally:
        requests.post(f"{url}/moto-api/reset", timeout=60)  # moto's state is the process's: leave none behind
        server.stop()
        os.environ.pop("AWS_ENDPOINT_URL", None)
        forget_clients()


def print_outbox(figures: dict[str, Any], out: TextIO) -> None:
    small, big, ratios = figures["baseline"], figures["large"], figures["ratios"]
    print(
        f"Local outbox (GET /_local/outbox) on moto's server in this process, {figures['items']:,} items in "
        f"{figures['table']}; median ms; ratio = {big['emails']:,} emails / {small['emails']:,}",
        file=out,
    )
    rows = [
        ("first read (every message parsed)", "first_read_ms"),
        ("  the same, this thread's CPU time", "first_read_cpu_ms"),
        ("read after one new email", "after_one_new_ms"),
        ("whole body, nothing new", "unchanged_ms"),
        ("local server's GET after one new email", "local_server_get_after_one_new_ms"),
        ("external twin, nothing new (one GetSendQuota)", "external_twin_unchanged_ms"),
    ]
    print(f"  {'':<46}{small['emails']:>10,}{big['emails']:>10,}{'ratio':>9}", file=out)
    for label, key in rows:
        ratio = ratios.get(key)
        print(f"  {label:<46}{small[key]:>10}{big[key]:>10}{(f'{ratio}x' if ratio else '-'):>9}", file=out)
    per_email = big["first_read_cpu_ms"] / big["emails"] * 1000
    print(f"  first read: {per_email:.0f} µs of CPU per email", file=out)
    if big["external_twin_state_dump_ms"] is None:
        print("  (--state-dump also times the external twin's read after a new email: moto's state dump)", file=out)
    else:
        print(
            f"  external twin after a new email (moto's whole state dump): "
            f"{small['external_twin_state_dump_ms']:,.0f} ms with {small['emails']:,} emails, "
            f"{big['external_twin_state_dump_ms']:,.0f} ms with {big['emails']:,}",
            file=out,
        )


def main(argv: list[str] | None = None) -> int:
    import sys

    from bench.cli import prepare_environment

    parser = argparse.ArgumentParser(prog="python -m bench.outbox", description=__doc__.split("\n")[0])
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=31, help="runs of each cheap read (the first read: 3)")
    parser.add_argument("--state-dump", action="store_true", help="also time moto's state dump (slow)")
    args = parser.parse_args(argv)
    prepare_environment()
    figures = run_outbox(args.emails, items=args.items, repeat=args.repeat, state_dump=args.state_dump)
    print_outbox(figures, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

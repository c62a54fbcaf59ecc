"""Local credits under real concurrency, on moto's server: never spent below zero, totals equal to the bookings,
a programme granted once to each user whatever runs at the same time."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from passculture.errors import DomainError
from passculture.models.base import new_id, utcnow
from passculture.models.bookings import Booking
from passculture.models.territories import TerritoryItem
from passculture.models.wallets import Wallet
from passculture.services.accounts.auth import Principal
from passculture.services.booking.bookings import book
from passculture.services.booking.cancellation import cancel_booking
from passculture.services.territories.programmes import programmes_of
from tests.factories import make_local_credit, make_offer, make_offerer, make_stock, make_venue, make_young, publish

WORKERS = 24


def race(calls):
    start = threading.Event()

    def run(call):
        start.wait()
        try:
            return call()
        except DomainError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(run, call) for call in calls]
        start.set()
        return [f.result(timeout=180) for f in futures]


def principal(user):
    return Principal(user=user, roles=frozenset(user.roles))


def test_parallel_bookings_never_spend_a_local_credit_below_zero_and_the_totals_are_the_bookings(moto_server):
    department = "2A"
    programme = new_id()
    TerritoryItem(department, f"credit#{programme}", label="Pass Corse", created_at=utcnow()).save()
    venue = make_venue(make_offerer(), postal_code="20000", department_code=department)
    offer = make_offer(venue, category="BOOK")
    # One user, many different books at once: the local credit (2 500) pays 1 000 per booking until it runs out.
    stocks = [make_stock(offer, event=False, price_cents=1_000, quantity=None) for _ in range(12)]
    publish(offer)
    young = make_young(department=department)
    credit = make_local_credit(young, amount_cents=2_500, programme=programme, label="Pass Corse")
    others = [make_young(department=department) for _ in range(8)]
    for other in others:
        make_local_credit(other, amount_cents=1_500, programme=programme, label="Pass Corse")

    calls = [lambda s=s: book(principal(young), s.id, 1) for s in stocks]
    calls += [lambda u=u: book(principal(u), stocks[0].id, 1) for u in others]
    results = race(calls)

    made = [r.booking for r in results if not isinstance(r, DomainError)]
    assert len(made) == 20, [r for r in results if isinstance(r, DomainError)]
    assert Wallet.get(young.id, credit.credit_id, consistent_read=True).balance_cents == 0
    local = [b.debits_by_credit().get(credit.credit_id, 0) for b in made if b.user_id == young.id]
    assert sorted(local, reverse=True)[:3] == [1_000, 1_000, 500] and sum(local) == 2_500
    for other in others:
        assert Wallet.get(other.id, credit.credit_id, consistent_read=True).balance_cents == 500
    spent = {p.item.id: p.spent_cents for p in programmes_of(department)}
    assert spent[f"credit#{programme}"] == sum(b.debits_by_credit().get(credit.credit_id, 0) for b in made)
    assert spent[f"credit#{programme}"] == 2_500 + 8 * 1_000

    # Cancelling them all at once gives everything back, to the programme's total too.
    race([lambda b=b: cancel_booking(Booking.get(b.token, consistent_read=True), "user:test") for b in made])
    assert Wallet.get(young.id, credit.credit_id, consistent_read=True).balance_cents == 2_500
    assert {p.item.id: p.spent_cents for p in programmes_of(department)}[f"credit#{programme}"] == 0


def test_concurrent_runs_and_retries_of_the_grant_job_grant_each_user_once(moto_server):
    from passculture.services.territories.grants import _grant, grant_page

    department = "973"
    pid = new_id()
    now = utcnow()
    item = TerritoryItem(
        department,
        f"credit#{pid}",
        label="Pass Guyane",
        amount_cents=1_000,
        perimeter={"categories": ["BOOK"]},
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=30),
        granted_cents=0,
        granted_users=0,
        grant_status="waiting",
        grant_due="waiting",
        created_at=now,
    )
    item.save()
    with ThreadPoolExecutor(max_workers=8) as pool:
        users = list(pool.map(lambda _: make_young(department=department), range(30)))

    def whole_job():
        cursor = None
        while True:
            progress = grant_page({"department": department, "programme": pid}, cursor)
            if progress.done:
                return
            cursor = progress.cursor

    # Four whole runs (the schedule and retries) beside confirmations granting users one by one.
    race([whole_job] * 4 + [lambda u=u: _grant(item, [u.id], utcnow()) for u in users[:10]])

    mine = {u.id for u in users}
    granted = [u for u in users if Wallet.get(u.id, f"local#{pid}", consistent_read=True).balance_cents == 1_000]
    assert len(granted) == 30
    final = TerritoryItem.get(department, f"credit#{pid}", consistent_read=True)
    # The twin is shared by the session: the department may hold other tests' users, granted too.
    in_department = users_in(department)
    assert mine <= set(in_department)
    assert int(final.granted_users) == sum(holds(u, pid) for u in in_department)
    assert int(final.granted_cents) == 1_000 * int(final.granted_users)


def users_in(department):
    from passculture.models.users import User

    return [u.id for u in User.department_index.query(department)]


def holds(user_id, pid):
    try:
        Wallet.get(user_id, f"local#{pid}", consistent_read=True)
        return True
    except Wallet.DoesNotExist:
        return False

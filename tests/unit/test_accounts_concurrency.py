"""Rules that must hold under concurrency, with real threads against moto's server.

In-process moto serialises calls; the server answers many at once, as DynamoDB does.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest

from passculture.errors import Conflict, DomainError
from tests.factories import PASSWORD, random_siren


def run_together(functions):
    """Calls every function at the same moment from its own thread; returns results or exceptions."""
    barrier = threading.Barrier(len(functions))

    def call(fn):
        barrier.wait()
        try:
            return fn()
        except DomainError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=len(functions)) as pool:
        return list(pool.map(call, functions))


def warm_up():
    """One signup creates every client and connection before the threads race (botocore creation is not thread safe)."""
    from passculture.services.accounts.signup import signup_pro

    signup_pro(f"warm-{random_siren()}@example.org", PASSWORD, random_siren())


def test_twenty_simultaneous_signups_on_a_new_siren_make_exactly_one_admin(moto_server):
    from passculture.models.memberships import Membership
    from passculture.models.offerers import Offerer
    from passculture.models.users import User
    from passculture.models.venues import Venue
    from passculture.services.accounts.signup import signup_pro

    warm_up()
    siren = random_siren()
    results = run_together(
        [lambda n=n: signup_pro(f"racer{n}@example.org", PASSWORD, siren, name=f"Racer {n}") for n in range(20)]
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert Counter(r.membership.role for r in results) == {"admin": 1, "editor": 19}

    members = list(Membership.siren_index.query(siren))
    assert len(members) == 20
    assert Counter((m.role, m.status) for m in members) == {("admin", "validated"): 1, ("editor", "pending"): 19}
    admin = next(r for r in results if r.membership.role == "admin")
    offerer = Offerer.get(siren)
    assert offerer.admin_count == 1
    assert offerer.created_by == admin.user.id
    assert offerer.name == admin.offerer.name
    assert len(list(Venue.siren_index.query(siren))) == 1
    assert all(User.get(r.user.id).email == r.user.email for r in results)


def test_ten_simultaneous_signups_with_one_email_make_one_user(moto_server):
    from passculture.models.memberships import Membership
    from passculture.services.accounts.signup import signup_pro

    warm_up()
    sirens = [random_siren() for _ in range(10)]
    results = run_together([lambda s=s: signup_pro("Same@Example.org", PASSWORD, s) for s in sirens])
    created = [r for r in results if not isinstance(r, Exception)]
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(created) == 1 and len(conflicts) == 9
    assert all("email" in c.errors for c in conflicts)
    # The losers created no structure and no membership.
    losing = [s for s in sirens if s != created[0].offerer.siren]
    assert all(list(Membership.siren_index.query(s)) == [] for s in losing)


@pytest.mark.parametrize("change", ["demote", "remove"])
def test_two_admins_dropping_each_other_at_once_leave_one_admin(moto_server, change):
    from passculture.models.memberships import Membership
    from passculture.models.offerers import Offerer
    from passculture.services.accounts.memberships import change_membership, remove_membership
    from passculture.services.accounts.signup import signup_pro

    warm_up()
    for _ in range(5):
        siren = random_siren()
        first = signup_pro(f"a-{siren}@example.org", PASSWORD, siren).user.id
        second = signup_pro(f"b-{siren}@example.org", PASSWORD, siren).user.id
        change_membership(siren, second, status="validated", role="admin")
        assert Offerer.get(siren).admin_count == 2

        def drop(user_id, siren=siren):
            if change == "demote":
                return change_membership(siren, user_id, role="editor")
            return remove_membership(siren, user_id)

        results = run_together([partial(drop, first), partial(drop, second)])
        assert sum(isinstance(r, Conflict) for r in results) == 1, results
        admins = [m for m in Membership.siren_index.query(siren) if m.role == "admin" and m.status == "validated"]
        assert len(admins) == 1
        assert Offerer.get(siren).admin_count == 1


def test_one_confirmation_link_used_five_times_at_once_grants_one_credit(moto_server, monkeypatch):
    from datetime import timedelta

    from passculture.models.base import utcnow
    from passculture.models.wallets import Wallet
    from passculture.services.accounts import mail as accounts_mail
    from passculture.services.accounts.signup import confirm_email, signup_young

    warm_up()
    links = []
    monkeypatch.setattr(
        accounts_mail, "send_confirmation", lambda email, token, first_name=None, user_id="": links.append(token)
    )
    birth = (utcnow() - timedelta(days=18 * 365 + 30)).date().isoformat()
    user = signup_young(f"y-{random_siren()}@example.org", PASSWORD, "Yan", birth, "75")
    results = run_together([lambda: confirm_email(links[0])] * 5)
    assert sum(not isinstance(r, Exception) for r in results) == 1, results
    assert all(r.status == 410 for r in results if isinstance(r, Exception))
    assert [w.balance_cents for w in Wallet.query(user.id)] == [50_000]

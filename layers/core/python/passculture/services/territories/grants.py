"""Granting a local credit programme: at a young user's confirmation, and to the department's existing users.

A grant is the wallet item (user, ``local#<programme id>``) put with
``attribute_not_exists`` and the programme's ``granted_users`` and
``granted_cents`` added in the same transaction: a user is granted a programme
once and counted once, whatever retries or concurrent runs happen. Eligible:
the department's young users holding the national credit (so confirmed and of
age). Kept apart from ``programmes.py`` so the accounts function, which grants
at confirmation, reaches no job.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from passculture.models.base import Transaction, commit_retrying, utcnow
from passculture.models.territories import GRANT_WAITING, TerritoryItem, programme_key
from passculture.models.users import User
from passculture.models.wallets import NATIONAL_CREDIT_ID, Wallet
from passculture.rules.territories import is_label_only, is_running
from passculture.services.jobs import Progress

# Users looked at per page of the grant job; their grants go in transactions of at most this many wallets.
GRANT_PAGE = 100
GRANTS_PER_TRANSACTION = 99


def programme_id(item: TerritoryItem) -> str:
    return item.id.removeprefix("credit#")


def _wallet_of(user_id: str, item: TerritoryItem, now: datetime) -> Wallet:
    amount = int(item.amount_cents or 0)
    return Wallet(
        user_id,
        f"local#{programme_id(item)}",
        label=item.label,
        kind="local",
        department_code=item.department,
        initial_cents=amount,
        balance_cents=amount,
        perimeter=item.perimeter,
        starts_at=item.starts_at,
        ends_at=item.ends_at,
        granted_at=now,
    )


def _grant(item: TerritoryItem, user_ids: list[str], now: datetime) -> set[str]:
    """Grants the programme to these users in one transaction; returns those who had it already.

    Each wallet is put only if absent; the programme's totals count exactly the
    wallets this transaction puts. A user granted meanwhile fails the whole
    transaction, is left out, and the rest is committed again.
    """
    had: set[str] = set()
    todo = list(user_ids)
    while todo:

        def build(users: list[str] = todo) -> Transaction:
            tx = Transaction()
            for user_id in users:
                tx.save(f"wallet:{user_id}", _wallet_of(user_id, item, now), condition=Wallet.user_id.does_not_exist())
            tx.update(
                "programme",
                TerritoryItem(item.department, item.id),
                actions=[
                    TerritoryItem.granted_users.add(len(users)),
                    TerritoryItem.granted_cents.add(len(users) * int(item.amount_cents or 0)),
                ],
                condition=TerritoryItem.id.exists(),
            )
            return tx

        failed = commit_retrying(build)
        if not failed:
            return had
        if "programme" in failed:
            return had | set(todo)  # the programme is gone: nothing to grant
        refused = {label.removeprefix("wallet:") for label in failed if label.startswith("wallet:")}
        had |= refused
        todo = [u for u in todo if u not in refused]
    return had


def grant_at_confirmation(user: User, now: datetime | None = None) -> int:
    """Grants the programmes running in the user's department to a young user who just got the national credit.

    One Query of the department's programmes, then one transaction per running one. Returns how many it granted.
    """
    if not user.department_code:
        return 0
    now = now or utcnow()
    granted = 0
    for programme in TerritoryItem.query(
        user.department_code, TerritoryItem.id.startswith("credit#"), filter_condition=TerritoryItem.label.exists()
    ):
        if is_label_only(programme.perimeter) or not is_running(programme.starts_at, programme.ends_at, now):
            continue
        if not _grant(programme, [user.id], now):
            granted += 1
    return granted


def _eligible(user_ids: list[str], credit_id: str) -> list[str]:
    """Of these users, those with the national credit and without this local one (one BatchGetItem per 50 users)."""
    keys = [(u, NATIONAL_CREDIT_ID) for u in user_ids] + [(u, credit_id) for u in user_ids]
    held: dict[str, set[str]] = {}
    for wallet in Wallet.batch_get(keys, attributes_to_get=["user_id", "credit_id"]):
        held.setdefault(wallet.user_id, set()).add(wallet.credit_id)
    return [u for u in user_ids if NATIONAL_CREDIT_ID in held.get(u, set()) and credit_id not in held.get(u, set())]


def grant_page(args: dict[str, Any], cursor: Any) -> Progress:
    """One page of the ``territory-grant`` job: up to ``GRANT_PAGE`` of the department's users granted.

    Harmless to run again from the same cursor, or beside another run: the
    wallets' conditions decide who is granted, and only they are counted.
    """
    from passculture.services.pagination import key_page

    department, pid = str(args["department"]), str(args["programme"])
    try:
        item = TerritoryItem.get(department, programme_key(pid), consistent_read=True)
    except TerritoryItem.DoesNotExist:
        return Progress(0, None, True)
    now = utcnow()
    if cursor is None and item.grant_status == GRANT_WAITING:
        item.update(actions=[TerritoryItem.grant_status.set("running")])
    if is_label_only(item.perimeter) or (item.ends_at is not None and item.ends_at <= now):
        _finish(item, now)
        return Progress(0, None, True)
    users, next_key = key_page(partial(User.department_index.query, department), GRANT_PAGE, cursor)
    candidates = _eligible([u.id for u in users], f"local#{pid}")
    for start in range(0, len(candidates), GRANTS_PER_TRANSACTION):
        _grant(item, candidates[start : start + GRANTS_PER_TRANSACTION], now)
    if next_key is None:
        _finish(item, now)
    return Progress.next(next_key, len(users))


def _finish(item: TerritoryItem, now: datetime) -> None:
    item.update(
        actions=[
            TerritoryItem.grant_status.set("done"),
            TerritoryItem.grant_due.remove(),
            TerritoryItem.grant_finished_at.set(now),
        ]
    )

"""Local credit programmes: created by a department's referent, granted to its young users (``grants.py``),
spent in bookings (``counters.py``).

A programme is one ``credit#<id>`` item in the department's partition
(label, amount, perimeter, validity period, ``granted_users`` and
``granted_cents``) and its ``SPENT_SHARDS`` spent counters
(``credit#<id>#spent#<n>``, ``counters.py``). A grant is the wallet item
(user, ``local#<id>``) put with ``attribute_not_exists`` and the programme's
granted totals added in the same transaction, so a user is granted a programme
once, and counted once, whatever retries or concurrent runs happen.

Who is granted: the department's young users holding the national credit (so
confirmed and eligible), at their confirmation for the programmes then running
(``grant_at_confirmation``), and those already there when a programme starts
(the ``territory-grant`` job, over the users' department index, resumable from
its cursor). A programme that starts later waits in the sparse ``grant_due``
index until the territories function's hourly schedule starts its job.
A label-only programme gives no money: it is granted to nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from passculture.errors import InvalidInput
from passculture.models.base import new_id, utcnow
from passculture.models.territories import (
    GRANT_WAITING,
    TerritoryItem,
    is_programme,
    programme_key,
)
from passculture.rules.territories import is_label_only
from passculture.services.accounts.auth import Principal
from passculture.services.territories.access import require_referent
from passculture.services.territories.grants import programme_id


@dataclass(frozen=True)
class Programme:
    """A programme as its referent sees it: the item, and its spent total (the sum of its counters)."""

    item: TerritoryItem
    spent_cents: int


def create_programme(
    principal: Principal,
    department: str,
    *,
    label: str,
    amount_cents: int,
    perimeter: dict[str, Any],
    starts_at: datetime,
    ends_at: datetime,
) -> Programme:
    """Creates a programme; one that has started is granted to the department's users at once (a job)."""
    from passculture.services.jobs import start_job

    department = require_referent(principal, department)
    _check_venues(department, perimeter)
    now = utcnow()
    if ends_at <= now:
        raise InvalidInput("A programme ends in the future", field="endsAt")
    label_only = is_label_only(perimeter)
    item = TerritoryItem(
        department,
        programme_key(new_id()),
        label=label,
        amount_cents=0 if label_only else amount_cents,
        perimeter=perimeter,
        starts_at=starts_at,
        ends_at=ends_at,
        granted_cents=0,
        granted_users=0,
        grant_status=None if label_only else GRANT_WAITING,
        grant_due=None if label_only else GRANT_WAITING,
        updated_by=principal.user_id,
        created_at=now,
    )
    item.save(condition=TerritoryItem.id.does_not_exist())
    if not label_only and starts_at <= now:
        start_job("territory-grant", {"department": department, "programme": programme_id(item)})
        item.refresh(consistent_read=True)
    return Programme(item, 0)


def _check_venues(department: str, perimeter: dict[str, Any]) -> None:
    """A venues perimeter names venues of the department (400 naming ``perimeter`` otherwise)."""
    venue_ids = perimeter.get("venueIds")
    if not venue_ids:
        return
    from passculture.models.venues import Venue

    found = {venue.id: venue for venue in Venue.batch_get(list(dict.fromkeys(venue_ids)))}
    outside = [v for v in venue_ids if v not in found or found[v].department_code != department]
    if outside:
        raise InvalidInput(f"Not venues of department {department}: {', '.join(outside)}", field="perimeter")


def programmes_of(department: str) -> list[Programme]:
    """The department's programmes with their spent totals: one Query (programmes and counters sort together)."""
    programmes: dict[str, TerritoryItem] = {}
    spent: dict[str, int] = {}
    for item in TerritoryItem.query(department, TerritoryItem.id.startswith("credit#"), consistent_read=True):
        if is_programme(item):
            programmes[programme_id(item)] = item
        else:
            owner = item.id.removeprefix("credit#").partition("#spent#")[0]
            spent[owner] = spent.get(owner, 0) + int(item.spent_cents or 0)
    ordered = sorted(programmes.items(), key=lambda kv: (kv[1].created_at or utcnow(), kv[0]), reverse=True)
    return [Programme(item, spent.get(pid, 0)) for pid, item in ordered]


def list_programmes(principal: Principal, department: str) -> list[Programme]:
    return programmes_of(require_referent(principal, department))


def due_programmes(now: datetime) -> list[tuple[str, str]]:
    """(department, programme id) of every programme that has started and whose grant has not finished."""
    items = TerritoryItem.grant_index.query(GRANT_WAITING, TerritoryItem.starts_at <= now)
    return [(item.department, programme_id(item)) for item in items]


def start_due_grants(now: datetime | None = None) -> dict[str, Any]:
    """The hourly schedule: starts the grant job of every due programme (a running one again: harmless)."""
    import logging

    from passculture.services.jobs import start_job

    started = 0
    for department, pid in due_programmes(now or utcnow()):
        try:
            start_job("territory-grant", {"department": department, "programme": pid})
            started += 1
        except Exception:  # one programme's job that cannot start never blocks the others
            logging.getLogger(__name__).exception("grant job of %s/%s not started", department, pid)
    return {"started": started}


def run(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Runs a job event of the territories function."""
    from passculture.services.jobs import run_job
    from passculture.services.territories.grants import grant_page

    return run_job(event, context, {"territory-grant": grant_page})

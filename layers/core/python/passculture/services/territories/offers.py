"""A territory's offers: the offers of its venues, their local validation and highlight.

A decision is one ``offer#<id>`` item in the department's partition of the
territories table: ``local_validation`` (validated | rejected; absent: pending)
and ``highlighted``. It is a local label: national publication never reads it.
The feed and the public offer page read the caller's department's decisions
and label-only programmes with one Query (``local_marks``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from passculture.errors import NotFound
from passculture.models.base import utcnow
from passculture.models.offers import Offer
from passculture.models.territories import TerritoryItem, is_programme, offer_key
from passculture.rules.territories import is_label_only, is_running, label_covers
from passculture.services.accounts.auth import Principal
from passculture.services.pagination import paginate
from passculture.services.territories.access import require_referent


@dataclass(frozen=True)
class LocalOffer:
    """An offer of the department with the territory's decision on it."""

    offer: Offer
    local_validation: str | None
    highlighted: bool


def _decisions(department: str, offer_ids: list[str]) -> dict[str, TerritoryItem]:
    """The decisions on these offers: one BatchGetItem per 100."""
    if not offer_ids:
        return {}
    keys = [(department, offer_key(offer_id)) for offer_id in dict.fromkeys(offer_ids)]
    return {item.id.removeprefix("offer#"): item for item in TerritoryItem.batch_get(keys)}


def _local(offer: Offer, decision: TerritoryItem | None) -> LocalOffer:
    if decision is None:
        return LocalOffer(offer, None, False)
    return LocalOffer(offer, decision.local_validation, bool(decision.highlighted))


def territory_offers(
    principal: Principal, department: str, status: str | None, limit: int, cursor: str | None
) -> tuple[list[LocalOffer], str | None]:
    """The department's offers (newest first), optionally by local validation.

    No status: every offer of the department's venues (the offers' department
    index) with its decision. ``validated`` / ``rejected``: the decisions with
    that value (the territory's partition), with their offers. ``pending``:
    the department's offers without a decision, so a page may hold fewer than
    ``limit`` (the cursor follows the offers' index, nothing is skipped).
    """
    department = require_referent(principal, department)
    if status in ("validated", "rejected"):
        items, next_cursor = paginate(
            partial(
                TerritoryItem.query,
                department,
                TerritoryItem.id.startswith("offer#"),
                filter_condition=TerritoryItem.local_validation == status,
            ),
            limit,
            cursor,
        )
        ids = [item.id.removeprefix("offer#") for item in items]
        offers = {o.id: o for o in Offer.batch_get(ids)} if ids else {}
        return [
            _local(offers[i.id.removeprefix("offer#")], i) for i in items if i.id.removeprefix("offer#") in offers
        ], next_cursor
    offers, next_cursor = paginate(
        partial(Offer.department_index.query, department, scan_index_forward=False), limit, cursor
    )
    decisions = _decisions(department, [o.id for o in offers])
    page = [_local(o, decisions.get(o.id)) for o in offers]
    if status == "pending":
        page = [entry for entry in page if entry.local_validation is None]
    return page, next_cursor


def decide(
    principal: Principal, department: str, offer_id: str, local_validation: str | None, highlighted: bool | None
) -> LocalOffer:
    """Records the territory's local validation and/or highlight of one of its offers (404: not of the department)."""
    department = require_referent(principal, department)
    try:
        offer = Offer.get(offer_id)
    except Offer.DoesNotExist as exc:
        raise NotFound("No such offer in this department", field="offerId") from exc
    if offer.department_code != department:
        raise NotFound("No such offer in this department", field="offerId")
    now = utcnow()
    actions: list[Any] = [
        TerritoryItem.updated_by.set(principal.user_id),
        TerritoryItem.updated_at.set(now),
        TerritoryItem.created_at.set(TerritoryItem.created_at | now),
    ]
    if local_validation is not None:
        actions.append(TerritoryItem.local_validation.set(local_validation))
    if highlighted is not None:
        actions.append(TerritoryItem.highlighted.set(highlighted))
    item = TerritoryItem(department, offer_key(offer.id))
    item.update(actions=actions)
    return _local(offer, item)


# -- what the department's users see -------------------------------------------


@dataclass(frozen=True)
class LocalMarks:
    """A department's marks on offers, read once per feed page or offer page."""

    department: str | None = None
    highlighted: set[str] = field(default_factory=set)
    validated: set[str] = field(default_factory=set)
    labels: list[TerritoryItem] = field(default_factory=list)  # running label-only programmes

    def labels_of(
        self, offer_id: str, *, category: str | None, venue_id: str | None, department: str | None
    ) -> list[str]:
        """The labels of the department's label-only programmes whose perimeter holds this offer."""
        return [
            str(p.label)
            for p in self.labels
            if label_covers(p.perimeter, self.department, category=category, venue_id=venue_id, department=department)
        ]


def local_marks(department: str | None) -> LocalMarks:
    """The department's highlights, local validations and running label-only programmes: one Query.

    Only what users are shown is read (highlighted or validated offers, programmes),
    not rejections nor the programmes' spent counters.
    """
    if not department:
        return LocalMarks()
    wanted = (
        (TerritoryItem.highlighted == True)  # noqa: E712
        | (TerritoryItem.local_validation == "validated")
        | TerritoryItem.label.exists()
    )
    marks = LocalMarks(department)
    now = utcnow()
    for item in TerritoryItem.query(department, filter_condition=wanted):
        if item.id.startswith("offer#"):
            offer_id = item.id.removeprefix("offer#")
            if item.highlighted:
                marks.highlighted.add(offer_id)
            if item.local_validation == "validated":
                marks.validated.add(offer_id)
        elif is_programme(item) and is_label_only(item.perimeter) and is_running(item.starts_at, item.ends_at, now):
            marks.labels.append(item)
    return marks

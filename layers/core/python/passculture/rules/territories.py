"""Territories: who refers for which department, and which offers a local programme's perimeter covers.

A perimeter is one of ``{"categories": [...]}``, ``{"venueIds": [...]}`` or
``{"labelOnly": true}`` (a label, no money). A categories perimeter covers the
offers of those categories at venues of the programme's department (a local
authority funds its own territory); a venues perimeter covers the offers of
those venues. A label-only programme's perimeter is its label's, never a payment.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from passculture.rules.accounts import DEPARTMENT_CODES

ROLE_PREFIX = "territory:"


def referent_departments(roles: Iterable[str]) -> set[str]:
    """The departments a user refers for: each ``territory:<department>`` role's department."""
    return {
        role[len(ROLE_PREFIX) :]
        for role in roles
        if role.startswith(ROLE_PREFIX) and role[len(ROLE_PREFIX) :] in DEPARTMENT_CODES
    }


def is_label_only(perimeter: Any) -> bool:
    return isinstance(perimeter, dict) and bool(perimeter.get("labelOnly"))


def covers(
    perimeter: Any,
    programme_department: str | None,
    *,
    category: str | None,
    venue_id: str | None,
    department: str | None,
) -> bool:
    """Whether the perimeter takes in an offer (labels and payments alike; label-only is tested apart)."""
    if not isinstance(perimeter, dict):
        return False
    if "venueIds" in perimeter:
        return venue_id is not None and venue_id in (perimeter.get("venueIds") or [])
    if "categories" in perimeter:
        in_department = programme_department is None or department == programme_department
        return in_department and category in (perimeter.get("categories") or [])
    return False


def label_covers(perimeter: Any, programme_department: str | None, **offer: Any) -> bool:
    """A label-only perimeter: the label's offers (``{"labelOnly": true}`` alone labels the whole department).

    A label-only programme may narrow its label with ``categories`` or ``venueIds`` beside ``labelOnly``.
    """
    if not is_label_only(perimeter):
        return False
    if "categories" in perimeter or "venueIds" in perimeter:
        return covers(perimeter, programme_department, **offer)
    return offer.get("department") == programme_department


def is_running(starts_at: datetime | None, ends_at: datetime | None, now: datetime) -> bool:
    """Within the validity period: from ``starts_at`` (included) until ``ends_at`` (excluded)."""
    if starts_at is not None and starts_at > now:
        return False
    return ends_at is None or now < ends_at

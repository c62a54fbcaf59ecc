"""Structures (offerers): creation by the first signup of a SIREN, joining, and what members see.

The SIREN is the offerer's key. The first user of a SIREN creates it with
``attribute_not_exists(siren)`` in the same transaction as their admin
membership and the structure's virtual venue; when that condition fails the
SIREN exists, and the user joins as a pending editor instead (a condition check
that the structure exists, in the same transaction as the membership). No read
decides anything: the reads before the transaction only pick the likely path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from passculture.errors import Conflict, Forbidden, NotFound
from passculture.models.base import Transaction, commit_retrying, new_id, utcnow
from passculture.models.memberships import Membership
from passculture.models.offerers import Offerer
from passculture.models.venues import Venue
from passculture.records import record
from passculture.services.accounts.access import require_member

if TYPE_CHECKING:
    from passculture.models.users import User
    from passculture.services.accounts.auth import Principal

logger = logging.getLogger(__name__)

JOINABLE = ("pending", "validated")
VIRTUAL_VENUE_NAME = "Offre numérique"
PATH_ATTEMPTS = 4


@record
class Joined:
    offerer: Offerer
    membership: Membership
    created: bool


def department_of_postal_code(postal_code: str | None) -> str | None:
    """The department of a postal code from the company directory, or None when it has none."""
    from passculture.rules import geo

    try:
        return geo.department_of_postal_code(postal_code or "")
    except ValueError:
        return None


def find_offerer(siren: str) -> Offerer | None:
    try:
        return Offerer.get(siren, consistent_read=True)
    except Offerer.DoesNotExist:
        return None


def _new_offerer(siren: str, name_hint: str | None, user_id: str) -> tuple[Offerer, Venue]:
    from passculture.adapters.sirene import lookup

    now = utcnow()
    company = lookup(siren)
    # The directory's registered name wins over what was typed; its absence never blocks.
    name = (company.name if company else None) or name_hint or f"Structure {siren}"
    offerer = Offerer(
        siren,
        name=name,
        status="pending",
        address=company.address if company else None,
        postal_code=company.postal_code if company else None,
        city=company.city if company else None,
        department_code=department_of_postal_code(company.postal_code) if company else None,
        created_by=user_id,
        created_at=now,
        admin_count=1,
    )
    venue = Venue(new_id(), siren=siren, name=VIRTUAL_VENUE_NAME, is_virtual=True, created_at=now)
    return offerer, venue


def join_or_create(
    user_id: str,
    siren: str,
    name_hint: str | None = None,
    extras: Callable[[Transaction], None] | None = None,
) -> Joined:
    """Makes ``user_id`` a member of ``siren``: admin of a new structure, or pending editor of an existing one.

    ``extras`` adds the caller's own items (the new user, its email guard...)
    to the same transaction. Failed conditions are mapped by label: ``email``
    is a 409 on the email, ``membership`` a 409 on the SIREN (already a member).
    """
    existing = find_offerer(siren)
    for _ in range(PATH_ATTEMPTS):
        if existing is not None and existing.status not in JOINABLE:
            raise Conflict(
                "This structure cannot be joined: it was rejected or deleted. Contact the Pass Culture team",
                field="siren",
            )
        now = utcnow()
        if existing is None:
            offerer, venue = _new_offerer(siren, name_hint, user_id)
            membership = Membership(user_id, siren, role="admin", status="validated", created_at=now, validated_at=now)
        else:
            offerer, venue = existing, None
            membership = Membership(user_id, siren, role="editor", status="pending", created_at=now)

        def build(offerer: Offerer = offerer, venue: Venue | None = venue, membership: Membership = membership) -> Any:
            tx = Transaction()
            if extras is not None:
                extras(tx)
            if venue is not None:
                tx.save("offerer", offerer, condition=Offerer.siren.does_not_exist())
                tx.save("venue", venue, condition=Venue.id.does_not_exist())
            else:
                tx.condition_check(
                    "offerer", Offerer, siren, condition=Offerer.siren.exists() & Offerer.status.is_in(*JOINABLE)
                )
            tx.save("membership", membership, condition=Membership.user_id.does_not_exist())
            return tx

        failed = commit_retrying(build)
        if not failed:
            return Joined(offerer, membership, created=venue is not None)
        if "email" in failed:
            raise Conflict("This email address is already used", field="email")
        if "membership" in failed:
            raise Conflict("You are already a member of this structure", field="siren")
        if "offerer" not in failed:
            raise Conflict(f"Could not save: {', '.join(sorted(failed))}")
        # The SIREN appeared (or its structure changed) since we looked: take the other path.
        existing = find_offerer(siren)
    raise Conflict("This structure is changing right now, try again", field="siren")


def announce(joined: Joined, user_email: str) -> None:
    """Emails after a join: the team for a new structure, the admins for a join request.

    Join requests email a structure's admins at most ``JOIN_REQUEST_EMAILS_PER_DAY``
    times a UTC day, so nobody floods them by signing up on a known SIREN; later
    requests are still pending memberships, listed on the structure's page.
    The join is committed before this runs, so nothing here fails the request:
    a counter that cannot be written sends the email (the signup limit per
    source still bounds a flood), and admins that cannot be read get none
    (logged; the request waits on the structure's page).
    """
    from passculture.services.accounts import mail

    offerer = joined.offerer
    if joined.created:
        mail.send_new_structure_to_team(offerer.siren, offerer.name, user_email, full_address(offerer))
        return
    if not _join_email_allowed(offerer.siren):
        logger.info("join request on %s: the admins were emailed enough today", offerer.siren)
        return
    try:
        admins = [m.user_id for m in members_of(offerer.siren) if m.role == "admin" and m.status == "validated"]
        emails = [u.email for u in users_by_id(admins).values()]
    except Exception:
        logger.exception("join request on %s: could not read its admins, no email sent", offerer.siren)
        return
    mail.send_join_request(emails, offerer.siren, offerer.name, user_email)


def _join_email_allowed(siren: str) -> bool:
    from passculture.config import get_settings
    from passculture.errors import RateLimited
    from passculture.services import ratelimit

    limit = ratelimit.Limit("join-request-email", get_settings().join_request_emails_per_day, 86_400)
    try:
        ratelimit.hit(limit, siren)
    except RateLimited:
        return False
    except Exception:
        logger.exception("join request on %s: could not count its email, sending it anyway", siren)
    return True


def full_address(offerer: Offerer) -> str | None:
    parts = [offerer.address, " ".join(p for p in (offerer.postal_code, offerer.city) if p)]
    text = ", ".join(p for p in parts if p)
    return text or None


# -- reading -------------------------------------------------------------------


def members_of(siren: str) -> list[Membership]:
    return list(Membership.siren_index.query(siren))


def users_by_id(user_ids: list[str]) -> dict[str, User]:
    from passculture.models.users import User

    unique = list(dict.fromkeys(user_ids))
    return {u.id: u for u in User.batch_get(unique)} if unique else {}


def offerers_by_siren(sirens: list[str]) -> dict[str, Offerer]:
    unique = list(dict.fromkeys(sirens))
    return {o.siren: o for o in Offerer.batch_get(unique)} if unique else {}


def attach(principal: Principal, siren: str, name_hint: str | None) -> Joined:
    """One more structure for a pro account: admin if the SIREN is new, pending editor otherwise."""
    if not principal.has_role("pro"):
        raise Forbidden("Only pro accounts can attach a structure")
    joined = join_or_create(principal.user_id, siren, name_hint)
    announce(joined, principal.user.email)
    return joined


def my_offerers(user_id: str, limit: int, cursor: str | None) -> tuple[list[tuple[Offerer, Membership]], str | None]:
    """The caller's structures with their membership (pending ones included, so a joiner sees the wait)."""
    from passculture.services.pagination import paginate

    memberships, next_cursor = paginate(partial(Membership.query, user_id, consistent_read=True), limit, cursor)
    offerers = offerers_by_siren([m.siren for m in memberships])
    return [(offerers[m.siren], m) for m in memberships if m.siren in offerers], next_cursor


@record(frozen=True)
class OffererDetail:
    """A structure with its venues (oldest first) and its members, each with their user when there is one."""

    offerer: Offerer
    venues: list[Venue]
    members: list[tuple[Membership, User | None]]


def offerer_detail(principal: Principal, siren: str) -> OffererDetail:
    """One of the caller's structures (or any, for the team) with its venues and members."""
    require_member(principal, siren)
    offerer = find_offerer(siren)
    if offerer is None:
        raise NotFound("No such structure", field="siren")
    venues = sorted(Venue.siren_index.query(siren), key=lambda v: v.created_at)
    memberships = sorted(members_of(siren), key=lambda m: m.created_at)
    users = users_by_id([m.user_id for m in memberships])
    return OffererDetail(offerer, venues, [(m, users.get(m.user_id)) for m in memberships])

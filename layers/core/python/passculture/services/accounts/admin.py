"""What the Pass Culture team does: validate structures, grant roles, look at waiting offers.

The team's routes are declared ``Auth.TEAM``: the web layer refuses anyone else
before these run, so they take only the acting member's id where it is recorded.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from passculture.adapters import metrics
from passculture.errors import Conflict, InvalidInput, NotFound
from passculture.models.base import utcnow
from passculture.models.offerers import Offerer
from passculture.models.users import User
from passculture.services.accounts.offerers import find_offerer, members_of, users_by_id
from passculture.services.pagination import paginate

if TYPE_CHECKING:
    from passculture.models.offers import Offer

logger = logging.getLogger(__name__)

INTRINSIC_ROLES = frozenset({"pro", "young"})


def offerers_by_status(status: str, limit: int, cursor: str | None) -> tuple[list[Offerer], str | None]:
    """Structures with ``status``, oldest first (the validation queue)."""
    return paginate(partial(Offerer.status_index.query, status), limit, cursor)


def set_offerer_status(siren: str, status: str, reason: str | None, actor_id: str) -> Offerer:
    """Validates, rejects or deletes a structure, then starts republishing or unpublishing its offers.

    Bookings, memberships and history are kept; only the status (and so the
    offers' visibility) changes. The status is written here; the offers follow
    in the background (the ``offerer-offers`` job), however many there are.
    Setting the current status again changes nothing but starts that job again.
    """
    from pynamodb.exceptions import UpdateError

    from passculture.services.jobs import start_job

    offerer = find_offerer(siren)
    if offerer is None:
        raise NotFound("No such structure", field="siren")
    if offerer.status != status:
        now = utcnow()
        actions: list[Any] = [
            Offerer.status.set(status),
            Offerer.status_changed_at.set(now),
            Offerer.status_changed_by.set(actor_id),
            Offerer.status_reason.set(reason) if reason else Offerer.status_reason.remove(),
        ]
        if status == "validated":
            actions.append(Offerer.validated_at.set(now))
        try:
            offerer.update(actions=actions, condition=Offerer.status == offerer.status)
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            raise Conflict("This structure's status changed meanwhile: reload it", field="status") from exc
        metrics.count("StructureValidations", status=status)
        _tell_admins(offerer, status, reason)
    # Always: an earlier job may have failed to start or given up, and its pages are idempotent.
    start_job("offerer-offers", {"siren": siren})
    return offerer


def _tell_admins(offerer: Offerer, status: str, reason: str | None) -> None:
    if status not in ("validated", "rejected"):
        return
    from passculture.services.accounts import mail

    admins = [m.user_id for m in members_of(offerer.siren) if m.role == "admin" and m.status == "validated"]
    emails = [u.email for u in users_by_id(admins).values()]
    mail.send_structure_status(emails, offerer.siren, offerer.name, status, reason)


def set_granted_roles(user_id: str, roles: list[str], actor_id: str) -> User:
    """Replaces the user's granted roles; being a pro or a young user is kept as it is."""
    try:
        user = User.get(user_id, consistent_read=True)
    except User.DoesNotExist as exc:
        raise NotFound("No such user", field="userId") from exc
    granted = set(roles)
    if granted & INTRINSIC_ROLES:
        raise InvalidInput("Being a pro or a young user is not a granted role", field="roles")
    if user_id == actor_id and "team" not in granted:
        # Nobody locks themselves out of the team by mistake; another team member can do it.
        raise Conflict("You cannot remove your own team role", field="roles")
    new_roles = (set(user.roles or ()) & INTRINSIC_ROLES) | granted
    if new_roles != set(user.roles or ()):
        action = User.roles.set(new_roles) if new_roles else User.roles.remove()
        user.update(actions=[action])
    return user


def find_user(email: str) -> User:
    from passculture.services.accounts.users import find_by_email

    user = find_by_email(email)
    if user is None:
        raise NotFound("No user with this email", field="email")
    return user


def offers_by_status(
    status: str, limit: int, cursor: str | None
) -> tuple[list[tuple[Offer, Offerer | None]], str | None]:
    """Offers with ``status``, oldest first, each with its structure (for its name and status)."""
    from passculture.models.offers import Offer
    from passculture.services.accounts.offerers import offerers_by_siren

    offers, next_cursor = paginate(partial(Offer.status_index.query, status), limit, cursor)
    offerers = offerers_by_siren([o.siren for o in offers])
    return [(offer, offerers.get(offer.siren)) for offer in offers], next_cursor

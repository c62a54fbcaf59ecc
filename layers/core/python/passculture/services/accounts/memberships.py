"""Members of a structure: accept, change role, remove. Shared by the structure's admins and the team.

``change_member`` and ``remove_member`` check who is asking (an admin of the
structure, the team, or a member leaving); the ``*_membership`` functions under
them apply the change.

A structure always keeps a validated admin. The offerer item counts its
validated admins (``admin_count``); every change that takes one away decrements
it with the condition ``admin_count > 1`` in the same transaction as the
membership change, itself conditioned on the membership being as it was read.
So two admins demoting each other at once cannot both succeed.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from passculture.errors import Conflict, NotFound
from passculture.models.base import Transaction, commit_retrying, utcnow
from passculture.models.memberships import Membership
from passculture.models.offerers import Offerer
from passculture.services.accounts.access import require_member
from passculture.services.accounts.auth import Principal
from passculture.services.accounts.offerers import find_offerer, members_of

logger = logging.getLogger(__name__)

ATTEMPTS = 4
LAST_ADMIN = "A structure keeps at least one administrator: name another one first"


def _is_admin(membership: Membership) -> bool:
    return membership.role == "admin" and membership.status == "validated"


def _load(siren: str, user_id: str) -> tuple[Offerer, Membership]:
    offerer = find_offerer(siren)
    if offerer is None:
        raise NotFound("No such structure", field="siren")
    try:
        membership = Membership.get(user_id, siren, consistent_read=True)
    except Membership.DoesNotExist as exc:
        raise NotFound("No such member of this structure", field="userId") from exc
    if offerer.admin_count is None:
        offerer = _count_admins(offerer)
    return offerer, membership


def _count_admins(offerer: Offerer) -> Offerer:
    """Sets the admin counter of a structure written before it existed (once; later changes keep it)."""
    from pynamodb.exceptions import UpdateError

    count = sum(1 for m in members_of(offerer.siren) if _is_admin(m))
    try:
        offerer.update(actions=[Offerer.admin_count.set(count)], condition=Offerer.admin_count.does_not_exist())
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        offerer.refresh(consistent_read=True)
    return offerer


def _unchanged(membership: Membership) -> Any:
    return (Membership.role == membership.role) & (Membership.status == membership.status)


def _membership_tx(offerer: Offerer, membership: Membership, actions: list[Any] | None, admins: int) -> Transaction:
    """Updates (or, with no actions, deletes) a membership as read, moving the admin counter by ``admins``."""
    tx = Transaction()
    if actions is None:
        tx.delete("membership", membership, condition=_unchanged(membership))
    else:
        tx.update("membership", membership, actions, condition=_unchanged(membership))
    if admins < 0:
        # Never below one: this condition is what keeps the last admin.
        tx.update("admins", offerer, [Offerer.admin_count.add(-1)], condition=Offerer.admin_count > 1)
    elif admins > 0:
        tx.update("admins", offerer, [Offerer.admin_count.add(1)], condition=Offerer.admin_count.exists())
    return tx


def change_member(
    principal: Principal, siren: str, user_id: str, *, status: str | None = None, role: str | None = None
) -> Membership:
    """A structure's admin (or the team) accepts a member or changes a role; 409 for the last admin."""
    require_member(principal, siren, admin=True)
    return change_membership(siren, user_id, status=status, role=role)


def remove_member(principal: Principal, siren: str, user_id: str) -> None:
    """A structure's admin (or the team) removes a member, or a member leaves; never the last admin."""
    if user_id != principal.user_id:
        require_member(principal, siren, admin=True)
    remove_membership(siren, user_id)


def change_membership(siren: str, user_id: str, *, status: str | None = None, role: str | None = None) -> Membership:
    """Accepts a pending member (``status="validated"``) and/or sets their role; 409 for the last admin."""
    for _ in range(ATTEMPTS):
        offerer, membership = _load(siren, user_id)
        new_role = role or membership.role
        new_status = "validated" if status == "validated" else membership.status
        if (new_role, new_status) == (membership.role, membership.status):
            return membership
        now = utcnow()
        actions: list[Any] = [Membership.role.set(new_role), Membership.status.set(new_status)]
        accepted = new_status == "validated" and membership.status != "validated"
        if accepted:
            actions.append(Membership.validated_at.set(now))
        was_admin = _is_admin(membership)
        will_be_admin = new_role == "admin" and new_status == "validated"
        failed = commit_retrying(
            partial(_membership_tx, offerer, membership, actions, int(will_be_admin) - int(was_admin))
        )
        if not failed:
            membership.role, membership.status = new_role, new_status
            if accepted:
                membership.validated_at = now
                _tell_accepted(offerer, user_id)
            return membership
        if "membership" not in failed and was_admin and not will_be_admin:
            raise Conflict(LAST_ADMIN, field="role")
        # The membership or the counter moved since we read them: read again.
    raise Conflict("This membership is changing right now, try again")


def remove_membership(siren: str, user_id: str) -> None:
    """Removes a member; the last validated admin cannot be removed (409)."""
    for _ in range(ATTEMPTS):
        offerer, membership = _load(siren, user_id)
        was_admin = _is_admin(membership)
        failed = commit_retrying(partial(_membership_tx, offerer, membership, None, -int(was_admin)))
        if not failed:
            return
        if "membership" not in failed and was_admin:
            raise Conflict(LAST_ADMIN, field="userId")
    raise Conflict("This membership is changing right now, try again")


def _tell_accepted(offerer: Offerer, user_id: str) -> None:
    from passculture.models.users import User
    from passculture.services.accounts import mail

    try:
        user = User.get(user_id)
    except User.DoesNotExist:
        return
    mail.send_membership_accepted(user.email, offerer.siren, offerer.name)

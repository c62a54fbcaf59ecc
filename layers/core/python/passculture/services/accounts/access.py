"""Who may see and change a structure's things: its validated members, and the team.

A structure that is not yours is answered like one that does not exist (404),
so SIRENs, venues and offers cannot be probed.
"""

from __future__ import annotations

from passculture.errors import Forbidden, NotFound
from passculture.models.memberships import Membership
from passculture.services.accounts.auth import Principal


def membership_of(user_id: str, siren: str) -> Membership | None:
    try:
        return Membership.get(user_id, siren, consistent_read=True)
    except Membership.DoesNotExist:
        return None


def require_member(
    principal: Principal, siren: str, *, admin: bool = False, what: str = "structure"
) -> Membership | None:
    """The caller's validated membership of ``siren`` (None for the team, who may do anything).

    NotFound when the caller is not a validated member; Forbidden when ``admin``
    is needed and the caller is an editor.
    """
    if principal.is_team:
        return None
    membership = membership_of(principal.user_id, siren)
    if membership is None or membership.status != "validated":
        raise NotFound(f"No such {what}")
    if admin and membership.role != "admin":
        raise Forbidden("Only an administrator of the structure can do this")
    return membership


def member_sirens(user_id: str) -> list[str]:
    """The structures where the user is a validated member."""
    return [m.siren for m in Membership.query(user_id) if m.status == "validated"]

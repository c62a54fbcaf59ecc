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
    return _validated(membership_of(principal.user_id, siren), admin=admin, what=what)


def _validated(membership: Membership | None, *, admin: bool, what: str) -> Membership:
    if membership is None or membership.status != "validated":
        raise NotFound(f"No such {what}")
    if admin and membership.role != "admin":
        raise Forbidden("Only an administrator of the structure can do this")
    return membership


def signed_in(principal: Principal) -> Principal:
    """The principal with its user read: a route that deferred it (``Principal.deferred``) reads it here."""
    from passculture.services.accounts.auth import load_principal

    return load_principal(principal.user_id) if principal.deferred else principal


def signed_in_member(principal: Principal, siren: str, *, what: str = "structure") -> Principal:
    """``require_member`` for a route that deferred its user: the user and its membership in one ``BatchGetItem``.

    Gone or disabled: 401, as on every route; then the same answers as
    ``require_member``. Returns the principal read (the team's roles are its user's).
    """
    if not principal.deferred:
        require_member(principal, siren, what=what)
        return principal
    from passculture.models.base import batch_get
    from passculture.models.users import User
    from passculture.services.accounts.auth import principal_of

    user_id = principal.user_id
    found = batch_get(
        [(User, {"id": {"S": user_id}}), (Membership, {"user_id": {"S": user_id}, "siren": {"S": siren}})]
    )
    users, memberships = found[User], found[Membership]
    principal = principal_of(users[0] if users else None)
    if not principal.is_team:
        _validated(memberships[0] if memberships else None, admin=False, what=what)
    return principal


def member_sirens(user_id: str) -> list[str]:
    """The structures where the user is a validated member."""
    return [m.siren for m in Membership.query(user_id) if m.status == "validated"]

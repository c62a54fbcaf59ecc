"""Validation: the Pass Culture team validates structures, changes rights and grants roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from passculture.web import Auth, Req, RouteSet

if TYPE_CHECKING:
    from passculture.schemas.accounts import MembershipOut, OffererOut, UserOut
    from passculture.schemas.admin import AdminOfferListOut, OffererListOut


def make_blueprint() -> Blueprint:
    routes = RouteSet(__name__)

    @routes.get("/admin/offerers", auth=Auth.TEAM, query="admin:OfferersQuery", response="admin:OffererListOut")
    def offerers_by_status(req: Req) -> OffererListOut:
        """Structures by status, oldest first (``pending`` by default: the validation queue)."""
        from passculture.schemas.admin import OffererListOut
        from passculture.services.accounts.admin import offerers_by_status

        return OffererListOut.of(*offerers_by_status(req.query.status, req.query.limit, req.query.cursor))

    @routes.patch(
        "/admin/offerers/{siren}",
        auth=Auth.TEAM,
        body="admin:OffererStatusIn",
        response="accounts:OffererOut",
        errors=(404, 409),
    )
    def set_offerer_status(req: Req, siren: str) -> OffererOut:
        """Validates (publishes its offers), rejects or deletes (unpublishes, keeps bookings) a structure."""
        from passculture.schemas.accounts import OffererOut
        from passculture.services.accounts.admin import set_offerer_status

        return OffererOut.of(set_offerer_status(siren, req.body.status, req.body.reason, req.principal.user_id))

    @routes.patch(
        "/admin/memberships/{userId}/{siren}",
        auth=Auth.TEAM,
        body="accounts:MembershipPatchIn",
        response="accounts:MembershipOut",
        errors=(404, 409),
    )
    def change_membership(req: Req, userId: str, siren: str) -> MembershipOut:
        """Accepts a member or changes their role after the fact; the last admin stays."""
        from passculture.schemas.accounts import MembershipOut
        from passculture.services.accounts.memberships import change_member

        membership = change_member(req.principal, siren, userId, status=req.body.status, role=req.body.role)
        return MembershipOut.of(membership)

    @routes.get("/admin/users", auth=Auth.TEAM, query="admin:UserQuery", response="accounts:UserOut", errors=(404,))
    def find_user(req: Req) -> UserOut:
        """The user with this email address."""
        from passculture.schemas.accounts import UserOut
        from passculture.services.accounts.admin import find_user

        return UserOut.of(find_user(req.query.email))

    @routes.patch(
        "/admin/users/{userId}", auth=Auth.TEAM, body="admin:RolesIn", response="accounts:UserOut", errors=(404, 409)
    )
    def set_roles(req: Req, userId: str) -> UserOut:
        """Replaces the granted roles (``team``, ``territory:<department>``); pro and young stay."""
        from passculture.schemas.accounts import UserOut
        from passculture.services.accounts.admin import set_granted_roles

        return UserOut.of(set_granted_roles(userId, req.body.roles, req.principal.user_id))

    @routes.get("/admin/offers", auth=Auth.TEAM, query="admin:OffersQuery", response="admin:AdminOfferListOut")
    def offers_by_status(req: Req) -> AdminOfferListOut:
        """Offers by status, oldest first (``pending`` by default: waiting for their structure's validation)."""
        from passculture.schemas.admin import AdminOfferListOut
        from passculture.services.accounts.admin import offers_by_status

        return AdminOfferListOut.of(*offers_by_status(req.query.status, req.query.limit, req.query.cursor))

    return routes.blueprint

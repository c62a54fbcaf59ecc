"""Validation: the Pass Culture team validates structures, changes rights and grants roles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from passculture.web import Auth, Req, RouteSet

if TYPE_CHECKING:
    from passculture.schemas.accounts import MembershipOut, OffererOut, UserOut
    from passculture.schemas.admin import AdminOfferListOut


def make_blueprint() -> Blueprint:
    routes = RouteSet(__name__)

    @routes.get("/admin/offerers", auth=Auth.TEAM, query="admin:OfferersQuery", response="admin:OffererListOut")
    def offerers_by_status(req: Req) -> dict[str, Any]:
        """Structures by status, oldest first (`pending` by default: the validation queue).

        `status` is `pending`, `validated`, `rejected` or `deleted`.
        """
        from passculture.presenters.accounts import offerer_list
        from passculture.services.accounts.admin import offerers_by_status

        # The presenter's body (what OffererListOut validates), without pydantic: a cold read route.
        return offerer_list(*offerers_by_status(req.query.status, req.query.limit, req.query.cursor))

    @routes.patch(
        "/admin/offerers/{siren}",
        auth=Auth.TEAM,
        body="admin:OffererStatusIn",
        response="accounts:OffererOut",
        errors={404: "No such structure", 409: "Its status changed meanwhile: reload it"},
    )
    def set_offerer_status(req: Req, siren: str) -> OffererOut:
        """Validates (publishes its offers), rejects or deletes (unpublishes, keeps bookings) a structure.

        `{"status": "validated" | "rejected" | "deleted", "reason"?}`. Validation
        publishes the offers created while it was pending; rejection and deletion take
        them out of the app and keep bookings, memberships and history. The
        structure's admins are emailed on validation and rejection (with the reason).
        Setting the current status again changes nothing.
        """
        from passculture.schemas.accounts import OffererOut
        from passculture.services.accounts.admin import set_offerer_status

        return OffererOut.of(set_offerer_status(siren, req.body.status, req.body.reason, req.principal.user_id))

    @routes.patch(
        "/admin/memberships/{userId}/{siren}",
        auth=Auth.TEAM,
        body="accounts:MembershipPatchIn",
        response="accounts:MembershipOut",
        errors={404: "No such structure or member", 409: "The last admin cannot be demoted"},
    )
    def change_membership(req: Req, userId: str, siren: str) -> MembershipOut:
        """Accepts a member or changes their role after the fact; the last admin stays.

        The body of `PATCH /offerers/{siren}/members/{userId}`, for any structure.
        """
        from passculture.schemas.accounts import MembershipOut
        from passculture.services.accounts.memberships import change_member

        membership = change_member(req.principal, siren, userId, status=req.body.status, role=req.body.role)
        return MembershipOut.of(membership)

    @routes.get(
        "/admin/users",
        auth=Auth.TEAM,
        query="admin:UserQuery",
        response="accounts:UserOut",
        errors={404: "No user with this email address"},
    )
    def find_user(req: Req) -> UserOut:
        """The user with this email address.

        How the team finds a user's id for the routes that take one.
        """
        from passculture.schemas.accounts import UserOut
        from passculture.services.accounts.admin import find_user

        return UserOut.of(find_user(req.query.email))

    @routes.patch(
        "/admin/users/{userId}",
        auth=Auth.TEAM,
        body="admin:RolesIn",
        response="accounts:UserOut",
        errors={404: "No such user", 409: "One's own `team` role cannot be removed"},
    )
    def set_roles(req: Req, userId: str) -> UserOut:
        """Replaces the granted roles (`team`, `territory:<department>`); pro and young stay.

        Being a pro or a young user is not a granted role (400). A team member cannot
        remove their own `team` role (409); another team member can.
        """
        from passculture.schemas.accounts import UserOut
        from passculture.services.accounts.admin import set_granted_roles

        return UserOut.of(set_granted_roles(userId, req.body.roles, req.principal.user_id))

    @routes.get("/admin/offers", auth=Auth.TEAM, query="admin:OffersQuery", response="admin:AdminOfferListOut")
    def offers_by_status(req: Req) -> AdminOfferListOut:
        """Offers by status, oldest first (`pending` by default: waiting for their structure's validation).

        Each with its structure's name and status.
        """
        from passculture.schemas.admin import AdminOfferListOut
        from passculture.services.accounts.admin import offers_by_status

        return AdminOfferListOut.of(*offers_by_status(req.query.status, req.query.limit, req.query.cursor))

    return routes.blueprint

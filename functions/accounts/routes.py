"""Accounts: signup, signin, email confirmation, the current user, structures and their members."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from passculture.web import Auth, Req, RouteSet

if TYPE_CHECKING:
    from passculture.schemas.accounts import (
        AttachOffererOut,
        CurrentUserOut,
        MembershipOut,
        OffererDetailOut,
        OffererPage,
        ProSignupOut,
        SigninOut,
        YoungSignupOut,
    )


def make_blueprint() -> Blueprint:
    routes = RouteSet(__name__)

    @routes.get("/openapi.json", auth=Auth.PUBLIC, response=dict)
    def openapi(req: Req) -> dict:
        """The OpenAPI 3 description of the whole API."""
        from passculture.web.openapi import load_document

        return load_document()

    # -- users -------------------------------------------------------------------

    @routes.post(
        "/users/signup/pro",
        auth=Auth.PUBLIC,
        body="accounts:ProSignupIn",
        response="accounts:ProSignupOut",
        status=201,
        errors=(409, 429),
    )
    def signup_pro(req: Req) -> ProSignupOut:
        """Signs a pro up: admin of a new structure, or pending editor of a known SIREN."""
        from passculture.schemas.accounts import ProSignupOut
        from passculture.services.accounts.signup import signup_pro

        body = req.body
        signup = signup_pro(
            body.email,
            body.password,
            body.siren,
            name=body.name,
            first_name=body.first_name,
            last_name=body.last_name,
            phone=body.phone,
            source_ip=req.source_ip,
        )
        return ProSignupOut.of(signup)

    @routes.post(
        "/users/signup",
        auth=Auth.PUBLIC,
        body="accounts:YoungSignupIn",
        response="accounts:YoungSignupOut",
        status=201,
        errors=(409, 429),
    )
    def signup_young(req: Req) -> YoungSignupOut:
        """Signs a young user up; the national credit comes with the email confirmation."""
        from passculture.schemas.accounts import YoungSignupOut
        from passculture.services.accounts.signup import signup_young

        body = req.body
        user = signup_young(
            body.email,
            body.password,
            body.public_name,
            body.date_of_birth.isoformat(),
            body.department_code,
            source_ip=req.source_ip,
        )
        return YoungSignupOut.of(user)

    @routes.post(
        "/users/signin", auth=Auth.PUBLIC, body="accounts:SigninIn", response="accounts:SigninOut", errors=(401, 429)
    )
    def signin(req: Req) -> SigninOut:
        """An access token for an email and password (pro and young users alike)."""
        from passculture.schemas.accounts import SigninOut
        from passculture.services.accounts.signin import signin

        return SigninOut.of(signin(req.body.email, req.body.password, req.source_ip))

    @routes.get("/users/current", response="accounts:CurrentUserOut")
    def current_user(req: Req) -> CurrentUserOut:
        """The signed-in user: roles, memberships, email confirmation, credits of a young user."""
        from passculture.schemas.accounts import CurrentUserOut
        from passculture.services.accounts.signup import current_user

        return CurrentUserOut.of(current_user(req.principal.user))

    @routes.patch("/users/validate/{token}", auth=Auth.PUBLIC, response="accounts:CurrentUserOut", errors=(404, 410))
    def validate_email(req: Req, token: str) -> CurrentUserOut:
        """Confirms an email address with the token of the confirmation link (once, before it expires)."""
        from passculture.schemas.accounts import CurrentUserOut
        from passculture.services.accounts.signup import confirm_email

        return CurrentUserOut.of(confirm_email(token))

    @routes.post("/users/current/confirmation", status=204, errors=(409, 429))
    def resend_confirmation(req: Req) -> None:
        """Sends a new email-confirmation link to the signed-in user."""
        from passculture.services.accounts.signup import resend_confirmation

        resend_confirmation(req.principal.user)

    # -- structures ----------------------------------------------------------------

    @routes.post(
        "/offerers", body="accounts:OffererIn", response="accounts:AttachOffererOut", status=201, errors=(403, 409)
    )
    def attach_offerer(req: Req) -> AttachOffererOut:
        """Attaches one more structure to my account: admin if the SIREN is new, pending editor otherwise."""
        from passculture.schemas.accounts import AttachOffererOut
        from passculture.services.accounts.offerers import attach

        return AttachOffererOut.of(attach(req.principal, req.body.siren, req.body.name))

    @routes.get("/offerers", query="base:PageQuery", response="accounts:OffererPage")
    def my_offerers(req: Req) -> OffererPage:
        """My structures, each with my membership (pending ones included)."""
        from passculture.schemas.accounts import OffererPage
        from passculture.services.accounts.offerers import my_offerers

        return OffererPage.of(*my_offerers(req.principal.user_id, req.query.limit, req.query.cursor))

    @routes.get("/offerers/{siren}", response="accounts:OffererDetailOut", errors=(404,))
    def offerer_detail(req: Req, siren: str) -> OffererDetailOut:
        """One of my structures with its status, venues and members."""
        from passculture.schemas.accounts import OffererDetailOut
        from passculture.services.accounts.offerers import offerer_detail

        return OffererDetailOut.of(offerer_detail(req.principal, siren))

    @routes.patch(
        "/offerers/{siren}/members/{userId}",
        body="accounts:MembershipPatchIn",
        response="accounts:MembershipOut",
        errors=(403, 404, 409),
    )
    def change_member(req: Req, siren: str, userId: str) -> MembershipOut:
        """Accepts a pending member or changes a role (structure admin or team); the last admin stays."""
        from passculture.schemas.accounts import MembershipOut
        from passculture.services.accounts.memberships import change_member

        membership = change_member(req.principal, siren, userId, status=req.body.status, role=req.body.role)
        return MembershipOut.of(membership)

    @routes.delete("/offerers/{siren}/members/{userId}", status=204, errors=(403, 404, 409))
    def remove_member(req: Req, siren: str, userId: str) -> None:
        """Removes a member (structure admin or team), or lets a member leave; never the last admin."""
        from passculture.services.accounts.memberships import remove_member

        remove_member(req.principal, siren, userId)

    return routes.blueprint

"""Accounts: signup, signin, email confirmation, the current user, structures and their members.

Also the API's own description: ``/openapi.json`` and its rendering at ``/docs``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from passculture.errors import NotFound
from passculture.web import Auth, Reply, Req, RouteSet

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


CLOSED = "the structure cannot be joined (rejected or deleted)"
NOT_MINE = "No such structure, or not one of mine"
NO_MEMBER = "No such structure or member, or not one of mine"
ADMIN_ONLY = "Only an admin of the structure (or the team) may do this"
SIGNIN_LIMITED = "Too many wrong passwords for this email from this address, or from this address"
SIGNUP_LIMITED = "Too many signups from this address lately (`Retry-After` says when to try again)"


def make_blueprint() -> Blueprint:
    routes = RouteSet(__name__)

    @routes.get("/openapi.json", auth=Auth.PUBLIC, response=dict)
    def openapi(req: Req) -> dict:
        """This document: the OpenAPI 3.1 description of the whole API.

        Generated from the routes and their schemas when the code is built, the
        same for every function; `GET /docs` renders it.
        """
        from passculture.web.openapi import load_document

        return load_document()

    @routes.get(
        "/docs", auth=Auth.PUBLIC, response=str, produces=("text/html",), errors={404: "Swagger UI's files are missing"}
    )
    def reference_page(req: Req) -> Reply:
        """The API reference: this document rendered by Swagger UI (HTML).

        Served from this origin with Swagger UI's files, under a
        Content-Security-Policy that names nothing else (no CDN). "Try it out"
        calls the server the page came from. `/docs/` redirects here (308).
        """
        from passculture.web.reference import SITE

        try:
            return SITE.page_reply(req)
        except FileNotFoundError as exc:  # a repository without `npm ci`; make package ships the files
            raise NotFound(str(exc)) from exc

    @routes.get(
        "/docs/{asset}",
        auth=Auth.PUBLIC,
        response=str,
        produces=("text/css", "text/javascript"),
        errors={404: "No such file"},
    )
    def reference_asset(req: Req, asset: str) -> Reply:
        """A file of the API reference: Swagger UI's stylesheet and script, and the page's own script.

        Asked for with the content hash the page gives (`?v=`), a file is cached
        for a year; without it, it is revalidated (`ETag`). Any other name is a 404.
        """
        from passculture.web.reference import SITE

        try:
            return SITE.asset_reply(req, asset)
        except FileNotFoundError as exc:
            raise NotFound(str(exc), field="asset") from exc

    # -- users -------------------------------------------------------------------

    @routes.post(
        "/users/signup/pro",
        auth=Auth.PUBLIC,
        body="accounts:ProSignupIn",
        response="accounts:ProSignupOut",
        status=201,
        errors={409: f"The email address is already used, or {CLOSED}", 429: SIGNUP_LIMITED},
    )
    def signup_pro(req: Req) -> ProSignupOut:
        """Signs a pro up: admin of a new structure, or pending editor of a known SIREN.

        A SIREN nobody has signed up with yet creates the structure (`pending` until
        the team validates it, with its virtual venue for digital offers) and makes
        this user its admin; the team is emailed. A known SIREN makes this user a
        `pending` editor until an admin of the structure (or the team) accepts them.
        The user gets an email with the confirmation link (`/validate/<token>`) and
        can sign in at once. The SIREN's name and address come from the company
        directory when it is enabled and answers.
        """
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
        errors={409: "The email address is already used", 429: SIGNUP_LIMITED},
    )
    def signup_young(req: Req) -> YoungSignupOut:
        """Signs a young user up; the national credit comes with the email confirmation.

        The user gets an email with the confirmation link (`/validate/<token>`) and
        can sign in at once, but books only once the address is confirmed. Whoever is
        18 on the day of the confirmation (UTC) gets the national credit then.
        """
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
        "/users/signin",
        auth=Auth.PUBLIC,
        body="accounts:SigninIn",
        response="accounts:SigninOut",
        errors={401: "Wrong email or password (one answer for both)", 429: SIGNIN_LIMITED},
    )
    def signin(req: Req) -> SigninOut:
        """An access token for an email and password (pro and young users alike).

        An unknown email and a wrong password get the same 401. Attempts are limited
        per email and failures per source address (429 with `Retry-After`); a success
        forgets the email's count.
        """
        from passculture.schemas.accounts import SigninOut
        from passculture.services.accounts.signin import signin

        return SigninOut.of(signin(req.body.email, req.body.password, req.source_ip))

    @routes.get("/users/current", response="accounts:CurrentUserOut")
    def current_user(req: Req) -> dict[str, Any]:
        """The signed-in user: roles, memberships, email confirmation, credits of a young user.

        A pro sees each structure they belong to with their role and the
        membership's status; a young user sees each credit with its label, balance
        and caps.
        """
        from passculture.presenters import accounts as present
        from passculture.services.accounts.signup import current_user

        # The presenter's body (what CurrentUserOut validates), without pydantic: a cold read route.
        return present.current_user(current_user(req.principal.user))

    @routes.patch(
        "/users/validate/{token}",
        auth=Auth.PUBLIC,
        response="accounts:CurrentUserOut",
        errors={404: "Not the token of a confirmation link", 410: "The link was already used, or has expired"},
    )
    def validate_email(req: Req, token: str) -> CurrentUserOut:
        """Confirms an email address with the token of the confirmation link (once, before it expires).

        The link's lifetime is 72 hours by default. Confirming grants the national
        credit to a young user who is 18 that day.
        """
        from passculture.schemas.accounts import CurrentUserOut
        from passculture.services.accounts.signup import confirm_email

        return CurrentUserOut.of(confirm_email(token))

    @routes.post(
        "/users/current/confirmation",
        status=204,
        errors={409: "The email address is already confirmed", 429: "Too many links asked for lately"},
    )
    def resend_confirmation(req: Req) -> None:
        """Sends a new email-confirmation link to the signed-in user.

        Earlier links keep working until they expire. A few requests per window only
        (429 with `Retry-After`).
        """
        from passculture.services.accounts.signup import resend_confirmation

        resend_confirmation(req.principal.user)

    # -- structures ----------------------------------------------------------------

    @routes.post(
        "/offerers",
        body="accounts:OffererIn",
        response="accounts:AttachOffererOut",
        status=201,
        errors={403: "Not a pro account", 409: f"Already a member of this structure, or {CLOSED}"},
    )
    def attach_offerer(req: Req) -> AttachOffererOut:
        """Attaches one more structure to my account: admin if the SIREN is new, pending editor otherwise.

        The same rule as the pro signup: a new SIREN is created `pending` with this
        user as its admin; a known one makes them a `pending` editor. Pro accounts
        only (403).
        """
        from passculture.schemas.accounts import AttachOffererOut
        from passculture.services.accounts.offerers import attach

        return AttachOffererOut.of(attach(req.principal, req.body.siren, req.body.name))

    @routes.get("/offerers", query="base:PageQuery", response="accounts:OffererPage")
    def my_offerers(req: Req) -> OffererPage:
        """My structures, each with my membership (pending ones included).

        A page of structures with their status and my role and membership status.
        """
        from passculture.schemas.accounts import OffererPage
        from passculture.services.accounts.offerers import my_offerers

        return OffererPage.of(*my_offerers(req.principal.user_id, req.query.limit, req.query.cursor))

    @routes.get("/offerers/{siren}", response="accounts:OffererDetailOut", errors={404: NOT_MINE})
    def offerer_detail(req: Req, siren: str) -> OffererDetailOut:
        """One of my structures with its status, venues and members.

        Its validated members and the team see it; anyone else, a pending member
        included, gets the 404 of an unknown SIREN.
        """
        from passculture.schemas.accounts import OffererDetailOut
        from passculture.services.accounts.offerers import offerer_detail

        return OffererDetailOut.of(offerer_detail(req.principal, siren))

    @routes.patch(
        "/offerers/{siren}/members/{userId}",
        body="accounts:MembershipPatchIn",
        response="accounts:MembershipOut",
        errors={403: ADMIN_ONLY, 404: NO_MEMBER, 409: "The last admin cannot be demoted"},
    )
    def change_member(req: Req, siren: str, userId: str) -> MembershipOut:
        """Accepts a pending member or changes a role (structure admin or team); the last admin stays.

        `{"status": "validated"}` accepts a pending member, `{"role": "admin"}` or
        `{"role": "editor"}` changes a role; the accepted member is emailed.
        An editor gets 403; demoting the last admin is a 409.
        """
        from passculture.schemas.accounts import MembershipOut
        from passculture.services.accounts.memberships import change_member

        membership = change_member(req.principal, siren, userId, status=req.body.status, role=req.body.role)
        return MembershipOut.of(membership)

    @routes.delete(
        "/offerers/{siren}/members/{userId}",
        status=204,
        errors={403: ADMIN_ONLY, 404: NO_MEMBER, 409: "The last admin cannot be removed"},
    )
    def remove_member(req: Req, siren: str, userId: str) -> None:
        """Removes a member (structure admin or team), or lets a member leave; never the last admin.

        An admin removes any member, and any member may remove themselves (an
        editor removing someone else gets 403). Removing the last admin is a 409.
        """
        from passculture.services.accounts.memberships import remove_member

        remove_member(req.principal, siren, userId)

    return routes.blueprint

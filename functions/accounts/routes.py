"""Accounts: signup, signin, email confirmation, the current user, memberships."""

from __future__ import annotations

from chalice import Blueprint

from passculture.web import Auth, Req, RouteSet


def make_blueprint() -> Blueprint:
    routes = RouteSet(__name__)

    @routes.get("/openapi.json", auth=Auth.PUBLIC, response=dict)
    def openapi(req: Req) -> dict:
        """The OpenAPI 3 description of the whole API."""
        from passculture.web.openapi import load_document

        return load_document()

    @routes.get("/users/current")
    def current_user(req: Req) -> dict:
        """The signed-in user, their roles and email confirmation state."""
        from passculture.services.users import describe_user

        return describe_user(req.principal.user)

    return routes.blueprint

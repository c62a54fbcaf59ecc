"""The validation function's routes."""

from __future__ import annotations

from chalice import Blueprint

from passculture.web import RouteSet


def make_blueprint() -> Blueprint:
    routes = RouteSet(__name__)
    return routes.blueprint

"""Routers whose ``GET`` routes answer ``HEAD`` too, as HTTP has it.

A server answers ``HEAD`` wherever it answers ``GET``, with the same status and headers
and no body (RFC 9110, 9.3.2): ``curl -I``, link checkers and caches revalidating ask
that way. Starlette's own routes do (a ``GET`` route takes ``HEAD``: the public site's);
FastAPI's do not, and answered ``405``. ``Router`` registers, right after each route
that takes ``GET`` and not ``HEAD``, a ``HEAD`` route of the same endpoint with the same
settings (so that it is matched in the same order: ``HEAD /v1/items/{id}/versions``
before ``/v1/items/{id}``, whose path would take it too). It is left out of the OpenAPI
document, where ``HEAD`` goes without saying beside ``GET`` (the document's description
says so), and a ``405``'s ``Allow`` names it beside ``GET`` (``problems.allowed``).

The endpoint runs as for a ``GET`` and sees ``request.method == "HEAD"``: what counts a
delivery counts none then. The body is not sent: uvicorn drops it for a ``HEAD``, and
newswire's own streaming answers (files, event streams) send none.

Shared by the API and the web's faces (which may not import the API).

``Router`` also says at once when a path cannot be one of its routes' (``matches``):
FastAPI looks for a request's route by trying every route of every included router in
turn, a few microseconds each; with a hundred routes a request to the last router paid
over 100 µs before its endpoint ran. A path that none of the router's routes' path
patterns matches is no match, found by one match of their union.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope

TEMPLATE = "newswire.route"
"""The scope key under which a plain Starlette route (the public site's pages) names its
path template, as ``scope["route"]`` names a FastAPI route: FastAPI rebuilds plain routes
when including their router and names none of them. ``/metrics`` counts requests by it."""

_GROUP = re.compile(r"\(\?P<\w+>")
"""A named group of a route's path pattern: unnamed in the union, where names repeat."""


class Router(APIRouter):
    """An ``APIRouter`` whose ``GET`` routes answer ``HEAD`` as well, and which tells at
    once a path none of its routes takes (``matches``)."""

    _paths: tuple[int, re.Pattern[str] | None] = (-1, None)
    """(how many routes it was made of, one pattern matching any of their paths; None
    when a route has no path pattern, a mount or a host: no shortcut then)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        count, paths = self._paths
        if count != len(self.routes):
            patterns = [getattr(route, "path_regex", None) for route in self.routes]
            paths = None
            if patterns and all(isinstance(p, re.Pattern) for p in patterns):
                paths = re.compile("|".join(
                    f"(?:{_GROUP.sub('(?:', p.pattern)})" for p in patterns  # type: ignore[union-attr]
                ))
            self._paths = count, paths = len(self.routes), paths
        if (
            paths is not None
            and scope.get("type") in ("http", "websocket")
            and paths.match(get_route_path(scope)) is None
        ):
            return Match.NONE, {}
        return super().matches(scope)

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().add_api_route(path, endpoint, **kwargs)
        methods = {method.upper() for method in kwargs.get("methods") or ("GET",)}
        if "GET" in methods and "HEAD" not in methods:
            head = {**kwargs, "methods": ["HEAD"], "include_in_schema": False}
            super().add_api_route(path, endpoint, **head)

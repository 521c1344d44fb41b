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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter


class Router(APIRouter):
    """An ``APIRouter`` whose ``GET`` routes answer ``HEAD`` as well."""

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().add_api_route(path, endpoint, **kwargs)
        methods = {method.upper() for method in kwargs.get("methods") or ("GET",)}
        if "GET" in methods and "HEAD" not in methods:
            head = {**kwargs, "methods": ["HEAD"], "include_in_schema": False}
            super().add_api_route(path, endpoint, **head)

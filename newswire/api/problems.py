"""Errors as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import fastapi.routing
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute

from newswire.errors import BadInput, NewswireError, retry_headers

PROBLEM = "application/problem+json"


_PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "field": {"type": "string", "description": "The input field at fault, when known."},
    },
    "required": ["type", "title", "status", "detail"],
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the problem statuses a route can answer with, with the
    headers that come with them (``_HEADERS``: ``from_error`` sets them on every one)."""
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {PROBLEM: {"schema": _PROBLEM_SCHEMA}},
            **({"headers": _HEADERS[status]} if status in _HEADERS else {}),
        }
        for status in statuses
    }


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "How to authenticate: `Bearer realm=\"newswire\"`",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    429: _RETRY_AFTER,
    503: _RETRY_AFTER,
}
"""The headers a client relies on beside a problem's status, declared in the OpenAPI."""


_DESCRIPTIONS = {
    400: "Bad request: a parameter is invalid (the problem names it)",
    401: "No API key, or an unknown or revoked one",
    403: "The key may not do this (scope), or its subscriber is suspended",
    409: "Conflicts with what is stored",
    429: "Over the rate limit; Retry-After says when to try again",
    404: "No such item or version",
    406: "None of the Accept media types can be rendered",
    410: "An earlier version of an item since withdrawn: only its withdrawal is delivered",
    412: "If-Match names no entity tag of what is stored now: it changed since it was read",
    413: "The body is over the size limit",
    415: "The body's format is not one newswire reads",
    416: "The range asked for is past the end of the file",
    422: "Of the declared form, but refused for what it says (the problem names the field):"
    " an item the parser refuses, a name that refers to nothing stored, a rule across fields",
    503: "The database is busy (or the bus, the search index); Retry-After says when to try again",
}


def problem(status: int, title: str, detail: str, **extra: object) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def over_maximum(name: str, given: object, maximum: object) -> str:
    """What an answer says of a parameter it clamped (``limit_clamped`` and the
    ``X-Newswire-Clamped`` header): one sentence for the feed, search and webhooks."""
    return f"{name} {given} is over the maximum: {maximum} used"


def unexpected() -> JSONResponse:
    """The problem response of an error newswire did not foresee (logged by the server)."""
    return problem(500, "Internal error", "an unexpected error; it has been logged")


def from_error(exc: NewswireError, **extra: object) -> JSONResponse:
    """The problem response of one of newswire's own errors (with its headers): a 429 or
    a 503 says in ``Retry-After`` when to try again, a 401 how to authenticate. ``extra``:
    members of the body beside the problem's (``/ready`` says what it found)."""
    body = {**exc.problem(), **extra}
    response = JSONResponse(body, status_code=exc.status, media_type=PROBLEM)
    response.headers.update(retry_headers(exc))
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="newswire"'
    return response


def install(app: FastAPI) -> None:
    @app.exception_handler(NewswireError)
    async def newswire_error(request: Request, exc: NewswireError) -> JSONResponse:
        return from_error(exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        # The same problem as newswire's own checks of a parameter (a cursor, a format):
        # one ``type`` and ``title`` for every 400 a client's input causes.
        errors = exc.errors()
        first = errors[0] if errors else {}
        field = ".".join(str(p) for p in first.get("loc", ())[1:]) or None
        said = BadInput(first.get("msg", "invalid") if field else "invalid request", field=field)
        body = said.problem()
        body["errors"] = [
            {"field": ".".join(map(str, e.get("loc", ())[1:])), "reason": e.get("msg", "")}
            for e in errors
        ]
        return JSONResponse(body, status_code=400, media_type=PROBLEM)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        # Still logged by the server; the client gets a problem body, not a bare page.
        return unexpected()

    app.add_exception_handler(HTTPException, http_error)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own errors (no such route, method not allowed) as problems."""
    # Registered for HTTPException only; Starlette's handler type takes any Exception.
    assert isinstance(exc, HTTPException)
    titles = {404: "Not found", 405: "Method not allowed"}
    response = problem(exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    if exc.status_code == 405 and (methods := allowed(request)):
        response.headers["Allow"] = methods  # else Starlette's, of the route it matched
    return response


def allowed(request: Request) -> str:
    """The ``Allow`` header of a 405: every method of the path that was asked for.

    Starlette names only the methods of the first route whose path matched, and a path
    has one route per method here (``GET`` and ``POST /v1/webhooks``): the methods of
    every route with that route's path template are gathered instead, included routers'
    too (``_every_route``). "" when the route has no template to go by (a plain
    Starlette route, as the public site's are: Starlette's own header names its methods)."""
    matched = request.scope.get("route")
    template = getattr(matched, "path", None)
    methods: set[str] = set()
    for route in _every_route(request.app.router.routes):
        if getattr(route, "path", None) == template:
            methods.update(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def _every_route(routes: Sequence[BaseRoute]) -> Iterable[Any]:
    """Every route of a router, with its path and methods. FastAPI 0.165 keeps each
    included router as one entry of ``routes`` (whose routes are then in no list:
    ``Allow`` came out empty) and names them with ``iter_route_contexts``; before, the
    included routes were in ``routes`` themselves."""
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    return routes if contexts is None else contexts(routes)

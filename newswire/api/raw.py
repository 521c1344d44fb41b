"""Answering a request ahead of FastAPI's layers: the pieces the fast paths share.

The hottest routes (``/v1/feed``, ``/v1/items/{id}``, ``/v1/stream``, and ``POST
/v1/items`` for an editor's system publishing one item after another) are served as bare
ASGI by ``NewswireApp`` before FastAPI routes the request, with the same checks and
problem bodies as their documented routes (which stay, for OpenAPI and for every request
a fast path hands over). A fast path takes only requests whose parameters are plainly
valid; anything unusual goes to the documented route, so every error is answered by one
code path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from newswire import logs
from newswire.access.auth import Principal
from newswire.api import auth, problems
from newswire.delivery.waiters import content_type
from newswire.errors import NewswireError
from newswire.logs import REQUEST_ID

R = TypeVar("R", bound=Response)

Headers = list[tuple[bytes, bytes]]
"""Response headers as the server sends them: lower-case names, Latin-1 bytes."""

Answer = tuple[int, Headers, bytes, str]
"""(status, headers, body, media type) of a fast path's answer."""

WANTED = frozenset((b"authorization", b"if-none-match", b"accept", b"last-event-id"))
"""The request headers a fast path reads."""


def query(scope: Scope) -> dict[str, str] | None:
    """The query's parameters, or None when one is given twice (the documented route
    decides what that means). A query with no escapes (``%``, ``+``), as clients send
    the feed's cursors and limits, is split on ``&`` and ``=`` (what ``parse_qsl`` would
    give, at a fraction of its cost); any other is parsed by ``parse_qsl``."""
    return query_of(scope.get("query_string", b""))


def query_of(raw_query: bytes) -> dict[str, str] | None:
    """``query`` of a query string as it came (``?`` excluded)."""
    text = raw_query.decode("latin-1")
    if not text:
        return {}
    if "%" in text or "+" in text:
        pairs = parse_qsl(text, keep_blank_values=True)
    else:
        pairs = [(name, value) for name, _, value in (p.partition("=") for p in text.split("&") if p)]
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            return None
        params[name] = value
    return params


def headers(scope: Scope) -> dict[bytes, str]:
    """The request headers a fast path reads, decoded (HTTP header values are Latin-1)."""
    return headers_of(scope["headers"])


def headers_of(pairs: Iterable[tuple[bytes, bytes]]) -> dict[bytes, str]:
    """``headers`` of a request's header list."""
    return {name: value.decode("latin-1") for name, value in pairs if name in WANTED}


def encoded(pairs: Iterable[tuple[str, str]]) -> Headers:
    """``(name, value)`` strings as the server sends them (once per answer kept, not per
    request: see the fast paths' header caches)."""
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in pairs]


def decoded(headers: Headers) -> dict[str, str]:
    """``headers`` for a Starlette ``Response`` (the documented routes)."""
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in headers}


def base_of(state: State, scope: Scope) -> str:
    """The server's URL for links: the ``base_url`` setting, else the request's own."""
    base: str = state.settings.base_url
    if base:
        return base.rstrip("/") + "/"
    return str(Request(scope).base_url).rstrip("/") + "/"


def tagged(response: R) -> R:
    """``response`` with the request's ``X-Request-Id`` (a fast path's own answers:
    ``NewswireApp`` tags only those of the documented routes)."""
    if (rid := REQUEST_ID.get()) is not None:
        response.raw_headers.append((logs.HEADER, rid.encode("ascii")))
    return response


async def send_response(send: Send, status: int, headers: Headers, body: bytes, media_type: str) -> None:
    """A whole response: ``headers`` as given (encoded once, kept with what they
    describe), the request id, and unless it is a 304 (no body), its type and length."""
    raw = headers.copy()
    if (rid := REQUEST_ID.get()) is not None:
        raw.append((logs.HEADER, rid.encode("ascii")))
    if status != 304:
        raw.append((b"content-type", content_type(media_type)))
        raw.append((b"content-length", b"%d" % len(body)))
    else:
        body = b""
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def answer_now(
    state: State,
    wanted: dict[bytes, str],
    answer: Callable[[Principal], Answer | None],
) -> Answer | None:
    """A read-scope fast path answered from memory, without waiting for anything (see
    ``newswire.api.protocol``): a caller this process knows, with a token of its rate
    limit in memory, and ``answer(principal)`` found without I/O. None — and nothing
    spent — for anything else (the caller unknown or refused, no token at hand, an
    answer to read or build): the request then goes the ASGI way, which says why."""
    limiter = state.limiter
    try:
        principal = state.principals.cached(wanted.get(b"authorization"))
        if principal is None:
            return None
        principal.require("read")
        who, per_minute = auth.limit_of(principal)
        if not limiter.spend(who, per_minute, answered=False):
            return None
    except NewswireError:
        return None
    try:
        found = answer(principal)
    except NewswireError:
        found = None
    if found is None:
        limiter.refund(who)
    return found


async def answer_reader(
    app: Starlette,
    scope: Scope,
    receive: Receive,
    send: Send,
    answer: Callable[[Principal, dict[bytes, str]], Awaitable[Answer]],
) -> bool:
    """A read-scope fast path: identify the caller (from memory, within its rate limit),
    ``answer(principal, headers)``, send it; a refusal is sent as its problem body, as the
    documented route would. True: answered."""
    wanted = headers(scope)
    try:
        principal = await auth.identify(app.state, wanted.get(b"authorization"))
        principal.require("read")
        status, out, body, media_type = await answer(principal, wanted)
    except NewswireError as exc:
        await tagged(problems.from_error(exc))(scope, receive, send)
        return True
    await send_response(send, status, out, body, media_type)
    return True

"""Who is calling: ``Authorization: Bearer <key>`` on every ``/v1`` route, and rate limits.

Routes declare what they need with ``Depends(require("read"))`` (or ``publish``,
``admin``); the dependency answers 401/403 with a problem body, or 429 with
``Retry-After`` when the caller is over its rate limit (``newswire.access.limits``: one
bucket per subscriber, shared by every process). Keys are resolved from memory
(``newswire.access.principals``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State

from newswire.access.auth import Principal
from newswire.access.principals import Principals
from newswire.access.subscribers import DEFAULT_RATE_LIMIT

AGENCY_RATE_LIMIT = 100 * DEFAULT_RATE_LIMIT
"""Requests a minute for the agency's own (publish, admin) keys, each."""


def limit_of(principal: Principal) -> tuple[str, int]:
    """Whose bucket a request takes a token from, and its allowance a minute."""
    if principal.subscriber is not None:
        return f"subscriber {principal.subscriber.name}", principal.subscriber.rate_limit
    return f"key {principal.key.id}", AGENCY_RATE_LIMIT


async def identify(state: State, authorization: str | None) -> Principal:
    """The principal of an ``Authorization`` header, within its rate limit (401, 403 and
    429 as problems otherwise). Keys and tokens come from memory; the store is read only
    for a key this process has not seen, and to lease tokens (in a worker thread)."""
    principals: Principals = state.principals
    principal = principals.cached(authorization)
    if principal is None:
        principal = await run_in_threadpool(principals.load, authorization)
    who, per_minute = limit_of(principal)
    if not state.limiter.spend(who, per_minute):
        await run_in_threadpool(state.limiter.lease, who, per_minute)
    return principal


async def identify_again(state: State, authorization: str | None, scope: str) -> Principal:
    """The principal of an ``Authorization`` header as a request made now would find it,
    for a request that waited while access changed (``Hub.access_generation`` moved: the
    principals this process kept were dropped): refused as a new request would be (401
    for a key revoked, 403 for a subscriber suspended), else its principal now. No token
    of the rate limit is spent: the request took one when it came. Requests asking for
    the same header at once (the long polls of one key, woken together by the change)
    share one reading of the store."""
    principals: Principals = state.principals
    principal = principals.cached(authorization)
    if principal is None:
        loading: dict[str | None, asyncio.Future[Principal]] = state.identifying
        pending = loading.get(authorization)
        if pending is None:
            pending = asyncio.ensure_future(run_in_threadpool(principals.load, authorization))
            loading[authorization] = pending

            def done(future: asyncio.Future[Principal]) -> None:
                loading.pop(authorization, None)
                if not future.cancelled():
                    future.exception()  # retrieved: no warning when every asker went

            pending.add_done_callback(done)
        principal = await asyncio.shield(pending)
    principal.require(scope)
    return principal


# Declares the scheme in OpenAPI (so /docs has an "Authorize" button); the header itself
# is checked by ``identify``, which gives problem bodies rather than FastAPI's errors.
BEARER = HTTPBearer(
    scheme_name="bearer",
    description="An API key: `Authorization: Bearer nw_<id>_<secret>`.",
    auto_error=False,
)


def require(scope: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency giving the caller's ``Principal`` if its key has ``scope``."""

    async def dependency(
        request: Request, _: HTTPAuthorizationCredentials | None = Depends(BEARER)
    ) -> Principal:
        principal = await identify(request.app.state, request.headers.get("authorization"))
        principal.require(scope)
        return principal

    dependency.__name__ = f"require_{scope}"
    return dependency


read = require("read")
publish = require("publish")
admin = require("admin")

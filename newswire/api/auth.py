"""Who is calling: ``Authorization: Bearer <key>`` on every ``/v1`` route, and rate limits.

Routes declare what they need with ``Depends(require("read"))`` (or ``publish``,
``admin``); the dependency answers 401/403 with a problem body, or 429 with
``Retry-After`` when the caller is over its rate limit.
"""

from __future__ import annotations

import math
import threading
import time

from fastapi import Depends, Request, WebSocket
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from newswire.access.auth import Principal, authenticate, bearer
from newswire.access.subscribers import DEFAULT_RATE_LIMIT
from newswire.errors import TooManyRequests

AGENCY_RATE_LIMIT = 100 * DEFAULT_RATE_LIMIT
"""Requests a minute for the agency's own (publish, admin) keys, each."""


class RateLimiter:
    """A token bucket per subscriber (its keys share it) or per agency key.

    Each bucket holds a minute's allowance and refills continuously; a request takes one
    token. In memory, per process: a limit is enforced per node.
    """

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, who: str, per_minute: int, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        rate = per_minute / 60.0
        with self._lock:
            tokens, at = self._buckets.get(who, (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - at) * rate)
            if tokens < 1.0:
                self._buckets[who] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / rate)
                raise TooManyRequests(
                    f"{who} is over its limit of {per_minute} requests a minute;"
                    f" try again in {wait} s",
                    retry_after=wait,
                    field="Authorization",
                )
            self._buckets[who] = (tokens - 1.0, now)


def _limit(request: Request | WebSocket, principal: Principal) -> None:
    if principal.subscriber is not None:
        who, per_minute = f"subscriber {principal.subscriber.name}", principal.subscriber.rate_limit
    else:
        who, per_minute = f"key {principal.key.id}", AGENCY_RATE_LIMIT
    request.app.state.limiter.take(who, per_minute)


def identify(request: Request | WebSocket, authorization: str | None = None) -> Principal:
    header = authorization if authorization is not None else request.headers.get("authorization")
    principal = authenticate(request.app.state.store.access, bearer(header))
    _limit(request, principal)
    return principal


# Declares the scheme in OpenAPI (so /docs has an "Authorize" button); the header itself
# is checked by ``identify``, which gives problem bodies rather than FastAPI's errors.
BEARER = HTTPBearer(
    scheme_name="bearer",
    description="An API key: `Authorization: Bearer nw_<id>_<secret>`.",
    auto_error=False,
)


def require(scope: str):
    """A dependency giving the caller's ``Principal`` if its key has ``scope``."""

    def dependency(
        request: Request, _: HTTPAuthorizationCredentials | None = Depends(BEARER)
    ) -> Principal:
        principal = identify(request)
        principal.require(scope)
        return principal

    dependency.__name__ = f"require_{scope}"
    return dependency


read = require("read")
publish = require("publish")
admin = require("admin")

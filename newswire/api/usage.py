"""Usage reports: ``GET /v1/usage``, deliveries counted by day, subscriber, channel, product.

Every delivery to a subscriber (a feed entry, an item fetched, a stream or WebSocket
event, a webhook) is counted in memory by the server's ``Meter`` and added to the store's
``usage`` table every 2 s: one small write, not one per delivery. A report flushes the
meter first, so it includes the request made just before it (counts still in other nodes'
memory arrive within their own flush interval). The agency bills from it; a subscriber
checks what it was sent. ``newswire usage`` reads the same table.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from newswire.access.auth import Principal
from newswire.api import auth, openapi, problems
from newswire.delivery.usage import check_range, parse_day, report
from newswire.errors import Forbidden
from newswire.web.routing import Router

router = Router(tags=["usage"])

DAY = {"type": "string", "anyOf": [{"format": "date"}, {"maxLength": 0}]}
"""A ``from`` or ``to`` day in the OpenAPI: ``YYYY-MM-DD``, or empty (no bound)."""


def whose(principal: Principal, asked: str | None) -> str | None:
    """The subscriber whose usage the caller may see: a ``read`` key only its own, an
    ``admin`` key anyone's (None: everyone's); a ``publish`` key none (editors publish,
    usage is the business of operators and of each subscriber)."""
    if principal.key.scope == "admin":
        return asked or None
    if principal.subscriber is None:
        raise Forbidden(
            f"a {principal.key.scope} key cannot read usage: use an admin key, or a"
            " subscriber's read key for its own",
            field="Authorization",
        )
    own = principal.subscriber.name
    if asked and asked != own:
        raise Forbidden(
            f"this key belongs to subscriber {own}: it may see only its own usage",
            field="subscriber",
        )
    return own


@router.get("/v1/usage", responses=problems.responses(400, 401, 403, 404, 422, 429))
async def usage(
    request: Request,
    since: Annotated[
        str | None,
        Query(
            alias="from",
            description="First day, YYYY-MM-DD (UTC), included.",
            json_schema_extra=DAY,
        ),
    ] = None,
    until: Annotated[
        str | None,
        Query(
            alias="to",
            description="Last day, YYYY-MM-DD (UTC), included (422: before from).",
            json_schema_extra=DAY,
        ),
    ] = None,
    subscriber: Annotated[
        str | None,
        Query(
            description="One subscriber (admin keys; a read key sees its own).",
            pattern=openapi.SUBSCRIBER,
        ),
    ] = None,
    principal: Principal = Depends(auth.read),
) -> dict[str, Any]:
    """Deliveries by day, subscriber, channel (feed, stream, ws, webhook, item) and product,
    with totals; current to this request for this process's counts (written first);
    other processes and nodes add theirs every 2 s."""
    who = whose(principal, subscriber)
    if who and principal.subscriber is None:  # an admin key naming one: it must exist
        await run_in_threadpool(request.app.state.store.subscribers.get, who)
    day_from, day_to = parse_day(since, "from"), parse_day(until, "to")
    check_range(day_from, day_to)
    state = request.app.state
    state.hub.settle()  # the live connections' counts too
    await run_in_threadpool(state.meter.flush, state.store)
    rows = await run_in_threadpool(state.store.usage.report, who, day_from, day_to)
    return report(rows, since=day_from, until=day_to, subscriber=who)

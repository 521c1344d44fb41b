"""The pull feed: ``GET /v1/feed?after=CURSOR&limit=N&wait=S&format=NAME``.

A page of the caller's entitled log entries (item versions, withdrawals, embargo lifts) in
sequence order after the cursor, with the ``next`` cursor to ask from. The cursor is the
sequence number of the last entry the page looked at: entries the caller is not entitled
to move it on too, so a subscriber never rescans them.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated
from urllib.parse import urlencode

import msgspec
from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from newswire.access.auth import Principal
from newswire.access.entitlement import Grant, grant_for
from newswire.api import auth, problems
from newswire.api.items import body_etag, output_codec
from newswire.delivery.cursor import parse_cursor
from newswire.delivery.hub import envelope
from newswire.formats.base import FeedMeta
from newswire.store.base import Change
from newswire.web.urls import request_base

router = APIRouter(tags=["delivery"])

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_WAIT = 60.0
SCAN = 5000
"""Entries looked at per request at most: a page may come back short, ``next`` moves on."""
_ENCODE = msgspec.json.Encoder().encode


Entry = tuple[Change, Grant]


def scan(request: Request, products, after: int, limit: int) -> tuple[list[Entry], int]:
    """Up to ``limit`` entries for ``products`` after ``after``; and the cursor reached."""
    hub = request.app.state.hub
    store = request.app.state.store
    entries: list[Entry] = []
    cursor, scanned = after, 0
    while len(entries) < limit and scanned < SCAN:
        changes = store.changes(cursor, min(500, SCAN - scanned))
        if not changes:
            break
        for change in changes:
            g = grant_for(products, change, hub.previous)
            cursor = change.seq
            if g is not None:
                entries.append((change, g))
                if len(entries) >= limit:
                    break
        scanned += len(changes)
    return entries, cursor


@router.get("/v1/feed", responses=problems.responses(400, 401, 403, 429))
async def feed(
    request: Request,
    after: Annotated[
        str | None,
        Query(description="The ``next`` of the previous page; none: the oldest retained."),
    ] = None,
    limit: Annotated[int, Query(ge=1, description=f"Entries per page (at most {MAX_LIMIT}).")] = (
        DEFAULT_LIMIT
    ),
    wait: Annotated[
        float, Query(ge=0, description=f"Long poll: wait up to S seconds (at most {MAX_WAIT}).")
    ] = 0,
    fmt: Annotated[
        str | None, Query(alias="format", description="ninjs (default), or any format.")
    ] = None,
    principal: Principal = Depends(auth.read),
) -> Response:
    """The caller's entitled entries after the cursor, oldest first, and the ``next`` cursor.

    JSON (``items``: one envelope per entry with ``sequence``, ``kind``, ``access``,
    ``embargoed`` and the item in the asked format), or with ``format=rss|atom|jsonfeed``
    a feed document whose next page is in the ``Link: rel="next"`` header. ``ETag`` and
    ``If-None-Match`` answer 304 when nothing is new.
    """
    codec = output_codec(request, fmt or "ninjs", principal)
    cursor = parse_cursor(after)
    notes = {}
    if limit > MAX_LIMIT:
        notes["limit_clamped"] = f"limit {limit} is over the maximum: {MAX_LIMIT} used"
        limit = MAX_LIMIT
    if wait > MAX_WAIT:
        notes["wait_clamped"] = f"wait {wait:g} is over the maximum: {MAX_WAIT:g} used"
        wait = MAX_WAIT
    hub = request.app.state.hub
    deadline = time.monotonic() + wait
    while True:
        entries, reached = await run_in_threadpool(
            scan, request, principal.products, cursor, limit
        )
        left = deadline - time.monotonic()
        if entries or left <= 0 or request.app.state.closing:
            break
        if not await hub.wait_beyond(reached, left):
            break
        if await request.is_disconnected():
            break
        cursor = max(cursor, reached)
        await asyncio.sleep(0)
    if principal.subscriber is not None:
        for _, g in entries:
            request.app.state.meter.add(principal.subscriber.name, "feed", g.product)
        if entries:
            request.app.state.metrics.deliveries.labels("feed").inc(len(entries))
    next_cursor = str(max(reached, cursor))
    query = {"after": next_cursor, "limit": limit}
    if fmt:
        query["format"] = fmt
    next_href = f"/v1/feed?{urlencode(query)}"
    headers = {
        "X-Newswire-Next": next_cursor,
        "Link": f'<{next_href}>; rel="next"',
        "Cache-Control": "private, no-cache",
        "Vary": "Authorization",
    }
    if notes:
        headers["X-Newswire-Clamped"] = "; ".join(notes.values())
    if codec.is_feed:
        data = await run_in_threadpool(_feed_document, request, codec, entries, principal)
        media_type = codec.media_type
    else:
        head = {"after": str(cursor if after else 0), "next": next_cursor, "limit": limit}
        head.update(notes)
        head["next_href"] = next_href
        renderer = request.app.state.renderer
        bodies = await run_in_threadpool(
            lambda: [envelope(c, g, codec.name, renderer) for c, g in entries]
        )
        data = b'{"items":[%s],%s' % (b",".join(bodies), _ENCODE(head)[1:])
        media_type = "application/json"
    etag = body_etag(data)
    headers["ETag"] = etag
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media_type, headers=headers)


def _feed_document(request: Request, codec, entries: list[Entry], principal: Principal) -> bytes:
    """RSS, Atom or JSON Feed of the page's entries (the items as the caller may see them)."""
    renderer = request.app.state.renderer
    items = [renderer.view(change.item, g.access) for change, g in entries]
    base = request_base(request)
    who = principal.subscriber.name if principal.subscriber else "agency"
    meta = FeedMeta(
        title=f"newswire: {who}",
        link=base,
        language="",
        feed_id=f"{base}v1/feed#{who}",
        item_link=f"{base}v1/items/{{id}}",
    )
    return codec.render_feed(items, meta)

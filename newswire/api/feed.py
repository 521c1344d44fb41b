"""The pull feed: ``GET /v1/feed?after=CURSOR&limit=N&wait=S&format=NAME``.

A page of the caller's entitled log entries (item versions, withdrawals, embargo lifts) in
sequence order after the cursor, with the ``next`` cursor to ask from (see
``newswire.delivery.feed``: pages are assembled from memory and kept as bytes).

The route below is the documented one; ``serve_feed`` answers the same requests ahead of
FastAPI's layers (as ``/v1/stream`` is), because a pull feed polled by thousands of
subscribers must cost little more than looking its bytes up. It takes only requests
whose parameters are plainly valid and hands anything else (a malformed limit, a repeated
parameter…) to the route, so every error is answered by one code path.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Query, Request, Response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State
from starlette.types import Receive, Scope, Send

from newswire import formats, logs
from newswire.access.auth import Principal
from newswire.access.entitlement import codec_for
from newswire.api import auth, openapi, problems, raw
from newswire.delivery import feed as pages
from newswire.delivery import waiters
from newswire.delivery.cursor import check_within, parse_cursor
from newswire.delivery.files import not_modified
from newswire.formats.base import FeedMeta
from newswire.settings import setting
from newswire.web.routing import Router

router = Router(tags=["delivery"])

DEFAULT_LIMIT, MAX_LIMIT, MAX_WAIT = pages.DEFAULT_LIMIT, pages.MAX_LIMIT, pages.MAX_WAIT


async def answer(
    state: State,
    principal: Principal,
    *,
    authorization: str | None,
    after: str | None,
    limit: int,
    wait: float,
    fmt: str | None,
    if_none_match: str,
    base: Callable[[], str],
    method: str = "GET",
    send: Send | None = None,
) -> raw.Answer:
    """(status, headers, body, media type) of a feed request whose parameters have the
    right types (the cursor and format are checked here). ``authorization``: the header
    ``principal`` came from, judged again if access changes while the request waits (a
    key revoked, a subscriber suspended: the 401 or 403 of a new request is raised).
    A ``HEAD`` is answered as a ``GET`` is, and counts no delivery.

    Given the server's ``send``, a long poll may be answered while it waits, straight to
    its connection (``newswire.delivery.waiters``): ``waiters.Answered`` is raised then,
    and nothing is left to send."""
    request, wait = _request(principal, after, limit, wait, fmt, base)
    cursor, limit, notes = request.after, request.limit, request.notes
    feed_pages: pages.FeedPages = state.feed
    hub = state.hub
    if cursor > hub.position:
        # Past what this process has read: another process's latest, or no cursor at all.
        check_within(cursor, await run_in_threadpool(state.store.last_seq))
    generation = hub.access_generation
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        request = request._replace(after=cursor)
        page = feed_pages.kept(request.key())
        waiting = wait > 0 and loop.time() < deadline
        if page is None:
            # A 304 renders nothing: the ETag is known once the entries are chosen.
            built = await feed_pages.page(request, "" if waiting else if_none_match)
            if isinstance(built, pages.NotModified):
                headers = _headers(built.etag, built.next, limit, fmt, notes)
                return 304, headers, b"", request.codec.media_type
            page = built
        if page.entries or not waiting or state.closing:
            break
        state.metrics.feed_waits.inc()
        parked = state.metrics.feed_waiting
        parked.inc()
        try:
            cycle = None if send is None or if_none_match else waiters.response_cycle(send)
            if cycle is not None:
                # Parked with the waiters of the same page: the round that moves the log
                # past it answers them all (raising ``Answered`` here), or hands this one
                # its page or the cursor to look again from.
                outcome = await feed_pages.waiters.park(
                    request._replace(after=max(cursor, page.next)),
                    cycle,
                    principal.subscriber.name if principal.subscriber else None,
                    lambda p: _headers(p.etag, p.next, limit, fmt, notes),
                    deadline,
                )
                if outcome == waiters.ACCESS:
                    break  # judged again below
                if isinstance(outcome, int):
                    cursor = max(cursor, outcome)
                    continue
                page = outcome
                break
            if not await hub.wait_beyond(page.next, deadline - loop.time()):
                break
        finally:
            parked.dec()
        cursor = max(cursor, page.next)
    if hub.access_generation != generation:
        # Access changed while it waited (seen by this process's hub: a change on any
        # process, within about a second): answered as a request made now would be,
        # refused if the key no longer works, else with what it has.
        principal = await auth.identify_again(state, authorization, "read")
    return _answer(state, principal, page, request, if_none_match, counted=method == "GET")


def answer_kept(
    state: State, principal: Principal, query: bytes, if_none_match: str
) -> raw.Answer | None:
    """``answer`` of a request whose page is kept and that has nothing to wait for; None
    otherwise (nothing counted): parameters not plainly valid (``plain_query``), a page to
    build or wait for, a feed document without the ``base_url`` setting (its links then
    name the request's own host, which ``answer`` reads from the request).

    What a query asks of a caller's feed (the page's key) is worked out once per caller
    and query, and kept while the caller's principal is this process's (access changes
    make new ones): a poller asking for the same cursor again costs a lookup."""
    feed_pages: pages.FeedPages = state.feed
    asked = feed_pages.asked
    found = asked.get((query, id(principal)))
    if found is None or found[0] is not principal:
        params = _plain(raw.query_of(query))
        if params is None:
            return None
        base: str = state.settings.base_url
        if base:
            base = base.rstrip("/") + "/"
        request, wait = _request(
            principal,
            params.get("after"),
            int(params.get("limit", DEFAULT_LIMIT)),
            float(params.get("wait", 0)),
            params.get("format"),
            lambda: base,
        )
        if request.codec.is_feed and not base:
            return None
        if len(asked) >= ASKED:
            asked.clear()
        found = asked[query, id(principal)] = (principal, request, request.key(), wait)
    _, request, key, wait = found
    page = feed_pages.kept(key)
    if page is None or (wait > 0 and not page.entries):
        return None
    return _answer(state, principal, page, request, if_none_match, counted=True)


ASKED = 16_384
"""(query, caller) pairs whose page key is kept, per process (all dropped when full)."""


def _request(
    principal: Principal,
    after: str | None,
    limit: int,
    wait: float,
    fmt: str | None,
    base: Callable[[], str],
) -> tuple[pages.Request, float]:
    """The page a request asks for, and how long it may wait (limit and wait clamped,
    with a note each; a malformed cursor or an unknown format refused)."""
    codec = codec_for(principal, "ninjs" if fmt is None else fmt, None)
    cursor = parse_cursor(after)
    notes: list[tuple[str, str]] = []
    if limit > MAX_LIMIT:
        notes.append(("limit_clamped", problems.over_maximum("limit", limit, MAX_LIMIT)))
        limit = MAX_LIMIT
    if wait > MAX_WAIT:
        notes.append(("wait_clamped", problems.over_maximum("wait", f"{wait:g}", f"{MAX_WAIT:g}")))
        wait = MAX_WAIT
    who = principal.subscriber.name if principal.subscriber else "agency"
    link = base() if codec.is_feed else ""
    request = pages.Request(
        principal.products,
        codec,
        cursor,
        limit,
        fmt,
        tuple(notes),
        (lambda: _feed_meta(who, link)) if codec.is_feed else None,
        who,
        link,
    )
    return request, wait


def _answer(
    state: State,
    principal: Principal,
    page: pages.Page,
    request: pages.Request,
    if_none_match: str,
    *,
    counted: bool,
) -> raw.Answer:
    """The answer of a request whose page is chosen: a 304 if the client has it, else
    the page, counted as delivered unless it is not sent (``counted``: a ``HEAD``)."""
    headers = _headers(page.etag, page.next, request.limit, request.fmt, request.notes)
    if not_modified(page.etag, if_none_match):
        return 304, headers, b"", page.media_type
    if counted and principal.subscriber is not None and page.entries:
        for product, n in page.counts:
            state.meter.add(principal.subscriber.name, "feed", product, n)
        state.metrics.feed_deliveries.inc(page.entries)
    return 200, headers, page.body, page.media_type


@functools.lru_cache(maxsize=4096)
def _headers(
    etag: str, next_cursor: int, limit: int, fmt: str | None, notes: tuple[tuple[str, str], ...]
) -> raw.Headers:
    """A page's headers, encoded once for all the requests that get it (the ETag names
    the page: they are the same for each, and ``send_response`` copies them)."""
    headers = [
        ("X-Newswire-Next", str(next_cursor)),
        ("Link", f'<{pages.next_href(next_cursor, limit, fmt)}>; rel="next"'),
        ("Cache-Control", "private, no-cache"),
        ("Vary", "Authorization"),
        ("ETag", etag),
    ]
    if notes:
        headers.append(("X-Newswire-Clamped", "; ".join(text for _, text in notes)))
    return raw.encoded(headers)


def _feed_meta(who: str, base: str) -> FeedMeta:
    return FeedMeta(
        title=f"newswire: {who}",
        link=base,
        language="",
        feed_id=f"{base}v1/feed#{who}",
        item_link=f"{base}v1/items/{{id}}",
        author=setting("public_name"),  # the agency: Atom's author of entries with no byline
    )


_PAGES = {
    "application/json": {"schema": {"type": "object", "required": ["items", "next"]}},
    **{c.media_type: {} for c in formats.CODECS.values() if c.can_render and c.is_feed},
}
"""What a page is: JSON envelopes, or a feed document (``format=rss|atom|jsonfeed``)."""


@router.get(
    "/v1/feed",
    responses=problems.responses(400, 401, 403, 422, 429)
    | {200: {"description": "A page of entries", "content": _PAGES}},
)
async def feed(
    request: Request,
    after: Annotated[
        str | None,
        Query(
            description="The ``next`` of the previous page; none: the oldest retained.",
            json_schema_extra=openapi.CURSOR,
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, description=f"Entries per page (at most {MAX_LIMIT}).")] = (
        DEFAULT_LIMIT
    ),
    wait: Annotated[
        float,
        Query(
            ge=0,
            allow_inf_nan=False,
            description=f"Long poll: wait up to S seconds (at most {MAX_WAIT}).",
        ),
    ] = 0,
    fmt: Annotated[
        str | None,
        Query(
            alias="format",
            description="ninjs (default), or any format newswire renders.",
            json_schema_extra=openapi.names(openapi.RENDERED),
        ),
    ] = None,
    principal: Principal = Depends(auth.read),
) -> Response:
    """The caller's entitled entries after the cursor, oldest first, and the ``next`` cursor.

    JSON (``items``: one envelope per entry with ``sequence``, ``kind``, ``access``,
    ``embargoed`` and the item in the asked format), or with ``format=rss|atom|jsonfeed``
    a feed document whose next page is in the ``Link: rel="next"`` header. ``ETag`` and
    ``If-None-Match`` answer 304 when nothing is new (``If-None-Match: *``: always, as
    there is always a page).
    """
    state = request.app.state
    status, headers, body, media_type = await answer(
        state,
        principal,
        authorization=request.headers.get("authorization"),
        after=after,
        limit=limit,
        wait=wait,
        fmt=fmt,
        if_none_match=request.headers.get("if-none-match", ""),
        base=lambda: raw.base_of(state, request.scope),
        method=request.method,
    )
    return Response(
        body, status, raw.decoded(headers), media_type=None if status == 304 else media_type
    )


# --- ahead of FastAPI -----------------------------------------------------------------------

_INT = re.compile(r"[0-9]{1,9}")
_NUMBER = re.compile(r"[0-9]{1,6}(?:\.[0-9]{1,6})?")
_PARAMS = frozenset(("after", "limit", "wait", "format"))


def plain_query(scope: Scope) -> dict[str, str] | None:
    """The feed's parameters when each is given at most once and plainly valid (None: let
    the documented route answer, and its validation say what is wrong)."""
    return _plain(raw.query(scope))


def _plain(params: dict[str, str] | None) -> dict[str, str] | None:
    if params is None:
        return None
    limit, wait = params.get("limit"), params.get("wait")
    if limit is not None and (not _INT.fullmatch(limit) or int(limit) < 1):
        return None
    if wait is not None and not _NUMBER.fullmatch(wait):
        return None
    return {k: v for k, v in params.items() if k in _PARAMS}


def feed_now(state: State, query: bytes, wanted: dict[bytes, str]) -> raw.Answer | None:
    """``GET /v1/feed`` answered from memory as it is parsed (``newswire.api.protocol``),
    or None: the request goes on to ``serve_feed``."""
    if_none_match = wanted.get(b"if-none-match", "")
    return raw.answer_now(
        state, wanted, lambda principal: answer_kept(state, principal, query, if_none_match)
    )


async def serve_feed(app: Starlette, scope: Scope, receive: Receive, send: Send) -> bool:
    """Answer ``GET /v1/feed`` without FastAPI's layers; False when the request is one
    for the documented route (nothing has been sent then)."""
    params = plain_query(scope)
    if params is None:
        return False
    state = app.state

    def feed_answer(principal: Principal, headers: dict[bytes, str]) -> Awaitable[raw.Answer]:
        return answer(
            state,
            principal,
            authorization=headers.get(b"authorization"),
            after=params.get("after"),
            limit=int(params.get("limit", DEFAULT_LIMIT)),
            wait=float(params.get("wait", 0)),
            fmt=params.get("format"),
            if_none_match=headers.get(b"if-none-match", ""),
            base=lambda: raw.base_of(state, scope),
            send=send,
        )

    try:
        return await raw.answer_reader(app, scope, receive, send, feed_answer)
    except waiters.Answered:  # a long poll answered while it waited, with its page
        logs.answered_with(send, 200)
        return True

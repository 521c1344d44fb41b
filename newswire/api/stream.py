"""Live delivery: ``GET /v1/stream`` (Server-Sent Events) and ``GET /v1/ws`` (WebSocket).

Both carry the same events: the JSON envelope of each log entry the caller is entitled
to (as in the feed), in sequence order. SSE frames have ``id`` = the sequence number and
``event`` = the kind (``item``, ``update``, ``withdraw``, ``embargo-lift``); a reconnect
with ``Last-Event-ID`` (or ``?after=``) replays what was missed from the store, then goes
on live, without gap or duplicate. Without a cursor a stream starts with what is
published from then on.

When the server ends a stream (key revoked, subscriber suspended, its products changed,
too far behind, shutting down) SSE sends a last ``event: close`` whose data says why, and
WebSocket closes with a code and the reason (4401 revoked or suspended, 4409 products
changed: connect again from the cursor, 4408 too slow, 1001 going away).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Annotated

from fastapi import Depends, Header, Query, Request, WebSocket, WebSocketDisconnect
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from newswire.access.auth import Principal
from newswire.api import auth, openapi, problems, raw
from newswire.api.items import output_codec
from newswire.delivery.cursor import check_within, parse_cursor
from newswire.delivery.hub import ACCESS_CHANGED, ACCESS_UNKNOWN, Closed, Hub, Listener
from newswire.delivery.sse import GONE, EventStream
from newswire.errors import BadInput, NewswireError
from newswire.web.routing import Router

log = logging.getLogger("newswire.api")

router = Router(tags=["delivery"])


def _after(last_event_id: str | None, after: str | None, hub: Hub) -> int:
    if last_event_id:
        return parse_cursor(last_event_id, "Last-Event-ID")
    if after:
        return parse_cursor(after)
    return hub.position


async def check_resume(
    state: State, last_event_id: str | None, after: str | None
) -> None:
    """Refuse (422) a cursor past the end of the log: a stream resumed from it would pass
    over every entry up to it in silence."""
    hub: Hub = state.hub
    cursor = _after(last_event_id, after, hub)
    if cursor > hub.position:
        field = "Last-Event-ID" if last_event_id else "after"
        check_within(cursor, await run_in_threadpool(state.store.last_seq), field)


def open_stream(
    request: Request, principal: Principal, after: str | None, fmt: str | None
) -> Listener:
    """Check the stream's parameters and register its listener with the hub.

    Must run on the event loop, so that registering and reading the hub's position happen
    between two of its dispatches: no entry falls between replay and live.
    """
    codec = output_codec(request, "ninjs" if fmt is None else fmt, principal)
    if codec.is_feed:
        raise BadInput(
            f"{codec.name} is a feed format: streams carry single items (ninjs, newsml, nitf…)",
            field="format",
        )
    hub: Hub = request.app.state.hub
    cursor = _after(request.headers.get("last-event-id"), after, hub)
    return hub.listen(principal, codec.name, cursor, "stream")


async def serve_stream(app: Starlette, scope: Scope, receive: Receive, send: Send) -> None:
    """``GET /v1/stream`` as a bare ASGI application, ahead of FastAPI's routing.

    The same checks as the documented route below (which stays, for OpenAPI and as the
    fallback), without the framework's layers: a stream lives for hours, and every
    middleware, exit stack and request object held for its lifetime cost ~10 KiB per
    connection, a third of an idle subscriber's memory (bench/stream.py).
    """
    outcome = await _open(app, scope, receive)
    if isinstance(outcome, Listener):
        outcome = EventStream(app.state.hub, outcome)
    await raw.tagged(outcome)(scope, receive, send)


async def _open(app: Starlette, scope: Scope, receive: Receive) -> Listener | Response:
    # Its own frame, so that the request object is not kept for the stream's lifetime.
    scope["app"] = app
    request = Request(scope, receive)
    try:
        principal = await auth.identify(app.state, request.headers.get("authorization"))
        principal.require("read")
        query = request.query_params
        await check_resume(app.state, request.headers.get("last-event-id"), query.get("after"))
        return open_stream(request, principal, query.get("after"), query.get("format"))
    except NewswireError as exc:
        return problems.from_error(exc)
    except Exception:
        log.exception("opening a stream failed")
        return problems.problem(500, "Internal error", "an unexpected error; it has been logged")


@router.get(
    "/v1/stream",
    responses=problems.responses(400, 401, 403, 422, 429)
    | {200: {"content": {"text/event-stream": {}}, "description": "The event stream"}},
)
async def stream(
    request: Request,
    after: Annotated[
        str | None,
        Query(
            description="Replay from after this cursor, then go on live (none or empty:"
            " live from now).",
            json_schema_extra=openapi.CURSOR,
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        Query(
            alias="format",
            description="Item format (default ninjs); a stream carries single items.",
            json_schema_extra=openapi.names(openapi.SINGLE),
        ),
    ] = None,
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            description="Resume after this event's id (a cursor; before ``?after=``).",
            json_schema_extra=openapi.CURSOR,
        ),
    ] = None,
    principal: Principal = Depends(auth.read),
) -> Response:
    """Server-Sent Events of the caller's entitled entries; ``Last-Event-ID`` or ``?after=``
    resumes; a heartbeat comment every 15 s."""
    await check_resume(request.app.state, request.headers.get("last-event-id"), after)
    return EventStream(request.app.state.hub, open_stream(request, principal, after, fmt))


@router.websocket("/v1/ws")
async def websocket(
    ws: WebSocket,
    after: Annotated[str | None, Query()] = None,
    fmt: Annotated[str | None, Query(alias="format")] = None,
) -> None:
    """The same events as ``/v1/stream``, one JSON envelope per text message."""
    state = ws.app.state
    try:
        principal = await auth.identify(state, ws.headers.get("authorization"))
        principal.require("read")
        codec = output_codec(ws, "ninjs" if fmt is None else fmt, principal)
        if codec.is_feed:
            raise BadInput(f"{codec.name} is a feed format", field="format")
        await check_resume(state, ws.headers.get("last-event-id"), after)
        cursor = _after(ws.headers.get("last-event-id"), after, state.hub)
    except NewswireError as exc:
        # Refused before the handshake completes: the client sees the HTTP status and body.
        # The same problem (type, headers) as the HTTP routes answer.
        try:
            await ws.send_denial_response(problems.from_error(exc))
        except RuntimeError:  # a server without the denial extension: a plain refusal
            await ws.close(1008, exc.detail[:120])
        return
    await ws.accept()
    hub: Hub = state.hub
    listener = hub.listen(principal, codec.name, cursor, "ws")

    async def watch() -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while True:
                await ws.receive_text()
        listener.close(GONE)

    watcher = asyncio.create_task(watch())
    code, reason = 1000, ""
    try:
        async for page in listener.replay():
            for out in page:
                await ws.send_text(out.data.decode())
            listener.sent(page)
        while True:
            try:
                outs = await listener.take()
            except Closed as closed:
                reason = closed.reason
                code = (
                    4408 if "waiting" in reason
                    else 1001 if "shutting" in reason
                    else 4409 if reason.startswith(ACCESS_CHANGED)
                    else 1013 if reason == ACCESS_UNKNOWN
                    else 4401
                )
                break
            for out in outs:
                await ws.send_text(out.data.decode())
            listener.sent(outs)
    except (WebSocketDisconnect, RuntimeError, OSError):
        code = 0
    finally:
        watcher.cancel()
        hub.leave(listener)
    if code and listener.reason != GONE:
        with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
            await ws.close(code, reason.encode()[:120].decode("utf-8", "ignore"))

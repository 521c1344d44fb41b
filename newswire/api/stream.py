"""Live delivery: ``GET /v1/stream`` (Server-Sent Events) and ``GET /v1/ws`` (WebSocket).

Both carry the same events: the JSON envelope of each log entry the caller is entitled
to (as in the feed), in sequence order. SSE frames have ``id`` = the sequence number and
``event`` = the kind (``item``, ``update``, ``withdraw``, ``embargo-lift``); a reconnect
with ``Last-Event-ID`` (or ``?after=``) replays what was missed from the store, then goes
on live, without gap or duplicate. Without a cursor a stream starts with what is
published from then on.

When the server ends a stream (key revoked, subscriber suspended, too far behind, shutting
down) SSE sends a last ``event: close`` whose data says why, and WebSocket closes with
a code and the reason (4401 revoked or suspended, 4408 too slow, 1001 going away).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Annotated

import msgspec
from fastapi import APIRouter, Depends, Query, Request, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from newswire.access.auth import Principal
from newswire.api import auth, problems
from newswire.api.feed import parse_cursor
from newswire.api.items import output_codec
from newswire.delivery.hub import Closed, Hub, Listener, Out
from newswire.errors import BadInput, NewswireError

log = logging.getLogger("newswire.api")

router = APIRouter(tags=["delivery"])


def _after(last_event_id: str | None, after: str | None, hub: Hub) -> int:
    if last_event_id:
        return parse_cursor(last_event_id, "Last-Event-ID")
    if after:
        return parse_cursor(after)
    return hub.position


GONE = "the client went away"


def open_stream(
    request: Request, principal: Principal, after: str | None, fmt: str | None
) -> Listener:
    """Check the stream's parameters and register its listener with the hub.

    Must run on the event loop, so that registering and reading the hub's position happen
    between two of its dispatches: no entry falls between replay and live.
    """
    codec = output_codec(request, fmt or "ninjs", principal)
    if codec.is_feed:
        raise BadInput(
            f"{codec.name} is a feed format: streams carry single items (ninjs, newsml, nitf…)",
            field="format",
        )
    hub: Hub = request.app.state.hub
    cursor = _after(request.headers.get("last-event-id"), after, hub)
    return hub.listen(principal, codec.name, cursor, "stream")


class EventStream(Response):
    """A ``text/event-stream`` response fed by a hub listener.

    Written against ASGI directly rather than ``StreamingResponse``: one ``send`` per batch
    of queued events, and the disconnect watch in the same place (see docs/benchmarks.md).
    """

    media_type = "text/event-stream"

    retry = b"retry: 2000\n"
    """How long a browser's EventSource waits before it reconnects."""

    def __init__(self, hub: Hub, listener: Listener):
        # Response.__init__ is not called (no body to render): what FastAPI reads is set here.
        self.status_code, self.background = 200, None
        self.hub, self.listener = hub, listener
        self.raw_headers = [
            (b"content-type", b"text/event-stream; charset=utf-8"),
            (b"cache-control", b"no-store"),
            (b"x-accel-buffering", b"no"),
            (b"x-newswire-after", b"%d" % listener.after),
        ]  # no content-length: the body is open-ended

    async def write(self, send: Send, outs: list[Out]) -> None:
        """Write a batch of events that are not on the hot path (a replayed page; every
        batch of a subclass that turns events into frames of its own, as the portal's)."""
        data = b"".join(o.sse for o in outs)
        await send({"type": "http.response.body", "body": data, "more_body": True})
        self.listener.sent(outs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        listener = self.listener
        if scope.get("method") == "HEAD":  # the headers a GET would get, then done
            self.hub.leave(listener)
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            listener.close(GONE)

        watcher = asyncio.create_task(watch())
        body = "http.response.body"
        try:
            await send(
                {"type": "http.response.start", "status": 200, "headers": self.raw_headers}
            )
            await send({"type": body, "body": self.retry + b": connected\n\n", "more_body": True})
            async for page in listener.replay():
                await self.write(send, page)
            # The plain stream writes its shared frames inline (the hot path), and lets the
            # hub write them itself while this writer waits; a subclass overriding
            # ``write`` has every batch go through it.
            inline = type(self).write is EventStream.write
            if inline:
                listener.direct = direct_writer(send)
            while True:
                try:
                    outs = await listener.take()
                except Closed as closed:
                    if listener.reason != GONE:
                        reason = msgspec.json.encode({"reason": closed.reason})
                        data = b"event: close\ndata: %s\n\n" % reason
                        await send({"type": body, "body": data, "more_body": True})
                    break
                # The hot path (once per event per connection): one dict, no join for one.
                if outs and inline:
                    data = outs[0].sse if len(outs) == 1 else b"".join(o.sse for o in outs)
                    await send({"type": body, "body": data, "more_body": True})
                    listener.sent(outs)
                elif outs:
                    await self.write(send, outs)
                else:
                    await send({"type": body, "body": b": heartbeat\n\n", "more_body": True})
            with contextlib.suppress(OSError, RuntimeError):
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            pass  # the connection broke while writing
        finally:
            listener.direct = None
            watcher.cancel()
            self.hub.leave(listener)


def direct_writer(send: Send) -> Callable[[bytes], bool] | None:
    """A function writing pre-framed chunks straight to the connection behind ``send``,
    or None where that is not known to be safe.

    uvicorn's httptools response cycle (the one ``uvicorn[standard]`` runs) exposes its
    transport, flow control and framing; while the response is chunked and the stream's writer is parked, the
    hub may write an event's chunk there itself (``Listener.push``) instead of waking the
    writer to hand an ASGI message to ``send``, which writes the very same bytes. Nothing
    else writes to the connection meanwhile, so the order holds. Any other server (or
    uvicorn's h11 cycle), or a cycle not in that state, keeps the ASGI path.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    flow = getattr(cycle, "flow", None)
    if (
        transport is None
        or not hasattr(flow, "write_paused")
        or getattr(cycle, "chunked_encoding", None) is not True
        or getattr(cycle, "response_complete", True)
        or not hasattr(cycle, "disconnected")
    ):
        return None
    write, closing = transport.write, transport.is_closing

    def direct(chunk: bytes) -> bool:
        if flow.write_paused or cycle.disconnected or closing():
            return False
        write(chunk)
        return True

    return direct


async def serve_stream(app, scope: Scope, receive: Receive, send: Send) -> None:
    """``GET /v1/stream`` as a bare ASGI application, ahead of FastAPI's routing.

    The same checks as the documented route below (which stays, for OpenAPI and as the
    fallback), without the framework's layers: a stream lives for hours, and every
    middleware, exit stack and request object held for its lifetime cost ~10 KiB per
    connection, a third of an idle subscriber's memory (bench/stream.py).
    """
    outcome = await _open(app, scope, receive)
    if isinstance(outcome, Listener):
        outcome = EventStream(app.state.hub, outcome)
    await outcome(scope, receive, send)


async def _open(app, scope: Scope, receive: Receive) -> Listener | Response:
    # Its own frame, so that the request object is not kept for the stream's lifetime.
    scope["app"] = app
    request = Request(scope, receive)
    try:
        principal = await run_in_threadpool(auth.identify, request)
        principal.require("read")
        query = request.query_params
        return open_stream(request, principal, query.get("after"), query.get("format"))
    except NewswireError as exc:
        return problems.from_error(exc)
    except Exception:
        log.exception("opening a stream failed")
        return problems.problem(500, "Internal error", "an unexpected error; it has been logged")


@router.get(
    "/v1/stream",
    responses=problems.responses(400, 401, 403, 429)
    | {200: {"content": {"text/event-stream": {}}, "description": "The event stream"}},
)
async def stream(
    request: Request,
    after: Annotated[
        str | None, Query(description="Replay from after this cursor, then go on live.")
    ] = None,
    fmt: Annotated[str | None, Query(alias="format", description="Item format.")] = None,
    principal: Principal = Depends(auth.read),
) -> Response:
    """Server-Sent Events of the caller's entitled entries; ``Last-Event-ID`` or ``?after=``
    resumes; a heartbeat comment every 15 s."""
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
        principal = await asyncio.to_thread(auth.identify, ws)
        principal.require("read")
        codec = output_codec(ws, fmt or "ninjs", principal)  # type: ignore[arg-type]
        if codec.is_feed:
            raise BadInput(f"{codec.name} is a feed format", field="format")
        cursor = _after(ws.headers.get("last-event-id"), after, state.hub)
    except NewswireError as exc:
        # Refused before the handshake completes: the client sees the HTTP status and body.
        denial = problems.problem(exc.status, exc.title, exc.detail, field=exc.field)
        try:
            await ws.send_denial_response(denial)
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
                code = 4408 if "waiting" in reason else 1001 if "shutting" in reason else 4401
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

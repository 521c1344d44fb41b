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
from typing import Annotated

import msgspec
from fastapi import APIRouter, Depends, Query, Request, WebSocket, WebSocketDisconnect
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from newswire.access.auth import Principal
from newswire.api import auth, problems
from newswire.api.feed import parse_cursor
from newswire.api.items import output_codec
from newswire.delivery.hub import Closed, Hub, Listener
from newswire.errors import BadInput, NewswireError

router = APIRouter(tags=["delivery"])


def _after(last_event_id: str | None, after: str | None, hub: Hub) -> int:
    if last_event_id:
        return parse_cursor(last_event_id, "Last-Event-ID")
    if after:
        return parse_cursor(after)
    return hub.position


class EventStream(Response):
    """A ``text/event-stream`` response fed by a hub listener.

    Written against ASGI directly rather than ``StreamingResponse``: one ``send`` per batch
    of queued events, and the disconnect watch in the same place (see docs/benchmarks.md).
    """

    media_type = "text/event-stream"

    def __init__(self, hub: Hub, listener: Listener):
        super().__init__(
            headers={
                "Cache-Control": "no-store",
                "X-Accel-Buffering": "no",
                "X-Newswire-After": str(listener.after),
            },
        )
        # No Content-Length: the body is open-ended.
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        self.hub, self.listener = hub, listener

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        listener = self.listener
        gone = asyncio.Event()

        async def watch() -> None:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    gone.set()
                    listener.close("the client went away")
                    return

        watcher = asyncio.create_task(watch())

        async def write(data: bytes) -> None:
            await send({"type": "http.response.body", "body": data, "more_body": True})

        try:
            await send(
                {"type": "http.response.start", "status": 200, "headers": self.raw_headers}
            )
            await write(b"retry: 2000\n: connected\n\n")
            async for page in listener.replay():
                await write(b"".join(o.sse for o in page))
                listener.sent(page)
            while True:
                try:
                    outs = await listener.take()
                except Closed as closed:
                    if not gone.is_set():
                        reason = msgspec.json.encode({"reason": closed.reason})
                        await write(b"event: close\ndata: %s\n\n" % reason)
                    break
                if outs:
                    await write(b"".join(o.sse for o in outs))
                    listener.sent(outs)
                else:
                    await write(b": heartbeat\n\n")
            with contextlib.suppress(OSError, RuntimeError):
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            pass  # the connection broke while writing
        finally:
            watcher.cancel()
            self.hub.leave(listener)


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
    codec = output_codec(request, fmt or "ninjs", principal)
    if codec.is_feed:
        raise BadInput(
            f"{codec.name} is a feed format: streams carry single items (ninjs, newsml, nitf…)",
            field="format",
        )
    state = request.app.state
    cursor = _after(request.headers.get("last-event-id"), after, state.hub)
    # On the event loop (this route is async), so that registering and reading the hub's
    # position happen between two of its dispatches: no entry falls between replay and live.
    listener = state.hub.listen(principal, codec.name, cursor, "stream")
    return EventStream(state.hub, listener)


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
        listener.close("the client went away")

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
    if code and listener.reason != "the client went away":
        with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
            await ws.close(code, reason.encode()[:120].decode("utf-8", "ignore"))

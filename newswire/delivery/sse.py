"""Server-Sent Events fed by a hub listener: the response every SSE channel writes
(``GET /v1/stream``, the portal's live wire).

A stream first replays what its listener missed (from its cursor, read from the store),
then writes what the hub hands it, a heartbeat comment when nothing came for a while,
and a last ``event: close`` saying why when the server ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from typing import Any

import msgspec
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from newswire.delivery.hub import Closed, Hub, Listener, Out

GONE = "the client went away"


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
            (b"x-newswire-process", b"%d" % os.getpid()),  # which of serve --workers N
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
    while hasattr(send, "__wrapped__"):  # wrappers that only look at the start (logs)
        send = send.__wrapped__
    # uvicorn's internals, looked at rather than relied on: anything may be missing.
    cycle: Any = getattr(send, "__self__", None)
    transport: Any = getattr(cycle, "transport", None)
    flow: Any = getattr(cycle, "flow", None)
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

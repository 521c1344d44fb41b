"""Many long polls in one process (``bench/longpoll.py`` starts it; loopback only).

    poll_load.py --port P --key KEY     steered by JSON lines on stdin, replies on stdout

``{"op": "open", "n": N, "path": "/v1/feed?after=H&wait=30"}`` opens N connections and
sends the request on each (``concurrency`` at a time); ``status`` counts the answers;
``dump`` writes, per connection, the status, the ``X-Newswire-Next`` header, the body's
length and when the whole answer had arrived (``time.monotonic()``, the clock of every
process on the machine) to a pickle; ``close`` drops every connection; ``quit`` ends.

Like the SSE readers of bench/sse_load.py: one ``asyncio.Protocol`` per connection on
uvloop, a hand-written HTTP/1.1 request, and the least parsing that tells when an answer
is complete (``Content-Length``); one clock reading per ``data_received``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pickle
import sys
import time

import uvloop

monotonic = time.monotonic


class Poll(asyncio.Protocol):
    """One long poll: the answer's status, next cursor, size and completion time."""

    __slots__ = ("buf", "done", "error", "length", "next", "request", "status", "transport")

    def __init__(self, request: bytes):
        self.request = request
        self.buf = b""
        self.length = -1
        self.status = 0
        self.next = -1
        self.done = 0.0
        self.error = ""
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc) -> None:
        if not self.done and not self.error:
            self.error = f"connection lost: {exc}"

    def data_received(self, data: bytes) -> None:
        now = monotonic()
        self.buf += data
        if self.length < 0:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end].decode("latin-1").lower().split("\r\n")
            self.status = int(head[0].split(" ", 2)[1])
            fields = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
            self.length = end + 4 + int(fields.get("content-length", "0"))
            self.next = int(fields.get("x-newswire-next", "-1"))
        if len(self.buf) >= self.length:
            self.done = now
            self.buf = b""
            self.transport.close()


async def main(port: int, key: str) -> None:
    loop = asyncio.get_running_loop()
    polls: list[Poll] = []
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)

    def reply(obj) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    async def open_one(gate: asyncio.Semaphore, request: bytes, timeout: float) -> str | None:
        async with gate:
            try:
                _, poll = await asyncio.wait_for(
                    loop.create_connection(lambda: Poll(request), "127.0.0.1", port), timeout
                )
            except (OSError, TimeoutError) as exc:
                return f"connect: {exc!r}"
            polls.append(poll)
            return None

    while line := await stdin.readline():
        cmd = json.loads(line)
        op = cmd["op"]
        if op == "open":
            request = (
                f"GET {cmd['path']} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Authorization: Bearer {key}\r\n\r\n"
            ).encode()
            gate = asyncio.Semaphore(cmd.get("concurrency", 200))
            results = await asyncio.gather(
                *(open_one(gate, request, cmd.get("timeout", 60.0)) for _ in range(cmd["n"]))
            )
            errors = [r for r in results if r is not None]
            reply(
                {"opened": len(results) - len(errors), "failed": len(errors), "errors": errors[:5]}
            )
        elif op == "status":
            reply(
                {
                    "answered": sum(1 for p in polls if p.done),
                    "errors": sum(1 for p in polls if p.error),
                    "connections": len(polls),
                }
            )
        elif op == "dump":
            with open(cmd["path"], "wb") as handle:
                pickle.dump(
                    [(p.status, p.next, p.length, p.done, p.error) for p in polls],
                    handle,
                    protocol=pickle.HIGHEST_PROTOCOL,
                )
            reply({"ok": True})
        elif op == "close":
            for p in polls:
                if p.transport is not None:
                    p.transport.abort()
            polls.clear()
            reply({"ok": True})
        elif op == "quit":
            break
    for p in polls:
        if p.transport is not None:
            p.transport.abort()
    reply({"bye": True})


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", required=True)
    args = parser.parse_args()
    uvloop.run(main(args.port, args.key))
    os._exit(0)  # do not wait on thousands of transports being torn down

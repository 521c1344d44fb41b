"""The processes of the live-stream benchmark (``bench/stream.py`` starts them; loopback only).

    sse_load.py readers --port P --key KEY      many SSE readers in one process, steered
                                                by JSON lines on stdin (replies on stdout)
    sse_load.py publish --port P --key KEY --bodies FILE --rate R --out FILE [--ports P,Q]
                                                POST each body when due (R per second, open
                                                loop; 0: all at once) on up to 32 keep-alive
                                                connections, and record its ack; with
                                                --ports, body i through the (i mod n)-th
                                                server (nodes of a cluster, in turn)
    sse_load.py floor --port P                  a bare uvloop SSE broadcaster: the floor

The readers are deliberately lean: one ``asyncio.Protocol`` per connection on uvloop, a
hand-written HTTP/1.1 request, and an SSE "parser" that only finds the sequence number
of complete frames: every event's data is a newswire envelope, ``{"sequence":N,…``, on a
single ``data:`` line (its JSON carries no raw newline), whoever frames it — newswire
(``id: N`` first, HTTP chunked), nchan (``event:``/``id:`` of its own, not chunked) or
the floor — so ``data: {"sequence":`` only occurs in the framing. One clock reading per
``data_received`` call stamps every frame completed by it. Timestamps are
``time.monotonic()`` (CLOCK_MONOTONIC, the same clock in every process of the machine),
so the publisher's acks and the readers' receipts compare.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import pickle
import queue
import socket
import sys
import threading
import time

import uvloop

monotonic = time.monotonic

# --- readers --------------------------------------------------------------------------------


SEQ = b'data: {"sequence":'
SKIP = len(SEQ)


class Reader(asyncio.Protocol):
    """One SSE connection: the sequence numbers of the events it receives, and when."""

    __slots__ = (
        "buf",
        "closed",
        "error",
        "nbytes",
        "raw",
        "ready",
        "request",
        "seqs",
        "started",
        "times",
        "transport",
    )

    def __init__(self, request: bytes, ready: asyncio.Future):
        self.request, self.ready = request, ready
        self.buf = b""
        self.started = False
        self.closed = False  # the server ended the stream (event: close) or the socket
        self.error: str | None = None
        self.seqs: list[int] = []
        self.times: list[float] = []
        self.nbytes = 0
        """Bytes received since the last reset (the framing included)."""
        self.raw: list[bytes] | None = None
        """Everything received since the last reset, when asked to capture it."""
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc) -> None:
        self.closed = True
        if not self.ready.done():
            self.ready.set_result(f"connection lost before the stream started: {exc}")

    def data_received(self, data: bytes) -> None:
        now = monotonic()
        self.nbytes += len(data)
        if self.raw is not None:
            self.raw.append(data)
        if self.buf:
            data = self.buf + data
        if not self.started:
            head_end = data.find(b"\r\n\r\n")
            if head_end < 0:
                self.buf = data
                return
            if not data.startswith(b"HTTP/1.1 200"):
                self.error = data[:600].decode("utf-8", "replace")
                if not self.ready.done():
                    self.ready.set_result(self.error)
                self.transport.close()
                return
            self.started = True
        end = data.rfind(b"\n\n")
        if end < 0:
            self.buf = data
            return
        self.buf = data[end + 2 :]
        if not self.ready.done():  # the first comment (newswire's ": connected", nchan's)
            self.ready.set_result(None)
        seqs, times = self.seqs, self.times
        pos = data.find(SEQ, 0, end)
        while pos >= 0:
            start = pos + SKIP
            stop = data.find(b",", start)
            seqs.append(int(data[start:stop]))
            times.append(now)
            pos = data.find(SEQ, stop, end)
        if b"\nevent: close\n" in data:
            self.closed = True


async def readers(port: int, key: str) -> None:
    loop = asyncio.get_running_loop()
    request = (
        f"GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {key}\r\nAccept: text/event-stream\r\n\r\n"
    ).encode()
    conns: list[Reader] = []
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)

    def reply(obj) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    async def open_one(gate: asyncio.Semaphore, timeout: float) -> str | None:
        async with gate:
            ready = loop.create_future()
            try:
                _, proto = await asyncio.wait_for(
                    loop.create_connection(lambda: Reader(request, ready), "127.0.0.1", port),
                    timeout,
                )
            except (OSError, TimeoutError) as exc:
                return f"connect: {exc!r}"
            conns.append(proto)
            try:
                return await asyncio.wait_for(ready, timeout)
            except TimeoutError:
                return "no ': connected' within the timeout"

    while True:
        line = await stdin.readline()
        if not line:
            break
        cmd = json.loads(line)
        op = cmd["op"]
        if op == "connect":
            gate = asyncio.Semaphore(cmd.get("concurrency", 200))
            results = await asyncio.gather(
                *(open_one(gate, cmd.get("timeout", 60.0)) for _ in range(cmd["n"]))
            )
            errors = [r for r in results if r is not None]
            reply(
                {
                    "connected": len(results) - len(errors),
                    "failed": len(errors),
                    "errors": errors[:5],
                }
            )
        elif op == "status":
            reply(
                {
                    "frames": sum(len(c.seqs) for c in conns),
                    "closed": sum(c.closed for c in conns),
                    "connections": len(conns),
                }
            )
        elif op == "reset":
            for c in conns:
                c.seqs, c.times, c.nbytes, c.raw = [], [], 0, None
            if cmd.get("capture") and conns:
                conns[0].raw = []  # one connection's bytes: what the server sent
            reply({"ok": True})
        elif op == "dump":
            with open(cmd["path"], "wb") as handle:
                pickle.dump(
                    {
                        "seqs": [c.seqs for c in conns],
                        "times": [c.times for c in conns],
                        "closed": [c.closed for c in conns],
                        "bytes": sum(c.nbytes for c in conns),
                        "raw": b"".join(conns[0].raw) if conns and conns[0].raw else b"",
                    },
                    handle,
                    protocol=pickle.HIGHEST_PROTOCOL,
                )
            reply({"ok": True})
        elif op == "quit":
            break
    for c in conns:
        if c.transport is not None:
            c.transport.abort()
    reply({"bye": True})


# --- publisher ------------------------------------------------------------------------------


def publish(
    ports: list[int],
    key: str,
    bodies_path: str,
    rate: float,
    out: str,
    timeout: float,
    concurrency: int = 32,
) -> None:
    """POST every body, open-loop: body i is due at start + i/rate (all at once when rate
    is 0) and goes out on the first of ``concurrency`` keep-alive connections that is free,
    so a slow answer does not slow the schedule down (no coordinated omission). Records
    when each was due, sent and acknowledged. Body i goes to ``ports[i % len(ports)]``
    (``via``: that index), each connection keeping one socket to every port.

    The bodies file (a pickle) holds ``bodies``, the ``headers`` to send them with, and
    ``seqs``: None for newswire, whose answer says the sequence number it gave the item,
    or the sequence number each body already carries (the envelopes given to nchan)."""
    with open(bodies_path, "rb") as handle:
        job_file = pickle.load(handle)
    bodies: list[bytes] = job_file["bodies"]
    seqs: list[int] | None = job_file["seqs"]
    headers = {"Authorization": f"Bearer {key}", **job_file["headers"]}
    jobs: queue.Queue = queue.Queue()
    records: list[dict] = []

    def connect(port: int) -> http.client.HTTPConnection:
        # http.client sends the head and the body in two send() calls: without
        # TCP_NODELAY, Nagle and the server's delayed ACK add ~40 ms to a POST.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def worker(conns: list[http.client.HTTPConnection]) -> None:
        while (job := jobs.get()) is not None:
            i, due = job
            via = i % len(conns)
            conn = conns[via]
            sent = monotonic()
            if sent > deadline:
                records.append({"i": i, "due": due, "error": "the publish phase ran out of time"})
                continue
            try:
                try:
                    conn.request("POST", "/v1/items", bodies[i], headers)
                    resp = conn.getresponse()
                except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                    # The server closed this keep-alive connection while it was idle (with
                    # several ports, a connection may wait longer than uvicorn's 5 s for
                    # its next POST): it read nothing of the request, so send it again on
                    # a new connection, as an HTTP client does. The time counts from the
                    # first try.
                    conn.close()
                    conn = conns[via] = connect(ports[via])
                    conn.request("POST", "/v1/items", bodies[i], headers)
                    resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException) as exc:
                records.append({"i": i, "due": due, "sent": sent, "error": repr(exc)})
                conn.close()
                with contextlib.suppress(OSError):
                    conns[via] = connect(ports[via])
                continue
            record = {
                "i": i,
                "via": via,
                "due": due,
                "sent": sent,
                "ack": monotonic(),
                "status": resp.status,
            }
            if resp.status not in (200, 201, 202):
                record["error"] = data[:300].decode("utf-8", "replace")
            elif seqs is not None:
                record["seq"], record["created"] = seqs[i], True
            else:
                answer = json.loads(data)
                record["seq"] = answer["sequence"]
                record["created"] = answer.get("created", True)
            records.append(record)
        for conn in conns:
            conn.close()

    # Connected, then ready: the caller starts measuring when it says go (a line on stdin),
    # not while this interpreter starts up on the readers' core.
    threads = [
        threading.Thread(target=worker, args=([connect(p) for p in ports],), daemon=True)
        for _ in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.readline()
    start = monotonic() + 0.01
    deadline = start + timeout
    for i in range(len(bodies)):
        due = start + i / rate if rate > 0 else start
        delay = due - monotonic()
        if delay > 0:
            time.sleep(delay)
        jobs.put((i, due))
    for _ in threads:
        jobs.put(None)
    for thread in threads:
        thread.join(max(1.0, deadline - monotonic() + 5))
    with open(out, "w") as handle:
        json.dump(sorted(records, key=lambda r: r["i"]), handle)


# --- the floor: a bare broadcaster ----------------------------------------------------------

SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-store\r\n"
    b"transfer-encoding: chunked\r\n\r\n"
)


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


class Floor:
    """The least a server can do: keep the sockets, and on each POST (a newswire envelope,
    as nchan is given) write the frame newswire would, as one HTTP chunk, to every one
    of them (no auth, no store, no per-listener queue)."""

    def __init__(self) -> None:
        self.streams: set[asyncio.Transport] = set()

    def publish(self, body: bytes) -> int:
        seq = int(body[12 : body.index(b",")])  # {"sequence":N,...
        frame = _chunk(b"id: %d\nevent: item\ndata: %s\n\n" % (seq, body))
        for transport in self.streams:
            transport.write(frame)
        return seq


class FloorConn(asyncio.Protocol):
    def __init__(self, floor: Floor):
        self.floor, self.buf, self.transport, self.streaming = floor, b"", None, False

    def connection_made(self, transport) -> None:
        self.transport = transport

    def connection_lost(self, exc) -> None:
        self.floor.streams.discard(self.transport)

    def data_received(self, data: bytes) -> None:
        if self.streaming:
            return
        self.buf += data
        while True:
            head_end = self.buf.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buf[:head_end].decode("latin-1").split("\r\n")
            method, path, _ = head[0].split(" ", 2)
            fields = {
                k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:])
            }
            length = int(fields.get("content-length", "0"))
            if len(self.buf) < head_end + 4 + length:
                return
            body = self.buf[head_end + 4 : head_end + 4 + length]
            self.buf = self.buf[head_end + 4 + length :]
            if method == "GET" and path.startswith("/v1/stream"):
                self.streaming = True
                self.transport.write(SSE_HEAD + _chunk(b"retry: 2000\n: connected\n\n"))
                self.floor.streams.add(self.transport)
                return
            if method == "POST":
                seq = self.floor.publish(body)
                self.respond(201, b'{"sequence":%d,"created":true}' % seq)
            elif path.startswith("/metrics"):
                self.respond(
                    200,
                    b'newswire_streams_connected{channel="stream"} %d.0\n'
                    % len(self.floor.streams),
                )
            else:
                self.respond(200, b'{"status":"ok"}')

    def respond(self, status: int, body: bytes) -> None:
        self.transport.write(
            b"HTTP/1.1 %d X\r\ncontent-length: %d\r\ncontent-type: application/json\r\n\r\n%s"
            % (status, len(body), body)
        )


async def floor(port: int) -> None:
    loop = asyncio.get_running_loop()
    state = Floor()
    server = await loop.create_server(lambda: FloorConn(state), "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=("readers", "publish", "floor"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", default="")
    parser.add_argument("--bodies")
    parser.add_argument("--rate", type=float, default=0.0)
    parser.add_argument("--out")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--concurrency", type=int, default=32, help="publisher connections")
    parser.add_argument(
        "--ports", default="", help="publish through these servers in turn (default: --port)"
    )
    args = parser.parse_args()
    if args.role == "readers":
        uvloop.run(readers(args.port, args.key))
    elif args.role == "publish":
        ports = [int(p) for p in args.ports.split(",") if p.strip()] or [args.port]
        publish(ports, args.key, args.bodies, args.rate, args.out, args.timeout, args.concurrency)
    else:
        with contextlib.suppress(KeyboardInterrupt):
            uvloop.run(floor(args.port))
    os._exit(0)  # do not wait on thousands of transports being torn down


if __name__ == "__main__":
    main()

"""A webhook receiver counting POSTs (``bench/webhooks.py`` starts it; loopback only).

    hook_receiver.py --port P     steered by JSON lines on stdin, replies on stdout

Answers every ``POST`` at once with ``200 ok`` on a keep-alive connection, and records
when it had the whole request (``time.monotonic()``), its path, the ``X-Newswire-*`` and
``Content-Type`` headers and the body. ``status`` counts them, ``dump`` writes them to a
pickle, ``reset`` forgets them, ``quit`` ends. One ``asyncio.Protocol`` a connection on
uvloop, a hand-written HTTP/1.1 parser: as little work per request as can be.
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
ANSWER = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nok"


class Receiver:
    def __init__(self) -> None:
        self.calls: list[tuple[float, str, dict[str, str], bytes]] = []


class Conn(asyncio.Protocol):
    def __init__(self, receiver: Receiver):
        self.receiver, self.buf, self.transport = receiver, b"", None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        now = monotonic()
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = self.buf[:end].decode("latin-1").split("\r\n")
            fields = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip()
            length = int(fields.get("content-length", "0"))
            if len(self.buf) < end + 4 + length:
                return
            body = self.buf[end + 4 : end + 4 + length]
            self.buf = self.buf[end + 4 + length :]
            kept = {
                k: v for k, v in fields.items() if k.startswith("x-newswire") or k == "content-type"
            }
            self.receiver.calls.append((now, lines[0].split(" ")[1], kept, body))
            self.transport.write(ANSWER)


async def main(port: int) -> None:
    loop = asyncio.get_running_loop()
    receiver = Receiver()
    server = await loop.create_server(lambda: Conn(receiver), "127.0.0.1", port, backlog=1024)
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)

    def reply(obj) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    reply({"listening": port})
    while line := await stdin.readline():
        cmd = json.loads(line)
        if cmd["op"] == "status":
            calls = receiver.calls
            reply({"calls": len(calls), "last": calls[-1][0] if calls else None})
        elif cmd["op"] == "dump":
            with open(cmd["path"], "wb") as handle:
                pickle.dump(receiver.calls, handle, protocol=pickle.HIGHEST_PROTOCOL)
            reply({"ok": True})
        elif cmd["op"] == "reset":
            receiver.calls = []
            reply({"ok": True})
        elif cmd["op"] == "quit":
            break
    server.close()
    reply({"bye": True})


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    uvloop.run(main(parser.parse_args().port))
    os._exit(0)

"""CPU per request of the fast paths, in process: the ASGI app driven directly (a scope
dict, ``receive`` and ``send`` callables; no server, no socket), beside the uvicorn floor's
app (``bench/asgi_floor.py``) answering the same bytes from a dict.

    .venv/bin/python bench/fast_paths.py                    # 20,000 requests a case
    .venv/bin/python bench/fast_paths.py -n 5000 --profile item   # and cProfile one case

A fresh temporary SQLite store gets --items articles of the corpus, a product and a
subscriber (``all``: every Arabic item, full text) with a read key, and a picture item
(``newswire ingest`` of a JPEG made here) with a ``photos`` subscriber. The app is
``create_app`` with its lifespan started, as ``newswire serve`` runs it but with no
server around it. The cases, each warmed up first (the key is known, the page kept, the
file in memory):

- ``feed``: ``GET /v1/feed?after=C`` near the head (50 entries, full ninjs: ~300 KB);
- ``feed 304``: the same with ``If-None-Match`` naming its ETag;
- ``item``: ``GET /v1/items/{id}``; ``item 304``: with its ETag;
- ``rendition``: ``GET /v1/items/{id}/versions/1/renditions/thumbnail``.

``uvicorn + newswire`` is the same request written to uvicorn's own httptools protocol
over a transport that keeps what is written, the event loop run until the answer is
out: the parser, the scope, the task, the response cycle and ``send`` included, no
socket. ``at parse`` is the same request written to newswire's HTTP protocol
(``newswire.api.protocol``, what ``newswire serve`` runs) over a transport that keeps
what is written: uvicorn's parser and the whole response included, no socket.

What is measured is the CPU time of the event loop's thread (``time.thread_time``: not the
store's and the search index's worker threads) over the loop over N requests (µs a request, the best of
--rounds): what uvicorn adds (parsing, writing to the socket) is the same for both apps,
so the difference is newswire's own work. This is robust on a shared machine where
requests/s under wrk is not; it says nothing about the server's I/O (``bench/feed.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import asgi_floor
from bench.common import CORPUS, cli, fresh_db, read_key
from bench.feed import load_archive
from bench.media_http import photo
from newswire.api.app import create_app
from newswire.delivery.renderer import rendition_path
from newswire.settings import Settings
from newswire.store import open_store

App = Callable[[dict, Any, Any], Awaitable[None]]


def scope_of(target: str, headers: dict[str, str]) -> dict:
    """A scope as uvicorn (httptools) makes it."""
    path, _, query = target.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": "GET",
        "root_path": "",
        "path": unquote(path),
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"user-agent", b"wrk"),
            *((k.lower().encode(), v.encode("latin-1")) for k, v in headers.items()),
        ],
        "state": {},
    }


class Sink:
    """``send``: keeps the status and the body's size of the last response."""

    __slots__ = ("size", "status")

    def __init__(self) -> None:
        self.status, self.size = 0, 0

    async def __call__(self, message: dict) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        else:
            self.size = len(message.get("body", b""))


async def receive() -> dict:
    """Nothing until the response is done (no request here has a body; a streamed answer
    listens for a disconnect meanwhile)."""
    await asyncio.Event().wait()
    return {"type": "http.disconnect"}


async def call(app: App, target: str, headers: dict[str, str]) -> Sink:
    sink = Sink()
    await app(scope_of(target, headers), receive, sink)
    return sink


async def per_request(app: App, target: str, headers: dict[str, str], n: int, rounds: int) -> float:
    """µs a request, the best of ``rounds`` loops of ``n`` (a fresh scope each, as a
    server makes one per request)."""
    scopes = [scope_of(target, headers) for _ in range(min(n, 1000))]
    sink = Sink()
    best = float("inf")
    for _ in range(rounds):
        start = time.thread_time()
        for i in range(n):
            await app(dict(scopes[i % len(scopes)]), receive, sink)
        best = min(best, (time.thread_time() - start) / n)
    return best * 1e6


class Transport:
    """What the protocol writes to (a socket's transport, minus the socket)."""

    def __init__(self) -> None:
        self.written = 0

    def write(self, data: bytes) -> None:
        self.written += len(data)

    def get_extra_info(self, name: str) -> Any:
        return ("127.0.0.1", 8000) if name in ("sockname", "peername") else None

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def connected(app: Any, kind: type, target: str, headers: dict[str, str]) -> tuple[Any, bytes]:
    """A protocol of ``kind`` serving ``app`` on a ``Transport``, and the request's bytes."""
    import uvicorn
    from uvicorn.server import ServerState

    config = uvicorn.Config(app, http=kind, log_level="warning")
    config.load()
    protocol = kind(config, ServerState(), {}, _loop=asyncio.get_running_loop())
    protocol.connection_made(Transport())
    lines = [f"GET {target} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return protocol, ("\r\n".join(lines) + "\r\n\r\n").encode()


async def at_parse(
    app: Any, target: str, headers: dict[str, str], n: int, rounds: int
) -> float | None:
    """µs a request through ``newswire.api.protocol`` (parse, answer, write), the best of
    ``rounds`` loops of up to 5,000 on one connection in which every request was answered
    at parse; None if none was. The event loop runs every 100 requests, as a server's does
    between them (each answer arms a keep-alive timer and the next cancels it)."""
    from newswire.api.protocol import Protocol

    protocol, data = connected(app, Protocol, target, headers)
    counted = app.state.traffic.at_parse
    before = counted()
    protocol.data_received(data)
    if counted() != before + 1:
        return None
    best, clean, tries = float("inf"), 0, 0
    step = min(n, 5000)  # within one lease of the key's tokens (16,667 at 1,000,000 a minute)
    while clean < rounds and tries < 4 * rounds:
        tries += 1
        before = counted()
        start = time.thread_time()
        for i in range(step):
            protocol.data_received(data)
            if i % 100 == 99:
                await asyncio.sleep(0)
        spent = (time.thread_time() - start) / step
        if counted() - before == step:
            best, clean = min(best, spent), clean + 1
            continue
        # The key's tokens in memory ran out: one request went the ASGI way to lease more
        # (in a thread) and those behind it queued. Not this round: let them finish.
        while protocol.pipeline or (protocol.cycle and not protocol.cycle.response_complete):
            await asyncio.sleep(0.001)
    if not clean:
        return None
    protocol._unset_keepalive_if_required()
    return best * 1e6


async def through_uvicorn(
    app: Any, target: str, headers: dict[str, str], n: int, rounds: int
) -> float:
    """µs a request through uvicorn's own httptools protocol and the ASGI application
    (what ``at_parse`` saves: the scope, the task, the response cycle, ``send``), one
    request at a time on one connection, the loop run until its answer is written."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    protocol, data = connected(app, HttpToolsProtocol, target, headers)
    best = float("inf")
    for _ in range(rounds):
        start = time.thread_time()
        for _ in range(min(n, 5000)):
            protocol.data_received(data)
            while not (protocol.cycle.response_complete and not protocol.pipeline):
                await asyncio.sleep(0)
        best = min(best, (time.thread_time() - start) / min(n, 5000))
    protocol._unset_keepalive_if_required()
    return best * 1e6


async def started(app: Any) -> Callable[[], Awaitable[None]]:
    """Run ``app``'s lifespan; the coroutine that shuts it down."""
    inbox: asyncio.Queue[dict] = asyncio.Queue()
    ready = asyncio.get_running_loop().create_future()

    async def send(message: dict) -> None:
        if message["type"].startswith("lifespan.startup") and not ready.done():
            ready.set_result(message["type"])

    await inbox.put({"type": "lifespan.startup"})
    task = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, send))
    if (await ready) != "lifespan.startup.complete":
        raise RuntimeError("the app did not start")

    async def stop() -> None:
        await inbox.put({"type": "lifespan.shutdown"})
        await task

    return stop


def prepare(work: Path, items: int) -> dict[str, Any]:
    db = fresh_db(work, "fast")
    stored = load_archive(db, CORPUS, items)
    cli(db, "product", "add", "all", "--access", "full", "--lang", "ar")
    cli(db, "subscriber", "add", "all", "--product", "all", "--rate-limit", "1000000")
    cli(db, "product", "add", "photos", "--access", "full", "--type", "picture")
    cli(db, "subscriber", "add", "photos", "--product", "photos", "--rate-limit", "1000000")
    picture = cli(db, "ingest", str(photo(work / "photo.jpg", 1600, 1200))).strip().splitlines()[-1]
    store = open_store(db)
    try:
        last = store.last_seq()
        some = store.changes(last - 20, 1)[0].item.id
    finally:
        store.close()
    return {
        "db": db,
        "stored": stored,
        "key": read_key(db, "all"),
        "photos_key": read_key(db, "photos"),
        "after": last - 120,
        "item": some,
        "picture": picture,
    }


async def measure(
    setup: dict[str, Any], n: int, rounds: int, profile: str | None, only: str | None = None
) -> dict[str, dict]:
    app = create_app(Settings(db=setup["db"], access_log=False))
    stop = await started(app)
    auth = {"Authorization": f"Bearer {setup['key']}"}
    photos = {"Authorization": f"Bearer {setup['photos_key']}"}
    feed = f"/v1/feed?after={setup['after']}"
    item = f"/v1/items/{quote(setup['item'], safe='')}"
    rendition = rendition_path(setup["picture"], 1, "thumbnail")
    cases: dict[str, tuple[str, dict[str, str]]] = {"feed": (feed, auth), "item": (item, auth)}
    etags: dict[str, str] = {}
    for name, (target, headers) in list(cases.items()):
        sink = Sink()
        sent: list[dict] = []

        async def keep(message: dict, sent: list[dict] = sent, sink: Sink = sink) -> None:
            sent.append(message)
            await sink(message)

        await app(scope_of(target, headers), receive, keep)
        if sink.status != 200:
            raise RuntimeError(f"{name}: {sink.status} {sent[-1].get('body', b'')[:300]!r}")
        etags[name] = dict(sent[0]["headers"])[b"etag"].decode()
        asgi_floor.PAGES[(target, headers["Authorization"])] = (sent[1]["body"], etags[name])
        cases[f"{name} 304"] = (target, {**headers, "If-None-Match": etags[name]})
    cases["rendition"] = (rendition, photos)
    results: dict[str, dict] = {}
    try:
        for name, (target, headers) in cases.items():
            if only is not None and name != only:
                continue
            for _ in range(3):  # warm: the key known, the page kept, the file in memory
                got = await call(app, target, headers)
            if got.status not in (200, 304):
                raise RuntimeError(f"{name}: {got.status}")
            ours = await per_request(app, target, headers, n, rounds)
            row = {"status": got.status, "bytes": got.size, "newswire_us": round(ours, 1)}
            row["uvicorn_us"] = round(await through_uvicorn(app, target, headers, n, rounds), 1)
            parsed = await at_parse(app, target, headers, n, rounds)
            row["at_parse_us"] = None if parsed is None else round(parsed, 1)
            if name != "rendition":
                floor = await per_request(asgi_floor.app, target, headers, n, rounds)
                row["floor_us"] = round(floor, 1)
                row["ratio"] = round(ours / floor, 2)
            results[name] = row
            if profile == name:
                profiler = cProfile.Profile()
                profiler.enable()
                await per_request(app, target, headers, n, 1)
                profiler.disable()
                stats = pstats.Stats(profiler).sort_stats("tottime")
                stats.print_stats(30)
    finally:
        await stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=20_000, help="requests a round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--items", type=int, default=2000, help="articles of the corpus stored")
    parser.add_argument("--profile", help="cProfile this case (feed, feed 304, item, ...)")
    parser.add_argument("--only", help="measure this case alone (for a sampling profiler)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newswire-fast-paths-") as tmp:
        setup = prepare(Path(tmp), args.items)
        try:
            import uvloop

            runner = uvloop.run
        except ImportError:
            runner = asyncio.run
        results = runner(measure(setup, args.n, args.rounds, args.profile, args.only))
    print(f"In-process CPU per request, best of {args.rounds} x {args.n:,}\n")
    print(
        "| case | status | bytes | newswire µs | floor µs | newswire / floor "
        "| uvicorn + newswire µs | at parse µs |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, row in results.items():
        floor = row.get("floor_us")
        parsed = row.get("at_parse_us")
        print(
            f"| {name} | {row['status']} | {row['bytes']:,} | {row['newswire_us']} | "
            f"{floor if floor is not None else '-'} | {row.get('ratio', '-')} | "
            f"{row['uvicorn_us']} | {parsed if parsed is not None else 'not answered'} |"
        )


if __name__ == "__main__":
    main()

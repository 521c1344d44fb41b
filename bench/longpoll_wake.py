"""The server's CPU per woken long poll beside per SSE delivery, measured in the server's
own process (finer than bench/longpoll.py's clock ticks), with an optional cProfile of
the wake-up.

    .venv/bin/python bench/longpoll_wake.py [--n 2000] [--rounds 3] [--profile PATH]

The application runs under uvicorn (uvloop, httptools) in this process, pinned to core
0; the clients are bench/poll_load.py and bench/sse_load.py readers on core 1, the
publisher bench/sse_load.py publish (core 1). One publish first warms the process up.
Each round: --n long polls ``GET /v1/feed?after=HEAD&wait=30`` all waiting
(``newswire_feed_waits`` says so), one publish, until every poll is answered; then --n
SSE streams, one publish, until every reader has it. CPU = this process's
``time.process_time()`` (every thread: the page build runs in a worker thread; system
time also apart) from before the POST to the last answer, per answer; p99 from the
POST's acknowledgement. With --profile, cProfile of the event loop's thread over the
long polls' wake-up of the last round, sorted by internal time, written to PATH.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    CLIENT_CORE,
    PY,
    ROOT,
    Steered,
    cli,
    fresh_db,
    make_bodies,
    publish_key,
    raise_nofile,
    read_key,
)
from bench.longpoll import publish_one

POLL_LOAD = str(ROOT / "bench" / "poll_load.py")
SSE_LOAD = str(ROOT / "bench" / "sse_load.py")


async def until(check, limit: float = 60.0, every: float = 0.002) -> None:
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("gave up waiting")
        await asyncio.sleep(every)


async def one_round(app, port: int, keys: dict, n: int, body: bytes, body2: bytes, work: Path, tag: str, prof):
    state = app.state
    hub, metrics = state.hub, state.metrics
    rows = {}
    # --- long polls
    client = Steered([PY, POLL_LOAD, "--port", str(port), "--key", keys["read"]], CLIENT_CORE)
    try:
        waits0 = metrics.feed_waits._value.get()
        head = hub.position
        path = f"/v1/feed?after={head}&wait=30"
        opened = await asyncio.to_thread(client.call, 120, op="open", n=n, path=path, concurrency=200)
        assert not opened["failed"], opened
        await until(lambda: metrics.feed_waits._value.get() - waits0 >= n)
        await asyncio.sleep(0.5)
        answered = 0

        def status() -> None:
            nonlocal answered
            while answered < n:
                answered = client.call(30, op="status")["answered"]

        if prof is not None:
            prof.enable()
        cpu0, t0, sys0 = time.process_time(), time.monotonic(), os.times().system
        pub = await asyncio.to_thread(publish_one, port, keys["publish"], body, work, f"{tag}-p")
        await asyncio.to_thread(status)
        cpu, wall = time.process_time() - cpu0, time.monotonic() - t0
        system = os.times().system - sys0
        if prof is not None:
            prof.disable()
        dump = work / f"polls-{tag}.json"
        await asyncio.to_thread(client.call, 60, op="dump", path=str(dump))
        import pickle

        polls = pickle.loads(dump.read_bytes())
        good = sum(1 for p in polls if p[0] == 200 and p[1] == pub["seq"])
        lat = sorted(p[3] - pub["ack"] for p in polls if p[3])
        rows["long poll"] = {
            "answered": good,
            "cpu_us": round(cpu * 1e6 / n, 1),
            "system_us": round(system * 1e6 / n, 1),
            "wall_ms": round(wall * 1000, 1),
            "p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000, 1) if lat else None,
        }
        await asyncio.to_thread(client.call, 60, op="close")
    finally:
        await asyncio.to_thread(client.close)
    # --- SSE
    readers = Steered([PY, SSE_LOAD, "readers", "--port", str(port), "--key", keys["read"]], CLIENT_CORE)
    try:
        opened = await asyncio.to_thread(readers.call, 150, op="connect", n=n, concurrency=200, timeout=120)
        assert not opened["failed"], opened
        await until(lambda: len(hub.listeners()) >= n)
        await asyncio.sleep(0.5)
        frames = 0

        def status2() -> None:
            nonlocal frames
            while frames < n:
                frames = readers.call(30, op="status")["frames"]

        await asyncio.to_thread(readers.call, 30, op="reset")
        cpu0, t0, sys0 = time.process_time(), time.monotonic(), os.times().system
        pub = await asyncio.to_thread(publish_one, port, keys["publish"], body2, work, f"{tag}-s")
        await asyncio.to_thread(status2)
        cpu, wall = time.process_time() - cpu0, time.monotonic() - t0
        system = os.times().system - sys0
        rows["SSE"] = {
            "answered": frames,
            "cpu_us": round(cpu * 1e6 / n, 1),
            "system_us": round(system * 1e6 / n, 1),
            "wall_ms": round(wall * 1000, 1),
        }
    finally:
        await asyncio.to_thread(readers.close)
    await until(lambda: not hub.listeners(), 30, 0.05)
    return rows


async def run(args, work: Path, db: str, keys: dict) -> list[dict]:
    import uvicorn

    from newswire.api.app import create_app
    from newswire.api.serving import tune_gc
    from newswire.settings import Settings

    app = create_app(Settings(db=db))
    tune_gc()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, loop="none", http="httptools", access_log=False,
        log_level="warning", timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await until(lambda: server.started, 30, 0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    bodies = make_bodies(2 * args.rounds + 1, f"wake-{os.getpid()}")
    # A first publish does what only a first does (imports, the index opened): not measured.
    await asyncio.to_thread(publish_one, port, keys["publish"], bodies[-1], work, "warm")
    rows = []
    try:
        prof = None
        for r in range(args.rounds):
            if args.profile and r == args.rounds - 1:
                prof = cProfile.Profile()
            row = await one_round(app, port, keys, args.n, bodies[2 * r], bodies[2 * r + 1], work, f"r{r}", prof)
            print(f"round {r + 1}: {json.dumps(row)}", file=sys.stderr)
            rows.append(row)
        if prof is not None:
            with open(args.profile, "w") as out:
                pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(45)
    finally:
        server.should_exit = True
        await task
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", metavar="PATH")
    args = parser.parse_args()
    raise_nofile(2 * args.n + 1000)
    import uvloop

    with tempfile.TemporaryDirectory(prefix="newswire-wake-") as tmp:
        work = Path(tmp)
        db = fresh_db(work, "wake")
        cli(db, "product", "add", "wire", "--access", "full")
        cli(db, "subscriber", "add", "bench", "--product", "wire", "--rate-limit", "1000000")
        keys = {"read": read_key(db, "bench"), "publish": publish_key(db)}
        if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
            os.sched_setaffinity(0, {0})
        rows = uvloop.run(run(args, work, db, keys))
    for mode in ("long poll", "SSE"):
        cpu = sorted(r[mode]["cpu_us"] for r in rows)
        print(f"{mode}: CPU µs per answer, rounds {cpu} (median {cpu[len(cpu) // 2]})")
    ratio = sorted(r["long poll"]["cpu_us"] / max(0.1, r["SSE"]["cpu_us"]) for r in rows)
    print(f"long poll / SSE CPU, median round: {ratio[len(ratio) // 2]:.2f}")


if __name__ == "__main__":
    main()

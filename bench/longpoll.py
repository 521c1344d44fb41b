"""Thousands of waiting long polls and one publish, beside as many SSE readers and one
publish, in one run, on loopback (127.0.0.1) only.

    .venv/bin/python bench/longpoll.py [--n 5000] [--rounds 3]   # = make bench-longpoll
    .venv/bin/python bench/longpoll.py --quick                   # 300 of each, 1 round
    .venv/bin/python bench/longpoll.py --py-spy PATH             # also profile (extra round)

Into a fresh temporary SQLite store: 100 items of the demo sample, a product, a
subscriber (``--rate-limit 1000000``) with a read key, a publish key; ``newswire serve``
pinned to core 0. The script raises its open-files limit first (children inherit it).
Each round, in turn (the order alternating between rounds):

- *long poll*: a client process pinned to core 1 (bench/poll_load.py: uvloop, one
  ``asyncio.Protocol`` a connection) opens --n connections and sends
  ``GET /v1/feed?after=HEAD&wait=30`` on each; once the server has been idle for a second
  (every request has been read and is waiting), one unique Arabic ninjs item is POSTed by
  a publisher process on core 1 (bench/sse_load.py publish). Every answer is checked: a
  200 whose ``X-Newswire-Next`` is the new item's sequence.
- *SSE*: the reader process of bench/stream.py (bench/sse_load.py readers, on core 1)
  opens --n ``GET /v1/stream`` connections; once ``/metrics`` counts them all, one item
  is POSTed the same way. Every reader must receive it once.

Latency of a delivery = when the client had the whole answer (or parsed the frame) − when
the publisher had the POST's 201 (also − when it sent the POST); one CLOCK_MONOTONIC on
one machine. The server's CPU from the POST to the last delivery is reported too.

Before each round the script waits (--quiet-wait s at most) for both cores to be 90%
idle. Writes bench/out/longpoll.json (longpoll-quick.json), prints a Markdown table and
the verdict against the target: every long poll answered, p99 ≤ 1.5× the SSE p99.
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    CLIENT_CORE,
    OUT,
    PY,
    ROOT,
    CoreMeter,
    Server,
    Steered,
    check,
    cli,
    fresh_db,
    http,
    make_bodies,
    ms_summary,
    pinned,
    profile_lines,
    profile_run,
    publish_key,
    raise_nofile,
    read_key,
    report_result,
    stop_on_term,
    streams_connected,
    table,
    tree_cpu_seconds,
    verdict_table,
    wait_idle,
    wait_quiet,
    wait_streams,
)

SSE_LOAD = str(ROOT / "bench" / "sse_load.py")
POLL_LOAD = str(ROOT / "bench" / "poll_load.py")
TARGET_RATIO = 1.5
WAIT = 30


def publish_one(port: int, key: str, body: bytes | list[bytes], work: Path, tag: str) -> dict:
    """POST one body (or several, one after the other) with the publisher of
    bench/sse_load.py on core 1: the first's record (when it was sent and acknowledged,
    its sequence)."""
    bodies, out = work / f"body-{tag}.pickle", work / f"pub-{tag}.json"
    job = {
        "bodies": body if isinstance(body, list) else [body],
        "headers": {"Content-Type": "application/ninjs+json"},
        "seqs": None,  # newswire's answer says each sequence number
    }
    bodies.write_bytes(pickle.dumps(job))
    subprocess.run(
        pinned(
            CLIENT_CORE,
            [
                PY,
                SSE_LOAD,
                "publish",
                "--port",
                str(port),
                "--key",
                key,
                "--bodies",
                str(bodies),
                "--rate",
                "0",
                "--out",
                str(out),
                "--timeout",
                "60",
                "--concurrency",
                "1",
            ],
        ),
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    record = json.loads(out.read_text())[0]
    if "seq" not in record:
        raise RuntimeError(f"the publish failed: {record}")
    return record


def publish_and_wait(
    server: Server,
    keys: dict,
    body: bytes,
    work: Path,
    tag: str,
    client: Steered,
    done: Callable[[dict], bool],
    dump: Path,
    dump_wait: float,
) -> tuple[dict, float, dict, Any]:
    """With every client waiting, one item published; then until the client process's
    status is ``done`` (WAIT s at most). The publish's record, the server's CPU seconds
    from just before the POST, the machine's figures and what the client process dumped."""
    meter = CoreMeter({"server": server.pid, "client": client.pid})
    meter.start()
    cpu0 = tree_cpu_seconds(server.pid)
    pub = publish_one(server.port, keys["publish"], body, work, tag)
    deadline = time.monotonic() + WAIT
    while not done(client.call(30, op="status")) and time.monotonic() < deadline:
        time.sleep(0.05)
    cpu = tree_cpu_seconds(server.pid) - cpu0
    machine = meter.stop()
    client.call(dump_wait, op="dump", path=str(dump))
    return pub, cpu, machine, pickle.loads(dump.read_bytes())


def delivered(times: list[float], pub: dict, cpu: float, machine: dict) -> dict:
    """The figures of the deliveries of a published item (``pub``), received at ``times``
    (sorted), with the server's CPU seconds and the machine's figures meanwhile."""
    return {
        "latency_ms": ms_summary([t - pub["ack"] for t in times]),
        "latency_from_send_ms": ms_summary([t - pub["sent"] for t in times]),
        "post_ms": round((pub["ack"] - pub["sent"]) * 1000, 2),
        "server_cpu_ms": round(cpu * 1000, 1),
        "server_cpu_us_per_delivery": round(cpu * 1e6 / max(1, len(times)), 1),
        "machine": machine,
    }


def long_polls(server: Server, keys: dict, n: int, body: bytes, work: Path, tag: str) -> dict:
    head = json.loads(http(server.port, "/ready")[2])["last_seq"]
    client = Steered([PY, POLL_LOAD, "--port", str(server.port), "--key", keys["read"]])
    try:
        t = time.monotonic()
        opened = client.call(
            120, op="open", n=n, path=f"/v1/feed?after={head}&wait={WAIT}", concurrency=200
        )
        if opened["failed"]:
            raise RuntimeError(f"{opened['failed']} of {n} connections failed: {opened['errors']}")
        open_s = time.monotonic() - t
        # Every request read and waiting: the server back to its idle CPU (~5% of a core).
        idle = wait_idle(server.pid, share=0.15, settle=1.0, limit=8)
        ready_s = time.monotonic() - t
        early = client.call(30, op="status")
        if ready_s > WAIT - 8 or early["answered"]:
            raise RuntimeError(f"long polls not all waiting after {ready_s:.1f} s: {early}")
        pub, cpu, machine, polls = publish_and_wait(
            server,
            keys,
            body,
            work,
            tag,
            client,
            done=lambda status: status["answered"] + status["errors"] >= n,
            dump=work / f"polls-{tag}.pickle",
            dump_wait=60,
        )
        client.call(60, op="close")
    finally:
        client.close()
    good = [p for p in polls if p[0] == 200 and p[1] == pub["seq"] and p[3]]
    done = sorted(p[3] for p in good)
    return {
        "mode": "long poll",
        "n": n,
        "open_s": round(open_s, 2),
        "setup_s": round(ready_s, 2),
        "server_idle_share_before": idle,
        "answered": len(good),
        "answered_otherwise": [[*p[:3], p[4]] for p in polls if p not in good][:5],
        "bytes_per_answer": round(sum(p[2] for p in good) / max(1, len(good))),
        **delivered(done, pub, cpu, machine),
    }


def sse(server: Server, keys: dict, n: int, body: bytes, work: Path, tag: str) -> dict:
    readers = Steered([PY, SSE_LOAD, "readers", "--port", str(server.port), "--key", keys["read"]])
    try:
        t = time.monotonic()
        opened = readers.call(150, op="connect", n=n, concurrency=200, timeout=120)
        if opened["failed"]:
            raise RuntimeError(f"{opened['failed']} of {n} streams failed: {opened['errors']}")
        wait_streams(server.port, n)
        idle = wait_idle(server.pid, share=0.15, settle=1.0, limit=8)
        ready_s = time.monotonic() - t
        readers.call(30, op="reset")
        pub, cpu, machine, got = publish_and_wait(
            server,
            keys,
            body,
            work,
            tag,
            readers,
            done=lambda status: status["frames"] >= n,
            dump=work / f"sse-{tag}.pickle",
            dump_wait=120,
        )
    finally:
        readers.close()
    times, duplicates = [], 0
    for seqs, stamps in zip(got["seqs"], got["times"], strict=True):
        mine = [t for s, t in zip(seqs, stamps, strict=True) if s == pub["seq"]]
        duplicates += max(0, len(mine) - 1)
        times.extend(mine[:1])
    times.sort()
    # The server closes the streams' sockets as the readers go: let it, before what's next.
    deadline = time.monotonic() + 30
    while streams_connected(server.port) and time.monotonic() < deadline:
        time.sleep(0.2)
    return {
        "mode": "SSE",
        "n": n,
        "setup_s": round(ready_s, 2),
        "server_idle_share_before": idle,
        "answered": len(times),
        "duplicates": duplicates,
        "closed_by_server": sum(got["closed"]),
        **delivered(times, pub, cpu, machine),
    }


def pooled(rows: list[dict], mode: str) -> dict:
    """Over every round: p50/p99 of the rounds' p50/p99 (the median round) and the worst."""
    mine = [r for r in rows if r["mode"] == mode]
    p99 = sorted(r["latency_ms"]["p99"] for r in mine if r["latency_ms"]["p99"] is not None)
    p50 = sorted(r["latency_ms"]["p50"] for r in mine if r["latency_ms"]["p50"] is not None)
    return {
        "rounds": len(mine),
        "all_answered": all(r["answered"] == r["n"] for r in mine),
        "median_p99_ms": p99[len(p99) // 2] if p99 else None,
        "worst_p99_ms": p99[-1] if p99 else None,
        "median_p50_ms": p50[len(p50) // 2] if p50 else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="long polls, and SSE readers")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="300 of each, one round")
    parser.add_argument("--quiet-wait", type=float, default=120.0, metavar="S")
    parser.add_argument("--py-spy", metavar="PATH", help="profile the server in an extra round")
    args = parser.parse_args()
    stop_on_term()
    if args.quick:
        args.n, args.rounds = 300, 1
    name = "longpoll-quick" if args.quick else "longpoll"
    nofile = raise_nofile(2 * args.n + 1000)
    if nofile < args.n + 500:
        sys.exit(f"the open-files limit is {nofile}: too low for {args.n} connections")

    rows: list[dict] = []
    profiles: dict = {}
    with tempfile.TemporaryDirectory(prefix="newswire-longpoll-") as tmp:
        work = Path(tmp)
        db = fresh_db(work, "longpoll")
        cli(db, "product", "add", "wire", "--access", "full")
        cli(db, "subscriber", "add", "bench", "--product", "wire", "--rate-limit", "1000000")
        keys = {"read": read_key(db, "bench"), "publish": publish_key(db)}
        bodies = make_bodies(args.rounds * 2 + 102, "longpoll")
        with Server(db, work / "server.log", ready=True) as server:
            publish_one(server.port, keys["publish"], bodies[:100], work, "seed")  # an archive
            bodies = bodies[100:]
            for r in range(args.rounds):
                quiet = wait_quiet(args.quiet_wait) if args.quiet_wait > 0 else None
                order = (long_polls, sse) if r % 2 == 0 else (sse, long_polls)
                for run in order:
                    row = run(server, keys, args.n, bodies.pop(), work, f"{r}-{run.__name__}")
                    row.update({"round": r + 1, "busiest_core_before": quiet})
                    rows.append(row)
                    print(
                        f"round {r + 1} {row['mode']}: {row['answered']}/{row['n']} answered,"
                        f" p50 {row['latency_ms']['p50']} ms, p99 {row['latency_ms']['p99']} ms,"
                        f" server {row['server_cpu_ms']} ms CPU",
                        file=sys.stderr,
                    )
            if args.py_spy:
                for run in (long_polls, sse):
                    body = make_bodies(1, f"profile-{run.__name__}")[0]
                    row, prof = profile_run(
                        args.py_spy,
                        server.pid,
                        OUT / f"{name}-profile-{run.__name__}.txt",
                        25,
                        partial(run, server, keys, args.n, body, work, f"spy-{run.__name__}"),
                        grace=35,
                    )
                    profiles[run.__name__] = {
                        "latency_ms_while_profiled": row["latency_ms"],
                        **prof,
                    }

    polls, streams = pooled(rows, "long poll"), pooled(rows, "SSE")
    ratio = (
        round(polls["median_p99_ms"] / streams["median_p99_ms"], 3)
        if polls["median_p99_ms"] and streams["median_p99_ms"]
        else None
    )
    checks = [
        check("long polls answered, every round (1 = all)", float(polls["all_answered"]), 1, True),
        check("long-poll p99 / SSE p99 (median round)", ratio, TARGET_RATIO, False),
    ]
    result = {
        "n": args.n,
        "open_files_limit": nofile,
        "target_ratio": TARGET_RATIO,
        "verdict": checks,
        "summary": {"long poll": polls, "SSE": streams, "p99_ratio": ratio},
        "runs": rows,
        "profiles": profiles,
    }
    report_result(name, result, report)


def report(result: dict) -> str:
    rows = []
    for r in result["runs"]:
        lat, sent = r["latency_ms"], r["latency_from_send_ms"]
        rows.append(
            [
                r["round"],
                r["mode"],
                f"{r['answered']:,}/{r['n']:,}",
                lat["p50"],
                lat["p99"],
                lat["max"],
                sent["p99"],
                r["post_ms"],
                r["server_cpu_ms"],
                r["server_cpu_us_per_delivery"],
                r["machine"].get("other_on_server_core"),
            ]
        )
    parts = [
        table(
            [
                "round",
                "clients",
                "answered",
                "p50 ms",
                "p99 ms",
                "max ms",
                "p99 ms from send",
                "POST ms",
                "server CPU ms",
                "µs / delivery",
                "other on server core",
            ],
            rows,
            "rlrrrrrrrrr",
        ),
        "",
        f"busiest core before each round: {sorted({r['busiest_core_before'] for r in result['runs']})}",
        json.dumps(result["summary"]),
        "",
        verdict_table(result["verdict"]),
    ]
    for mode, prof in result["profiles"].items():
        title = f"\nprofile of {mode} ({prof['samples']} samples):"
        parts.extend(profile_lines(title, prof, (15, 20, 12)))
    return "\n".join(parts)


if __name__ == "__main__":
    main()

"""Publishing one item at a time over HTTP, beside a bare SQLite insert loop of the same
bytes, in one run, on loopback (127.0.0.1) only.

    .venv/bin/python bench/publish.py [--items 3000] [--rounds 3]   # = make bench-publish
    .venv/bin/python bench/publish.py --quick                       # 300 items, 1 round
    .venv/bin/python bench/publish.py --py-spy PATH                 # also profile (extra run)

Into a fresh temporary SQLite store with a publish key, ``newswire serve`` pinned to
core 0. Each round:

- *newswire*: a client process pinned to core 1 POSTs --items unique Arabic ninjs items
  (the demo sample, each its own id; 4.4 KB on average) to ``/v1/items`` one after the
  other on one keep-alive connection (``http.client``, TCP_NODELAY), each waiting for its
  201; the time of each from sending to the 201, and the whole loop's items/s. 100 items
  are sent first to warm up, not counted.
- *bare SQLite*: a process pinned to core 0 (where the server runs) inserts the same
  bytes into a fresh database, one transaction (``BEGIN``, ``INSERT``, ``COMMIT``) per
  item, WAL and ``synchronous=NORMAL`` as newswire's store sets them, into a table of
  the same columns as newswire's ``versions``: the floor of a durable one-at-a-time write.

Before each round the script waits (--quiet-wait s at most) for both cores to be 90%
idle. Writes bench/out/publish.json (publish-quick.json), prints a Markdown table and the
verdict against the targets: ≥ 1,000 items/s, p99 ≤ 10 ms to the 201.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import pickle
import socket
import sqlite3
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    CLIENT_CORE,
    OUT,
    SERVER_CORE,
    CoreMeter,
    Server,
    check,
    fresh_db,
    make_bodies,
    ms_summary,
    profile_lines,
    profile_run,
    publish_key,
    report_result,
    run_role,
    stop_on_term,
    table,
    verdict_table,
    wait_quiet,
)

TARGETS = {"items_per_s": 1000.0, "p99_ms": 10.0}
WARM_UP = 100


# --- the two loops (each in a process of its own) -------------------------------------------


def post_loop(port: int, key: str, bodies: list[bytes]) -> dict:
    """POST each body in turn on one connection; the seconds each took, and the loop's."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/ninjs+json"}
    took, statuses, errors = [], {}, []
    clock = time.perf_counter
    start = clock()
    for body in bodies:
        t = clock()
        conn.request("POST", "/v1/items", body, headers)
        resp = conn.getresponse()
        data = resp.read()
        took.append(clock() - t)
        statuses[resp.status] = statuses.get(resp.status, 0) + 1
        if resp.status != 201 and len(errors) < 5:
            errors.append(data[:300].decode("utf-8", "replace"))
    wall = clock() - start
    conn.close()
    return {"took": took, "wall": wall, "statuses": statuses, "errors": errors}


BARE_TABLE = (
    "CREATE TABLE versions (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL,"
    " version INTEGER NOT NULL, language TEXT NOT NULL DEFAULT '', headline TEXT NOT NULL"
    " DEFAULT '', pubstatus TEXT NOT NULL DEFAULT 'usable', versioncreated TEXT,"
    " embargo_until TEXT, fingerprint TEXT NOT NULL, stored_at TEXT NOT NULL,"
    " data BLOB NOT NULL, UNIQUE (id, version))"
)


def bare_loop(path: str, bodies: list[bytes]) -> dict:
    """Insert each body in a transaction of its own; the seconds each took, and the loop's."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(BARE_TABLE)
    rows = []
    for n, body in enumerate(bodies):
        item = json.loads(body)
        rows.append(
            (
                item.get("uri") or f"bare:{n}",
                1,
                item.get("language", ""),
                (item.get("headlines") or [{}])[0].get("value", ""),
                "usable",
                item.get("versionCreated"),
                None,
                hashlib.blake2b(body, digest_size=16).hexdigest(),
                time.strftime("%Y-%m-%dT%H:%M:%SZ"),
                body,
            )
        )
    insert = (
        "INSERT INTO versions (id, version, language, headline, pubstatus, versioncreated,"
        " embargo_until, fingerprint, stored_at, data) VALUES (?,?,?,?,?,?,?,?,?,?)"
    )
    took = []
    clock = time.perf_counter
    start = clock()
    for row in rows:
        t = clock()
        db.execute("BEGIN")
        db.execute(insert, row)
        db.execute("COMMIT")
        took.append(clock() - t)
    wall = clock() - start
    db.close()
    return {"took": took, "wall": wall, "statuses": {"committed": len(took)}, "errors": []}


def child(args) -> None:
    with open(args.bodies, "rb") as handle:
        bodies = pickle.load(handle)
    if args.role == "post":
        result = post_loop(args.port, args.key, bodies)
    else:
        result = bare_loop(args.db, bodies)
    with open(args.out, "wb") as handle:
        pickle.dump(result, handle)


def run_child(role: str, core: str, work: Path, tag: str, bodies: list[bytes], **opts) -> dict:
    bodies_file, out = work / f"bodies-{tag}.pickle", work / f"out-{tag}.pickle"
    bodies_file.write_bytes(pickle.dumps(bodies))
    run_role(__file__, role, core, bodies=bodies_file, out=out, **opts)
    return pickle.loads(out.read_bytes())


def summary(name: str, got: dict, machine: dict | None = None) -> dict:
    n = len(got["took"])
    return {
        "writer": name,
        "items": n,
        "items_per_s": round(n / got["wall"], 1),
        "latency_ms": ms_summary(got["took"]),
        "statuses": got["statuses"],
        "errors": got["errors"],
        **({"machine": machine} if machine else {}),
    }


# --- the run ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="300 items, one round")
    parser.add_argument("--quiet-wait", type=float, default=120.0, metavar="S")
    parser.add_argument("--py-spy", metavar="PATH", help="profile the server in an extra run")
    # the child processes' own options
    parser.add_argument("--role", choices=("post", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--bodies", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    stop_on_term()
    if args.role:
        child(args)
        return
    if args.quick:
        args.items, args.rounds = 300, 1
    name = "publish-quick" if args.quick else "publish"

    rows: list[dict] = []
    profile: dict = {}
    with tempfile.TemporaryDirectory(prefix="newswire-publish-") as tmp:
        work = Path(tmp)
        db = fresh_db(work, "publish")
        key = publish_key(db)
        with Server(db, work / "server.log", ready=True) as server:
            run_child(
                "post",
                CLIENT_CORE,
                work,
                "warm",
                make_bodies(WARM_UP, "warm"),
                port=server.port,
                key=key,
            )
            for r in range(args.rounds):
                quiet = wait_quiet(args.quiet_wait) if args.quiet_wait > 0 else None
                bodies = make_bodies(args.items, f"round{r}")
                meter = CoreMeter({"server": server.pid})
                meter.start()
                got = run_child(
                    "post", CLIENT_CORE, work, f"post{r}", bodies, port=server.port, key=key
                )
                mine = summary("newswire", got, meter.stop())
                got = run_child(
                    "bare", SERVER_CORE, work, f"bare{r}", bodies, db=str(work / f"bare{r}.db")
                )
                bare = summary("bare SQLite", got, {})
                for row in (mine, bare):
                    row.update({"round": r + 1, "busiest_core_before": quiet})
                    rows.append(row)
                    print(
                        f"round {r + 1} {row['writer']}: {row['items_per_s']:,.0f} items/s,"
                        f" p50 {row['latency_ms']['p50']} ms, p99 {row['latency_ms']['p99']} ms",
                        file=sys.stderr,
                    )
                cpu = mine["machine"]["cpu_share"]["server"] * mine["machine"]["wall_s"]
                mine["server_cpu_us_per_item"] = round(cpu * 1e6 / mine["items"], 1)
            if args.py_spy:
                bodies = make_bodies(args.items, "profile")
                got, prof = profile_run(
                    args.py_spy,
                    server.pid,
                    OUT / f"{name}-profile.txt",
                    args.items / 700 + 5,
                    partial(
                        run_child,
                        "post",
                        CLIENT_CORE,
                        work,
                        "spy",
                        bodies,
                        port=server.port,
                        key=key,
                    ),
                )
                profile = {"while_profiled": summary("newswire", got), **prof}

    def best(writer: str) -> dict:
        return max((r for r in rows if r["writer"] == writer), key=lambda r: r["items_per_s"])

    mine, bare = best("newswire"), best("bare SQLite")
    ratio = round(mine["items_per_s"] / bare["items_per_s"], 3)
    checks = [
        check("newswire items/s (best round)", mine["items_per_s"], TARGETS["items_per_s"], True),
        check(
            "newswire p99 ms to the 201 (that round)",
            mine["latency_ms"]["p99"],
            TARGETS["p99_ms"],
            False,
        ),
    ]
    result = {
        "items": args.items,
        "targets": TARGETS,
        "verdict": checks,
        "best": {"newswire": mine, "bare SQLite": bare, "ratio": ratio},
        "runs": rows,
        "profile": profile,
    }
    report_result(name, result, report)


def report(result: dict) -> str:
    rows = []
    for r in result["runs"]:
        lat = r["latency_ms"]
        rows.append(
            [
                r["round"],
                r["writer"],
                r["items"],
                r["items_per_s"],
                lat["p50"],
                lat["p90"],
                lat["p99"],
                lat["max"],
                r.get("server_cpu_us_per_item"),
                r.get("machine", {}).get("other_on_server_core"),
            ]
        )
    parts = [
        table(
            [
                "round",
                "writer",
                "items",
                "items/s",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "max ms",
                "server CPU µs / item",
                "other on core 0",
            ],
            rows,
            "rlrrrrrrrr",
        ),
        "",
        f"newswire / bare SQLite items/s (best rounds): {result['best']['ratio']}",
        "",
        verdict_table(result["verdict"]),
    ]
    prof = result["profile"]
    if prof:
        parts.extend(profile_lines(f"\nprofile ({prof['samples']} samples):", prof))
    return "\n".join(parts)


if __name__ == "__main__":
    main()

"""Webhook deliveries to a receiver on 127.0.0.1, beside a bare httpx POST loop of the
same requests to the same receiver, in one run, on loopback only.

    .venv/bin/python bench/webhooks.py [--items 2000] [--endpoints 1,4] [--rounds 2]
                                                   # = make bench-webhooks
    .venv/bin/python bench/webhooks.py --quick     # 200 items, one endpoint, one round
    .venv/bin/python bench/webhooks.py --py-spy PATH   # also profile (an extra run)

Into a fresh temporary SQLite store: a product, and for each of K endpoints a subscriber
with a webhook (``newswire webhook add``, ninjs, a secret) to ``/hook/k`` of one receiver;
``newswire serve`` pinned to core 0 with ``NEWSWIRE_WEBHOOK_ALLOW_PRIVATE=yes`` (the
receiver is on loopback). The receiver (bench/hook_receiver.py: uvloop, a hand-written
HTTP/1.1 parser, ``200 ok`` at once, keep-alive) runs pinned to core 1 and records when
each POST arrived, its headers and body. For each K in --endpoints, each round:

- *newswire*: --items unique Arabic items (the demo sample, each its own id) are stored
  in one transaction by this process (``Store.append_many``, as ``newswire ingest`` next
  to a running server): the server sees the commit, its enqueuer adds K × items
  deliveries to the outbox and each endpoint's sender POSTs them one at a time, signed.
  Time: from the commit to the receiver having every delivery. Each body's
  ``X-Newswire-Signature`` is checked (HMAC-SHA256 with the endpoint's secret).
- *bare httpx*: a process pinned to core 0 POSTs the very requests the receiver got
  (bodies and headers, in the same order) with one ``httpx.AsyncClient`` on uvloop, as
  newswire's sender does: one sequential loop per endpoint, the K loops concurrent.
  Time: from its start to the receiver having every request.

Before each round the script waits (--quiet-wait s at most) for both cores to be 90%
idle. Writes bench/out/webhooks.json (webhooks-quick.json), prints a Markdown table and
the verdict against the target: deliveries/s ≥ 0.5× the bare loop's.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import pickle
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    OUT,
    PY,
    ROOT,
    SERVER_CORE,
    CoreMeter,
    Server,
    Steered,
    check,
    cli,
    free_port,
    fresh_db,
    make_items,
    profile_lines,
    profile_run,
    report_result,
    run_role,
    stop_on_term,
    table,
    verdict_table,
    wait_idle,
    wait_quiet,
)

TARGET_RATIO = 0.5
SECRET = "bench-secret-0123456789abcdef"
RECEIVER = str(ROOT / "bench" / "hook_receiver.py")
ALLOW = {"NEWSWIRE_WEBHOOK_ALLOW_PRIVATE": "yes"}


# --- the bare loop (a process of its own) ---------------------------------------------------


async def bare_loops(base: str, calls: list) -> float:
    """POST every recorded request again, one sequential loop per path (endpoint), the
    loops concurrent, on one httpx.AsyncClient; the monotonic time it started."""
    import httpx

    by_path: dict[str, list] = {}
    for _, path, headers, body in calls:
        by_path.setdefault(path, []).append((headers, body))
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(10.0),
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=200),
        headers={"User-Agent": "bench"},
    ) as client:

        async def loop(path: str, requests: list) -> None:
            for headers, body in requests:
                response = await client.post(base + path, content=body, headers=headers)
                response.raise_for_status()

        start = time.monotonic()
        await asyncio.gather(*(loop(p, r) for p, r in by_path.items()))
    return start


def bare_child(args) -> None:
    import uvloop

    calls = pickle.loads(Path(args.calls).read_bytes())
    start = uvloop.run(bare_loops(args.base, calls))
    Path(args.out).write_text(repr(start))


# --- the run ----------------------------------------------------------------------------------


def wait_calls(receiver: Steered, n: int, limit: float) -> dict:
    deadline = time.monotonic() + limit
    while (status := receiver.call(30, op="status"))["calls"] < n:
        if time.monotonic() > deadline:
            break
        time.sleep(0.02)
    return status


def pace(times: list[float], start: float) -> dict:
    """How fast the requests arrived at the receiver (``times``, sorted) from ``start``."""
    return {
        "seconds": round(times[-1] - start, 3) if times else None,
        "first_after_ms": round((times[0] - start) * 1000, 1) if times else None,
        "per_s": round(len(times) / (times[-1] - start), 1) if times else 0.0,
        "steady_per_s": round((len(times) - 1) / (times[-1] - times[0]), 1)
        if len(times) > 1
        else None,
    }


def one_round(server, receiver, db, k, items, work, tag, meter_pids) -> tuple[dict, dict]:
    from newswire.store import open_store

    n = k * len(items)
    receiver.call(30, op="reset")
    store = open_store(db)
    meter = CoreMeter(meter_pids)
    meter.start()
    try:
        store.append_many(items)
        t0 = time.monotonic()
    finally:
        store.close()
    status = wait_calls(receiver, n, 60 + n / 50)
    machine = meter.stop()
    dump = work / f"calls-{tag}.pickle"
    receiver.call(60, op="dump", path=str(dump))
    calls = pickle.loads(dump.read_bytes())
    times = sorted(c[0] for c in calls)
    valid = sum(
        hmac.compare_digest(
            c[2].get("x-newswire-signature", ""),
            "sha256=" + hmac.new(SECRET.encode(), c[3], hashlib.sha256).hexdigest(),
        )
        for c in calls
    )
    deliveries = len({c[2].get("x-newswire-delivery") for c in calls})
    mine = {
        "sender": "newswire",
        "endpoints": k,
        "expected": n,
        "received": status["calls"],
        "distinct_deliveries": deliveries,
        "signatures_valid": valid,
        **pace(times, t0),
        "machine": machine,
    }
    mine["server_cpu_us_per_delivery"] = round(
        machine["cpu_share"]["server"] * machine["wall_s"] * 1e6 / max(1, len(times)), 1
    )

    # The same requests, by a bare loop on the server's core.
    receiver.call(30, op="reset")
    calls_file, out = work / f"bare-in-{tag}.pickle", work / f"bare-out-{tag}.txt"
    calls_file.write_bytes(pickle.dumps(calls))
    meter = CoreMeter({"receiver": receiver.pid}, None)
    meter.start()
    run_role(
        __file__,
        "bare",
        SERVER_CORE,
        calls=calls_file,
        out=out,
        base=f"http://127.0.0.1:{receiver.port}",
    )
    status = wait_calls(receiver, len(calls), 30)
    machine = meter.stop()
    start = float(out.read_text())
    receiver.call(60, op="dump", path=str(dump))
    times = sorted(c[0] for c in pickle.loads(dump.read_bytes()))
    bare = {
        "sender": "bare httpx",
        "endpoints": k,
        "expected": len(calls),
        "received": status["calls"],
        **pace(times, start),
        "machine": machine,
    }
    return mine, bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--endpoints", default="1,4", help="webhooks (subscribers), e.g. 1,4")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="200 items, one endpoint, one round")
    parser.add_argument("--quiet-wait", type=float, default=120.0, metavar="S")
    parser.add_argument("--py-spy", metavar="PATH", help="profile the server in an extra run")
    parser.add_argument("--role", choices=("bare",), help=argparse.SUPPRESS)
    parser.add_argument("--calls", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    args = parser.parse_args()
    stop_on_term()
    if args.role:
        bare_child(args)
        return
    if args.quick:
        args.items, args.endpoints, args.rounds = 200, "1", 1
    name = "webhooks-quick" if args.quick else "webhooks"
    counts = [int(x) for x in args.endpoints.split(",") if x.strip()]

    rows: list[dict] = []
    profile: dict = {}
    with tempfile.TemporaryDirectory(prefix="newswire-webhooks-") as tmp:
        work = Path(tmp)
        receiver = Steered([PY, RECEIVER, "--port", str(port := free_port())])
        receiver.port = port
        receiver.read(30, "listening")
        try:
            for k in counts:
                db = fresh_db(work, f"hooks-{k}")
                cli(db, "product", "add", "wire", "--access", "full")
                for e in range(k):
                    cli(db, "subscriber", "add", f"hook{e}", "--product", "wire")
                    cli(
                        db,
                        "webhook",
                        "add",
                        f"hook{e}",
                        f"http://127.0.0.1:{port}/hook/{e}",
                        "--secret",
                        SECRET,
                        "--format",
                        "ninjs",
                        env=ALLOW,
                    )
                with Server(db, work / f"server-{k}.log", env=ALLOW, ready=True) as server:
                    # Warm up: the senders exist, the connections are open.
                    one_round(
                        server,
                        receiver,
                        db,
                        k,
                        make_items(20, f"warm{k}"),
                        work,
                        f"w{k}",
                        {"server": server.pid},
                    )
                    for r in range(args.rounds):
                        quiet = wait_quiet(args.quiet_wait) if args.quiet_wait > 0 else None
                        wait_idle(server.pid, share=0.1, limit=20)
                        items = make_items(args.items, f"k{k}r{r}")
                        mine, bare = one_round(
                            server, receiver, db, k, items, work, f"{k}-{r}", {"server": server.pid}
                        )
                        for row in (mine, bare):
                            row.update({"round": r + 1, "busiest_core_before": quiet})
                            rows.append(row)
                            print(
                                f"K={k} round {r + 1} {row['sender']}: {row['received']}/"
                                f"{row['expected']} in {row['seconds']} s, {row['per_s']:,.0f}/s",
                                file=sys.stderr,
                            )
                    if args.py_spy and k == counts[0]:
                        items = make_items(args.items, f"spy{k}")
                        (mine, _), prof = profile_run(
                            args.py_spy,
                            server.pid,
                            OUT / f"{name}-profile.txt",
                            4 + args.items * k / 300,
                            partial(
                                one_round,
                                server,
                                receiver,
                                db,
                                k,
                                items,
                                work,
                                "spy",
                                {"server": server.pid},
                            ),
                        )
                        profile = {"per_s_while_profiled": mine["per_s"], **prof}
        finally:
            receiver.close()

    summary = {}
    for k in counts:
        mine = max(
            (r for r in rows if r["endpoints"] == k and r["sender"] == "newswire"),
            key=lambda r: r["per_s"],
        )
        bare = max(
            (r for r in rows if r["endpoints"] == k and r["sender"] == "bare httpx"),
            key=lambda r: r["per_s"],
        )
        summary[k] = {
            "newswire": mine["per_s"],
            "bare": bare["per_s"],
            "ratio": round(mine["per_s"] / bare["per_s"], 3),
        }
    checks = [
        check(f"{k} endpoint(s): newswire / bare deliveries/s", s["ratio"], TARGET_RATIO, True)
        for k, s in summary.items()
    ]
    checks.append(
        check(
            "every delivery received, signed right (1 = all)",
            float(
                all(
                    r["received"] == r["expected"] == r.get("signatures_valid", r["expected"])
                    for r in rows
                )
            ),
            1,
            True,
        )
    )
    result = {
        "items": args.items,
        "target_ratio": TARGET_RATIO,
        "verdict": checks,
        "summary": summary,
        "runs": rows,
        "profile": profile,
    }
    report_result(name, result, report)


def report(result: dict) -> str:
    rows = []
    for r in result["runs"]:
        rows.append(
            [
                r["endpoints"],
                r["round"],
                r["sender"],
                f"{r['received']:,}/{r['expected']:,}",
                r.get("signatures_valid"),
                r["seconds"],
                r["per_s"],
                r["steady_per_s"],
                r["first_after_ms"],
                r.get("server_cpu_us_per_delivery"),
                r["machine"].get("other_on_server_core"),
            ]
        )
    parts = [
        table(
            [
                "endpoints",
                "round",
                "sender",
                "received",
                "signed right",
                "seconds",
                "deliveries/s",
                "steady /s",
                "first after ms",
                "server CPU µs / delivery",
                "other on core 0",
            ],
            rows,
            "rrlrrrrrrrr",
        ),
        "",
        "best rounds: "
        + "; ".join(
            f"{k} endpoint(s): {s['newswire']:,.0f} vs {s['bare']:,.0f}/s = {s['ratio']}"
            for k, s in result["summary"].items()
        ),
        "",
        verdict_table(result["verdict"]),
    ]
    prof = result["profile"]
    if prof:
        title = f"\nprofile ({prof['samples']} samples, threads {prof['threads']}):"
        parts.extend(profile_lines(title, prof))
    return "\n".join(parts)


if __name__ == "__main__":
    main()

"""Scale-out: two nodes on PostgreSQL + NATS JetStream against one node on SQLite, the same
live load on both, in one run, on loopback (127.0.0.1) only.

    .venv/bin/python bench/cluster.py [--subscribers 500] [--rate 20] [--seconds 20] [--rounds 3]
    .venv/bin/python bench/cluster.py --quick          # 100 readers, 5 s, one round
    .venv/bin/python bench/cluster.py --py-spy PATH    # also profile the nodes (an extra run)

Two cases, each into a fresh store, in alternating order round after round:

- *single*: one ``newswire serve`` on a new SQLite file (the in-process bus), pinned to
  core 0; all N SSE readers on it.
- *cluster*: two ``newswire serve`` nodes, both pinned to core 0 (together they get the
  core the single node gets), on a new PostgreSQL database ``newswire_bench_<hex>``
  (dropped afterwards) and a new JetStream stream ``BENCH_<hex>`` (``?stream=...&subject=
  bench.<hex>.items`` on the bus URL; deleted afterwards); N/2 readers on each node.
- *one-pg* (``--cases single,one-pg,cluster``): one node on PostgreSQL + NATS, all N
  readers on it: what the store and the bus add, apart from what two nodes on one core
  add.

The load is the same in both cases, all of it on core 1: two reader processes
(bench/sse_load.py readers, N/2 connections each; in the cluster one per node) and a
publisher process (bench/sse_load.py publish) POSTing unique Arabic ninjs items at --rate
per second for --seconds, open loop; in the cluster item i goes through node i mod 2
(A, B, A, ...). 20 items are published first to warm up, not counted. PostgreSQL and
NATS are the machine's running services, not pinned: they take CPU from either core.

Per delivered event, publish→receive latency: the reader's clock when the frame arrives
minus the publisher's when it sent the POST (``from send``: the store's write included)
and when the 201 came back (``from ack``: delivery alone); CLOCK_MONOTONIC, one machine.
In the cluster, deliveries on the node that took the POST (local) and on the other one
(cross: woken by NATS or PostgreSQL's NOTIFY, whichever comes first) are also apart.
The issue's target: cluster p99 − single-node p99 (the **added p99**) ≤ 5 ms, each case
taken at its best round (others' jobs on a shared machine only add latency); every round
is in the table, with how much of the machine went to processes not of this run.

Before each measured phase the script waits (--quiet-wait s at most) for both cores to be
90% idle. Writes bench/out/cluster.json (cluster-quick.json; cluster-profiled.json with
--py-spy, the profiles summed up in it and printed) and prints Markdown tables for
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import pickle
import resource
import select
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    CLIENT_CORE,
    NATS,
    OUT,
    PY,
    ROOT,
    TICK,
    CoreMeter,
    Server,
    Steered,
    check,
    cli,
    fmt,
    fresh_db,
    fresh_postgres,
    make_bodies,
    pct,
    pinned,
    profile_lines,
    publish_key,
    raise_nofile,
    read_key,
    report_result,
    stop,
    stop_on_term,
    summarize_profile,
    table,
    verdict_table,
    wait_quiet,
    wait_streams,
)

LOAD = str(ROOT / "bench" / "sse_load.py")
TARGETS = {"added_p99_ms": 5.0}
WARM_UP = 20
READER_PROCESSES = 2
SERIES = ("send", "ack", "local", "cross", "post", "lag")
"""What ``latencies`` gives per delivery (or per POST), pooled over rounds."""
COUNTS = ("published", "missing", "duplicates")
SHARED_MACHINE = (
    "Both nodes (core 0), PostgreSQL and NATS (either core) and the load generator "
    "(readers and publisher, core 1) share this 2-core machine: the figures include "
    "their contention, which separate machines would not have."
)


# --- the services ---------------------------------------------------------------------------


def fresh_stream() -> tuple[str, str]:
    """A bus URL naming a JetStream stream of this run's own, and the stream's name: a new
    store's sequence starts at 1 again, which a used stream would take for duplicates."""
    token = uuid.uuid4().hex[:12]
    name = f"BENCH_{token}"
    return f"{NATS}?stream={name}&subject=bench.{token}.items", name


def delete_stream(name: str) -> None:
    """Delete the stream a node created on first use (messages would stay 24 hours)."""

    async def delete() -> None:
        import nats

        nc = await nats.connect(NATS, connect_timeout=5, max_reconnect_attempts=1)
        try:
            await nc.jetstream().delete_stream(name)
        finally:
            await nc.close()

    try:
        asyncio.run(asyncio.wait_for(delete(), 20))
    except Exception as exc:  # a stream never created, or NATS gone: nothing to keep
        print(f"(JetStream stream {name} not deleted: {exc!r})", file=sys.stderr)


def service_cpu(dbname: str) -> dict[str, float]:
    """CPU seconds so far of the PostgreSQL backends serving ``dbname`` (their process
    title names it) and of the NATS server, by pid: the services' share of the work."""
    out: dict[str, float] = {}
    needle = f" {dbname} ".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmd = handle.read()
            if cmd.startswith(b"postgres:") and needle in cmd:
                kind = "postgres"
            elif b"nats-server" in cmd.split(b"\0", 1)[0]:
                kind = "nats"
            else:
                continue
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            out[f"{kind}:{entry}"] = (int(fields[11]) + int(fields[12])) / TICK
    return out


def service_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    total: dict[str, float] = {}
    for key, cpu in after.items():
        kind = key.split(":")[0]
        total[kind] = total.get(kind, 0.0) + cpu - before.get(key, 0.0)
    return total


# --- the load -------------------------------------------------------------------------------


class Readers(Steered):
    """One reader process (bench/sse_load.py readers) on core 1, reading from ``port``."""

    def __init__(self, port: int, key: str):
        super().__init__([PY, LOAD, "readers", "--port", str(port), "--key", key])


def publish(
    ports: list[int],
    key: str,
    bodies: list[bytes],
    rate: float,
    work: Path,
    tag: str,
    readers: list[Readers],
    expected_per_item: int,
    on_go=None,
) -> list[dict]:
    """POST ``bodies`` at ``rate`` through ``ports`` in turn (a publisher process on core
    1), then wait until every reader has every event (or none came for 15 s); the
    publisher's records. ``on_go`` is called just before the first POST is due."""
    job = work / f"bodies-{tag}.pickle"
    job.write_bytes(
        pickle.dumps(
            {"bodies": bodies, "seqs": None, "headers": {"Content-Type": "application/ninjs+json"}}
        )
    )
    out = work / f"pubs-{tag}.json"
    budget = len(bodies) / rate + 60.0
    proc = subprocess.Popen(
        pinned(
            CLIENT_CORE,
            [
                PY,
                LOAD,
                "publish",
                "--port",
                str(ports[0]),
                "--ports",
                ",".join(map(str, ports)),
                "--key",
                key,
                "--bodies",
                str(job),
                "--rate",
                str(rate),
                "--out",
                str(out),
                "--timeout",
                str(budget),
                "--concurrency",
                "8",
            ],
        ),
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        if not ready or proc.stdout.readline() != b"ready\n":
            raise RuntimeError("the publisher did not get ready in 60 s")
        if on_go is not None:
            on_go(proc.pid)
        proc.stdin.write(b"go\n")
        proc.stdin.flush()
        expected = expected_per_item * len(bodies)
        frames, last_change, done_at, t0 = -1, time.monotonic(), None, time.monotonic()
        while True:
            time.sleep(0.1)
            now = time.monotonic()
            got = sum(r.call(60, op="status")["frames"] for r in readers)
            if got != frames:
                frames, last_change = got, now
            if done_at is None and proc.poll() is not None:
                done_at = now
                if out.exists():  # a POST that failed publishes nothing to wait for
                    created = sum(bool(p.get("created")) for p in json.loads(out.read_text()))
                    expected = expected_per_item * created
            if done_at is not None and frames >= expected:
                break
            if now - t0 > budget + 60:
                print(f"  {tag}: timed out with {frames:,}/{expected:,} frames", file=sys.stderr)
                break
            if done_at is not None and now - max(last_change, done_at) > 15:
                print(
                    f"  {tag}: no progress for 15 s at {frames:,}/{expected:,} frames",
                    file=sys.stderr,
                )
                break
    finally:
        stop(proc, 5)
        job.unlink(missing_ok=True)
    pubs = json.loads(out.read_text()) if out.exists() else []
    out.unlink(missing_ok=True)
    return pubs


# --- one case -------------------------------------------------------------------------------


NODES = {"single": 1, "one-pg": 1, "cluster": 2}
"""Each case's number of nodes; all but ``single`` on PostgreSQL + NATS."""


@contextlib.contextmanager
def store_for(kind: str, work: Path, tag: str):
    """(database URL, bus URL or None, database name) of a fresh store for the case."""
    if kind == "single":
        yield fresh_db(work, tag), None, None
        return
    bus, stream = fresh_stream()
    try:
        with fresh_postgres() as db:
            yield db, bus, db.rsplit("/", 1)[1]
    finally:
        delete_stream(stream)


def run_case(kind: str, args, work: Path, tag: str, py_spy: str | None = None) -> dict:
    """One case: its store, its node(s) on core 0, the readers and the publisher on core
    1; the raw deliveries and what each side cost."""
    nodes: list[Server] = []
    readers: list[Readers] = []
    with store_for(kind, work, tag) as (db, bus, dbname):
        cli(db, "product", "add", "wire", "--access", "full")
        cli(db, "subscriber", "add", "bench", "--product", "wire", "--rate-limit", "1000000")
        key, desk = read_key(db, "bench"), publish_key(db)
        try:
            for n in range(NODES[kind]):
                env = {"NEWSWIRE_SEARCH_INDEX": str(work / f"{tag}-node{n}.search")}
                if bus:
                    env["NEWSWIRE_BUS"] = bus
                nodes.append(Server(db, work / f"{tag}-node{n}.log", env=env, ready=True))
            per = args.subscribers // READER_PROCESSES
            for r in range(READER_PROCESSES):
                readers.append(Readers(nodes[r % len(nodes)].port, key))
                opened = readers[-1].call(180, op="connect", n=per, concurrency=100, timeout=120.0)
                if opened["failed"]:
                    raise RuntimeError(f"{opened['failed']} connections failed: {opened['errors']}")
            for node in nodes:
                wait_streams(node.port, per * READER_PROCESSES // len(nodes), 60)
            ports = [node.port for node in nodes]
            total = per * READER_PROCESSES
            publish(
                ports,
                desk,
                make_bodies(WARM_UP, f"{tag}-warm"),
                args.rate,
                work,
                f"{tag}-warm",
                readers,
                total,
            )
            for r in readers:
                r.call(30, op="reset")
            quiet = wait_quiet(args.quiet_wait) if args.quiet_wait > 0 else None
            bodies = make_bodies(round(args.rate * args.seconds), tag)
            pids = {f"node {'AB'[n]}": node.pid for n, node in enumerate(nodes)}
            pids.update({f"readers {r}": rd.pid for r, rd in enumerate(readers)})
            meter = CoreMeter(pids)
            services0: dict[str, float] = {}
            children0 = 0.0
            spies: list[tuple[str, subprocess.Popen, Path]] = []

            def go(_publisher_pid: int) -> None:
                nonlocal services0, children0
                if py_spy:  # sampling skews what it samples: only in an extra, profiled run
                    for n, node in enumerate(nodes):
                        path = OUT / f"cluster-profile-{kind}-node{'AB'[n]}.txt"
                        spies.append((f"node {'AB'[n]}", spy_start(py_spy, node.pid, path), path))
                    time.sleep(1.0)
                services0 = service_cpu(dbname) if dbname else {}
                children0 = children_cpu()
                meter.start()

            pubs = publish(ports, desk, bodies, args.rate, work, tag, readers, total, go)
            machine = meter.stop()
            publisher = children_cpu() - children0  # the one child reaped meanwhile
            services = service_delta(services0, service_cpu(dbname)) if dbname else {}
            wall = machine["wall_s"]
            ours = sum(machine["cpu_share"].values()) + (publisher + sum(services.values())) / wall
            machine["publisher_cpu_share"] = round(publisher / wall, 3)
            # Both cores' busy time that none of this run's processes account for: the
            # kernel's loopback work, and other people's jobs on a shared machine.
            machine["others_share"] = round(
                max(0.0, sum(machine["core_busy_share"].values()) - ours), 3
            )
            profiles = {}
            for name, spy, path in spies:
                spy.send_signal(2)  # py-spy writes its profile on SIGINT
                try:
                    spy.wait(60)
                except subprocess.TimeoutExpired:
                    stop(spy)
                profiles[name] = summarize_profile(path)
            dumps = []
            for r, rd in enumerate(readers):
                path = work / f"dump-{tag}-{r}.pickle"
                rd.call(120, op="dump", path=str(path))
                dumps.append(pickle.loads(path.read_bytes()))
                path.unlink()
            return {
                "kind": kind,
                "nodes": len(nodes),
                "subscribers": total,
                "busiest_core_before": quiet,
                "pubs": pubs,
                "dumps": dumps,
                "reader_node": [r % len(nodes) for r in range(READER_PROCESSES)],
                "machine": machine,
                "service_cpu_s": {k: round(v, 3) for k, v in services.items()},
                "profiles": profiles,
            }
        except BaseException:
            for node in nodes:
                print(f"--- {node.log_path.name} (tail)\n{node.tail()}", file=sys.stderr)
            raise
        finally:
            for rd in readers:
                rd.close()
            for node in nodes:
                node.close()


def children_cpu() -> float:
    """CPU seconds of this process's children reaped so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def spy_start(py_spy: str, pid: int, out: Path) -> subprocess.Popen:
    """py-spy recording a node until SIGINT, on the load's core."""
    return subprocess.Popen(
        pinned(
            CLIENT_CORE,
            [
                py_spy,
                "record",
                "--nonblocking",
                "--threads",
                "--format",
                "raw",
                "--rate",
                "100",
                "--pid",
                str(pid),
                "-o",
                str(out),
            ],
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# --- figures --------------------------------------------------------------------------------


def latencies(case: dict) -> dict:
    """Per delivery: seconds from the POST sent and from its 201, all and by whether the
    reader's node took the POST (local) or not (cross); what is missing or twice."""
    ok = [p for p in case["pubs"] if "seq" in p and p.get("created")]
    by_seq = {p["seq"]: p for p in ok}
    out: dict[str, list[float]] = {"send": [], "ack": [], "local": [], "cross": []}
    missing = duplicates = 0
    for node, dump in zip(case["reader_node"], case["dumps"], strict=True):
        for seqs, times in zip(dump["seqs"], dump["times"], strict=True):
            missing += len(by_seq.keys() - set(seqs))
            duplicates += len(seqs) - len(set(seqs))
            for s, t in zip(seqs, times, strict=True):
                p = by_seq.get(s)
                if p is None:
                    continue
                out["send"].append(t - p["sent"])
                out["ack"].append(t - p["ack"])
                out["local" if p.get("via", 0) == node else "cross"].append(t - p["sent"])
    out["post"] = [p["ack"] - p["sent"] for p in ok]
    out["lag"] = [p["sent"] - p["due"] for p in ok]
    return {
        **out,
        "published": len(ok),
        "publish_errors": [p for p in case["pubs"] if "error" in p][:5],
        "missing": missing,
        "duplicates": duplicates,
    }


def ms(values: list[float]) -> dict:
    values = sorted(values)

    def q(x: float) -> float | None:
        v = pct(values, x)
        return None if v is None else round(v * 1000, 2)

    return {"n": len(values), "p50": q(0.5), "p95": q(0.95), "p99": q(0.99), "max": q(1.0)}


def weighted(machines: list[dict], share) -> float | None:
    """A share over several measured phases, each weighted by its length."""
    wall = sum(m["wall_s"] for m in machines)
    return round(sum(share(m) * m["wall_s"] for m in machines) / wall, 3) if wall else None


def summary(kind: str, lat: dict, machines: list[dict], services: list[dict], n: int) -> dict:
    deliveries = len(lat["send"])
    wall = sum(m["wall_s"] for m in machines)
    node_cpu = sum(
        share * m["wall_s"]
        for m in machines
        for k, share in m["cpu_share"].items()
        if k.startswith("node")
    )
    service = {}
    for s in services:
        for k, v in s.items():
            service[k] = service.get(k, 0.0) + v
    return {
        "case": kind,
        "subscribers": n,
        "published": lat["published"],
        "deliveries": deliveries,
        "missing": lat["missing"],
        "duplicates": lat["duplicates"],
        "from_send_ms": ms(lat["send"]),
        "from_ack_ms": ms(lat["ack"]),
        "local_from_send_ms": ms(lat["local"]),
        "cross_from_send_ms": ms(lat["cross"]),
        "post_ms": ms(lat["post"]),
        "send_behind_schedule_ms": ms(lat["lag"]),
        "node_cpu_us_per_delivery": round(node_cpu / deliveries * 1e6, 2) if deliveries else None,
        "node_cpu_share": round(node_cpu / wall, 3) if wall else None,
        "service_cpu_share": {k: round(v / wall, 3) for k, v in service.items()} if wall else {},
        "core0_busy": weighted(machines, lambda m: m["core_busy_share"]["cpu0"]),
        "core1_busy": weighted(machines, lambda m: m["core_busy_share"]["cpu1"]),
        "publisher_cpu_share": weighted(machines, lambda m: m["publisher_cpu_share"]),
        "others_share": weighted(machines, lambda m: m["others_share"]),
    }


# --- the run --------------------------------------------------------------------------------


def compare(mine: dict, single: dict) -> dict:
    """A case against the single node, both at their best rounds: ratios and the
    milliseconds it adds."""

    def ratio(a, b):
        return round(a / b, 2) if a is not None and b else None

    def added(key: str, q: str) -> float | None:
        a, b = mine[key][q], single[key][q]
        return None if a is None or b is None else round(a - b, 2)

    return {
        "rounds_compared": {"single": single["round"], mine["case"]: mine["round"]},
        "p50_ratio": ratio(mine["from_send_ms"]["p50"], single["from_send_ms"]["p50"]),
        "p99_ratio": ratio(mine["from_send_ms"]["p99"], single["from_send_ms"]["p99"]),
        "added_p50_ms": added("from_send_ms", "p50"),
        "added_p95_ms": added("from_send_ms", "p95"),
        "added_p99_ms": added("from_send_ms", "p99"),
        "added_p99_from_ack_ms": added("from_ack_ms", "p99"),
        "added_post_p50_ms": added("post_ms", "p50"),
        "cpu_per_delivery_ratio": ratio(
            mine["node_cpu_us_per_delivery"], single["node_cpu_us_per_delivery"]
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--rate", type=float, default=20.0, help="items per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="of publishing per case")
    parser.add_argument("--rounds", type=int, default=3, help="each case once a round")
    parser.add_argument(
        "--cases",
        default="single,cluster",
        help="comma-separated, of single, cluster and one-pg (one node on PostgreSQL + NATS:"
        " what the store and the bus add, apart from splitting the load over two nodes)",
    )
    parser.add_argument("--quick", action="store_true", help="100 readers, 5 s, one round")
    parser.add_argument("--quiet-wait", type=float, default=120.0, metavar="S")
    parser.add_argument("--py-spy", metavar="PATH", help="profile the nodes in an extra run")
    args = parser.parse_args()
    stop_on_term()
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    if set(cases) - set(NODES) or not {"single", "cluster"} <= set(cases):
        sys.exit(f"--cases: single and cluster, and one-pg if wanted; not {args.cases!r}")
    if args.quick:
        args.subscribers, args.seconds, args.rounds = 100, 5.0, 1
    args.rounds = max(1, args.rounds)
    args.subscribers -= args.subscribers % READER_PROCESSES
    # A profiled run's figures are skewed by the sampling: kept apart from the real ones.
    name = "cluster-quick" if args.quick else "cluster-profiled" if args.py_spy else "cluster"
    raise_nofile(2 * args.subscribers + 1000)
    print(SHARED_MACHINE, file=sys.stderr)

    lat: dict[str, dict] = {}
    machines: dict[str, list] = {kind: [] for kind in cases}
    services: dict[str, list] = {kind: [] for kind in cases}
    rounds = []
    profiles = {}
    with tempfile.TemporaryDirectory(prefix="newswire-cluster-") as tmp:
        work = Path(tmp)
        for r in range(args.rounds):
            for kind in cases if r % 2 == 0 else cases[::-1]:
                print(f"round {r + 1}: {kind}", file=sys.stderr)
                case = run_case(kind, args, work, f"{kind}{r}")
                got = latencies(case)
                row = summary(
                    kind, got, [case["machine"]], [case["service_cpu_s"]], case["subscribers"]
                )
                row.update(
                    {
                        "round": r + 1,
                        "busiest_core_before": case["busiest_core_before"],
                        "machine": case["machine"],
                        "publish_errors": got["publish_errors"],
                    }
                )
                rounds.append(row)
                print(
                    f"  p50 {row['from_send_ms']['p50']} ms, p99 {row['from_send_ms']['p99']}"
                    f" ms from send; {row['deliveries']:,} deliveries, {row['missing']} missing",
                    file=sys.stderr,
                )
                pool = lat.setdefault(kind, {k: [] for k in SERIES} | dict.fromkeys(COUNTS, 0))
                for k in SERIES:
                    pool[k].extend(got[k])
                for k in COUNTS:
                    pool[k] += got[k]
                machines[kind].append(case["machine"])
                services[kind].append(case["service_cpu_s"])
        if args.py_spy:
            for kind in cases:
                print(f"profiled run: {kind}", file=sys.stderr)
                case = run_case(kind, args, work, f"{kind}-spy", py_spy=args.py_spy)
                profiles[kind] = case["profiles"]

    pooled = {
        kind: summary(kind, lat[kind], machines[kind], services[kind], args.subscribers)
        for kind in cases
    }

    def best(kind: str) -> dict:
        # Other people's jobs on a shared machine only ever add latency: as the other
        # benches take the best of their runs, each case is taken at its best round.
        return min((r for r in rounds if r["case"] == kind), key=lambda r: r["from_send_ms"]["p99"])

    comparisons = {kind: compare(best(kind), best("single")) for kind in cases if kind != "single"}
    result = {
        "subscribers": args.subscribers,
        "rate": args.rate,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "cases": cases,
        "quiet_wait_s": args.quiet_wait,
        "layout": SHARED_MACHINE,
        "targets": TARGETS,
        "verdict": [
            check(
                "added p99 from send, ms (cluster − single)",
                comparisons["cluster"]["added_p99_ms"],
                TARGETS["added_p99_ms"],
                False,
            ),
            check(
                "no event missing or twice (cluster, every round)",
                float(pooled["cluster"]["missing"] + pooled["cluster"]["duplicates"]),
                0,
                False,
            ),
        ],
        "comparisons": comparisons,
        "pooled": pooled,
        "runs": rounds,
        "profiles": profiles,
    }
    report_result(name, result, report)


def report(result: dict) -> str:
    parts = [
        f"{result['subscribers']:,} SSE subscribers, {result['rate']:g} items/s for "
        f"{result['seconds']:g} s, {result['rounds']} round(s). {result['layout']}",
        "",
    ]
    for kind, c in result["comparisons"].items():
        picked = c["rounds_compared"]
        parts += [
            f"{kind} / single, each at its best round by p99 (single: round {picked['single']},"
            f" {kind}: round {picked[kind]}):",
            "",
            table(
                [f"{kind} / single", "ratio", "added (ms)"],
                [
                    ["p50 from send", c["p50_ratio"], c["added_p50_ms"]],
                    ["p95 from send", None, c["added_p95_ms"]],
                    ["p99 from send", c["p99_ratio"], c["added_p99_ms"]],
                    ["p99 from the 201", None, c["added_p99_from_ack_ms"]],
                    ["POST p50", None, c["added_post_p50_ms"]],
                    ["node CPU µs / delivery", c["cpu_per_delivery_ratio"], None],
                ],
            ),
            "",
        ]
    rows = []
    pooled = [{**r, "round": "all"} for r in result["pooled"].values()]
    for r in [*result["runs"], *pooled]:
        s, a, p = r["from_send_ms"], r["from_ack_ms"], r["post_ms"]
        rows.append(
            [
                r["round"],
                r["case"],
                f"{r['deliveries']:,}",
                f"{r['missing']} / {r['duplicates']}",
                s["p50"],
                s["p95"],
                s["p99"],
                s["max"],
                a["p99"],
                r["local_from_send_ms"]["p99"],
                r["cross_from_send_ms"]["p99"],
                p["p50"],
                p["p99"],
                r["node_cpu_us_per_delivery"],
                r["core0_busy"],
                r["core1_busy"],
                r["others_share"],
                ", ".join(f"{k} {fmt(v)}" for k, v in r["service_cpu_share"].items()) or "–",
            ]
        )
    parts.append(
        table(
            [
                "round",
                "case",
                "deliveries",
                "missing / dup",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "max ms",
                "p99 from 201",
                "p99 local",
                "p99 cross",
                "POST p50",
                "POST p99",
                "node CPU µs / delivery",
                "core 0 busy",
                "core 1 busy",
                "others (cores)",
                "services (cores)",
            ],
            rows,
            "llrrrrrrrrrrrrrrrl",
        )
    )
    parts += ["", verdict_table(result["verdict"])]
    for kind, nodes in result["profiles"].items():
        for node, prof in nodes.items():
            parts.extend(
                profile_lines(
                    f"\nprofile, {kind}, {node} ({prof['samples']} samples):", prof, (12, 25, 10)
                )
            )
    return "\n".join(parts)


if __name__ == "__main__":
    main()

"""Live SSE fan-out against nginx + nchan: thousands of ``GET /v1/stream`` readers, items
published at a rate and in a burst, on loopback (127.0.0.1) only.

    .venv/bin/python bench/stream.py [--subscribers 1000,5000] [--items 200] [--rate 20]
    .venv/bin/python bench/stream.py --quick       # 200 readers, 40 items: a sanity run

For each N in --subscribers, into a fresh temporary SQLite store:

1. ``newswire product add`` / ``subscriber add`` / ``key create`` (a read key and a publish
   key), then ``newswire serve`` in a subprocess pinned to core 0 (``taskset -c 0``).
2. A reader process pinned to core 1 (bench/sse_load.py) opens N concurrent SSE
   connections with the read key; the script waits until the server counts N streams,
   then reads the server's RSS (idle subscribers).
3. Phase ``rate``: --items unique Arabic ninjs items (demo/corpus_sample.jsonl, each with
   its own id) are POSTed at --rate per second by a separate publisher process (also on
   core 1, so the N readers do not starve its acks), open loop: each POST goes out when
   it is due, on one of 32 keep-alive connections, whether or not earlier ones have been
   answered. Phase ``burst``: as many again, all due at once. One reader keeps the bytes
   newswire sent it: the event envelopes of both phases.
4. The peer, nginx with the nchan module (``--peers nchan``, the default): one worker
   process, pinned to core 0 like newswire (master and worker), an ``nchan_subscriber
   eventsource`` location and an ``nchan_publisher`` location, everything it writes in
   the run's temporary directory, the module loaded from the modules directory that
   ``nginx -V`` names. The same N readers, and the same publisher POSTing, at the same
   times, the very envelopes newswire sent (``X-EventSource-Event: item``): nchan frames
   each as ``event: item``, ``id:`` (its own), ``data:`` (the envelope) — newswire
   frames ``id:``, ``event:``, ``data:`` in HTTP chunks; the table says how many bytes a
   delivery took on each side. ``--peers nchan,floor`` also runs the bare uvloop
   broadcaster of sse_load.py (no auth, store or queues; newswire's frame bytes written
   to every socket), the floor a Python server cannot beat.
5. Per phase: every reader's received sequence numbers (missing and duplicate against
   every sequence published), publish→receive latency per delivery (the reader's clock
   when the frame is parsed minus the publisher's when the POST's response came back,
   and minus when the POST was sent; all CLOCK_MONOTONIC on one machine), the server's
   CPU time (utime+stime of /proc/PID/stat, all threads; nginx's master and worker) from
   the first POST to the last delivery, per delivery; deliveries per second from the
   first POST sent to the last delivery; how busy each core was and with what else, and
   which side saturated (its core ≥ 90% busy). Other people's jobs on a shared machine
   skew latency: each run first waits, --quiet-wait seconds at most, for both cores to
   be 90% idle, and the table says how much of the server's core went to something else.

--py-spy PATH records a py-spy profile of newswire in each phase (a separate run: the
sampling skews the figures), e.g. ``pip install --target /tmp/pyspy py-spy`` and
``--py-spy /tmp/pyspy/bin/py-spy --subscribers 5000 --items 100 --peers ''``.

Every wait is bounded; the servers and the client processes are always stopped.
Writes bench/out/stream.json and prints Markdown tables for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import pickle
import re
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import msgspec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    Steered,
    cpu_seconds,
    free_port,
    raise_nofile,
    rss_kib,
    stop,
    streams_connected,
)
from newswire.demo import corpus_items, corpus_records, corpus_sample_path  # noqa: E402
from newswire.formats import get  # noqa: E402

OUT = ROOT / "bench" / "out"
PY = sys.executable
LOAD = str(ROOT / "bench" / "sse_load.py")
TICK = os.sysconf("SC_CLK_TCK")
SERVER_CORE, CLIENT_CORE = "0", "1"

TARGETS = {  # the issue's, at each N and --rate: newswire's figure over nchan's
    "cpu_per_delivery_ratio": 1.0,
    "p99_ratio": 1.2,
}
SATURATED = 0.9
"""A core at least this busy over a phase is saturated: that side bounds the figures."""


# --- processes ------------------------------------------------------------------------------


def pinned(core: str, args: list[str]) -> list[str]:
    return ["taskset", "-c", core, *args] if shutil.which("taskset") else args


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds of each group of a process's threads: ``main`` (the event loop), the
    others by name (worker threads, a library's native threads)."""
    out: dict[str, float] = {}
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{tid}/stat") as handle:
                head, rest = handle.read().rsplit(")", 1)
                fields = rest.split()
                name = "main" if int(tid) == pid else head.split("(", 1)[1]
                name = re.sub(r"[0-9]+$", "", name)
                out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / TICK
    return out


def kernel_thread(name: str) -> int | None:
    """The pid of a kernel thread (``ksoftirqd/0``: where loopback TCP's receive work goes
    when there is too much of it to do on the way out of the sender's system call)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/comm") as handle:
                if handle.read().strip() == name:
                    return int(entry)
    return None


def core_busy() -> dict[str, float]:
    """Busy seconds of each core ('cpu0', 'cpu1', ...) since boot, and the part of them
    spent in interrupts ('cpu0_irq', ...: loopback TCP's receive work runs there, on the
    sending core, not always charged to a process), from /proc/stat."""
    busy = {}
    with open("/proc/stat") as handle:
        for line in handle:
            name, *ticks = line.split()
            if name.startswith("cpu") and name != "cpu":
                t = [int(x) for x in ticks]
                busy[name] = (sum(t[:8]) - t[3] - t[4]) / TICK  # all but idle and iowait
                busy[f"{name}_irq"] = (t[5] + t[6]) / TICK
    return busy


def wait_quiet(limit: float, idle_share: float = 0.9) -> float:
    """Wait (at most ``limit`` s) until every core was at least ``idle_share`` idle over a
    second: other people's jobs on this machine skew every figure. The busiest core's
    share over the last second is returned."""
    deadline = time.monotonic() + limit
    while True:
        before, t = core_busy(), time.monotonic()
        time.sleep(1.0)
        after, wall = core_busy(), time.monotonic() - t
        worst = max((after[c] - before[c]) / wall for c in after if "_" not in c)
        if worst <= 1 - idle_share or time.monotonic() > deadline:
            return round(worst, 3)


def http_get(port: int, path: str, timeout: float = 5.0) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as resp:
        return resp.read().decode()


def cli(db: str, *args: str) -> str:
    result = subprocess.run(
        [PY, "-m", "newswire.cli", *args, "--db", db],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    if result.returncode != 0:
        raise RuntimeError(f"newswire {' '.join(args)}: {result.stderr.decode()}")
    return result.stdout.decode()


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(x) for x in handle.read().split()]
    except OSError:  # a kernel without that file: scan every process's parent
        kids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with contextlib.suppress(OSError), open(f"/proc/{entry}/stat") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == pid:
                        kids.append(int(entry))
        return kids


def nchan_module() -> Path:
    """The nchan module in the modules directory of the nginx on the PATH (``nginx -V``
    says where: Debian's libnginx-mod-nchan installs it there)."""
    if shutil.which("nginx") is None:
        raise RuntimeError("no nginx on the PATH: install nginx with the nchan module")
    said = subprocess.run(["nginx", "-V"], capture_output=True, text=True, timeout=10).stderr
    found = re.search(r"--modules-path=(\S+)", said)
    prefix = re.search(r"--prefix=(\S+)", said)
    modules = Path(found[1]) if found else Path(prefix[1] if prefix else "/") / "modules"
    module = modules / "ngx_nchan_module.so"
    if not module.exists():
        raise RuntimeError(f"nginx has no nchan module in {modules}")
    return module


NCHAN_CONF = """\
load_module {module};
worker_processes 1;
worker_rlimit_nofile {nofile};
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections {nofile}; multi_accept on; }}
http {{
  access_log off;
  client_body_buffer_size 4m;
  client_max_body_size 4m;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    location = /v1/stream {{
      nchan_subscriber eventsource;
      nchan_channel_id wire;
      nchan_subscriber_first_message newest;
      nchan_eventsource_ping_interval 15;
    }}
    location = /v1/items {{
      nchan_publisher;
      nchan_channel_id wire;
      nchan_message_buffer_length 1000;
    }}
    location = /health {{ return 200 "ok"; }}
  }}
}}
"""


class Server:
    """``newswire serve``, nginx + nchan, or the bare floor, on core 0, its log in a file."""

    def __init__(self, kind: str, db: str, work: Path, n: int):
        self.kind, self.port = kind, free_port()
        log = work / f"server-{kind}-{n}.log"
        self.log = log.open("wb")
        if kind == "newswire":
            # One process, pinned to the server's core, as nchan's one worker.
            args = [PY, "-m", "newswire.cli", "serve", "--port", str(self.port), "--db", db,
                    "--workers", "1"]
        elif kind == "nchan":
            home = work / f"nchan-{n}"
            home.mkdir()
            conf = home / "nginx.conf"
            nofile = min(resource.getrlimit(resource.RLIMIT_NOFILE)[0], 2 * n + 1000)
            conf.write_text(
                NCHAN_CONF.format(module=nchan_module(), nofile=nofile, dir=home, port=self.port)
            )
            args = ["nginx", "-p", str(home), "-c", str(conf), "-e", str(home / "error.log")]
        else:
            args = [PY, LOAD, "floor", "--port", str(self.port)]
        self.proc = subprocess.Popen(
            pinned(SERVER_CORE, args), cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.pid = self.proc.pid  # taskset execs: the same process
        self.pids = [self.pid]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{kind} server exited: see {log}")
            try:
                http_get(self.port, "/health", timeout=1)
                self.connected()
            except OSError:
                time.sleep(0.1)
                continue
            if kind == "nchan":  # its worker does the work: count its CPU and memory too
                self.pids += children(self.pid)
            return
        self.close()
        raise RuntimeError(f"{kind} server did not start in 30 s: see {log}")

    def connected(self) -> int:
        """How many streams the server says are open."""
        if self.kind == "nchan":  # the publisher location answers a GET with the channel
            req = urllib.request.Request(
                f"http://127.0.0.1:{self.port}/v1/items", headers={"Accept": "text/json"}
            )
            try:
                with urllib.request.urlopen(req, timeout=5) as resp:
                    return int(json.loads(resp.read())["subscribers"])
            except urllib.error.HTTPError as exc:
                if exc.code == 404:  # no channel yet: nobody subscribed
                    return 0
                raise
        return streams_connected(self.port)

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.pids)

    def rss(self) -> int:
        return sum(rss_kib(pid) for pid in self.pids)

    def close(self) -> None:
        stop(self.proc)
        self.log.close()


class Readers(Steered):
    """The reader process (sse_load.py readers) on core 1, steered by JSON lines."""

    def __init__(self, port: int, key: str):
        super().__init__([PY, LOAD, "readers", "--port", str(port), "--key", key])


# --- items ----------------------------------------------------------------------------------


def warm_up(port: int, key: str) -> None:
    """One item published before any reader connects: the first item a process takes in
    loads what enrichment reads once (the gazetteer, the automaton, the subject model:
    about half a second), which is no delivery's cost and would otherwise be the p99 of
    a 200-item phase."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/items",
        data=make_bodies(1, "warm-up")[0],
        headers={**HEADERS["newswire"], "Authorization": f"Bearer {key}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        answer.read()


def make_bodies(count: int, tag: str) -> list[bytes]:
    """``count`` unique ninjs items (own id, numbered headline) from the Arabic sample."""
    items = list(corpus_items(corpus_records(corpus_sample_path())))
    ninjs = get("ninjs")
    bodies = []
    for i in range(count):
        item = items[i % len(items)]
        item = msgspec.structs.replace(
            item,
            id=f"urn:newswire:bench:{tag}:{i}",
            headline=f"{item.headline} ({tag} {i})",
        )
        bodies.append(ninjs.render(item))
    return bodies


HEADERS = {  # what the publisher sends each body with
    "newswire": {"Content-Type": "application/ninjs+json"},
    "nchan": {"Content-Type": "application/json", "X-EventSource-Event": "item"},
    "floor": {"Content-Type": "application/json"},
}
ENVELOPE = re.compile(rb'\ndata: (\{"sequence":(\d+),[^\n]*)\n')


def envelopes(raw: bytes, seqs: list[int]) -> list[bytes]:
    """The envelopes of ``seqs``, byte for byte as newswire sent them to one reader."""
    found = {int(m[2]): m[1] for m in ENVELOPE.finditer(raw)}
    missing = [s for s in seqs if s not in found]
    if missing:
        raise RuntimeError(f"the capturing reader lacks {len(missing)} events: {missing[:5]}")
    return [found[s] for s in seqs]


# --- measuring ------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return values[max(0, math.ceil(q * len(values)) - 1)]


def analyse(dump: dict, pubs: list[dict]) -> dict:
    ok = [p for p in pubs if "seq" in p and p.get("created")]
    ack = {p["seq"]: p["ack"] for p in ok}
    sent = {p["seq"]: p["sent"] for p in ok}
    expected = set(ack)
    missing = duplicates = unexpected = 0
    with_missing = with_duplicates = 0
    lat_ack: list[float] = []
    lat_sent: list[float] = []
    last: dict[int, float] = {}
    first: dict[int, float] = {}
    for seqs, times in zip(dump["seqs"], dump["times"], strict=True):
        seen = set(seqs)
        gap, dup = len(expected - seen), len(seqs) - len(seen)
        missing += gap
        duplicates += dup
        with_missing += gap > 0
        with_duplicates += dup > 0
        unexpected += len(seen - expected)
        for s, t in zip(seqs, times, strict=True):
            a = ack.get(s)
            if a is None:
                continue
            lat_ack.append(t - a)
            lat_sent.append(t - sent[s])
            if t > last.get(s, 0.0):
                last[s] = t
            if t < first.get(s, math.inf):
                first[s] = t
    lat_ack.sort()
    lat_sent.sort()
    fanout = sorted(last[s] - sent[s] for s in last)  # POST sent -> its last reader has it
    post = sorted(p["ack"] - p["sent"] for p in ok)
    lag = sorted(p["sent"] - p["due"] for p in ok)
    sends = sorted(p["sent"] for p in ok)
    span = max(last.values()) - sends[0] if last and sends else None

    def ms(values: list[float], q: float) -> float | None:
        v = pct(values, q)
        return None if v is None else round(v * 1000, 2)

    t0 = min((p["due"] for p in ok), default=0.0)

    def rel(t: float | None) -> float | None:
        return None if t is None else round((t - t0) * 1000, 1)

    return {
        "timeline_columns": ["seq", "due", "sent", "ack", "first received", "last received"],
        "timeline_ms": [
            [
                p["seq"],
                rel(p["due"]),
                rel(p["sent"]),
                rel(p["ack"]),
                rel(first.get(p["seq"])),
                rel(last.get(p["seq"])),
            ]
            for p in ok
        ],
        "published": len(ok),
        "publish_errors": [p for p in pubs if "error" in p][:5],
        "publish_rate": (len(sends) - 1) / (sends[-1] - sends[0]) if len(sends) > 1 else None,
        "deliveries_expected": len(expected) * len(dump["seqs"]),
        "deliveries": len(lat_ack),
        # From the first POST sent to the last delivery received.
        "deliveries_per_s": round(len(lat_ack) / span) if span else None,
        "bytes_per_delivery": round(dump["bytes"] / len(lat_ack)) if lat_ack else None,
        "missing": missing,
        "duplicates": duplicates,
        "unexpected": unexpected,
        "subscribers_missing": with_missing,
        "subscribers_duplicated": with_duplicates,
        "closed_by_server": sum(dump["closed"]),
        "latency_ms": {
            "p50": ms(lat_ack, 0.5),
            "p99": ms(lat_ack, 0.99),
            "max": ms(lat_ack, 1.0),
            "min": ms(lat_ack, 0.0),
        },
        "latency_from_send_ms": {
            "p50": ms(lat_sent, 0.5),
            "p99": ms(lat_sent, 0.99),
            "max": ms(lat_sent, 1.0),
        },
        "fanout_complete_ms": {
            "p50": ms(fanout, 0.5),
            "p99": ms(fanout, 0.99),
            "max": ms(fanout, 1.0),
        },
        "post_ack_ms": {"p50": ms(post, 0.5), "p99": ms(post, 0.99), "max": ms(post, 1.0)},
        "send_behind_schedule_ms": {"p50": ms(lag, 0.5), "max": ms(lag, 1.0)},
    }


def run_phase(
    name: str,
    server: Server,
    readers: Readers,
    key: str,
    job: dict,
    rate: float,
    n: int,
    work: Path,
    idle_cpu_per_s: float,
    py_spy: str | None = None,
) -> tuple[dict, dict | None]:
    """One phase against ``server``: its figures, and for newswire what the peers are to
    publish (the envelopes it sent, with their sequence numbers)."""
    tag = f"{server.kind}-{n}-{name}"
    bodies_file = work / f"bodies-{tag}.pickle"
    bodies_file.write_bytes(pickle.dumps({**job, "headers": HEADERS[server.kind]}))
    pubs_file = work / f"pubs-{tag}.json"
    dump_file = work / f"dump-{tag}.pickle"
    capture = server.kind == "newswire"
    readers.call(30, op="reset", capture=capture)
    bodies = job["bodies"]
    budget = (len(bodies) / rate if rate > 0 else 0) + 120.0
    expected = n * len(bodies)

    publisher = subprocess.Popen(
        pinned(
            CLIENT_CORE,
            [
                PY,
                LOAD,
                "publish",
                "--port",
                str(server.port),
                "--key",
                key,
                "--bodies",
                str(bodies_file),
                "--rate",
                str(rate),
                "--out",
                str(pubs_file),
                "--timeout",
                str(budget),
            ],
        ),
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    spy = None
    try:
        ready, _, _ = select.select([publisher.stdout], [], [], 60)
        if not ready or publisher.stdout.readline() != b"ready\n":
            raise RuntimeError("the publisher did not get ready in 60 s")
        if py_spy:  # sampling the server distorts what is measured: a separate run
            spy = subprocess.Popen(
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
                        str(server.pid),
                        "-o",
                        str(OUT / f"stream-profile-{tag}.txt"),
                    ],
                ),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1.0)
        softirqd = kernel_thread(f"ksoftirqd/{SERVER_CORE}")
        soft0 = cpu_seconds(softirqd) if softirqd else 0.0
        cores0, threads0 = core_busy(), thread_cpu(server.pid)
        cpu0, ccpu0, t0 = server.cpu(), cpu_seconds(readers.pid), time.monotonic()
        publisher.stdin.write(b"go\n")
        publisher.stdin.flush()
        frames, last_change, done_at = 0, time.monotonic(), None
        while True:
            time.sleep(0.05)
            now = time.monotonic()
            status = readers.call(60, op="status")
            if status["frames"] != frames:
                frames, last_change = status["frames"], now
            if publisher.poll() is not None and done_at is None:
                done_at = now
            if done_at is not None and frames >= expected:
                break
            if now - t0 > budget + 60:
                print(f"  {name}: timed out with {frames}/{expected} frames", file=sys.stderr)
                break
            if done_at is not None and now - max(last_change, done_at) > 15:
                print(
                    f"  {name}: no progress for 15 s at {frames}/{expected} frames", file=sys.stderr
                )
                break
        cpu1, ccpu1, t1 = server.cpu(), cpu_seconds(readers.pid), time.monotonic()
        cores1, threads1 = core_busy(), thread_cpu(server.pid)
        soft1 = cpu_seconds(softirqd) if softirqd else 0.0
    finally:
        stop(publisher, 5)
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its profile on SIGINT
            try:
                spy.wait(60)
            except subprocess.TimeoutExpired:
                stop(spy)

    readers.call(120, op="dump", path=str(dump_file))
    pubs = json.loads(pubs_file.read_text()) if pubs_file.exists() else []
    with dump_file.open("rb") as handle:
        dump = pickle.load(handle)
    dump_file.unlink()
    result = analyse(dump, pubs)
    peer_job = None
    if capture:
        done = [p for p in pubs if "seq" in p and p.get("created")]
        seqs = [p["seq"] for p in done]
        peer_job = {"bodies": envelopes(dump["raw"], seqs), "seqs": seqs}
    cpu, wall = cpu1 - cpu0, t1 - t0
    deliveries = max(result["deliveries"], 1)
    busy = {c: round((cores1[c] - cores0[c]) / wall, 3) for c in cores1}
    result.update(
        {
            "phase": name,
            "rate": rate,
            "wall_s": round(wall, 3),
            "server_cpu_s": round(cpu, 3),
            "server_cpu_share": round(cpu / wall, 3),
            "cpu_us_per_delivery": round(cpu / deliveries * 1e6, 2),
            "cpu_us_per_delivery_net_idle": round(
                max(0.0, cpu - idle_cpu_per_s * wall) / deliveries * 1e6, 2
            ),
            "client_cpu_share": round((ccpu1 - ccpu0) / wall, 3),
            # The receive work of loopback TCP that the kernel deferred to the server
            # core's softirq thread: done for the server's writes, charged to neither.
            "softirq_thread_us_per_delivery": round((soft1 - soft0) / deliveries * 1e6, 2),
            # Where the server's CPU went: its main thread or which others (search indexing
            # in worker and native threads, for newswire).
            "server_cpu_s_by_thread": {
                name: round(t - threads0.get(name, 0.0), 3)
                for name, t in sorted(threads1.items())
                if t - threads0.get(name, 0.0) > 0
            },
            # Busy time of each core, and what of it was not the process pinned there (kernel
            # work such as loopback softirqs, the publisher on the client core, and anybody
            # else's jobs on the machine: those skew latency, much less the CPU per delivery).
            "core_busy_share": busy,
            "other_on_server_core": round(
                (cores1[f"cpu{SERVER_CORE}"] - cores0[f"cpu{SERVER_CORE}"] - cpu) / wall, 3
            ),
            "other_on_client_core": round(
                (cores1[f"cpu{CLIENT_CORE}"] - cores0[f"cpu{CLIENT_CORE}"] - (ccpu1 - ccpu0))
                / wall,
                3,
            ),
            "saturated": [
                side
                for side, core in (("server", SERVER_CORE), ("client", CLIENT_CORE))
                if busy[f"cpu{core}"] >= SATURATED
            ],
        }
    )
    return result, peer_job


def run_one(kind: str, n: int, args, work: Path, jobs: dict[str, dict] | None) -> dict:
    """Every phase against one server with N readers. ``jobs``: what each phase publishes
    (None for newswire, which gets fresh ninjs items and gives ``row["jobs"]``, its
    envelopes, for the peers)."""
    db = f"sqlite:///{work / f'{kind}-{n}.db'}"
    keys = ("", "")
    if kind == "newswire":
        cli(db, "product", "add", "wire", "--access", "full")
        cli(db, "subscriber", "add", "bench", "--product", "wire", "--rate-limit", "1000000")
        keys = (
            cli(db, "key", "create", "--subscriber", "bench").strip().splitlines()[-1],
            cli(db, "key", "create", "--scope", "publish", "--name", "desk")
            .strip()
            .splitlines()[-1],
        )
    server = readers = None
    quiet = wait_quiet(args.quiet_wait) if args.quiet_wait > 0 else None
    try:
        server = Server(kind, db, work, n)
        time.sleep(1.0)
        if kind == "newswire":
            warm_up(server.port, keys[1])
        rss0 = server.rss()
        readers = Readers(server.port, keys[0])
        t = time.monotonic()
        opened = readers.call(
            args.connect_timeout + 30,
            op="connect",
            n=n,
            concurrency=200,
            timeout=args.connect_timeout,
        )
        connect_s = time.monotonic() - t
        if opened["failed"]:
            raise RuntimeError(f"{opened['failed']} of {n} connections failed: {opened['errors']}")
        deadline = time.monotonic() + 30
        while (connected := server.connected()) < n:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server says {connected} streams are open, not {n}")
            time.sleep(0.2)
        time.sleep(2.0)  # settle
        rss1 = server.rss()
        c0, t0 = server.cpu(), time.monotonic()
        time.sleep(3.0)
        idle_cpu_per_s = (server.cpu() - c0) / (time.monotonic() - t0)
        row = {
            "server": kind,
            "subscribers": n,
            "busiest_core_before": quiet,
            "connect_s": round(connect_s, 2),
            "rss_before_kib": rss0,
            "rss_idle_kib": rss1,
            "rss_kib_per_idle_subscriber": round((rss1 - rss0) / n, 2),
            "idle_cpu_share": round(idle_cpu_per_s, 4),
            "phases": {},
        }
        peer_jobs = {}
        for phase, rate in (("rate", args.rate), ("burst", 0.0)):
            if jobs is None:
                job = {"bodies": make_bodies(args.items, f"{n}-{phase}"), "seqs": None}
            else:
                job = jobs[phase]
            print(
                f"{kind} N={n}: {phase} phase ({len(job['bodies'])} items"
                f"{f' at {rate:g}/s' if rate else ', as fast as possible'})",
                file=sys.stderr,
            )
            row["phases"][phase], peer_jobs[phase] = run_phase(
                phase,
                server,
                readers,
                keys[1],
                job,
                rate,
                n,
                work,
                idle_cpu_per_s,
                args.py_spy if kind == "newswire" else None,
            )
        row["rss_after_kib"] = server.rss()
        if jobs is None:
            row["jobs"] = peer_jobs
        return row
    finally:
        if readers is not None:
            readers.close()
        if server is not None:
            server.close()


# --- report ---------------------------------------------------------------------------------


def table(rows: list[dict]) -> str:
    lines = [
        "| server | N | phase | items/s | deliveries | deliveries/s | p50 ms from ack | p99 ms from ack "
        "| max ms from ack | p99 ms from send | POST p99 ms | missing / dup | bytes / delivery "
        "| server CPU µs / delivery | server core busy | client core busy "
        "| other on server core | saturated | KiB RSS / idle sub |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for row in rows:
        for name, p in row["phases"].items():
            lat = p["latency_ms"]
            rate = f"{p['publish_rate']:.0f}" if p["publish_rate"] else "-"
            busy = p["core_busy_share"]
            lines.append(
                f"| {row['server']} | {row['subscribers']:,} | {name} | {rate} "
                f"| {p['deliveries']:,}/{p['deliveries_expected']:,} "
                f"| {p['deliveries_per_s'] or 0:,} | {lat['p50']} "
                f"| {lat['p99']} | {lat['max']} | {p['latency_from_send_ms']['p99']} "
                f"| {p['post_ack_ms']['p99']} | {p['missing']} / {p['duplicates']} "
                f"| {p['bytes_per_delivery']:,} | {p['cpu_us_per_delivery']} "
                f"| {busy[f'cpu{SERVER_CORE}']:.0%} | {busy[f'cpu{CLIENT_CORE}']:.0%} "
                f"| {p['other_on_server_core']:.0%} | {', '.join(p['saturated']) or '-'} "
                f"| {row['rss_kib_per_idle_subscriber']} |"
            )
    return "\n".join(lines)


def ratio(mine: float | None, theirs: float | None) -> float | None:
    return round(mine / theirs, 2) if mine is not None and theirs else None


def comparisons(rows: list[dict]) -> list[dict]:
    """newswire against nchan at each N and phase."""
    found = {(r["server"], r["subscribers"]): r for r in rows}
    out = []
    for (kind, n), mine in found.items():
        peer = found.get(("nchan", n))
        if kind != "newswire" or peer is None:
            continue
        for name, p in mine["phases"].items():
            q = peer["phases"][name]
            out.append(
                {
                    "subscribers": n,
                    "phase": name,
                    "cpu_us_per_delivery": [p["cpu_us_per_delivery"], q["cpu_us_per_delivery"]],
                    "cpu_ratio": ratio(p["cpu_us_per_delivery"], q["cpu_us_per_delivery"]),
                    # From the POST sent: nchan answers a POST once it has written the
                    # message to every subscriber, newswire once it has stored the item
                    # (its streams get it after), so only this one compares.
                    "p99_ms": [
                        p["latency_from_send_ms"]["p99"],
                        q["latency_from_send_ms"]["p99"],
                    ],
                    "p99_ratio": ratio(
                        p["latency_from_send_ms"]["p99"], q["latency_from_send_ms"]["p99"]
                    ),
                    "p50_ms": [
                        p["latency_from_send_ms"]["p50"],
                        q["latency_from_send_ms"]["p50"],
                    ],
                    "p99_from_ack_ms": [p["latency_ms"]["p99"], q["latency_ms"]["p99"]],
                    "deliveries_per_s": [p["deliveries_per_s"], q["deliveries_per_s"]],
                    "bytes_per_delivery": [p["bytes_per_delivery"], q["bytes_per_delivery"]],
                    "missing_dup": [
                        [p["missing"], p["duplicates"]],
                        [q["missing"], q["duplicates"]],
                    ],
                    "saturated": [p["saturated"], q["saturated"]],
                }
            )
    return out


def comparison_table(comps: list[dict]) -> str:
    lines = [
        "| N | phase | CPU µs / delivery newswire / nchan | ratio "
        "| p50 ms newswire / nchan | p99 ms newswire / nchan | ratio "
        "| deliveries/s newswire / nchan | bytes / delivery newswire / nchan "
        "| saturated newswire / nchan |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]

    def sides(pair: list) -> str:
        return " / ".join(", ".join(s) or "-" for s in pair)

    for c in comps:
        cpu, p99, dps, size = (
            c["cpu_us_per_delivery"],
            c["p99_ms"],
            c["deliveries_per_s"],
            c["bytes_per_delivery"],
        )
        lines.append(
            f"| {c['subscribers']:,} | {c['phase']} | {cpu[0]} / {cpu[1]} | {c['cpu_ratio']} "
            f"| {c['p50_ms'][0]} / {c['p50_ms'][1]} "
            f"| {p99[0]} / {p99[1]} | {c['p99_ratio']} | {dps[0] or 0:,} / {dps[1] or 0:,} "
            f"| {size[0]:,} / {size[1]:,} | {sides(c['saturated'])} |"
        )
    return "\n".join(lines)


def verdict(comps: list[dict]) -> list[dict]:
    """The issue's targets, at each N in the rate phase."""
    out = []
    for c in comps:
        if c["phase"] != "rate":
            continue
        out.append(
            {
                "subscribers": c["subscribers"],
                "no_missing_or_duplicate": c["missing_dup"][0] == [0, 0],
                "cpu_ratio": [
                    c["cpu_ratio"],
                    TARGETS["cpu_per_delivery_ratio"],
                    (c["cpu_ratio"] or 1e9) <= TARGETS["cpu_per_delivery_ratio"],
                ],
                "p99_ratio": [
                    c["p99_ratio"],
                    TARGETS["p99_ratio"],
                    (c["p99_ratio"] or 1e9) <= TARGETS["p99_ratio"],
                ],
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--subscribers",
        default="1000,5000",
        help="comma-separated numbers of concurrent SSE readers",
    )
    parser.add_argument("--items", type=int, default=200, help="items per phase")
    parser.add_argument("--rate", type=float, default=20.0, help="items/s in the rate phase")
    parser.add_argument("--quick", action="store_true", help="200 readers, 40 items")
    parser.add_argument(
        "--peers",
        default="nchan",
        help="comma-separated servers measured after newswire with the same envelopes: "
        "nchan (nginx with the nchan module), floor (a bare uvloop broadcaster); '' for none",
    )
    parser.add_argument(
        "--py-spy",
        metavar="PATH",
        help="record a py-spy profile of newswire in each phase into "
        "bench/out/stream-profile-*.txt (skews the figures: a separate run)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=300.0,
        metavar="S",
        help="before each run, wait up to S s for both cores to be 90%% idle",
    )
    parser.add_argument("--connect-timeout", type=float, default=120.0)
    parser.add_argument(
        "--out",
        type=Path,
        help="default bench/out/stream.json (stream-quick.json with --quick, "
        "stream-profiled.json with --py-spy)",
    )
    args = parser.parse_args()
    if args.quick:
        args.subscribers, args.items = "200", 40
    if args.out is None:
        name = "stream-profiled" if args.py_spy else "stream-quick" if args.quick else "stream"
        args.out = OUT / f"{name}.json"
    counts = [int(x) for x in args.subscribers.split(",") if x.strip()]
    peers = [x.strip() for x in args.peers.split(",") if x.strip()]
    if unknown := set(peers) - {"nchan", "floor"}:
        sys.exit(f"unknown peers: {', '.join(sorted(unknown))}")
    if "nchan" in peers:
        nchan_module()  # fail now, not after the first newswire run
    nofile = raise_nofile(2 * max(counts) + 1000)
    if nofile < max(counts) + 500:
        sys.exit(f"the open-files limit is {nofile}: too low for {max(counts)} connections")
    OUT.mkdir(parents=True, exist_ok=True)

    rows = []
    with tempfile.TemporaryDirectory(prefix="newswire-stream-") as tmp:
        work = Path(tmp)
        try:
            for n in counts:
                mine = run_one("newswire", n, args, work, None)
                jobs = mine.pop("jobs")
                rows.append(mine)
                for kind in peers:
                    rows.append(run_one(kind, n, args, work, jobs))
        except BaseException:
            for log in sorted(work.glob("server-*.log")) + sorted(work.glob("nchan-*/error.log")):
                tail = log.read_bytes()[-3000:].decode("utf-8", "replace")
                print(f"--- {log.name} (tail)\n{tail}", file=sys.stderr)
            raise

    def git(*cmd: str) -> str:  # read-only: which code was measured
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            return subprocess.run(
                ["git", *cmd], cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        return ""

    comps = comparisons(rows)
    result = {
        "command": " ".join(["python", *sys.argv]),
        "commit": git("rev-parse", "HEAD"),
        "uncommitted_changes_in_newswire": bool(git("status", "--porcelain", "newswire")),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "open_files_limit": nofile,
        "items": args.items,
        "rate": args.rate,
        "targets": TARGETS,
        "verdict": verdict(comps),
        "comparisons": comps,
        "runs": rows,
    }
    args.out.write_text(json.dumps(result, indent=2))
    print(table(rows))
    print()
    print(comparison_table(comps))
    print(json.dumps(result["verdict"], indent=2))


if __name__ == "__main__":
    main()

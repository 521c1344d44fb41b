"""What the benchmarks share: processes pinned to a core, a quiet machine, ``newswire
serve`` on a fresh temporary store, nginx as a static peer, wrk and its figures.

Loopback (127.0.0.1) only; every wait is bounded and every process started here is
stopped by its own id. The convention of every script: the server under test on core 0
(``taskset -c 0``), the load on core 1, a wait for a quiet machine first, raw results in
bench/out/*.json and a Markdown table printed for docs/benchmarks.md.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PY = sys.executable
TICK = os.sysconf("SC_CLK_TCK")
SERVER_CORE, CLIENT_CORE = "0", "1"
CORPUS = ROOT.parent / "shared" / "corpus" / "ant_arabic_news.jsonl.xz"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
"""The PostgreSQL server the scale-out benches use (``scripts/services.sh postgres``)."""
NATS = "nats://127.0.0.1:4222"
"""The NATS JetStream server the scale-out benches use (``scripts/services.sh nats``)."""
T = TypeVar("T")


# --- processes ------------------------------------------------------------------------------


def stop_on_term() -> None:
    """End this process on SIGTERM as on an error: ``finally`` blocks stop what it
    started (servers, nginx, load processes) and remove its temporary folder."""

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def raise_nofile(need: int) -> int:
    """Raise this process's open-files limit (children inherit it) to at least ``need``."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < need:
        with contextlib.suppress(ValueError, OSError):  # only root may raise the hard limit
            resource.setrlimit(resource.RLIMIT_NOFILE, (need, need))
            return need
    target = hard if hard != resource.RLIM_INFINITY else max(need, soft)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def pinned(core: str | None, args: list[str]) -> list[str]:
    """``args`` run on ``core`` (None: anywhere), when taskset and two cores are there."""
    if core is None or not shutil.which("taskset") or (os.cpu_count() or 1) < 2:
        return args
    return ["taskset", "-c", core, *args]


def run_role(script: str, role: str, core: str | None, timeout: float = 600, **options) -> None:
    """A benchmark script's own child process (its load, or a bare peer): ``script --role
    ROLE --NAME VALUE ...`` (one option a keyword, in order), pinned to ``core``, waited
    for; an error if it fails."""
    args = [PY, script, "--role", role]
    for name, value in options.items():
        args += [f"--{name}", str(value)]
    subprocess.run(pinned(core, args), cwd=ROOT, check=True, timeout=timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, all its threads."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def tree(pid: int) -> list[int]:
    """A process and its descendants (for servers with worker processes)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as handle:
                    todo.extend(int(c) for c in handle.read().split())
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its live descendants."""
    total = 0.0
    for p in tree(pid):
        with contextlib.suppress(OSError):
            total += cpu_seconds(p)
    return total


def core_busy() -> dict[str, float]:
    """Busy seconds of each core ('cpu0', 'cpu1', ...) since boot, from /proc/stat."""
    busy = {}
    with open("/proc/stat") as handle:
        for line in handle:
            name, *ticks = line.split()
            if name.startswith("cpu") and name != "cpu":
                t = [int(x) for x in ticks]
                busy[name] = (sum(t[:8]) - t[3] - t[4]) / TICK  # all but idle and iowait
    return busy


def wait_quiet(limit: float, idle_share: float = 0.9) -> float:
    """Wait (at most ``limit`` s) until every core was at least ``idle_share`` idle over a
    second: other people's jobs on this machine skew every figure. The busiest core's
    share over the last second is returned (above 1 - idle_share: it was not quiet)."""
    deadline = time.monotonic() + limit
    while True:
        before, t = core_busy(), time.monotonic()
        time.sleep(1.0)
        after, wall = core_busy(), time.monotonic() - t
        worst = max((after[c] - before[c]) / wall for c in after)
        if worst <= 1 - idle_share or time.monotonic() > deadline:
            return round(worst, 3)


class CoreMeter:
    """How busy each core was between ``start()`` and ``stop()``, the CPU of the processes
    measured (with their children), and on the server's core what was not them: other
    people's jobs on a shared machine, and kernel work such as loopback interrupts."""

    def __init__(self, pids: dict[str, int], server_core: str | None = SERVER_CORE):
        self.pids, self.core = pids, server_core

    def start(self) -> None:
        self.t0, self.cores0 = time.monotonic(), core_busy()
        self.cpu0 = {k: tree_cpu_seconds(p) for k, p in self.pids.items()}

    def stop(self) -> dict:
        wall = time.monotonic() - self.t0
        cores1 = core_busy()
        cpu = {k: tree_cpu_seconds(p) - self.cpu0[k] for k, p in self.pids.items()}
        cores = {c: (cores1[c] - self.cores0[c]) / wall for c in cores1}
        out = {
            "wall_s": round(wall, 3),
            "cpu_share": {k: round(v / wall, 3) for k, v in cpu.items()},
            "core_busy_share": {c: round(v, 3) for c, v in cores.items()},
        }
        if self.core is not None and f"cpu{self.core}" in cores:
            mine = sum(cpu.values()) / wall
            out["other_on_server_core"] = round(max(0.0, cores[f"cpu{self.core}"] - mine), 3)
        return out


def stop(proc: subprocess.Popen | None, grace: float = 10.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(grace)


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


# --- HTTP -----------------------------------------------------------------------------------


def http(
    port: int,
    path: str,
    *,
    key: str = "",
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, dict[str, str], bytes]:
    """One request to 127.0.0.1:port: (status, headers, body); HTTP errors are answers."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=body, method=method, headers=headers or {}
    )
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, dict(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read()


def wait_answered(
    request: str | urllib.request.Request, *, limit: float, timeout: float, fail: str
) -> None:
    """Wait (at most ``limit`` s) until ``request`` (a URL or a urllib Request) is
    answered with a success, each try bounded by ``timeout`` s (an HTTP error, such as a
    503 while the server starts, is no answer yet); else end the run: ``fail``."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(request, timeout=timeout).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(fail)


def http_get(port: int, path: str, timeout: float = 5.0) -> str:
    return http(port, path, timeout=timeout)[2].decode()


def streams_connected(port: int) -> int:
    for line in http_get(port, "/metrics").splitlines():
        if line.startswith("newswire_streams_connected{") and 'channel="stream"' in line:
            return int(float(line.rsplit(" ", 1)[1]))
    return 0


def wait_streams(port: int, n: int, limit: float = 30.0) -> None:
    """Wait (at most ``limit`` s) until ``/metrics`` counts ``n`` streams connected."""
    deadline = time.monotonic() + limit
    while (connected := streams_connected(port)) < n:
        if time.monotonic() > deadline:
            raise RuntimeError(f"/metrics says {connected} streams connected, not {n}")
        time.sleep(0.2)


class Steered:
    """A load process steered by JSON lines on its stdin, answering one JSON line each
    (bench/sse_load.py readers, bench/poll_load.py), pinned to ``core``."""

    def __init__(self, args: list[str], core: str | None = CLIENT_CORE):
        self.proc = subprocess.Popen(
            pinned(core, args), cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self.pid = self.proc.pid

    def call(self, wait: float, **cmd) -> dict:
        self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
        self.proc.stdin.flush()
        return self.read(wait, cmd["op"])

    def read(self, wait: float, what: str = "a line") -> dict:
        ready, _, _ = select.select([self.proc.stdout], [], [], wait)
        if not ready:
            raise TimeoutError(f"the load process did not answer {what} in {wait:.0f} s")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the load process exited")
        return json.loads(line)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if self.proc.poll() is None:
                self.call(10, op="quit")
        with contextlib.suppress(Exception):
            self.proc.stdin.close()
        stop(self.proc, 5)
        with contextlib.suppress(Exception):
            self.proc.stdout.close()


# --- newswire -------------------------------------------------------------------------------


def cli(db: str, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    """``newswire ARGS --db DB`` in a subprocess; its stdout."""
    result = subprocess.run(
        [PY, "-m", "newswire.cli", *args, "--db", db],
        capture_output=True,
        cwd=ROOT,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )
    if result.returncode != 0:
        raise RuntimeError(f"newswire {' '.join(args)}: {result.stderr.decode()}")
    return result.stdout.decode()


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1].strip()


def read_key(db: str, subscriber: str) -> str:
    return last_line(cli(db, "key", "create", "--subscriber", subscriber))


def publish_key(db: str, name: str = "desk") -> str:
    return last_line(cli(db, "key", "create", "--scope", "publish", "--name", name))


def fresh_db(work: Path, name: str) -> str:
    """The URL of a new SQLite database in ``work`` (a temporary folder)."""
    for suffix in ("", "-wal", "-shm"):
        (work / f"{name}.db{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{work / f'{name}.db'}"


@contextlib.contextmanager
def fresh_postgres(server: str = POSTGRES) -> Iterator[str]:
    """A new, empty database ``newswire_bench_<hex>`` on ``server``: its URL, dropped at
    the end (``WITH (FORCE)``: a server left running by a failed run holds connections),
    so that no run sees another's rows and nothing is left behind."""
    import psycopg

    name = f"newswire_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def serve_accepts(option: str) -> bool:
    """Whether this checkout's ``newswire serve`` takes ``option`` (e.g. ``--workers``)."""
    result = subprocess.run(
        [PY, "-m", "newswire.cli", "serve", "--help"],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )
    return option in result.stdout.decode()


class Server:
    """``newswire serve`` on a store, pinned to ``core`` (None: anywhere), its log in a
    file, on ``port`` (default: a free one); ``workers`` is passed as ``--workers N``
    when given. As a context manager: the tail of its log on stderr if the block fails
    (or is stopped), and stopped at the end."""

    def __init__(
        self,
        db: str,
        log: Path,
        *,
        core: str | None = SERVER_CORE,
        workers: int | None = None,
        env: dict[str, str] | None = None,
        ready: bool = False,
        start_timeout: float = 120.0,
        port: int | None = None,
    ):
        self.port = port or free_port()
        self.log_path = log
        self.log = log.open("wb")
        args = [PY, "-m", "newswire.cli", "serve", "--port", str(self.port), "--db", db]
        # One process unless asked (serve starts one per CPU by default): pinned to one
        # core, a bench measures one process against the peer's one worker.
        args += ["--workers", str(workers if workers is not None else 1)]
        self.proc = subprocess.Popen(
            pinned(core, args),
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
        self.pid = self.proc.pid  # taskset execs: the same process
        deadline = time.monotonic() + start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.close()
                raise RuntimeError(f"newswire serve exited: {self.tail()}")
            try:
                status, _, body = http(self.port, "/ready" if ready else "/health", timeout=2)
                if status == 200 and (not ready or json.loads(body).get("search") == "ready"):
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.close()
        raise RuntimeError(f"newswire serve was not ready in {start_timeout:.0f} s: {self.tail()}")

    def tail(self, size: int = 3000) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_bytes()[-size:].decode("utf-8", "replace")
        return ""

    def close(self) -> None:
        stop(self.proc)
        with contextlib.suppress(Exception):
            self.log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None:
            print(f"--- server log (tail)\n{self.tail()}", file=sys.stderr)
        self.close()


def wait_idle(pid: int, share: float = 0.05, settle: float = 1.0, limit: float = 60.0) -> float:
    """Wait (at most ``limit`` s) until a process tree used under ``share`` of a core over
    ``settle`` seconds (it has done what it was given); the last share seen."""
    deadline = time.monotonic() + limit
    while True:
        c0, t0 = tree_cpu_seconds(pid), time.monotonic()
        time.sleep(settle)
        used = (tree_cpu_seconds(pid) - c0) / (time.monotonic() - t0)
        if used < share or time.monotonic() > deadline:
            return round(used, 3)


# --- nginx: the static peer -----------------------------------------------------------------

NGINX_TOP = """\
worker_processes {workers};
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 8192; }}
"""
"""The process part of every nginx the benchmarks run (``.format(workers=, work=)``)."""
NGINX_TEMP = """\
    client_body_temp_path {work}/tmp/body;
    proxy_temp_path {work}/tmp/proxy;
    fastcgi_temp_path {work}/tmp/fastcgi;
    uwsgi_temp_path {work}/tmp/uwsgi;
    scgi_temp_path {work}/tmp/scgi;
"""
"""Their temporary folders, under ``work`` (``.format(work=)``): none in the system's."""

NGINX_CONF = NGINX_TOP + """\
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 10000000;
    open_file_cache max=10000 inactive=60s;
    etag on;
    types {{ }}
    default_type {media_type};
""" + NGINX_TEMP + """\
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        root {root};
        location / {{ }}
    }}
}}
"""


class Nginx:
    """nginx serving the files under ``root`` (static, sendfile, its own ETag), with a
    config generated into a temporary folder, pinned to ``core`` (None: anywhere);
    ``config(port)``, when given, makes the whole configuration instead (a front)."""

    def __init__(
        self,
        root: Path,
        work: Path,
        *,
        core: str | None = SERVER_CORE,
        workers: int = 1,
        media_type: str = "application/json",
        port: int | None = None,
        config: Callable[[int], str] | None = None,
    ):
        binary = shutil.which("nginx") or next(
            (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(p)), None
        )
        if binary is None:
            raise RuntimeError("nginx is not installed (Debian package nginx)")
        self.work = work
        (work / "tmp").mkdir(parents=True, exist_ok=True)
        # nginx's workers may run as another user (root starts them as nobody): let them read.
        for folder in (work.parent, work, root.parent, root, *root.rglob("*")):
            with contextlib.suppress(OSError):
                folder.chmod(0o755 if folder.is_dir() else 0o644)
        self.port = port or free_port()
        conf = work / "nginx.conf"
        conf.write_text(
            config(self.port)
            if config is not None
            else NGINX_CONF.format(
                workers=workers, work=work, root=root, port=self.port, media_type=media_type
            )
        )
        self.log = (work / "stdout.log").open("wb")
        self.proc = subprocess.Popen(
            pinned(core, [binary, "-p", str(work), "-c", str(conf), "-e", str(work / "error.log")]),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.pid = self.proc.pid
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.errors()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 1),
            ):
                return
            time.sleep(0.1)
        self.close()
        raise RuntimeError(f"nginx did not start in 20 s: {self.errors()}")

    def errors(self) -> str:
        with contextlib.suppress(OSError):
            return (self.work / "error.log").read_text()[-3000:]
        return ""

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(15)  # the master stops its workers
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        stop(self.proc)
        self.log.close()


# --- wrk ------------------------------------------------------------------------------------


def lua_requests(requests: list[tuple[str, dict[str, str]]]) -> str:
    """A wrk script sending each (path, headers) in turn, round robin over every
    connection: the requests are made once, in ``init`` (once wrk knows the Host)."""

    def lua(text: str) -> str:
        return json.dumps(text)  # a JSON string of ASCII is a Lua string literal

    rows = []
    for path, headers in requests:
        fields = ", ".join(f"[{lua(k)}] = {lua(v)}" for k, v in headers.items())
        rows.append(f"  {{{lua(path)}, {{{fields}}}}},")
    return (
        "local specs = {\n"
        + "\n".join(rows)
        + "\n}\nlocal requests, n, i = {}, #specs, 0\n"
        + "init = function(args)\n"
        + '  for k, s in ipairs(specs) do requests[k] = wrk.format("GET", s[1], s[2]) end\n'
        + "end\n"
        + "request = function()\n  i = i % n + 1\n  return requests[i]\nend\n"
    )


_UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    value, unit = float(m.group(1)), m.group(2)
    return {"us": value / 1000, "ms": value, "s": value * 1000, "m": value * 60000}[unit]


def _wrk_rps(out: str) -> float:
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def _wrk_latency(out: str, q: int) -> float | None:
    """The q-th percentile of the latency (``--latency``), in milliseconds."""
    m = re.search(rf"^\s+{q}(?:\.0+)?%\s+(\S+)\s*$", out, re.M)
    return _ms(m.group(1)) if m else None


def _wrk_failures(out: str) -> dict:
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "non_2xx_3xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1).strip() if errors else "",
    }


def parse_wrk(out: str) -> dict:
    """requests/s, latency percentiles (with ``--latency``), bytes per response, errors."""
    rps = _wrk_rps(out)
    total = re.search(r"(\d+) requests in ([\d.]+\w+), ([\d.]+)(\w+) read", out)
    requests = int(total.group(1))
    read = float(total.group(3)) * _UNITS[total.group(4)]
    latency = {
        f"p{q}_ms": round(ms, 3)
        for q in (50, 75, 90, 99)
        if (ms := _wrk_latency(out, q)) is not None
    }
    mean = re.search(r"^\s+Latency\s+(\S+)\s+(\S+)\s+(\S+)", out, re.M)
    return {
        "rps": round(rps, 1),
        "requests": requests,
        "bytes_per_response": round(read / requests) if requests else 0,
        **latency,
        "mean_ms": round(_ms(mean.group(1)), 3) if mean else None,
        "max_ms": round(_ms(mean.group(3)), 3) if mean else None,
        **_wrk_failures(out),
    }


def wrk_brief(figures: dict) -> dict:
    """The short figures of a ``wrk`` run (what bench/public.py and bench/search_http.py
    report): whole requests/s, p50 and p99 in ms to two decimals, errors."""
    out = figures["output"]
    return {
        "rps": round(_wrk_rps(out)),
        "p50_ms": round(_wrk_latency(out, 50), 2),
        "p99_ms": round(_wrk_latency(out, 99), 2),
        **_wrk_failures(out),
    }


def wrk(
    url: str,
    *,
    seconds: float,
    connections: int = 64,
    threads: int = 1,
    script: Path | None = None,
    headers: dict[str, str] | None = None,
    core: str | None = CLIENT_CORE,
    timeout: str = "10s",
) -> dict:
    """``wrk --latency`` against ``url`` (with a Lua script of requests, if given),
    pinned to ``core``, a request counted as an error after ``timeout``; its figures
    (``parse_wrk``) and its output."""
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk is not installed (Debian package wrk)")
    args = [
        binary,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        timeout,
    ]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    if script is not None:
        args += ["-s", str(script)]
    out = subprocess.run(
        pinned(core, [*args, url]), capture_output=True, text=True, timeout=seconds + 60
    )
    if "Requests/sec" not in out.stdout:
        raise RuntimeError(f"wrk failed: {out.stdout}\n{out.stderr}")
    return {**parse_wrk(out.stdout), "output": out.stdout}


# --- figures --------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float | None:
    """The q-quantile (nearest rank) of sorted ``values``."""
    if not values:
        return None
    return values[max(0, math.ceil(q * len(values)) - 1)]


def ms_summary(seconds: list[float]) -> dict:
    """p50/p90/p99/max in milliseconds of a list of durations in seconds."""
    values = sorted(seconds)

    def ms(q: float) -> float | None:
        v = pct(values, q)
        return None if v is None else round(v * 1000, 3)

    return {"n": len(values), "p50": ms(0.5), "p90": ms(0.9), "p99": ms(0.99), "max": ms(1.0)}


def git(*cmd: str) -> str:
    """Read-only git, to say which code was measured."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        return subprocess.run(
            ["git", *cmd], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    return ""


def write_result(name: str, result: dict) -> Path:
    """bench/out/NAME.json, with what was measured on what."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    meta = {
        "command": " ".join(["python", *sys.argv]),
        "commit": git("rev-parse", "HEAD"),
        "uncommitted_changes_in_newswire": bool(git("status", "--porcelain", "newswire")),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    path.write_text(json.dumps({**meta, **result}, indent=2, ensure_ascii=False))
    return path


def report_result(name: str, result: dict, report: Callable[[dict], str]) -> None:
    """bench/out/NAME.json (``write_result``), then on stdout ``report(result)`` (the
    Markdown for docs/benchmarks.md) and where the raw figures are."""
    path = write_result(name, result)
    print(report(result))
    print(f"\n(raw: {path})")


def table(header: list[str], rows: list[list], align: str | None = None) -> str:
    """A Markdown table; ``align`` one letter a column: l(eft) or r(ight, the default
    for all but the first)."""
    align = align or "l" + "r" * (len(header) - 1)
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(fmt(v) for v in row) + " |")
    return "\n".join(lines)


def fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 100:
            return f"{value:.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    return str(value)


def check(name: str, measured: float | None, limit: float, at_least: bool) -> dict:
    """One line of a verdict: measured against a target (``≥ limit`` or ``≤ limit``)."""
    met = measured is not None and (measured >= limit if at_least else measured <= limit)
    return {
        "target": name,
        "limit": f"{'≥' if at_least else '≤'} {limit:g}",
        "measured": measured,
        "met": met,
    }


def _measured(value: object) -> object:
    """A verdict's figure with the digits that decide it: 0.497 against 0.5 is not
    shown as 0.50 (as ``fmt`` rounds it), which read as met beside MISSED."""
    if isinstance(value, float) and abs(value) < 10:
        return f"{value:.3g}"
    return value


def verdict_table(checks: list[dict]) -> str:
    return table(
        ["target", "limit", "measured", "verdict"],
        [[c["target"], c["limit"], _measured(c["measured"]), "met" if c["met"] else "MISSED"]
         for c in checks],
        "lrrl",
    )


# --- profiles -------------------------------------------------------------------------------


def py_spy_record(py_spy: str, pid: int, out: Path, seconds: float) -> subprocess.Popen:
    """Start ``py-spy record`` of a server (its worker processes too) for ``seconds``,
    writing collapsed stacks (``--format raw``) to ``out``; on the load's core. Only the
    thread waiting on a lock or queue counts as idle (``IDLE``, left out by
    ``summarize_profile``). Exits with a message when ``py_spy`` is no program (its
    output is not read: a wrong path would otherwise give a profile of 0 samples)."""
    if shutil.which(py_spy) is None:
        sys.exit(f"--py-spy: {py_spy} is not a program (pip install py-spy, and give its path)")
    return subprocess.Popen(
        pinned(
            CLIENT_CORE,
            [
                py_spy,
                "record",
                "--subprocesses",
                "--threads",
                "--format",
                "raw",
                "--rate",
                "100",
                "--duration",
                str(max(1, round(seconds))),
                "--pid",
                str(pid),
                "-o",
                str(out),
            ],
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


LAUNCH = (
    "<frozen runpy>",
    "typer/",
    "click/",
    "newswire/cli/",
    "uvicorn/main.py",
    "uvicorn/server.py",
    "uvicorn/_compat.py",
    "asyncio/runners.py",
)
"""Frames of every sample of a server's main thread (starting it): left out of ``total``."""


IDLE = ("Condition.wait (threading.py", "Event.wait (threading.py", "Queue.get (queue.py")
"""Leaf frames of a thread waiting (py-spy does not always see such a thread as idle)."""


def summarize_profile(path: Path, top: int = 25) -> dict:
    """The frames of a collapsed-stacks profile (py-spy ``--format raw``) that take most
    samples: by themselves (``self``, by line), with what they call (``total``, by
    function, leaving out the frames that start the server) and by file (``self`` summed per source file), as
    shares of the samples in which a thread was running."""
    self_counts: dict[str, int] = {}
    total_counts: dict[str, int] = {}
    file_counts: dict[str, int] = {}
    thread_counts: dict[str, int] = {}
    samples = idle = 0
    with contextlib.suppress(OSError):
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            parts = stack.split(";")
            frames = [f for f in parts if not f.startswith(("process ", "thread "))]
            if not frames:
                continue
            leaf = frames[-1]
            if leaf.startswith(IDLE):
                idle += n
                continue
            samples += n
            thread = next((f for f in parts if f.startswith("thread ")), "")
            thread = re.sub(r"^thread \(\d+\): ", "", thread) or "?"
            thread_counts[thread] = thread_counts.get(thread, 0) + n
            self_counts[leaf] = self_counts.get(leaf, 0) + n
            where = re.search(r"\((.*?)(?::\d+)?\)$", leaf)
            source = where.group(1) if where else leaf
            file_counts[source] = file_counts.get(source, 0) + n
            for frame in {re.sub(r":\d+\)$", ")", f) for f in frames}:
                if not any(part in frame for part in LAUNCH):
                    total_counts[frame] = total_counts.get(frame, 0) + n

    def share(counts: dict[str, int]) -> list[tuple[str, float]]:
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])[:top]
        return [(frame, round(n / samples, 3)) for frame, n in ranked] if samples else []

    return {
        "samples": samples,
        "idle_samples": idle,
        "threads": share(thread_counts),
        "self": share(self_counts),
        "total": share(total_counts),
        "by_file": share(file_counts),
    }


def profile_run(
    py_spy: str, pid: int, out: Path, seconds: float, run: Callable[[], T], grace: float = 30.0
) -> tuple[T, dict]:
    """``run()`` while ``py_spy_record`` profiles the server ``pid`` into ``out`` for
    ``seconds`` (from a second before ``run`` starts); what ``run`` returned and
    ``summarize_profile(out)``. py-spy is waited for (``seconds + grace`` at most) and
    stopped, whatever ``run`` did."""
    out.parent.mkdir(parents=True, exist_ok=True)
    spy = py_spy_record(py_spy, pid, out, seconds)
    time.sleep(1)
    try:
        got = run()
    finally:
        with contextlib.suppress(Exception):
            spy.wait(seconds + grace)
        stop(spy)
    return got, summarize_profile(out)


def profile_lines(title: str, prof: dict, top: tuple[int, int, int] = (15, 30, 15)) -> list[str]:
    """A ``summarize_profile`` as lines of a report: ``title``, then the first ``top``
    frames by ``self``, by ``total`` and by file."""
    lines = [title]
    kinds = (("self", "self"), ("total", "total"), ("file", "by_file"))
    for (label, key), n in zip(kinds, top, strict=True):
        lines.extend(f"  {label} {share:6.1%}  {frame}" for frame, share in prof[key][:n])
    return lines


# --- items ----------------------------------------------------------------------------------


def make_items(count: int, tag: str) -> list:
    """``count`` unique items (own id, numbered headline) from the Arabic sample of the
    demo data."""
    sys.path.insert(0, str(ROOT))
    import msgspec

    from newswire.demo import corpus_items, corpus_records, corpus_sample_path

    items = list(corpus_items(corpus_records(corpus_sample_path())))
    return [
        msgspec.structs.replace(
            items[i % len(items)],
            id=f"urn:newswire:bench:{tag}:{i}",
            headline=f"{items[i % len(items)].headline} ({tag} {i})",
        )
        for i in range(count)
    ]


def make_bodies(count: int, tag: str) -> list[bytes]:
    """``make_items`` as ninjs, as ``POST /v1/items`` takes them."""
    from newswire.formats import get

    ninjs = get("ninjs")
    return [ninjs.render(item) for item in make_items(count, tag)]


# --- search ---------------------------------------------------------------------------------

QUERIES = ROOT / "bench" / "search_queries.txt"
"""The queries of the search benchmarks (``bench/search.py --make-queries`` writes them)."""


def read_queries() -> list[str]:
    return [line for line in QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]


def tantivy_query_string(text: str) -> str:
    """A search query in tantivy's own syntax, each word analysed as newswire analyses
    it (Arabic): the query bench/search.py and bench/search_http.py give bare tantivy."""
    from newswire.search.query import Phrase, Word, parse
    from newswire.text.analyze import index_text

    parsed = parse(text)

    def clause(node) -> str:
        if isinstance(node, Word | Phrase):
            words = node.words if isinstance(node, Phrase) else (node.text,)
            terms = index_text(" ".join(words), "ar").split()
            return terms[0] if len(terms) == 1 else '"' + " ".join(terms) + '"'
        return "(" + " OR ".join(clause(o) for o in node.options) + ")"

    must = " ".join(f"+{clause(n)}" for n in parsed.must)
    nots = " ".join(f"-{clause(n)}" for n in parsed.must_not)
    return f"{must} {nots}".strip()

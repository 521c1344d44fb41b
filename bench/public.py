"""The public site under a rush: wrk at 64 connections against the seed item's public page
and ``/feeds/ar.rss``, on loopback (127.0.0.1) only.

    .venv/bin/python bench/public.py [--seconds 10] [--connections 64]

Into a fresh temporary SQLite store, the demo data (the seed item and the corpus sample,
``newswire demo --no-serve``); then ``newswire serve`` pinned to core 0 (``taskset -c 0``)
and, for each URL, ``wrk -t1 -c64 -d10s --latency`` pinned to core 1: a warm-up run of
2 s, then the measured run. Reports requests/s, p50/p99 latency and non-2xx answers, and
the same with ``If-None-Match`` (a CDN revalidating: 304s). Needs ``wrk`` (Debian package
``wrk``). Writes bench/out/public.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PY = sys.executable
TARGET_RPS, TARGET_P99_MS = 2000, 50.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(core: str, args: list[str]) -> list[str]:
    return ["taskset", "-c", core, *args] if shutil.which("taskset") and os.cpu_count() >= 2 else args


def wait_up(url: str, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer {url} within {limit:.0f} s")


def wrk(url: str, seconds: int, connections: int, header: str | None = None) -> dict:
    args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if header:
        args += ["-H", header]
    out = subprocess.run(
        pinned("1", [*args, url]), capture_output=True, text=True, timeout=seconds + 30
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(label: str) -> float:
        m = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": round(rps),
        "p50_ms": round(ms("50%"), 2),
        "p99_ms": round(ms("99%"), 2),
        "non_2xx_3xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1).strip() if errors else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench/public.py needs wrk: apt-get install wrk")
    work = Path(tempfile.mkdtemp(prefix="newswire-public-"))
    db = f"sqlite:///{work / 'public.db'}"
    env = {**os.environ, "NEWSWIRE_DB": db}
    subprocess.run([PY, "-m", "newswire.cli", "demo", "--no-serve"], env=env, check=True,
                   capture_output=True, cwd=ROOT)
    seed_id = subprocess.run(
        [PY, "-m", "newswire.cli", "list", "--limit", "500"], env=env, capture_output=True,
        text=True, cwd=ROOT, check=True,
    ).stdout
    seed = next(line.split("\t")[1] for line in seed_id.splitlines() if "newswire:item" in line)
    port = free_port()
    server = subprocess.Popen(
        pinned("0", [PY, "-m", "newswire.cli", "serve", "--port", str(port)]),
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    rows = []
    try:
        base = f"http://127.0.0.1:{port}"
        paths = {"item page": f"/ar/news/{quote(seed, safe=':@')}", "/feeds/ar.rss": "/feeds/ar.rss"}
        wait_up(base + paths["item page"])
        for name, path in paths.items():
            url = base + path
            with urllib.request.urlopen(url) as r:
                etag, size = r.headers.get("ETag"), len(r.read())
            wrk(url, 2, args.connections)  # warm-up
            full = wrk(url, args.seconds, args.connections)
            revalidated = wrk(url, args.seconds, args.connections, f"If-None-Match: {etag}")
            rows.append({"url": name, "bytes": size, "full": full, "if_none_match": revalidated})
            print(f"{name}: {full} / 304: {revalidated}", flush=True)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "public.json").write_text(json.dumps(rows, indent=2))
    print()
    print("| URL | answer | bytes | requests/s | p50 ms | p99 ms | non-2xx/3xx | target met |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for row in rows:
        for kind, label, size in (("full", "200", row["bytes"]), ("if_none_match", "304", 0)):
            r = row[kind]
            met = r["rps"] >= TARGET_RPS and r["p99_ms"] <= TARGET_P99_MS
            print(
                f"| {row['url']} | {label} | {size:,} | {r['rps']:,} | {r['p50_ms']} |"
                f" {r['p99_ms']} | {r['non_2xx_3xx']} | {'yes' if met else 'no'} |"
            )


if __name__ == "__main__":
    main()

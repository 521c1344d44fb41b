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
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    OUT,
    PY,
    ROOT,
    SERVER_CORE,
    free_port,
    pinned,
    stop,
    wait_answered,
    wrk,
    wrk_brief,
)

TARGET_RPS, TARGET_P99_MS = 2000, 50.0


def load(url: str, seconds: int, connections: int, headers: dict[str, str] | None = None) -> dict:
    """``wrk -t1 --latency`` on core 1: its short figures."""
    figures = wrk(url, seconds=seconds, connections=connections, headers=headers, timeout="5s")
    return wrk_brief(figures)


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
        pinned(SERVER_CORE, [PY, "-m", "newswire.cli", "serve", "--port", str(port), "--workers", "1"]),
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    rows = []
    try:
        base = f"http://127.0.0.1:{port}"
        paths = {"item page": f"/ar/news/{quote(seed, safe=':@')}", "/feeds/ar.rss": "/feeds/ar.rss"}
        up = base + paths["item page"]
        wait_answered(up, limit=30, timeout=1, fail=f"the server did not answer {up} within 30 s")
        for name, path in paths.items():
            url = base + path
            with urllib.request.urlopen(url) as r:
                etag, size = r.headers.get("ETag"), len(r.read())
            load(url, 2, args.connections)  # warm-up
            full = load(url, args.seconds, args.connections)
            revalidated = load(url, args.seconds, args.connections, {"If-None-Match": etag})
            rows.append({"url": name, "bytes": size, "full": full, "if_none_match": revalidated})
            print(f"{name}: {full} / 304: {revalidated}", flush=True)
    finally:
        stop(server)
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

"""Ingest, export and import throughput, beside a bare SQLite executemany of the same rows.

    .venv/bin/python bench/ingest.py [--corpus PATH] [--limit N]

1. Converts the corpus (default ../shared/corpus/ant_arabic_news.jsonl.xz, 40,004
   articles) to one ninjs file per article under bench/out/ninjs/.
2. Times `newswire ingest bench/out/ninjs` into an empty SQLite database (the real CLI,
   in a subprocess, stdout discarded).
3. Times `newswire export` of that database and `newswire import` into an empty one.
4. In the same run, times a bare `sqlite3.executemany` inserting the same rows (the ninjs
   bytes and the same indexed columns, in WAL mode, one transaction) — the floor.

Each is run --runs times (default 3), interleaved, and the best time is reported.

Writes bench/out/ingest.json and prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newswire.demo import corpus_items, corpus_records  # noqa: E402
from newswire.formats import get  # noqa: E402
from newswire.store.base import fingerprint  # noqa: E402

OUT = ROOT / "bench" / "out"
NEWSWIRE = [sys.executable, "-m", "newswire.cli"]


def convert(corpus: Path, limit: int | None) -> tuple[Path, list]:
    folder = OUT / "ninjs"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ninjs = get("ninjs")
    rows = []
    for n, item in enumerate(corpus_items(corpus_records(corpus))):
        if limit is not None and n >= limit:
            break
        data = ninjs.render(item)
        (folder / f"{n:06d}.json").write_bytes(data)
        when = item.versioncreated.strftime("%Y-%m-%dT%H:%M:%SZ") if item.versioncreated else None
        rows.append(
            (
                item.id,
                item.version,
                item.language,
                item.headline,
                item.pubstatus,
                when,
                None,
                fingerprint(item),
                "2026-01-01T00:00:00Z",
                data,
            )
        )
    return folder, rows


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def bare_insert(rows: list, path: Path) -> float:
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        "CREATE TABLE versions (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL,"
        " version INTEGER NOT NULL, language TEXT, headline TEXT, pubstatus TEXT,"
        " versioncreated TEXT, embargo_until TEXT, fingerprint TEXT, stored_at TEXT,"
        " data BLOB NOT NULL, UNIQUE (id, version))"
    )
    start = time.perf_counter()
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO versions (id, version, language, headline, pubstatus, versioncreated,"
        " embargo_until, fingerprint, stored_at, data) VALUES (?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--corpus",
        type=Path,
        default=ROOT.parent / "shared" / "corpus" / "ant_arabic_news.jsonl.xz",
    )
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    folder, rows = convert(args.corpus, args.limit)
    n = len(rows)
    os.sync()  # the converted files are written back before anything is timed

    def fresh(name: str) -> str:
        for suffix in ("", "-wal", "-shm"):
            (OUT / f"{name}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{OUT / name}"

    # Best of --runs for each, every run into an empty database, interleaved so that
    # background noise hits newswire and the bare insert alike.
    runs: dict[str, list[float]] = {
        "ingest": [],
        "export": [],
        "import": [],
        "bare_executemany": [],
    }
    export = str(OUT / "export.jsonl")
    for _ in range(args.runs):
        db = fresh("ingest.db")
        runs["ingest"].append(timed([*NEWSWIRE, "ingest", str(folder), "--db", db]))
        runs["export"].append(timed([*NEWSWIRE, "export", export, "--db", db]))
        runs["import"].append(timed([*NEWSWIRE, "import", export, "--db", fresh("import.db")]))
        runs["bare_executemany"].append(bare_insert(rows, OUT / "bare.db"))
    t_ingest, t_export, t_import, t_bare = (min(runs[k]) for k in runs)

    result = {
        "articles": n,
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "runs": runs,
        "seconds": {
            "ingest": t_ingest,
            "export": t_export,
            "import": t_import,
            "bare_executemany": t_bare,
        },
        "per_second": {
            "ingest": n / t_ingest,
            "export": n / t_export,
            "import": n / t_import,
            "bare_executemany": n / t_bare,
        },
    }
    result["ingest_vs_bare"] = (
        result["per_second"]["ingest"] / result["per_second"]["bare_executemany"]
    )
    (OUT / "ingest.json").write_text(json.dumps(result, indent=2))
    ps = result["per_second"]
    print("| operation | seconds | articles/s |\n|---|---:|---:|")
    for key in ("ingest", "export", "import", "bare_executemany"):
        print(f"| {key} | {result['seconds'][key]:.2f} | {ps[key]:,.0f} |")
    print(f"\n{n} articles; ingest = {result['ingest_vs_bare']:.2f}x bare executemany")


if __name__ == "__main__":
    main()

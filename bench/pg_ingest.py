"""Bulk ingest into PostgreSQL through the store, beside a bare COPY of the same rows, and
``newswire migrate`` of the corpus from SQLite to PostgreSQL, in one run.

    .venv/bin/python bench/pg_ingest.py [--limit N] [--batch 500] [--runs 3]
    .venv/bin/python bench/pg_ingest.py --quick        # 5,000 articles, one run

The corpus (../shared/corpus/ant_arabic_news.jsonl.xz, 40,004 articles; --limit N: the
first N) is read once and each article prepared for the store (``prepare``: canonical,
stamped, fingerprinted, encoded: what ``newswire ingest``'s parsing processes hand its
writer) and written as a ninjs file, none of it timed. Then each run, every write into a
fresh PostgreSQL database ``newswire_bench_<hex>`` (dropped afterwards), in an order that
alternates from run to run, each after a ``CHECKPOINT`` so that none pays for another's
dirty pages:

- *store*: ``PostgresStore.append_many`` of the prepared items in batches of --batch (the
  write path of ``newswire ingest`` and of a batch POST: the latest versions looked up,
  the sequence numbers taken, the versions by binary COPY, the item pointers upserted,
  one transaction a batch);
- *bare COPY*: the same version rows (the bytes and columns the store writes) by binary
  COPY into an identical table (``CREATE TABLE ... (LIKE versions INCLUDING ALL)``: the
  same columns, collations, keys and indexes) in the same database, through the same
  driver; once in batches of --batch, one transaction each, and once as one COPY in one
  transaction (the floor);
- ``newswire ingest`` of the ninjs files (the real command in a subprocess: files parsed
  in worker processes, written in batches of 1,000) into PostgreSQL, and the same into a
  new SQLite file (the source of the next step);
- ``newswire migrate`` of that SQLite store into PostgreSQL (every table, rows in
  batches of 2,000).

The best time of --runs is reported for each, and for the writes this process makes
itself (the store, the bare COPY) how much of the time its own CPU was busy: the rest it
waited for the server. The issue's target: the store's ingest at
least 0.5× the bare COPY. Nothing is pinned: the PostgreSQL server is the machine's
running service, and this script and it share both cores. Writes bench/out/pg_ingest.json
(pg_ingest-quick.json) and prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from bench.common import (
    CORPUS,
    PY,
    ROOT,
    check,
    fresh_db,
    fresh_postgres,
    report_result,
    stop_on_term,
    table,
    verdict_table,
    wait_quiet,
)
from newswire.demo import corpus_items, corpus_records
from newswire.formats import get
from newswire.model import utcnow
from newswire.store.base import Prepared, iso, prepare
from newswire.store.postgres import PostgresStore

TARGETS = {"store_vs_bare_copy": 0.5}
COPY_TYPES = ["int8", "text", "int4", *["text"] * 7, "bytea"]
COLUMNS = (
    "seq, id, version, language, headline, pubstatus, versioncreated, embargo_until,"
    " fingerprint, stored_at, data"
)


# --- what is written ------------------------------------------------------------------------


def load(limit: int | None, folder: Path) -> list[Prepared]:
    """The corpus's articles, prepared for the store; each also written to ``folder`` as
    a ninjs file (what ``newswire ingest`` reads)."""
    ninjs = get("ninjs")
    now = utcnow()
    prepared = []
    for n, item in enumerate(islice(corpus_items(corpus_records(CORPUS)), limit)):
        (folder / f"{n:06d}.json").write_bytes(ninjs.render(item))
        prepared.append(prepare(item, now))
    return prepared


def version_rows(prepared: list[Prepared]) -> list[tuple]:
    """The rows the store writes into ``versions`` for these items (numbered from 1)."""
    at = iso(utcnow())
    return [(n, *p[:8], at, p.data) for n, p in enumerate(prepared, 1)]


# --- the writers ----------------------------------------------------------------------------


def checkpoint(url: str) -> None:
    """Write the server's dirty pages out now, not during the next timed write."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def store_ingest(url: str, prepared: list[Prepared], batch: int) -> tuple[float, float]:
    """Seconds, and this process's CPU seconds meanwhile (the rest of the time it waited
    for PostgreSQL)."""
    store = PostgresStore(url)  # opens and migrates the new database: not timed
    try:
        checkpoint(url)
        start, cpu = time.perf_counter(), time.process_time()
        for i in range(0, len(prepared), batch):
            store.append_many(prepared[i : i + batch])
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        _, versions = store.count()
        if versions != len(prepared):
            raise RuntimeError(f"the store holds {versions} versions, not {len(prepared)}")
        return elapsed, cpu
    finally:
        store.close()


def bare_copy(url: str, rows: list[tuple], batch: int, name: str) -> tuple[float, float]:
    """Binary COPY of ``rows`` into a new table like ``versions``, ``batch`` rows a
    transaction (0: all in one): seconds, and this process's CPU seconds meanwhile."""
    PostgresStore(url).close()  # the store's schema: ``versions`` to copy the shape of
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {name} (LIKE versions INCLUDING ALL)")
        checkpoint(url)
        size = batch or len(rows)
        start, cpu = time.perf_counter(), time.process_time()
        for i in range(0, len(rows), size):
            with (
                conn.transaction(),
                conn.cursor() as cur,
                cur.copy(f"COPY {name} ({COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy,
            ):
                copy.set_types(COPY_TYPES)
                for row in rows[i : i + size]:
                    copy.write_row(row)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        (count,) = conn.execute(f"SELECT count(*) FROM {name}").fetchone()
        if count != len(rows):
            raise RuntimeError(f"{name} holds {count} rows, not {len(rows)}")
        return elapsed, cpu


def timed_cli(*args: str, checkpoint_url: str | None = None) -> float:
    """``newswire ARGS`` in a subprocess (stdout discarded), timed from start to exit."""
    if checkpoint_url:
        checkpoint(checkpoint_url)
    start = time.perf_counter()
    done = subprocess.run(
        [PY, "-m", "newswire.cli", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=1800,
        env={**os.environ, "COLUMNS": "200"},
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"newswire {args[0]}: {done.stderr.decode()[-2000:]}")
    return elapsed


def count_versions(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM versions").fetchone()[0]


# --- the run --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="the corpus's first N articles")
    parser.add_argument("--batch", type=int, default=500, help="items per append_many")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="5,000 articles, one run")
    parser.add_argument("--quiet-wait", type=float, default=60.0, metavar="S")
    args = parser.parse_args()
    stop_on_term()
    if args.quick:
        args.limit, args.runs = args.limit or 5000, 1
    name = "pg_ingest-quick" if args.quick else "pg_ingest"

    times: dict[str, list[float]] = {
        "store": [],
        "bare_copy_batches": [],
        "bare_copy_one": [],
        "cli_ingest_postgres": [],
        "cli_ingest_sqlite": [],
        "migrate": [],
    }
    client: dict[str, list[float]] = {
        k: [] for k in ("store", "bare_copy_batches", "bare_copy_one")
    }
    """This process's CPU over the wall time of each in-process write: the rest, it waited
    for the server."""
    quiet = []
    with tempfile.TemporaryDirectory(prefix="newswire-pg-ingest-") as tmp:
        work = Path(tmp)
        files = work / "ninjs"
        files.mkdir()
        print("reading and preparing the corpus (not timed)", file=sys.stderr)
        prepared = load(args.limit, files)
        rows = version_rows(prepared)
        n = len(prepared)
        os.sync()  # the files are on disk before anything is timed

        def timed(key: str, got: tuple[float, float]) -> None:
            times[key].append(got[0])
            client[key].append(round(got[1] / got[0], 3))

        def store(url: str) -> None:
            timed("store", store_ingest(url, prepared, args.batch))

        def bare(url: str) -> None:
            timed("bare_copy_batches", bare_copy(url, rows, args.batch, "bare_batches"))
            timed("bare_copy_one", bare_copy(url, rows, 0, "bare_one"))

        for r in range(args.runs):
            quiet.append(wait_quiet(args.quiet_wait) if args.quiet_wait > 0 else None)
            print(f"run {r + 1}: {n:,} articles", file=sys.stderr)
            with fresh_postgres() as url:
                for step in (store, bare) if r % 2 == 0 else (bare, store):
                    step(url)
            with fresh_postgres() as url:
                times["cli_ingest_postgres"].append(
                    timed_cli("ingest", str(files), "--db", url, checkpoint_url=url)
                )
                if count_versions(url) != n:
                    raise RuntimeError("newswire ingest did not store every article")
            source = fresh_db(work, "source")
            shutil.rmtree(work / "source.db.search", ignore_errors=True)
            times["cli_ingest_sqlite"].append(timed_cli("ingest", str(files), "--db", source))
            with fresh_postgres() as url:
                times["migrate"].append(timed_cli("migrate", source, url, checkpoint_url=url))
                if count_versions(url) != n:
                    raise RuntimeError("newswire migrate did not copy every version")
            print(
                "  " + ", ".join(f"{k} {n / v[-1]:,.0f}/s" for k, v in times.items() if v),
                file=sys.stderr,
            )

    best = {k: min(v) for k, v in times.items()}
    per_s = {k: round(n / v, 1) for k, v in best.items()}
    ratios = {
        "store_vs_bare_copy_one": round(per_s["store"] / per_s["bare_copy_one"], 3),
        "store_vs_bare_copy_batches": round(per_s["store"] / per_s["bare_copy_batches"], 3),
        "cli_ingest_postgres_vs_sqlite": round(
            per_s["cli_ingest_postgres"] / per_s["cli_ingest_sqlite"], 3
        ),
    }
    result = {
        "articles": n,
        "batch": args.batch,
        "runs": args.runs,
        "busiest_core_before": quiet,
        "targets": TARGETS,
        "verdict": [
            check(
                "store append_many / bare COPY in one transaction",
                ratios["store_vs_bare_copy_one"],
                TARGETS["store_vs_bare_copy"],
                True,
            )
        ],
        "ratios": ratios,
        "seconds": {k: round(v, 3) for k, v in best.items()},
        "per_second": per_s,
        "all_seconds": {k: [round(x, 3) for x in v] for k, v in times.items()},
        "client_cpu_share": client,
    }
    report_result(name, result, report)


LABELS = {
    "store": "store `append_many`, batches of {batch}",
    "bare_copy_batches": "bare binary COPY, batches of {batch}",
    "bare_copy_one": "bare binary COPY, one transaction",
    "cli_ingest_postgres": "`newswire ingest` of the files into PostgreSQL",
    "cli_ingest_sqlite": "`newswire ingest` of the files into SQLite",
    "migrate": "`newswire migrate` SQLite → PostgreSQL",
}


def report(result: dict) -> str:
    ps, secs, ratios = result["per_second"], result["seconds"], result["ratios"]
    client = result["client_cpu_share"]
    rows = [
        [
            LABELS[k].format(batch=result["batch"]),
            secs[k],
            ps[k],
            ", ".join(map(str, v)),
            ", ".join(f"{x:.0%}" for x in client.get(k, [])) or None,
        ]
        for k, v in result["all_seconds"].items()
    ]
    return "\n".join(
        [
            f"{result['articles']:,} articles, best of {result['runs']} run(s); the "
            "PostgreSQL server and this script share the machine's 2 cores.",
            "",
            table(
                ["operation", "seconds", "articles/s", "every run (s)", "client CPU / wall"],
                rows,
                "lrrrr",
            ),
            "",
            f"store / bare COPY in one transaction: {ratios['store_vs_bare_copy_one']}",
            f"store / bare COPY in the same batches: {ratios['store_vs_bare_copy_batches']}",
            f"newswire ingest, PostgreSQL / SQLite: {ratios['cli_ingest_postgres_vs_sqlite']}",
            "",
            verdict_table(result["verdict"]),
        ]
    )


if __name__ == "__main__":
    main()

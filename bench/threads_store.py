"""What story threads' index costs the store as the archive grows: the write an item and
the database's size, over ``store.threads.remember_many``.

    .venv/bin/python bench/threads_store.py [--items N] [--chunk C] [--db URL]

N items (default 40,960) with random ids and 32 random band keys each (what a MinHash
band key is: a hash) are remembered C at a time (default 256, bulk ingest's chunk; 1 is
the API's one item a POST), into a fresh SQLite store in a temporary folder (or the empty
store at ``--db``: a PostgreSQL database). Printed for each eighth of the run: the wall
and CPU milliseconds an item of that eighth, and the SQLite file's size (database and
WAL). A write that grows with the archive shows as a rising column.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import wait_quiet  # noqa: E402
from newswire.store import open_store  # noqa: E402
from newswire.store.threads import Remembered  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=40_960)
    parser.add_argument("--chunk", type=int, default=256)
    parser.add_argument("--db", default=None, help="an empty store's URL (default: SQLite)")
    args = parser.parse_args()
    wait_quiet(120)
    with tempfile.TemporaryDirectory(prefix="threads-store-") as folder:
        url = args.db or f"sqlite:///{folder}/t.db"
        store = open_store(url)
        rnd = random.Random(1)
        signature = bytes(256)
        eighth = max(1, args.items // args.chunk // 8)
        print("| items | ms an item (wall) | ms an item (CPU) | SQLite MB |")
        print("|---:|---:|---:|---:|")
        wall, cpu, done, since = time.perf_counter(), time.process_time(), 0, 0
        for chunk in range(args.items // args.chunk):
            entries = [
                Remembered(
                    f"urn:newsml:bench:{rnd.getrandbits(64):016x}",
                    signature,
                    [rnd.getrandbits(63) for _ in range(32)],
                )
                for _ in range(args.chunk)
            ]
            store.threads.remember_many(entries)
            done += args.chunk
            since += args.chunk
            if (chunk + 1) % eighth == 0:
                now, used = time.perf_counter(), time.process_time()
                files = [Path(folder) / name for name in ("t.db", "t.db-wal")]
                size = sum(f.stat().st_size for f in files if f.exists()) / 1e6
                print(
                    f"| {done:,} | {(now - wall) / since * 1e3:.3f} |"
                    f" {(used - cpu) / since * 1e3:.3f} | {size:.0f} |"
                )
                wall, cpu, since = now, used, 0
        store.close()
        if args.db is None:
            size = os.path.getsize(Path(folder) / "t.db") / 1e6
            print(f"\nafter a checkpoint: {size:.0f} MB, {size * 1e6 / done:,.0f} bytes an item")


if __name__ == "__main__":
    main()

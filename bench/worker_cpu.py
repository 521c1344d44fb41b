"""The CPU a bulk ingest's worker spends on its chunks, every enrichment step, in one process.

    .venv/bin/python bench/worker_cpu.py FOLDER [FIRST LAST]

Runs ``newswire.ingest._parse_chunk`` (parse, enrich, prepare) over the files FIRST to LAST
(sorted by name; default 4000 7000) of FOLDER in chunks of 256, as a worker forked after
``_warm`` does, on an empty SQLite store, story threads deferred, and prints the CPU time
(``process_time``) of all chunks but the first (which opens the worker's store) and a
digest of what came back: prepared items and deferred threads. Two checkouts that print
the same digest give the storing process the same items. On a machine shared with other
work, run the checkouts to compare in turn, a few times each.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import time
from pathlib import Path

from newswire import ingest
from newswire.enrich.base import STEPS
from newswire.store import open_store


def main() -> None:
    folder = Path(sys.argv[1])
    first, last = (int(a) for a in sys.argv[2:4]) if len(sys.argv) > 3 else (4000, 7000)
    files = sorted(folder.iterdir())[first:last]
    with tempfile.TemporaryDirectory(prefix="worker-cpu-") as work:
        measure(files, f"sqlite:///{work}/worker.db")


def measure(files: list[Path], url: str) -> None:
    open_store(url).close()
    enrich = (url, tuple(STEPS))
    ingest._warm(enrich)
    chunks: list[ingest.Chunk] = [
        (files[i : i + 256], "auto", 50_000_000, enrich, "", False)
        for i in range(0, len(files), 256)
    ]
    digest = hashlib.sha256()

    def run(some: list[ingest.Chunk]) -> None:
        for chunk in some:
            for _source, items, _error, found in ingest._parse_chunk(chunk):
                for prepared in items or ():
                    digest.update(repr(prepared[:7]).encode())
                    digest.update(prepared.data)
                digest.update(repr(found).encode())

    run(chunks[:1])
    start = time.process_time()
    run(chunks[1:])
    cpu = time.process_time() - start
    done = len(files) - len(chunks[0][0])
    print(f"{done} files: {cpu:.3f} s CPU, {cpu / done * 1e3:.3f} ms a file, digest {digest.hexdigest()[:16]}")


if __name__ == "__main__":
    main()

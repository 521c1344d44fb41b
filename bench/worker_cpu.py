"""The CPU a bulk ingest's worker spends on its chunks, every enrichment step, in one process.

    .venv/bin/python bench/worker_cpu.py FOLDER [FIRST LAST] [--none]

Runs ``newswire.ingest._parse_chunk`` (parse, enrich, prepare) over the files FIRST to LAST
(sorted by name; default 4000 7000) of FOLDER in chunks of 256, as a worker forked after
``_warm`` does, on an empty SQLite store, story threads deferred, and prints the CPU time
(``process_time``) of all chunks but the first (which opens the worker's store) and a
digest of what came back: prepared items and deferred threads. Two checkouts that print
the same digest give the storing process the same items. On a machine shared with other
work, run the checkouts to compare in turn, a few times each.

It also prints the CPU of each step's part of it (its ``find_many``, or ``find`` for a step
that reads one item at a time), the chunks' enrichment as a whole (``enrich_many``: the
steps, their merge and the precedence rules) and ``prepare`` (the stored form). With
``--none`` the chunks are parsed and prepared with no step at all: what the run without
enrichment costs a worker, to compare with.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newswire import ingest
from newswire.enrich import pipeline
from newswire.enrich.base import STEPS, Context
from newswire.store import open_store

SPENT: dict[str, float] = defaultdict(float)
"""CPU seconds of each part timed (``timed``), since the last ``clear``."""


def timed(owner: Any, name: str, label: str) -> None:
    """``owner.name`` (a function or method) replaced by one that adds its CPU to
    ``SPENT[label]``: this process only, nothing of it is kept."""
    real: Callable[..., Any] = getattr(owner, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        began = time.process_time()
        try:
            return real(*args, **kwargs)
        finally:
            SPENT[label] += time.process_time() - began

    setattr(owner, name, counting)


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--none"]
    folder = Path(args[0])
    first, last = (int(a) for a in args[1:3]) if len(args) > 2 else (4000, 7000)
    files = sorted(folder.iterdir())[first:last]
    with tempfile.TemporaryDirectory(prefix="worker-cpu-") as work:
        measure(files, f"sqlite:///{work}/worker.db", "--none" not in sys.argv)


def measure(files: list[Path], url: str, enriched: bool = True) -> None:
    open_store(url).close()
    enrich = (url, tuple(STEPS) if enriched else ())
    ingest._warm(enrich)
    steps = pipeline.build(Context(store=None), enrich[1]).steps
    for step in steps:  # by class: the workers' enricher makes steps of its own
        batched = hasattr(type(step), "find_many")
        timed(type(step), "find_many" if batched else "find", f"  {step.name}")
    timed(pipeline.Enricher, "enrich_many", "enrich_many")
    timed(ingest, "prepare", "prepare")
    defer = False if enriched else None
    chunks: list[ingest.Chunk] = [
        (files[i : i + 256], "auto", 50_000_000, enrich, "", defer)
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
    SPENT.clear()
    start = time.process_time()
    run(chunks[1:])
    cpu = time.process_time() - start
    done = len(files) - len(chunks[0][0])
    print(f"{done} files: {cpu:.3f} s CPU, {cpu / done * 1e3:.3f} ms a file, digest {digest.hexdigest()[:16]}")
    for label, spent in sorted(SPENT.items(), key=lambda kv: -kv[1]):
        print(f"{label:<14} {spent:.3f} s CPU")


if __name__ == "__main__":
    main()

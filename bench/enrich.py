"""What enrichment costs: per item over the corpus, per step, and bulk ingest with it
against bulk ingest without it, side by side in one run.

    .venv/bin/python bench/enrich.py [--corpus PATH] [--limit N] [--ingest N] [--runs R] [--spread]

1. **Per item**: every step (language, dateline, entities, subjects, threads) run over
   the corpus's articles (default the whole 40,004 of ../shared/corpus) as the ingest path
   runs them, on a fresh SQLite store (the threads step keeps its signatures there, so each
   item also pays a write); the median and p99 milliseconds per item, in all and per step.
   Targets (issue 14): 5 ms median, 20 ms p99.
2. **Bulk ingest**: the first --ingest articles (default 5,000; with --spread as many taken
   evenly over the whole corpus, whose later articles are twice as long) as ninjs files,
   ingested by the real ``newswire ingest`` into an empty SQLite store with ``NEWSWIRE_ENRICH=none``
   and with every step, interleaved --runs times (best of each); the ratio of the two
   rates. Target: with ≥ 0.5× without. The runs keep their warm-up in a cache folder of
   their own (``NEWSWIRE_CACHE_DIR``), empty at first: the first run with every step
   builds it (its ratio is printed too), the others load it.

Writes bench/out/enrich.json and prints a Markdown table for docs/enrichment.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import CORPUS, OUT, wait_quiet  # noqa: E402
from newswire.demo import CorpusRecord, corpus_items, corpus_records  # noqa: E402
from newswire.enrich.base import STEPS, Context  # noqa: E402
from newswire.enrich.pipeline import build, document  # noqa: E402
from newswire.formats import get  # noqa: E402
from newswire.store import open_store  # noqa: E402

NEWSWIRE = [sys.executable, "-m", "newswire.cli"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def per_item(corpus: Path, limit: int | None) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="enrich-bench-"))
    store = open_store(f"sqlite:///{folder / 'bench.db'}")
    try:
        started = time.perf_counter()
        enricher = build(Context(store=store), STEPS)
        # The first item loads what each step loads on first use (models, the gazetteer).
        items = corpus_items(corpus_records(corpus))
        first = next(items)
        enricher.enrich(first)
        built = time.perf_counter() - started
        total: list[float] = []
        steps: dict[str, list[float]] = {s.name: [] for s in enricher.steps}
        for n, item in enumerate(items):
            if limit is not None and n >= limit:
                break
            began = time.perf_counter()
            enricher.enrich(item)  # every step, their merge and the precedence rules
            total.append(time.perf_counter() - began)
            doc = document(item)  # then each step again, alone
            for step in enricher.steps:
                at = time.perf_counter()
                step.find(doc)
                steps[step.name].append(time.perf_counter() - at)
        return {
            "items": len(total),
            "first_item_s": round(built, 2),
            "median_ms": round(statistics.median(total) * 1e3, 3),
            "p99_ms": round(percentile(total, 0.99) * 1e3, 3),
            "steps": {
                name: {
                    "median_ms": round(statistics.median(t) * 1e3, 3),
                    "p99_ms": round(percentile(t, 0.99) * 1e3, 3),
                }
                for name, t in steps.items()
            },
        }
    finally:
        store.close()
        shutil.rmtree(folder, ignore_errors=True)


def convert(corpus: Path, count: int, folder: Path, spread: bool = False) -> None:
    """The first ``count`` articles of ``corpus`` as ninjs files in ``folder``; with
    ``spread``, ``count`` articles taken evenly over the whole corpus (every k-th), whose
    lengths are the corpus's mix: its first 10,000 are half as long as those after."""
    ninjs = get("ninjs")
    folder.mkdir(parents=True)
    records: Iterable[CorpusRecord] = corpus_records(corpus)
    if spread:
        every = max(1, sum(1 for _ in corpus_records(corpus)) // count)
        records = islice(records, 0, None, every)
    for n, item in enumerate(corpus_items(records)):
        if n >= count:
            break
        (folder / f"{n:06d}.json").write_bytes(ninjs.render(item))


def ingest_once(files: Path, enrich: str, kept: Path) -> float:
    with tempfile.TemporaryDirectory(prefix="enrich-ingest-") as tmp:
        env = {
            **os.environ,
            "NEWSWIRE_DB": f"sqlite:///{tmp}/i.db",
            "NEWSWIRE_ENRICH": enrich,
            "NEWSWIRE_CACHE_DIR": str(kept),
        }
        began = time.perf_counter()
        subprocess.run(
            [*NEWSWIRE, "ingest", str(files)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
            cwd=ROOT,
        )
        return time.perf_counter() - began


def bulk(corpus: Path, count: int, runs: int, spread: bool = False) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="enrich-files-"))
    try:
        convert(corpus, count, folder / "ninjs", spread)
        # The warm-up cache of the runs' own (``newswire.enrich.warmcache``), empty at
        # first: the first run with every step builds what it keeps, the next ones load
        # it, as an operator's second run does. The best run is one of those.
        kept = folder / "cache"
        times: dict[str, list[float]] = {"none": [], "all": []}
        for _ in range(runs):
            for mode in times:
                times[mode].append(ingest_once(folder / "ninjs", mode, kept))
        without, with_ = min(times["none"]), min(times["all"])
        return {
            "items": count,
            "spread": spread,
            "without_items_s": round(count / without, 1),
            "with_items_s": round(count / with_, 1),
            "ratio": round(without / with_, 3),
            "first_ratio": round(without / times["all"][0], 3),
            "runs": times,
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="items for the per-item part")
    parser.add_argument(
        "--ingest", type=int, default=5000, help="items for the bulk part (0: no bulk part)"
    )
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument(
        "--spread",
        action="store_true",
        help="the bulk part's articles taken evenly over the corpus, not its first ones",
    )
    args = parser.parse_args()
    wait_quiet(120)
    result = {
        "cpus": os.cpu_count(),
        "per_item": per_item(args.corpus, args.limit),
        "bulk": bulk(args.corpus, args.ingest, args.runs, args.spread) if args.ingest > 0 else {},
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "enrich.json").write_text(json.dumps(result, indent=2))
    p, b = result["per_item"], result["bulk"]
    assert isinstance(p, dict) and isinstance(b, dict)
    print(f"| enrichment, per item ({p['items']:,} articles) | median | p99 |")
    print("|---|---:|---:|")
    print(f"| all steps (target 5 / 20 ms) | {p['median_ms']} ms | {p['p99_ms']} ms |")
    for name, t in p["steps"].items():
        print(f"| {name} | {t['median_ms']} ms | {t['p99_ms']} ms |")
    if not b:  # --ingest 0: no bulk part (ingesting nothing times two process starts)
        return
    print()
    taken = "taken evenly over the corpus" if b["spread"] else "the corpus's first"
    print(f"| bulk ingest, {b['items']:,} ninjs files ({taken}) | items/s |")
    print("|---|---:|")
    print(f"| without enrichment | {b['without_items_s']} |")
    print(f"| with every step | {b['with_items_s']} |")
    print(f"| ratio (target ≥ 0.5) | {b['ratio']} |")
    print(f"| ratio of the first run with every step (nothing kept yet) | {b['first_ratio']} |")


if __name__ == "__main__":
    main()

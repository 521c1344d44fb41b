"""What the ``threads`` step costs an item: median and p99 over the 1,000-article sample.

    .venv/bin/python bench/threads_cost.py [--sample PATH]

Three figures, each a pass over the sample in order, every item timed alone
(``time.perf_counter``), the analyser's cache cold at the start of each:

- **signature**: the terms, shingles and MinHash of the item (``threads.signature``);
- **step, in memory**: ``find`` on an index in memory (the signature, the candidates, the
  estimates, remembering the item);
- **step, SQLite**: ``find`` on a fresh SQLite store in a temporary folder, each item
  stored after it is enriched as the ingest path does (the store's append not timed).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newswire.enrich import terms, threads  # noqa: E402
from newswire.enrich.base import Context, Document, Findings  # noqa: E402
from newswire.model import NewsItem  # noqa: E402
from newswire.store import open_store  # noqa: E402
from newswire.text import analyze  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "corpus" / "ant_arabic_news.sample1000.jsonl"


def documents(path: Path) -> list[Document]:
    out = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            item = NewsItem(
                id=f"urn:bench:{row['id']}",
                language="ar",
                headline=row.get("headline") or "",
                body=[row["body"]],
            )
            text = "\n".join([item.headline, row.get("abstract") or "", row["body"]])
            out.append(Document(item=item, text=text, language="ar", found=Findings()))
    return out


def cold() -> None:
    analyze._ANALYZERS.clear()
    terms._TABLE[:] = [terms.Table()]


def figures(times: list[float]) -> str:
    times = sorted(t * 1000 for t in times)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return f"median {statistics.median(times):.3f} ms, p99 {p99:.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    args = parser.parse_args()
    docs = documents(args.sample)
    clock = time.perf_counter

    cold()
    spent = []
    for d in docs:
        start = clock()
        threads.signature(d.text, "ar")
        spent.append(clock() - start)
    print(f"signature:       {figures(spent)}")

    cold()
    step = threads.build(Context(store=None))
    spent = []
    for d in docs:
        start = clock()
        step.find(d)
        spent.append(clock() - start)
    print(f"step, in memory: {figures(spent)}")

    cold()
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{folder}/threads.db")
        try:
            step = threads.build(Context(store=store))
            spent = []
            for d in docs:
                start = clock()
                step.find(d)
                spent.append(clock() - start)
                store.append(d.item)
        finally:
            store.close()
    print(f"step, SQLite:    {figures(spent)}")


if __name__ == "__main__":
    main()

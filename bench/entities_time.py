"""Time the ``dateline`` and ``entities`` steps per item over the corpus sample.

    python bench/entities_time.py [corpus.jsonl]

Prints the one-off build time (the gazetteer read, the automaton built) and the median and p99 milliseconds per item, as wall
time and as the process's CPU time: on a machine shared with other work the wall-time tail
is mostly the scheduler (the process waiting for a core), which the CPU time leaves out.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

from newswire.enrich.base import Document, Findings, Step
from newswire.enrich.dateline import DatelineStep
from newswire.enrich.entities import EntitiesStep
from newswire.enrich.gazetteer import load
from newswire.model import NewsItem

SAMPLE = "../shared/corpus/ant_arabic_news.sample1000.jsonl"


def documents(path: str) -> list[Document]:
    docs = []
    with open(path, encoding="utf-8") as lines:
        for n, line in enumerate(lines):
            a = json.loads(line)
            item = NewsItem(id=str(n), language="ar", headline=a["headline"], body=[a["body"]])
            text = "\n".join([a["headline"], a.get("abstract") or "", a["body"]])
            docs.append(Document(item=item, text=text, language="ar", found=Findings()))
    return docs


def timings(path: str = SAMPLE) -> dict[str, float]:
    """Build seconds, and median and p99 ms per item of dateline + entities."""
    docs = documents(path)
    start = time.perf_counter()
    gazetteer = load()
    steps: list[Step] = [DatelineStep(gazetteer), EntitiesStep([], gazetteer)]
    for step in steps:  # the steps build what they need on the first item: not timed
        step.find(docs[0])
    built = time.perf_counter() - start
    per_item, cpu = [], []
    for doc in docs:
        t, c = time.perf_counter(), time.thread_time()
        for step in steps:
            step.find(doc)
        per_item.append((time.perf_counter() - t) * 1000)
        cpu.append((time.thread_time() - c) * 1000)
    per_item.sort()
    cpu.sort()
    return {
        "build_s": round(built, 3),
        "median_ms": round(statistics.median(per_item), 3),
        "p99_ms": round(per_item[int(len(per_item) * 0.99)], 3),
        "cpu_median_ms": round(statistics.median(cpu), 3),
        "cpu_p99_ms": round(cpu[int(len(cpu) * 0.99)], 3),
    }


if __name__ == "__main__":
    print(timings(*sys.argv[1:]))

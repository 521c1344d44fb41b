"""The shipped subject model on the held-out articles, and what one prediction costs.

    .venv/bin/python bench/subjects_eval.py [--corpus PATH] [--sample PATH] [--model PATH]

(``--corpus``: the whole corpus of ``../shared`` by default.)

1. Accuracy, macro-F1 and a per-topic table of the model (default: the one shipped in the
   package) on the corpus's held-out articles (id's SHA-1 beginning with ``f``) that carry
   a subject category; then the same on the held-out world-desk articles (class ``desk``,
   whose "politics" is the desk's label, not an editor's); and how many of the held-out
   desk articles the conflict rule marks.
2. The cost per item over the sample (default: none; ``--sample``): the model alone
   (``Model.topics`` on terms already analysed) and the whole step (``find``: analysis,
   model, rule), median and p99 in microseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the checkout's newswire
CORPUS = ROOT.parent / "shared" / "corpus" / "ant_arabic_news.jsonl.xz"

from newswire.enrich import subjects, train  # noqa: E402
from newswire.enrich.base import Document, Findings  # noqa: E402
from newswire.enrich.subject_model import load, tokens  # noqa: E402
from newswire.model import NewsItem  # noqa: E402


def table(report: train.Report) -> None:
    print("| topic | precision | recall | F1 | articles |\n|---|---|---|---|---|")
    for topic, row in report.per_topic.items():
        print(
            f"| {topic} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f}"
            f" | {int(row['support'])} |"
        )
    print(
        f"\n{report.articles} articles: accuracy {report.accuracy:.4f}, macro-F1"
        f" {report.macro_f1:.4f}; given at the threshold {report.given:.3f},"
        f" right when given {report.given_precision:.3f}\n"
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--sample", type=Path)
    parser.add_argument("--model", type=Path)
    args = parser.parse_args()
    model = load(args.model) if args.model else subjects.shipped()
    print(f"threshold {model.settings.threshold}; trained {model.settings.extra}\n")
    _, held = train.articles(args.corpus)
    print("## Held-out articles with a subject category\n")
    table(train.evaluate(model, held))
    desk = [a for a in held if a.label == train.DESK]
    print("## Held-out world-desk articles (label: politics)\n")
    table(train.evaluate(model, desk, subjects_only=False))

    step = subjects.Subjects(model)
    rows = [row for row in train.read(args.corpus) if train.held_out(row["id"])]
    marked = desk_total = 0
    for row in rows:
        if train.label(row.get("category", ""), row.get("categories", [])) != train.DESK:
            continue
        desk_total += 1
        found = step.find(document(row))
        marked += any(c.code == subjects.CONFLICT for c in found.subjects)
    print(f"conflict rule: {marked} of {desk_total} held-out desk articles\n")

    if args.sample:
        sample = list(train.read(args.sample))
        prepared = [tokens(*train.head_and_text(row), model.settings.head_weight) for row in sample]
        for row in sample:  # warm the analyser's cache as a running server's would be
            step.find(document(row))
        # Documents of their own: one keeps its text's analysis once made, and the step
        # timed on the warmed ones would leave the analysis out.
        docs = [document(row) for row in sample]
        model_us, step_us = [], []
        for terms, doc in zip(prepared, docs, strict=True):
            t0 = time.perf_counter()
            model.topics(terms)
            t1 = time.perf_counter()
            step.find(doc)
            t2 = time.perf_counter()
            model_us.append((t1 - t0) * 1e6)
            step_us.append((t2 - t1) * 1e6)
        for name, values in (("model", model_us), ("step", step_us)):
            print(
                f"{name}: median {statistics.median(values):.0f} µs,"
                f" p99 {percentile(values, 0.99):.0f} µs over {len(values)} items"
            )


def document(row: dict[str, str]) -> Document:
    _, text = train.head_and_text(row)
    item = NewsItem(
        id=row["id"], headline=row.get("headline") or "", lead=row.get("abstract") or ""
    )
    return Document(item=item, text=text, language="ar", found=Findings())


if __name__ == "__main__":
    main()

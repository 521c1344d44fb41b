"""Entity precision and recall against the hand-labelled articles of tests/data.

    .venv/bin/python bench/entities_eval.py [--sample PATH] [--errors] [--least N] [--datelines]

Runs the ``entities`` step (the shipped vocabulary and the gazetteer, as ingest runs it)
over the 105 articles of ``tests/data/entities_gold.jsonl`` (their text from the corpus
sample, default ../shared/corpus/ant_arabic_news.sample1000.jsonl) and the reference item
(``tests/data/entities_seed.json``), and scores it as ``tests/data/entities_gold.md`` says:
a found entity is right when its kind is the gold kind and one of its names or of the
surface forms it was found by, normalised, is the gold name or one of the gold mentions;
each gold entity is matched at most once. Precision and recall, micro, per kind and in
all. ``--errors`` lists what was missed and what was found wrongly.

``--datelines`` runs the ``dateline`` step first, as ingest does: the entities step is
given the dateline it reads (a name in the dateline a text opens with is no mention), and
the place it resolves (``rel="located"``) counts among what was found. The gold set
labels every entity an article names, its dateline's agency too (``(CNN)—``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newswire import formats  # noqa: E402
from newswire.enrich.base import Context, Document, Findings  # noqa: E402
from newswire.enrich.dateline import DatelineStep  # noqa: E402
from newswire.enrich.entities import EntitiesStep, build  # noqa: E402
from newswire.enrich.matcher import name_key  # noqa: E402
from newswire.model import NewsItem  # noqa: E402

GOLD = ROOT / "tests" / "data" / "entities_gold.jsonl"
SEED_GOLD = ROOT / "tests" / "data" / "entities_seed.json"
SEED = ROOT / "demo" / "seed" / "000_fd5af0361ac50746.txt"
SAMPLE = ROOT.parent / "shared" / "corpus" / "ant_arabic_news.sample1000.jsonl"
KINDS = ("person", "organisation", "place")


def predictions(
    step: EntitiesStep, item: NewsItem, least: int = 0, dateline: DatelineStep | None = None
) -> list[tuple[str, set[str]]]:
    """(kind, every normalised name it goes by and was found by) of each entity found;
    with ``dateline``, that step's findings first (its ``located`` place among them)."""
    text = "\n".join(p for p in (item.headline, item.lead, *item.body) if p)
    doc = Document(item=item, text=text, language="ar", found=Findings())
    if dateline is not None:
        doc.found = dateline.find(doc)
    found = step.find(doc)
    if dateline is not None:
        ids = {e.id for e in doc.found.entities}
        found.entities = [*doc.found.entities, *(e for e in found.entities if e.id not in ids)]
    index = step._current()  # the step's own view: the terms and what matched them
    surfaces: dict[str, set[str]] = {}
    for m in index.matcher.find(text):
        surfaces.setdefault(m.key, set()).add(name_key(m.surface))
    out = []
    for e in found.entities:
        if (e.confidence or 0) < least:
            continue
        term = index.terms.get(e.id)
        names = {name_key(e.name)} | surfaces.get(e.id, set())
        if term is not None:
            names |= {name_key(n) for ns in term.names.values() for n in ns}
            names.add(name_key(term.name))
        out.append((e.kind, names))
    return out


def score(
    found: list[tuple[str, set[str]]], gold: list[dict], errors: list[str] | None, where: str
) -> Counter[str]:
    counts: Counter[str] = Counter()
    taken: set[int] = set()
    for kind, names in found:
        counts[f"found:{kind}"] += 1
        for n, g in enumerate(gold):
            if n in taken or g["kind"] != kind:
                continue
            wanted = {name_key(g["name"])} | {name_key(m) for m in g["mentions"]}
            # A surface found with its proclitic (بغزة) is still the name.
            if names & wanted:
                taken.add(n)
                counts[f"right:{kind}"] += 1
                break
        else:
            if errors is not None:
                errors.append(f"{where}: wrong {kind} {sorted(names)[:3]}")
    for n, g in enumerate(gold):
        counts[f"gold:{g['kind']}"] += 1
        if n not in taken and errors is not None:
            errors.append(f"{where}: missed {g['kind']} {g['name']}")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument("--errors", action="store_true")
    parser.add_argument(
        "--least", type=int, default=0, help="score only what was found this sure (0-100)"
    )
    parser.add_argument(
        "--datelines", action="store_true", help="run the dateline step first, as ingest does"
    )
    args = parser.parse_args()
    texts = {}
    with args.sample.open(encoding="utf-8") as lines:
        for line in lines:
            a = json.loads(line)
            texts[a["id"]] = a
    step = build(Context())
    dateline = DatelineStep() if args.datelines else None
    errors: list[str] | None = [] if args.errors else None
    totals: Counter[str] = Counter()
    articles = 0
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        gold = json.loads(line)
        a = texts[gold["id"]]
        item = NewsItem(
            id=gold["id"], language="ar", headline=a["headline"] or "",
            lead=a.get("abstract") or "", body=[a["body"]],
        )
        found = predictions(step, item, args.least, dateline)
        totals += score(found, gold["entities"], errors, gold["id"])
        articles += 1
    seed = formats.detect(SEED.read_bytes()).parse(SEED.read_bytes())[0]
    seed_gold = json.loads(SEED_GOLD.read_text(encoding="utf-8"))
    found = predictions(step, seed, args.least, dateline)
    totals += score(found, seed_gold["entities"], errors, "seed")
    articles += 1
    sure = f", confidence ≥ {args.least}" if args.least else ""
    sure += ", the dateline step first" if args.datelines else ""
    print(f"| entities{sure}, {articles} hand-labelled articles | found | gold | precision | recall |")
    print("|---|---:|---:|---:|---:|")
    for kind in (*KINDS, "all"):
        kinds = KINDS if kind == "all" else (kind,)
        found = sum(totals[f"found:{k}"] for k in kinds)
        right = sum(totals[f"right:{k}"] for k in kinds)
        gold_n = sum(totals[f"gold:{k}"] for k in kinds)
        p = right / found if found else 0.0
        r = right / gold_n if gold_n else 0.0
        print(f"| {kind} | {found} | {gold_n} | {p:.3f} | {r:.3f} |")
    if errors:
        print("\n".join(errors), file=sys.stderr)


if __name__ == "__main__":
    main()

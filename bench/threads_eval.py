"""Story threads (``newswire.enrich.threads``): precision and recall on pairs made from the
corpus by editing, trimming and re-ordering its articles.

    .venv/bin/python bench/threads_eval.py [--corpus PATH] [--per-split N] [--seed S]

Pairs, each (an original article, another text), with a fixed seed:

- **same story** (a near-duplicate, the story sent again under a new id): the original
  after one to three of: paragraphs dropped, paragraphs re-ordered, the end cut, a few
  words changed (for others of the corpus, or re-spelt: hamza dropped, diacritics and
  tatweel added), an update paragraph (from an article of the same category) put on
  top, the headline changed;
- **follow-up**: one to three paragraphs of another article of the same category (the new
  development) followed by a part of the original's paragraphs (the background), under
  a new headline;
- **unrelated**: another article, half of them of the same category and the same day
  (the same topic, told by another outlet or on another event).

The body of the corpus is whitespace-normalised (no paragraphs left): a "paragraph" here
is a run of one to three sentences. Originals have at least four sentences.

Articles are split by the SHA-1 of their id (first hex digit 0-7: training, else
measuring), the pairs of an article going with it. The thresholds are chosen on the
training pairs (best F1: ``SAME_AT`` for same-story pairs, then ``FOLLOW_AT`` for a link
of either kind) and printed; precision and recall are measured on the other pairs with
the thresholds the module ships. Then the measuring split's originals are enriched one
after the other through the step itself (an index in memory) and its edited copies found
among them: how many find their original, with which relation, and what else they link.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import random
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newswire.enrich import threads  # noqa: E402
from newswire.store.threads import Remembered  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "ant_arabic_news.jsonl.xz"
SAME, FOLLOW, NONE = "same", "follow-up", "unrelated"
SENTENCE = re.compile(r"(?<=[.!؟?])\s+")
UPDATE_LEADS = ["وفي تحديث لاحق،", "عاجل:", "تحديث:", "وأفادت مصادر لاحقا بأن"]


class Article(NamedTuple):
    id: str
    headline: str
    lead: str
    paragraphs: list[str]
    category: str
    day: str

    def text(self) -> str:
        return "\n".join([self.headline, self.lead, *self.paragraphs])


class Pair(NamedTuple):
    original: Article
    other: Article
    label: str
    donor: str = ""
    """The article whose text was put into ``other`` (an update, a new development)."""


def read(path: Path) -> Iterator[Article]:
    rng = random.Random(0)
    with lzma.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            sentences = [s for s in SENTENCE.split(row["body"]) if s.strip()]
            paragraphs, at = [], 0
            while at < len(sentences):
                size = rng.randint(1, 3)
                paragraphs.append(" ".join(sentences[at : at + size]))
                at += size
            yield Article(
                row["id"],
                row.get("headline") or "",
                row.get("abstract") or "",
                paragraphs,
                row.get("category") or "",
                (row.get("date") or "")[:10],
            )


def respell(word: str, rng: random.Random) -> str:
    """The same word as another hand would type it."""
    choice = rng.randrange(3)
    if choice == 0:
        return word.replace("أ", "ا").replace("إ", "ا").replace("ة", "ه")
    if choice == 1:
        return "".join(c + ("\u064e" if rng.random() < 0.3 else "") for c in word)
    return word[:1] + "\u0640" + word[1:] if len(word) > 2 else word


def change_words(paragraphs: list[str], rng: random.Random, donor: Article) -> list[str]:
    words = " ".join(paragraphs).split(" ")
    spare = " ".join(donor.paragraphs).split(" ")
    for _ in range(max(1, len(words) // rng.randint(15, 40))):
        at = rng.randrange(len(words))
        words[at] = respell(words[at], rng) if rng.random() < 0.5 else rng.choice(spare)
    # Put the words back into as many paragraphs as there were.
    size = max(1, len(words) // max(1, len(paragraphs)))
    return [" ".join(words[i : i + size]) for i in range(0, len(words), size)]


def same_story(a: Article, rng: random.Random, donor: Article) -> Article:
    paragraphs, headline, lead = list(a.paragraphs), a.headline, a.lead
    edits = rng.sample(["drop", "reorder", "cut", "words", "update", "headline"], rng.randint(1, 3))
    for edit in edits:
        if edit == "drop" and len(paragraphs) > 3:
            for _ in range(max(1, len(paragraphs) // 6)):
                paragraphs.pop(rng.randrange(1, len(paragraphs)))
        elif edit == "reorder":
            head, rest = paragraphs[:1], paragraphs[1:]
            rng.shuffle(rest)
            paragraphs = head + rest
        elif edit == "cut" and len(paragraphs) > 2:
            paragraphs = paragraphs[: max(2, round(len(paragraphs) * rng.uniform(0.6, 0.9)))]
        elif edit == "words":
            paragraphs = change_words(paragraphs, rng, donor)
        elif edit == "update":
            paragraphs.insert(0, f"{rng.choice(UPDATE_LEADS)} {rng.choice(donor.paragraphs)}")
        elif edit == "headline":
            headline, lead = donor.headline, ""
    return a._replace(id=a.id + "#copy", headline=headline, lead=lead, paragraphs=paragraphs)


def follow_up(a: Article, rng: random.Random, donor: Article) -> Article:
    new = donor.paragraphs[: rng.randint(1, 3)]
    keep = max(1, round(len(a.paragraphs) * rng.uniform(0.3, 0.6)))
    start = rng.randrange(0, len(a.paragraphs) - keep + 1)
    background = a.paragraphs[start : start + keep]
    return a._replace(
        id=a.id + "#follow", headline=donor.headline, lead="", paragraphs=new + background
    )


def make_pairs(articles: list[Article], per_split: int, seed: int) -> dict[str, list[Pair]]:
    rng = random.Random(seed)
    by_topic: dict[tuple[str, str], list[Article]] = defaultdict(list)
    by_category: dict[str, list[Article]] = defaultdict(list)
    for a in articles:
        by_topic[(a.category, a.day)].append(a)
        by_category[a.category].append(a)
    splits: dict[str, list[Pair]] = {"train": [], "measure": []}
    order = list(articles)
    rng.shuffle(order)
    for a in order:
        split = "train" if hashlib.sha1(a.id.encode()).hexdigest()[0] in "01234567" else "measure"
        if len(splits[split]) >= 4 * per_split or sum(len(p) for p in a.paragraphs) == 0:
            continue
        if len(SENTENCE.split(" ".join(a.paragraphs))) < 4:
            continue
        donor = rng.choice([d for d in by_category[a.category][:200] if d.id != a.id] or order)
        splits[split].append(Pair(a, same_story(a, rng, donor), SAME, donor.id))
        splits[split].append(Pair(a, follow_up(a, rng, donor), FOLLOW, donor.id))
        splits[split].append(Pair(a, rng.choice(order), NONE))
        topic = [b for b in by_topic[(a.category, a.day)] if b.id != a.id]
        splits[split].append(Pair(a, rng.choice(topic or order), NONE))
    return splits


class Scored(NamedTuple):
    label: str
    estimate: float
    """0 when the two would not be candidates (no band key shared) or one is too short."""


def score(pairs: list[Pair]) -> list[Scored]:
    out = []
    for p in pairs:
        a, b = threads.signature(p.original.text(), "ar"), threads.signature(p.other.text(), "ar")
        if a is None or b is None or not threads.candidates_share(a, b):
            out.append(Scored(p.label, 0.0))
        else:
            out.append(Scored(p.label, threads.similarity(a.values, b.values)))
    return out


def precision_recall(scored: list[Scored], truth: set[str], low: float, high: float = 2.0):
    tp = sum(1 for s in scored if s.label in truth and low <= s.estimate < high)
    fp = sum(1 for s in scored if s.label not in truth and low <= s.estimate < high)
    fn = sum(1 for s in scored if s.label in truth and not low <= s.estimate < high)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0, tp, fp, fn


class Found(NamedTuple):
    """A copy looked up among every article of its split: its pair, and the estimated
    similarity of each candidate (the index's answer, before any threshold)."""

    pair: Pair
    estimates: dict[str, float]


def lookups(pairs: list[Pair], articles: list[Article]) -> list[Found]:
    """Every article of the split remembered (an index in memory, as the step keeps
    without a store), then each copy's candidates and their estimates."""
    index = threads.MemoryThreads()
    kept: dict[str, threads.Values] = {}
    for a in articles:
        sig = threads.signature(a.text(), "ar")
        if sig is not None:
            index.remember_many([Remembered(a.id, sig.to_bytes(), sig.bands)])
            kept[a.id] = sig.values
    out = []
    for p in pairs:
        if p.label == NONE:
            continue
        sig = threads.signature(p.other.text(), "ar")
        estimates = {}
        if sig is not None:
            for c in index.candidates(sig.bands, exclude=p.other.id):
                estimates[c.id] = threads.similarity(sig.values, kept[c.id])
        out.append(Found(p, estimates))
    return out


def linked(found: list[Found], same_at: float, follow_at: float) -> dict[str, int]:
    """What the copies link at these thresholds: their original (by relation), the
    article their new text came from, and others (wrong links)."""
    counts: dict[str, int] = defaultdict(int)
    for f in found:
        links = sorted(((e, i) for i, e in f.estimates.items() if e >= follow_at), reverse=True)[
            : threads.LINKS
        ]
        rels = {i: threads.SAME_STORY if e >= same_at else threads.FOLLOW_UP for e, i in links}
        label = f.pair.label
        counts[f"{label} copies"] += 1
        counts[f"{label}: original linked as {rels.get(f.pair.original.id, 'nothing')}"] += 1
        others = [i for i in rels if i not in (f.pair.original.id, f.pair.donor)]
        counts[f"{label}: others linked"] += len(others)
    return dict(sorted(counts.items()))


def f1(counts: dict[str, int], label: str, rel: str) -> float:
    """F1 of linking copies of ``label`` to their original as ``rel``, a wrong relation
    or another article (not the donor) counting as a false link."""
    tp = counts.get(f"{label}: original linked as {rel}", 0)
    total = counts.get(f"{label} copies", 0)
    wrong = sum(n for k, n in counts.items() if k.endswith("others linked"))
    wrong += sum(
        n for k, n in counts.items() if k.endswith(f"linked as {rel}") and not k.startswith(label)
    )
    p = tp / (tp + wrong) if tp + wrong else 1.0
    r = tp / total if total else 1.0
    return 2 * p * r / (p + r) if p + r else 0.0


def choose(found: list[Found]) -> tuple[float, float]:
    """The thresholds with the best F1 on the training copies: ``SAME_AT`` for same-story
    links, then ``FOLLOW_AT`` for follow-up links."""
    grid = [n / 100 for n in range(5, 96)]
    same_at = max(grid, key=lambda t: (f1(linked(found, t, t), SAME, threads.SAME_STORY), t))
    below = [t for t in grid if t < same_at]
    follow_at = max(
        below, key=lambda t: (f1(linked(found, same_at, t), FOLLOW, threads.FOLLOW_UP), t)
    )
    return same_at, follow_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--per-split", type=int, default=1000, help="originals per split")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    articles = list(read(args.corpus))
    splits = make_pairs(articles, args.per_split, args.seed)
    measure = score(splits["measure"])
    in_split = {
        name: [a for a in articles if (hashlib.sha1(a.id.encode()).hexdigest()[0] in "01234567")
               == (name == "train")]
        for name in splits
    }  # fmt: skip
    found = {name: lookups(splits[name], in_split[name]) for name in splits}
    same_at, follow_at = choose(found["train"])
    print(f"pairs: training {len(splits['train'])}, measuring {len(measure)} (seed {args.seed})")
    print(f"chosen on the training copies: SAME_AT={same_at:.2f} FOLLOW_AT={follow_at:.2f}")
    print(f"shipped: SAME_AT={threads.SAME_AT:.2f} FOLLOW_AT={threads.FOLLOW_AT:.2f}")
    print(
        "\n| measuring pairs | precision | recall | F1 | tp | fp | fn |\n|---|---|---|---|---|---|---|"
    )
    rows = [
        ("same story", {SAME}, threads.SAME_AT, 2.0),
        ("follow-up", {FOLLOW}, threads.FOLLOW_AT, threads.SAME_AT),
        ("linked (either)", {SAME, FOLLOW}, threads.FOLLOW_AT, 2.0),
    ]
    for name, truth, low, high in rows:
        p, r, f, tp, fp, fn = precision_recall(measure, truth, low, high)
        print(f"| {name} | {p:.3f} | {r:.3f} | {f:.3f} | {tp} | {fp} | {fn} |")
    hard = [s for s, pair in zip(measure, splits["measure"], strict=True) if pair.label == NONE]
    over = sum(1 for s in hard if s.estimate >= threads.FOLLOW_AT)
    print(f"\nunrelated pairs linked: {over} of {len(hard)}")
    print(
        f"\nthe measuring copies looked up among the {len(in_split['measure'])} articles of"
        " their split, at the shipped thresholds:"
    )
    for name, n in linked(found["measure"], threads.SAME_AT, threads.FOLLOW_AT).items():
        print(f"- {name}: {n}")


if __name__ == "__main__":
    main()

"""Figures of the starter vocabulary (docs/enrichment-vocabulary.md): entries by kind,
names and short forms by language, and how many entries the corpus names.

An entry counts as named by an article when one of its names, normalised as search
normalises it (``newswire.text.normalize``), occurs in the article between word
boundaries, bare or behind one of the clitics ``و ف ب ل ك ال`` (a plain scan, not the
matcher of the ``entities`` step: a figure of the vocabulary, not of the matcher).

    python scripts/vocabulary_stats.py [CORPUS.jsonl[.xz]]
"""

from __future__ import annotations

import json
import lzma
import re
import sys
from collections import Counter
from pathlib import Path

from newswire.enrich.vocabulary import starter
from newswire.text.normalize import normalize


def main() -> None:
    terms = starter()
    print(f"entries: {len(terms)}", dict(Counter(t.kind for t in terms)))
    names = Counter(lang for t in terms for lang, ns in t.names.items() for _ in ns)
    short = Counter(lang for t in terms for lang, ns in t.short.items() for _ in ns)
    print("names by language:", dict(names.most_common()))
    print("short forms by language:", dict(short.most_common()))
    if len(sys.argv) < 2:
        return
    path = Path(sys.argv[1])
    full = {
        t.id: re.compile(
            r"(?<!\w)(?:[وفبلك]?(?:ال)?)?(?:"
            + "|".join(
                re.escape(normalize(n))
                for ns in t.names.values()
                for n in ns
                if n not in {s for ss in t.short.values() for s in ss}
            )
            + r")(?!\w)"
        )
        for t in terms
    }
    opener = lzma.open if path.suffix == ".xz" else open
    seen: Counter[str] = Counter()
    articles = 0
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            a = json.loads(line)
            text = normalize(" ".join(filter(None, (a.get("headline"), a.get("body")))))
            articles += 1
            for term_id, pattern in full.items():
                if pattern.search(text):
                    seen[term_id] += 1
    print(f"articles: {articles}; entries named (full name) by at least one: {len(seen)}")
    print("articles naming at least one entry: see below; top 15:")
    for term_id, n in seen.most_common(15):
        print(f"  {term_id}\t{n}")


if __name__ == "__main__":
    main()

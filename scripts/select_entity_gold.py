"""Choose the articles of the hand-labelled entity gold set, reproducibly.

The choice must not lean towards what a matcher finds, so it looks at nothing but the
article's id, its category and the length of its body: the articles of the corpus sample
are ordered by the SHA-1 hex digest of their ``id``, and each category takes the first
articles of that order whose body is at most ``MAX_BODY`` characters, up to its quota.
The result is printed in the same order, one JSON line per article (id, category,
source), and is the list of ids of ``tests/data/entities_gold.jsonl``.

    python scripts/select_entity_gold.py [SAMPLE]

``SAMPLE`` is ``ant_arabic_news.sample1000.jsonl`` of the shared corpus (default: the
corpus folder ``../shared/corpus`` beside the repository, or ``$NEWSWIRE_CORPUS``).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_NAME = "ant_arabic_news.sample1000.jsonl"
MAX_BODY = 1200
QUOTAS: dict[str, int] = {
    "internationalNews": 20,
    "middleEast": 18,
    "sport": 16,
    "localNews": 14,
    "economy": 12,
    "technology": 8,
    "culture": 6,
    "society": 6,
    "politic": 5,
}


def default_sample() -> Path:
    """Where the corpus sample is: ``$NEWSWIRE_CORPUS`` or ``../shared/corpus``."""
    folder = os.environ.get("NEWSWIRE_CORPUS")
    base = Path(folder) if folder else ROOT.parent / "shared" / "corpus"
    return base / SAMPLE_NAME


def order_key(article_id: str) -> str:
    return hashlib.sha1(article_id.encode()).hexdigest()


def select(records: Iterable[dict[str, object]]) -> list[dict[str, object]]:
    """The chosen records, in SHA-1 order of their ids."""
    taken: dict[str, int] = dict.fromkeys(QUOTAS, 0)
    chosen = []
    for record in sorted(records, key=lambda r: order_key(str(r["id"]))):
        category = str(record["category"])
        if category not in QUOTAS or taken[category] >= QUOTAS[category]:
            continue
        if len(str(record["body"])) > MAX_BODY:
            continue
        taken[category] += 1
        chosen.append(record)
    return chosen


def main(argv: list[str]) -> None:
    path = Path(argv[0]) if argv else default_sample()
    with path.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    for record in select(records):
        row = {k: record[k] for k in ("id", "category", "source")}
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])

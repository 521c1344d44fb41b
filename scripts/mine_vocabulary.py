"""Candidate names for the starter vocabulary, mined from the Arabic corpus.

Arabic news introduces a person or an organisation by a title (``الرئيس``, ``وزير
الخارجية``, ``رئيس الوزراء``, ``حركة``, ``حزب``, ``منظمة``, ``نادي``…) followed by the name.
This counts the one to three words after each title over the corpus and prints the most
frequent, with the title, so that a person reads them and writes the entries that are
right (``newswire/data/vocabulary.jsonl``): the output is a list to review, never data
to ship (a mined phrase is as often ``الرئيس الأمريكي`` as a name). Spelling variants
(``نتنياهو``/``نتانياهو``) show up as neighbours in the list.

    python scripts/mine_vocabulary.py CORPUS.jsonl.xz [--top 60] > candidates.tsv
"""

from __future__ import annotations

import argparse
import json
import lzma
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

TITLES: dict[str, tuple[str, ...]] = {
    "person": (
        "الرئيس",
        "رئيس الوزراء",
        "رئيس الحكومة",
        "وزير الخارجية",
        "وزير الدفاع",
        "وزير المالية",
        "وزير الداخلية",
        "الملك",
        "الأمير",
        "ولي العهد",
        "الأمين العام",
        "المتحدث باسم",
        "الشيخ",
        "المدرب",
        "اللاعب",
        "النجم",
        "المستشارة",
        "المستشار",
    ),
    "organisation": (
        "حركة",
        "حزب",
        "منظمة",
        "نادي",
        "جماعة",
        "وكالة",
        "بنك",
        "شركة",
        "مجلس",
        "جبهة",
    ),
}

# Words after a title that are not a name: adjectives of nationality and office, the
# function words that follow a title, so that a candidate starts with a name.
_STOP = re.compile(
    r"^(ال\w+ي|ال\w+ية|ال\w+يين|في|من|على|إلى|عن|أن|إن|ان|الذي|التي|السابق|الحالي|"
    r"الجديد|المصري|الأمريكي|الأميركي|التركي|الروسي|الفرنسي|الإيراني|السوري|العراقي)$"
)
_WORD = re.compile(r"[\u0621-\u064a]+")


def articles(path: Path) -> Iterator[str]:
    opener = lzma.open if path.suffix == ".xz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            a = json.loads(line)
            yield " ".join(filter(None, (a.get("headline"), a.get("abstract"), a.get("body"))))


def mine(path: Path, top: int) -> list[tuple[str, str, str, int]]:
    counts: dict[tuple[str, str], Counter[str]] = {}
    patterns = [
        (kind, title, re.compile(rf"(?<!\w){title}((?:\s+[\u0621-\u064a]+){{1,3}})"))
        for kind, titles in TITLES.items()
        for title in titles
    ]
    for text in articles(path):
        for kind, title, pattern in patterns:
            for m in pattern.finditer(text):
                words = _WORD.findall(m.group(1))
                while words and _STOP.match(words[0]):
                    words = words[1:]
                if not words:
                    continue
                bag = counts.setdefault((kind, title), Counter())
                for n in (1, 2, 3):
                    if len(words) >= n:
                        bag[" ".join(words[:n])] += 1
    out = []
    for (kind, title), bag in counts.items():
        for phrase, n in bag.most_common(top):
            out.append((kind, title, phrase, n))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--top", type=int, default=60, help="Candidates a title.")
    args = parser.parse_args()
    for kind, title, phrase, n in mine(args.corpus, args.top):
        sys.stdout.write(f"{kind}\t{title}\t{phrase}\t{n}\n")


if __name__ == "__main__":
    main()

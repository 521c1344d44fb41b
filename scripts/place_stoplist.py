"""List the place names the gazetteer matches most often in the corpus sample, with the
words they matched: the candidates for ``newswire/data/place_stopwords.txt``.

    python scripts/place_stoplist.py [corpus.jsonl] [how many]

Read each in context: a name that is mostly an ordinary word ("كان", "دولة") goes into
the stop list; a real place that is often named ("غزة") stays out.
"""

from __future__ import annotations

import collections
import json
import sys

from newswire.enrich.gazetteer import Gazetteer
from newswire.enrich.matcher import Matcher, name_key

SAMPLE = "../shared/corpus/ant_arabic_news.sample1000.jsonl"


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else SAMPLE
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    gazetteer = Gazetteer.from_sources()  # without the stop list: every candidate
    matcher = Matcher(gazetteer.match_names())
    counts: collections.Counter[str] = collections.Counter()
    seen: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            article = json.loads(line)
            for m in matcher.find(f"{article['headline']}\n{article['body']}"):
                counts[m.key] += 1
                seen[m.key][m.surface] += 1
    for place_id, n in counts.most_common(top):
        term = gazetteer.places[place_id]
        words = ", ".join(f"{w} {k}" for w, k in seen[place_id].most_common(3))
        names = {name_key(w) for w in seen[place_id]}
        print(
            f"{n:5}  {term.name} ({term.country}, {gazetteer.population(place_id):,})  {words}  {sorted(names)[:3]}"
        )


if __name__ == "__main__":
    main()

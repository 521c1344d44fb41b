"""Build the shipped table of frequent words and their terms (``analyze.known_words``).

    python scripts/build_words.py [corpus.jsonl.xz]

Writes ``newswire/data/words_ar.txt.gz``: every word (``WORD``) of the corpus's training
articles seen at least ``MIN_COUNT`` times, with its term in the Arabic analysis, under the
current ``analysis_version``. The training articles are those whose id's SHA-1 hex digest
does not begin with ``f``: the others are left for measuring what the table covers of
words it was not made from. A bulk ingest's process loads the table before it forks its
workers (the steps' ``warm``), so that they do not each stem the same frequent words.

Run it again whenever the analysis changes (``ANALYSIS_VERSION`` raised): a table of
another version is not used, and ``tests/text/test_known_words.py`` fails while the table
and the analyzer disagree.
"""

from __future__ import annotations

import collections
import gzip
import hashlib
import sys
from pathlib import Path

from newswire.demo import corpus_item, corpus_records
from newswire.enrich.pipeline import document
from newswire.text.analyze import WORD, WORDS_FILE, analysis_version, analyzer

CORPUS = Path("../shared/corpus/ant_arabic_news.jsonl.xz")
DATA = Path(__file__).resolve().parent.parent / "newswire" / "data"
LANG = "ar"
MIN_COUNT = 3  # a word seen fewer times than this in the training articles is left out


def training(article_id: str) -> bool:
    return not hashlib.sha1(article_id.encode()).hexdigest().startswith("f")


def counts(corpus: Path) -> collections.Counter[str]:
    """How often each word occurs in the training articles' text as the steps read it."""
    seen: collections.Counter[str] = collections.Counter()
    for record in corpus_records(corpus):
        if training(str(record["id"])):
            seen.update(WORD.findall(document(corpus_item(record)).text))
    return seen


def render(words: list[str]) -> tuple[bytes, int]:
    """The file ``parse_known`` reads (header, counts, terms, the words grouped by term)
    and how many words it holds."""
    by_term: dict[str, list[str]] = collections.defaultdict(list)
    for word, term in zip(words, analyzer(LANG).word_terms(words), strict=True):
        if term:  # not a word that normalises to nothing (tatweels): the table stays apart
            by_term[term].append(word)
    terms = sorted(by_term)
    grouped = [word for term in terms for word in sorted(by_term[term])]
    counts = " ".join(str(len(by_term[term])) for term in terms)
    lines = [f"newswire-words\t{LANG}\t{analysis_version()}", counts, *terms, *grouped]
    # mtime 0: the same table gives the same bytes, so a rebuild shows no change.
    return gzip.compress("\n".join(lines).encode("utf-8"), compresslevel=9, mtime=0), len(grouped)


def main(argv: list[str]) -> None:
    corpus = Path(argv[1]) if len(argv) > 1 else CORPUS
    data, count = render([word for word, n in counts(corpus).items() if n >= MIN_COUNT])
    out = DATA / WORDS_FILE.format(lang=LANG)
    out.write_bytes(data)
    print(f"{count:,} words, {out.stat().st_size:,} bytes: {out}")


if __name__ == "__main__":
    main(sys.argv)

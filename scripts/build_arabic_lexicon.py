"""Build the lexicon the Arabic analysis strips single-letter proclitics with.

    python scripts/build_arabic_lexicon.py [corpus.jsonl.xz]

Writes two files under ``newswire/data/`` (read by ``newswire.text.stem``):

* ``arabic_words.txt.gz``: the known words, normalised Arabic words of 3 letters or more
  seen on their own at least ``MIN_COUNT`` times in the corpus (``غزه``, ``حماس``,
  ``مده``). ``بغزة`` loses its ``ب`` because ``غزه`` is one of them.
* ``arabic_proclitic_words.txt``: the words that begin with ``ب ل ك`` (after ``و`` or ``ف``
  or not) and whose rest is a known word, but that are words in their own right and keep
  their first letters
  (``كبير`` is not ``ك`` + ``بير``, ``لجنة`` not ``ل`` + ``جنة``). A word is one when the
  corpus shows it with the article or a preposition of its own (``الكبير``, ``بلبنان``:
  prepositions do not stack), at least ``MIN_OWN`` times, or when it is far more frequent
  than the rest (``كانت`` against ``انت``: fewer than ``RATIO`` times as many).

A word with a conjunction is kept whole when it is one in its own right, or when it
without the conjunction is (``وكانت`` as ``كانت``).

The exceptions also hold the words whose first ``و`` is the root's, not the conjunction,
though what remains is a known word (``وزاره`` is not ``و`` + ``زاره``, ``ولايه`` not ``و`` +
``لايه``): the corpus shows the word with the article at least ``MIN_OWN`` times and at
least ``SHARE`` times as often as the rest (``الوزاره``; ``الواكد`` is a name, 6 times
against 3,691 ``اكد``, and ``الوانه`` is ``ألوانه``, colours), or the word is far more
frequent than the rest (``وفقا`` against ``فقا``: the ``RATIO``). A known word whose rest
is none keeps its ``و`` with no list (``وزير``, ``واشنطن``, ``وهران``:
``newswire.text.stem.conjunction``); a word whose rest is none, seen too rarely to be
known, is listed when the corpus has it with the article at all (``الوميض``): the
conjunction comes before the article, never after it. Every other first ``و`` is the
conjunction, whether the rest is a known word or not (``وزيلينسكي``, a name the corpus may
never have seen with it). The prepositions are no evidence here: ``ل`` + ``و`` is ``لو``
(if, ``لوانه``) and ``ب`` + ``و`` begins Maghrebi names (``بوعلي``, ``بوروسيا``).

Only the training articles are read (those whose id's SHA-1 hex digest does not begin
with ``f``): the held-out ones measure the subject model and the stemmer on text the
lexicon was not made from. Run it again when the corpus grows; a change of either file
changes what is indexed, so it goes with a new ``newswire.text.analyze.ANALYSIS_VERSION``
and ``newswire.search.index.ANALYSIS``.
"""

from __future__ import annotations

import collections
import gzip
import hashlib
import json
import lzma
import re
import sys
from pathlib import Path

from newswire.text.analyze import WORD
from newswire.text.normalize import normalize
from newswire.text.stem import CONJUNCTIONS, PROCLITICS

CORPUS = Path("../shared/corpus/ant_arabic_news.jsonl.xz")
DATA = Path(__file__).resolve().parent.parent / "newswire" / "data"
MIN_COUNT = 5  # a known word is seen on its own at least this often
MIN_OWN = 3  # the article or a preposition before the word itself, this often
RATIO = 0.05  # the rest is seen at least this many times as often as the word
SHARE = 0.02  # a و word: with the article at least this many times as often as the rest
_ARABIC = re.compile(r"[\u0600-\u06ff]")


def counts(path: Path) -> collections.Counter[str]:
    surface: collections.Counter[str] = collections.Counter()
    with lzma.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            article = json.loads(line)
            if not training(str(article["id"])):
                continue
            surface.update(WORD.findall(f"{article.get('headline') or ''}\n{article['body']}"))
    found: collections.Counter[str] = collections.Counter()
    for word, n in surface.items():
        if _ARABIC.match(word):
            found[normalize(word)] += n
    return found


def training(article_id: str) -> bool:
    """Whether an article is one the lexicon is made from (not held out)."""
    return not hashlib.sha1(article_id.encode()).hexdigest().startswith("f")


def own_wa_word(word: str, rest: str, seen: collections.Counter[str], known: set[str]) -> bool:
    """Whether ``word`` (``و`` + ``rest``) is a word in its own right that the rule of
    ``newswire.text.stem.conjunction`` would otherwise take the ``و`` off.

    A known ``rest``: the article at least ``MIN_OWN`` times and ``SHARE`` times as often as
    the rest, or the rest seen under ``RATIO`` times as often as the word. A ``rest`` that
    is no known word (seen under ``MIN_COUNT`` times): a known ``word`` needs no list (the
    rule keeps its ``و``, whatever a stray ``هران`` beside 24 ``وهران``), and a word seen too
    rarely to be known is one with the article once (``الوميض``: the conjunction comes
    before the article, never after it)."""
    article = seen["ال" + word]
    if rest not in known:
        return word not in known and article >= 1
    shown = article >= MIN_OWN and article >= SHARE * seen[rest]
    return shown or seen[rest] < RATIO * seen[word]


def prepositioned(rest: str, known: set[str]) -> bool:
    """Whether ``rest`` is a preposition and a known word (``لتهديداتها``): a ``و`` before it
    is left to the preposition's rule (``own_word``), which keeps ``ولتهديداتها`` whole only
    where the corpus shows it so, when its ``لتهديداتها`` is seen too rarely to tell."""
    return rest[:1] in PROCLITICS and not rest.startswith("لل") and rest[1:] in known


def own_word(word: str, rest: str, seen: collections.Counter[str]) -> bool:
    """Whether ``word`` (a proclitic + a known ``rest``) is a word in its own right."""
    before = "بك" if word[0] == "ل" else "بلك"  # ل + لX is the article's لل
    marked = seen["ال" + word] + sum(seen[p + word] for p in before)
    return marked >= MIN_OWN or seen[rest] < RATIO * seen[word]


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    seen = counts(path)
    known = sorted(w for w, n in seen.items() if n >= MIN_COUNT and len(w) >= 3)
    known_set = set(known)
    own = sorted(
        word
        for word in seen
        for skip in (2 if word[:1] in CONJUNCTIONS and word[1:2] in PROCLITICS else 1,)
        if word[skip - 1 : skip] in PROCLITICS
        and not word[skip - 1 :].startswith("لل")
        and word[skip:] in known_set
        and own_word(word, word[skip:], seen)
    )
    own_wa = sorted(
        word
        for word in seen
        if word[:1] == "و"
        and len(word) >= 4
        and word not in own
        and (word[1:] in known_set or not prepositioned(word[1:], known_set))
        and own_wa_word(word, word[1:], seen, known_set)
    )
    own = sorted({*own, *own_wa})
    text = ("\n".join(known) + "\n").encode("utf-8")
    (DATA / "arabic_words.txt.gz").write_bytes(gzip.compress(text, 9, mtime=0))
    (DATA / "arabic_proclitic_words.txt").write_text("\n".join(own) + "\n", encoding="utf-8")
    print(
        f"{len(known):,} known words, {len(own):,} words keeping their first letter"
        f" ({len(own_wa):,} a و of their own)"
    )


if __name__ == "__main__":
    main()

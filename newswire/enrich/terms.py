"""A text's terms as numbers, for the steps that read them a chunk of items at a time.

The subject model counts an item's terms and looks each up in its vocabulary; story
threads hash each into their shingles. Done a term at a time in Python (a ``Counter``, a
dict lookup a term) that was a third of enrichment's cost in a bulk ingest. Here each
word of a text becomes, through a cache the process keeps (word → number, one cache an
analyzer), the number of its term in a table of every term the process has seen
(``Table``), and what a step needs of a term (its column in the subject model, its hash)
is an array indexed by that number (``Table.array``), made once a term. The terms of a
whole chunk of items then go through numpy at once: one sparse product for the subject
model, one pass of integer arithmetic for the signatures.

The words of a chunk's texts are found and numbered at once by ``newswire.text.scan``
(``Table.text_ids``): classed and hashed with numpy, a word made a Python string only
when its hash is new, where ``WORD.findall`` and a dict look-up a word cost two thirds of
the subject step. The terms are those of ``newswire.text.analyze`` (the words of
``WORD``, the analyzer's term of each, the empty term dropped), so a step reads the same
terms as before, in the same order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from itertools import chain, pairwise, repeat
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt

from newswire.enrich import warmcache
from newswire.text.analyze import WORD, analyzer, known_words
from newswire.text.scan import LONGEST, HashIndex, Positions, Scan, hash_words, scan

if TYPE_CHECKING:
    from newswire.enrich.base import Document

Ids = npt.NDArray[np.int32]

SCAN_FROM = 10_000
"""The characters from which ``Table.text_ids`` scans texts with numpy rather than ``WORD``."""

LIMIT = 500_000
"""Terms, or words of one analyzer, a table holds at most (as the analyzer's own cache,
``newswire.text.analyze.CACHE_LIMIT``): past it (a server running for months) the next
chunk starts a new table, and the arrays made of the old one go with it."""


class Table:
    """Every term seen, numbered from 1 in the order first seen (0 is the empty term a
    word that normalises to nothing has); safe to share between threads."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {"": 0}
        self.terms: list[str] = [""]
        self._words: dict[str | None, dict[str, int]] = {}  # analyzer's language -> word -> id
        self._arrays: dict[str, npt.NDArray[Any]] = {}
        self._made: dict[str, int] = {}  # how many terms' values each array holds
        self._known: set[str | None] = set()  # languages whose known words are in
        self._hashed: dict[str | None, HashIndex] = {}  # the same words by their hash
        self._lock = threading.Lock()

    def _number(self, term: str) -> int:
        found = self.ids.get(term)
        if found is None:
            found = self.ids[term] = len(self.terms)
            self.terms.append(term)
        return found

    def full(self) -> bool:
        """Whether the table holds more than ``LIMIT`` terms, or words of an analyzer."""
        words = max(map(len, list(self._words.values())), default=0)
        return len(self.terms) > LIMIT or words > LIMIT

    def know(self, lang: str | None) -> None:
        """Take in the shipped table of language ``lang``'s frequent words and their terms
        (``known_words``), if there is one: numbered here, they are not analysed again by
        this process nor by the workers it forks afterwards. Taken into a table that holds
        nothing yet, as the last process to do so kept it (``warmcache``) when it did."""
        analysis = analyzer(lang)
        if analysis.lang in self._known:
            return
        # Named by the language alone: the table is made of the shipped file and the
        # analysis's code, which name every file ``warmcache`` keeps.
        parts = [(analysis.lang or "").encode()]
        with self._lock:
            fresh = len(self.terms) == 1 and not self._words and not self._hashed
            kept = warmcache.load("known-words", parts) if fresh else None
            if isinstance(kept, tuple) and len(kept) == 4 and isinstance(kept[3], HashIndex):
                ids, terms, by_word, hashed = kept
                self.ids.update(ids)
                self.terms[:] = terms
                self._words[analysis.lang] = by_word
                self._hashed[analysis.lang] = hashed
                self._known.add(analysis.lang)
                return
        found = known_words(analysis.lang)
        if found is None:
            return
        with self._lock:
            cache = self._words.setdefault(analysis.lang, {})
            if analysis.lang in self._known or len(cache) + len(found.words) > LIMIT:
                return
            # Still nothing but what the file gives (no thread numbered words meanwhile).
            fresh = fresh and not cache and len(self.terms) == 1 and len(self._words) == 1
            self._known.add(analysis.lang)
            ids = self.ids
            if ids.keys().isdisjoint(found.terms):  # a new table: numbered in a row, in C
                first = len(self.terms)
                numbers: Sequence[int] = range(first, first + len(found.terms))
                ids.update(zip(found.terms, numbers, strict=True))
                self.terms.extend(found.terms)
            else:
                numbers = [self._number(term) for term in found.terms]
            each = list(chain.from_iterable(map(repeat, numbers, found.counts)))
            cache.update(zip(found.words, each, strict=True))
            hashed = self._hashed.setdefault(analysis.lang, HashIndex())
            # The words ``scan`` can give (a list made in C when all of them are, as in the
            # shipped tables: a Python loop over them took 10 ms more of the warm-up).
            words: list[str] = found.words
            lengths = np.fromiter(map(len, words), dtype=np.intp, count=len(words))
            fit = np.flatnonzero((lengths > 0) & (lengths <= LONGEST))
            if len(fit) < len(words):
                words = list(map(words.__getitem__, fit.tolist()))
            hashes, at = np.unique(hash_words(words), return_index=True)
            new = hashed.get(hashes) < 0  # not those ``text_ids`` added already
            hashed.add(hashes[new], np.array(each, dtype=np.int32)[fit][at][new])
            if fresh:
                warmcache.save("known-words", parts, (self.ids, self.terms, cache, hashed))

    def word_ids(self, lang: str | None, words: list[str]) -> list[int]:
        """The number of each word's term in the analysis of language ``lang`` (0 for a
        word that normalises to nothing), aligned with ``words``."""
        analysis = analyzer(lang)
        cache = self._words.get(analysis.lang)
        if cache is None:
            cache = self._words.setdefault(analysis.lang, {})
        try:
            return list(map(cache.__getitem__, words))  # in C: a news vocabulary repeats
        except KeyError:
            pass
        with self._lock:
            new = list(set(words).difference(cache))
            for word, term in zip(new, analysis.word_terms(new), strict=True):
                cache[word] = self._number(term)
        return list(map(cache.__getitem__, words))

    def text_ids(self, lang: str | None, texts: Sequence[str]) -> list[Ids]:
        """``word_ids`` of the words of each of ``texts`` (``WORD.findall``'s), found for
        all at once by ``scan``: only a word whose hash is new is made a string and looked
        up (and analysed, if it is new too); a text ``scan`` does not follow is read with
        ``WORD``. Texts of fewer than ``SCAN_FROM`` characters in all are read with ``WORD``
        too: there the arrays' fixed costs exceed what they save."""
        joined = "\n".join(texts)  # a line break: a separator, no word spans two texts
        found = scan(joined) if len(joined) >= SCAN_FROM else None
        if found is None:
            return [np.array(self.word_ids(lang, WORD.findall(t)), dtype=np.int32) for t in texts]
        lengths = np.fromiter(map(len, texts), dtype=np.intp, count=len(texts))
        firsts = np.cumsum(lengths + 1) - lengths - 1  # where each text begins in ``joined``
        odd = np.unique(np.searchsorted(firsts, found.odd, side="right") - 1).tolist()
        cuts = np.searchsorted(found.starts, firsts)
        ids = self._hash_ids(lang, joined, found, cuts, odd)
        bounds = [*cuts.tolist(), len(ids)]
        # Views sliced here: ``np.split`` makes the same at several times the cost a text.
        out = [ids[a:b] for a, b in pairwise(bounds)]
        for n in odd:
            out[n] = np.array(self.word_ids(lang, WORD.findall(texts[n])), dtype=np.int32)
        return out

    def _hash_ids(
        self, lang: str | None, joined: str, found: Scan, cuts: Positions, odd: list[int]
    ) -> Ids:
        """The number of each word ``found`` in ``joined`` by its hash, the new hashes'
        words looked up by ``word_ids`` (-1 for the words of the texts in ``odd``)."""
        analysis = analyzer(lang)
        hashed = self._hashed.get(analysis.lang)
        if hashed is None:
            with self._lock:
                hashed = self._hashed.setdefault(analysis.lang, HashIndex())
        ids = hashed.get(found.hashes)
        new = ids < 0
        for n in odd:  # not words of ``WORD``: left for it
            new[cuts[n] : cuts[n + 1] if n + 1 < len(cuts) else len(new)] = False
        if not new.any():
            return ids
        missing = np.flatnonzero(new)
        hashes, first = np.unique(found.hashes[missing], return_index=True)
        at = missing[first]
        words = list(map(joined.__getitem__, map(slice, found.starts[at].tolist(), found.ends[at].tolist())))
        numbers = np.array(self.word_ids(lang, words), dtype=np.int32)
        with self._lock:
            fresh = hashed.get(hashes) < 0  # another thread may have added some
            hashed.add(hashes[fresh], numbers[fresh])
        ids[missing] = numbers[np.searchsorted(hashes, found.hashes[missing])]
        return ids

    def term_ids(self, terms: Sequence[str]) -> list[int]:
        """The number of each of ``terms`` (terms already made, as ``analyze`` gives them)."""
        try:
            return list(map(self.ids.__getitem__, terms))
        except KeyError:
            pass
        with self._lock:
            return [self._number(term) for term in terms]

    def array(
        self, name: str, make: Callable[[list[str]], npt.NDArray[Any]]
    ) -> npt.NDArray[Any]:
        """One value a term, indexed by its number: ``make(terms)`` gives the values of
        ``terms``, asked only for the terms added since the last call."""
        with self._lock:
            count = len(self.terms)
            kept = self._arrays.get(name)
            have = self._made.get(name, 0)
            if have < count:
                more = make(self.terms[have:count])
                if kept is None or len(kept) < count:  # room for as many again: grown
                    grown = np.empty(2 * count, dtype=more.dtype)  # seldom, not a term
                    if kept is not None:
                        grown[:have] = kept[:have]
                    kept = self._arrays[name] = grown
                kept[have:count] = more
                self._made[name] = count
            assert kept is not None
            return kept[:count]


_TABLE: list[Table] = [Table()]


def table() -> Table:
    """The process's table (a new one once the last holds ``LIMIT`` terms): a chunk takes
    it once, and all its numbers are of that table."""
    current = _TABLE[0]
    if current.full():
        current = _TABLE[0] = Table()
    return current


def warm(lang: str | None = "ar") -> None:
    """Number the shipped table of ``lang``'s frequent words in the process's table
    (``Table.know``): a bulk ingest's process does it before it forks its workers (the
    steps' ``warm``), which then share it instead of each stemming the same words."""
    table().know(lang)


class Analysed(NamedTuple):
    """A document's terms as numbers in one language's analysis."""

    table: Table
    ids: Ids
    """The text's terms, in order (the empty term left out)."""
    head: Ids
    """Those of the headline and the lead (``head``), in order."""


def head(doc: Document) -> str:
    """The headline and the lead, one a line: what the subject model counts twice."""
    item = doc.item
    return "\n".join(p for p in (item.headline, item.lead) if p)


def _ids(ids: Ids) -> Ids:
    return ids if ids.all() else ids[ids != 0]


def analysed(doc: Document, lang: str | None, of: Table | None = None) -> Analysed:
    """``doc``'s terms in the analysis of ``lang`` (``doc.terms(lang)``) and its head's,
    as numbers of ``of`` (the process's table by default), made once per document and
    language (``analysed_many`` of one)."""
    key = lang or ""
    found: Analysed | None = doc.numbered.get(key)
    if found is not None and (of is None or found.table is of):
        return found
    return analysed_many([doc], lang, of)[0]


def analysed_many(
    docs: Sequence[Document], lang: str | None, of: Table | None = None
) -> list[Analysed]:
    """``analysed`` of each of ``docs`` in the language ``lang``, the words of all those
    not numbered yet looked up at once: one look-up of the batch's words, one analysis
    of those never seen, rather than one of each (most documents have a word no other
    has, and a look-up that fails is made again once the word is analysed)."""
    key = lang or ""
    numbers = of or table()
    out: list[Analysed | None] = []
    todo: list[tuple[int, Document, bool]] = []
    texts: list[str] = []
    for n, doc in enumerate(docs):
        found: Analysed | None = doc.numbered.get(key)
        if found is not None and found.table is numbers:
            out.append(found)
            continue
        out.append(None)
        top = head(doc)
        text = doc.text
        # The text begins with the head (``pipeline.document``), a line of its own, so
        # the text's words are the head's and the rest's: found once, not twice.
        after = text[len(top) : len(top) + 1]
        whole = bool(top) and text.startswith(top) and after in ("", "\n")
        texts += (top, text[len(top) :]) if whole else (text, top)
        todo.append((n, doc, whole))
    if todo:
        ids = numbers.text_ids(lang, texts)
        for (n, doc, whole), first, second in zip(todo, ids[::2], ids[1::2], strict=True):
            if whole:
                found = Analysed(numbers, _ids(np.concatenate((first, second))), _ids(first))
            else:
                found = Analysed(numbers, _ids(first), _ids(second))
            doc.numbered[key] = out[n] = found
    return out  # type: ignore[return-value]  # every None replaced

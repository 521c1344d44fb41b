"""Highlighted snippets: the passage of an item's text around the words a query matched.

The text is the original one, un-normalised (diacritics, hamza, tatweel as the story was
written): ``analyze`` gives each word's index term together with its offsets into that
text, so a word matches when its term is one the query asked for and is marked there as
written. The output is HTML: the text escaped, each match in ``<mark>``, without the bidi
controls that hold until a closing one (a passage may have cut it off).

A ``Passage`` is a text made ready for marking: its words' offsets and terms, found once.
A search keeps the passages of the versions it shows (``engine.Searcher``), so the words
of a hit's headline and body are analysed once, not for every query that finds it.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from html import escape
from typing import TypeAlias

from newswire.text.analyze import WORD, analyzer
from newswire.validation import without_reordering

__all__ = ["Passage", "Wanted", "highlight", "snippet"]

Wanted: TypeAlias = str | tuple[str, ...]
"""What a snippet marks: a word whose term is this one, or the words whose terms are these,
one after the other (a phrase), marked only where they stand together."""

ELLIPSIS = "…"
WIDTH = 220
_SCAN = 4
"""Up to this many wanted terms, a text's matches are found by one scan of its terms per
wanted term (in C); more, by one pass over the words testing each."""


def _escape(text: str) -> str:
    """``text`` escaped, without the bidi embeddings, overrides and isolates: each holds
    until its closing character, which a passage cut out of a text may have left behind
    (an override open past the snippet, reversing what a page shows after it)."""
    return escape(without_reordering(text))


class Passage:
    """``text`` with each word's offsets and index term (in ``lang``), ready to be marked
    for any set of wanted terms (``highlight``, ``snippet``).

    ``analysed``: the text's index terms as the index was given them (``index_text``,
    kept in the store with each version's search document), used when they are one per
    word (no word of the text analyses to nothing) instead of analysing the text again."""

    __slots__ = ("ends", "starts", "terms", "text")

    def __init__(self, text: str, lang: str | None, analysed: str | None = None):
        self.text = text
        matches = list(WORD.finditer(text))
        self.starts = array("I", [m.start() for m in matches])
        self.ends = array("I", [m.end() for m in matches])
        terms = analysed.split() if analysed is not None else ()
        if len(terms) != len(matches):
            terms = analyzer(lang).word_terms([m.group() for m in matches])
        self.terms: tuple[str, ...] = tuple(terms)

    def matches(self, wanted: set[Wanted] | frozenset[Wanted]) -> list[int]:
        """The indices of the words whose term is wanted, or which stand in a wanted
        sequence of terms, in order."""
        terms = self.terms
        single = {w for w in wanted if isinstance(w, str)} - {""}  # "": no match
        runs = [w for w in wanted if not isinstance(w, str) and w]
        if len(single) > _SCAN:
            found = [i for i, term in enumerate(terms) if term in single]
        else:
            found = []
            index = terms.index
            for term in single:
                at = -1
                try:
                    while True:
                        at = index(term, at + 1)
                        found.append(at)
                except ValueError:
                    pass
        if runs:
            found.extend(self._runs(runs))
            found = sorted(set(found))
        else:
            found.sort()
        return found

    def _runs(self, runs: list[tuple[str, ...]]) -> list[int]:
        """The words of each place a wanted sequence of terms stands, in order (words that
        analyse to nothing between them skipped, as the index skips them)."""
        words = [i for i, term in enumerate(self.terms) if term]
        terms = [self.terms[i] for i in words]
        found: list[int] = []
        for run in runs:
            size, at = len(run), -1
            try:
                while True:
                    at = terms.index(run[0], at + 1)
                    if tuple(terms[at : at + size]) == run:
                        found.extend(words[at : at + size])
            except ValueError:
                pass
        return found

    def highlight(self, wanted: set[Wanted] | frozenset[Wanted]) -> str:
        """All of the text, escaped, with every word whose term is in ``wanted`` marked."""
        return self._mark(self.matches(wanted), 0, len(self.text))

    def snippet(self, wanted: set[Wanted] | frozenset[Wanted], width: int = WIDTH) -> str:
        """About ``width`` characters of the text around where the most wanted words are,
        cut at word boundaries, escaped and marked; the start of the text when nothing
        matches."""
        text = self.text
        if len(text) <= width:
            return self.highlight(wanted)
        hits = self.matches(wanted)
        # The run of ``span`` words with the most hits (two pointers over word indices).
        span = max(8, width // 8)
        best, best_count, left = 0, 0, 0
        for right in range(len(hits)):
            while hits[right] - hits[left] >= span:
                left += 1
            if right - left + 1 > best_count:
                best, best_count = left, right - left + 1
        first = max(0, hits[best] - span // 4) if hits else 0
        starts, ends = self.starts, self.ends
        # The words from ``first`` that end within ``width`` of its start.
        last = bisect_right(ends, starts[first] + width, first) if first < len(starts) else first
        if last == first:
            return _escape(text[:width]) + ELLIPSIS
        start = 0 if first == 0 else starts[first]
        end = len(text) if last == len(starts) else ends[last - 1]
        marked = self._mark([i for i in hits if first <= i < last], start, end)
        return (ELLIPSIS if start > 0 else "") + marked + (ELLIPSIS if end < len(text) else "")

    def _mark(self, words: list[int], start: int, end: int) -> str:
        text, starts, ends = self.text, self.starts, self.ends
        out, at = [], start
        for i in words:
            s, e = starts[i], ends[i]
            if s < at or e > end:
                continue
            out.append(_escape(text[at:s]))
            out.append(f"<mark>{_escape(text[s:e])}</mark>")
            at = e
        out.append(_escape(text[at:end]))
        # Marked words with nothing between them are one mark: the characters of a
        # Chinese or Japanese phrase (each is a word), ``لـCNN``.
        return "".join(out).replace("</mark><mark>", "")


def highlight(text: str, lang: str | None, wanted: set[Wanted]) -> str:
    """All of ``text``, escaped, with every word whose term is in ``wanted`` marked."""
    return Passage(text, lang).highlight(wanted)


def snippet(text: str, lang: str | None, wanted: set[Wanted], width: int = WIDTH) -> str:
    """About ``width`` characters of ``text`` around where the most wanted words are, cut at
    word boundaries, escaped and marked; the start of the text when nothing matches."""
    return Passage(text, lang).snippet(wanted, width)

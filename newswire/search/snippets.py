"""Highlighted snippets: the passage of an item's text around the words a query matched.

The text is the original one, un-normalised (diacritics, hamza, tatweel as the story was
written): ``analyze`` gives each word's index term together with its offsets into that
text, so a word matches when its term is one the query asked for and is marked there as
written. The output is HTML: the text escaped, each match in ``<mark>``.
"""

from __future__ import annotations

from html import escape
from typing import NamedTuple

from newswire.text.analyze import WORD, analyze, analyzer

__all__ = ["highlight", "snippet"]

ELLIPSIS = "…"


def highlight(text: str, lang: str | None, wanted: set[str]) -> str:
    """All of ``text``, escaped, with every word whose term is in ``wanted`` marked."""
    return _marked(text, lang, wanted, 0, len(text))


def snippet(text: str, lang: str | None, wanted: set[str], width: int = 220) -> str:
    """About ``width`` characters of ``text`` around where the most wanted words are, cut at
    word boundaries, escaped and marked; the start of the text when nothing matches.

    Found by word first (the cached word → term map, no offsets), and offsets are taken
    only up to the window: a hit list's bodies are read ten at a time, and building a
    token for every word of each took most of a search's time."""
    if len(text) <= width:
        return highlight(text, lang, wanted)
    words = WORD.findall(text)
    terms = analyzer(lang).word_terms(words)
    hits = [i for i, term in enumerate(terms) if term in wanted]
    # The run of ``span`` words with the most hits (two pointers over word indices).
    span = max(8, width // 8)
    best, best_count, left = 0, 0, 0
    for right in range(len(hits)):
        while hits[right] - hits[left] >= span:
            left += 1
        if right - left + 1 > best_count:
            best, best_count = left, right - left + 1
    first_word = max(0, hits[best] - span // 4) if hits else 0
    spans: list[tuple[int, int]] = []
    for i, match in enumerate(WORD.finditer(text)):
        if i >= first_word:
            spans.append(match.span())
            if match.end() - spans[0][0] > width:
                spans.pop()
                break
    if not spans:
        return escape(text[:width]) + ELLIPSIS
    start = 0 if first_word == 0 else spans[0][0]
    end = len(text) if first_word + len(spans) == len(words) else spans[-1][1]
    marks = [
        _Span(s, e)
        for i, (s, e) in enumerate(spans, first_word)
        if terms[i] in wanted
    ]
    marked = _mark(text, marks, start, end)
    return (ELLIPSIS if start > 0 else "") + marked + (ELLIPSIS if end < len(text) else "")


class _Span(NamedTuple):
    start: int
    end: int


def _marked(text: str, lang: str | None, wanted: set[str], start: int, end: int) -> str:
    return _mark(text, [t for t in analyze(text, lang) if t.term in wanted], start, end)


def _mark(text: str, hits, start: int, end: int) -> str:
    out, at = [], start
    for token in hits:
        if token.start < at or token.end > end:
            continue
        out.append(escape(text[at : token.start]))
        out.append(f"<mark>{escape(text[token.start : token.end])}</mark>")
        at = token.end
    out.append(escape(text[at:end]))
    return "".join(out)

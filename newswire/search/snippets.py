"""Highlighted snippets: the passage of an item's text around the words a query matched.

The text is the original one, un-normalised (diacritics, hamza, tatweel as the story was
written): ``analyze`` gives each word's index term together with its offsets into that
text, so a word matches when its term is one the query asked for and is marked there as
written. The output is HTML: the text escaped, each match in ``<mark>``.
"""

from __future__ import annotations

from html import escape

from newswire.text.analyze import analyze

__all__ = ["highlight", "snippet"]

ELLIPSIS = "…"


def highlight(text: str, lang: str | None, wanted: set[str]) -> str:
    """All of ``text``, escaped, with every word whose term is in ``wanted`` marked."""
    return _marked(text, lang, wanted, 0, len(text))


def snippet(text: str, lang: str | None, wanted: set[str], width: int = 220) -> str:
    """About ``width`` characters of ``text`` around where the most wanted words are, cut at
    word boundaries, escaped and marked; the start of the text when nothing matches."""
    tokens = analyze(text, lang)
    if not tokens:
        return escape(text[:width])
    hits = [t for t in tokens if t.term in wanted]
    if len(text) <= width:
        return _mark(text, hits, 0, len(text))
    # The window of ``width`` characters holding the most matches (two pointers).
    best, best_count, left = 0, 0, 0
    for right in range(len(hits)):
        while hits[right].end - hits[left].start > width:
            left += 1
        if right - left + 1 > best_count:
            best, best_count = left, right - left + 1
    if hits:
        first = hits[best]
        last = hits[best + best_count - 1]
        slack = max(0, width - (last.end - first.start))
        start = max(0, first.start - slack // 3)
    else:
        start = 0
    end = min(len(text), start + width)
    start = max(0, end - width) if end == len(text) else start
    # To word boundaries: the first and last whole words in the window.
    inside = [t for t in tokens if t.start >= start and t.end <= end]
    if inside:
        start = 0 if inside[0] is tokens[0] else inside[0].start
        end = len(text) if inside[-1] is tokens[-1] else inside[-1].end
    marked = _mark(text, [t for t in hits if start <= t.start and t.end <= end], start, end)
    return (ELLIPSIS if start > 0 else "") + marked + (ELLIPSIS if end < len(text) else "")


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

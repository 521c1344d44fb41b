"""Find many names in a text at once: whole words, on normalised text, Arabic clitics allowed.

``Matcher`` is built once from ``(surface name, key)`` pairs (hundreds of thousands are
fine) and then ``find`` runs over any text in one pass of an Aho-Corasick automaton
(``pyahocorasick``), so its cost does not grow with the number of names.

- **Normalised**: names and text go through ``newswire.text.normalize.normalize`` (the
  normalisation search uses: hamza and alef forms, taa marbuta, alef maqsura, harakat,
  tatweel, case), so ``أنقرة``, ``انقره`` and ``أنقَرة`` are one name, ``ANKARA`` and
  ``Ankara`` too. Every character that is not a letter or a digit counts as a space, so
  ``Al-Quds`` matches ``al quds``.
- **Whole words**: a match starts at the start of a word and ends at the end of one; an
  apostrophe ends a word, so Turkish suffixes (``Ankara'da``, ``Erdoğan'ın``,
  ``Türkiye'nin``) and English possessives (``Kalin's``) match their name.
- **Arabic proclitics**: a name written in Arabic script also matches with the
  conjunctions ``و``/``ف``, the prepositions ``ب``/``ل``/``ك`` and their combinations
  attached (``وقالن``, ``لحماس``, ``بغزة``, ``فبغزة``); a name that starts with the article
  matches with them too, ``ل`` + ``ال`` written ``لل`` (``والقدس``, ``للقدس``,
  ``وبالقدس``). The article is never added to a name that has none: ``الحماس`` is
  "the enthusiasm", not Hamas.
- **Longest wins, no overlaps**: ``محمد درويش`` is one match, not ``محمد`` and ``درويش``.

A match's ``start``/``end`` are offsets into the original text (not the normalised one)
and span the whole word as written, proclitics included: ``text[m.start:m.end] ==
m.surface == "بغزة"``.

Written here rather than taken from a library: the automaton is ``pyahocorasick``; what no
library does is the Arabic proclitic expansion and keeping offsets into the original text
through normalisation (a few lines each, below).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Sequence
from itertools import accumulate, pairwise
from typing import Any

import ahocorasick
import msgspec
import numpy as np
import numpy.typing as npt

from newswire.text.normalize import name_key, normalize

__all__ = ["Match", "Matcher", "Offsets", "match_text", "name_key", "proclitic_forms"]

_NON_WORD = re.compile(r"[\W_]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_ARTICLE = "ال"
_CONJUNCTIONS = ("", "و", "ف")
_PREPOSITIONS = ("", "ب", "ل", "ك")


class Match(msgspec.Struct, frozen=True):
    """One name found: the key it was registered with and where it stands in the text."""

    key: str
    start: int
    end: int
    surface: str


def proclitic_forms(key: str) -> list[tuple[str, int]]:
    """Every written form of an Arabic ``key`` with proclitics, with the number of
    letters the proclitics add (``لل`` + ``قدس``: the article's alef is dropped)."""
    if key.startswith(_ARTICLE):
        rest = key[1:]
        return [
            (prefix + rest, added - 1) if article else (prefix + key, added)
            for prefix, added, article in _PROCLITICS
        ]
    return [(prefix + key, added) for prefix, added, _ in _PROCLITICS]


# Each proclitic prefix, its length, and whether it is ``ل`` (which takes the article's
# alef): made once, as a process's automaton asks for the forms of thousands of names.
_PROCLITICS = tuple(
    (conjunction + preposition, len(conjunction + preposition), preposition == "ل")
    for conjunction in _CONJUNCTIONS
    for preposition in _PREPOSITIONS
)


class _CharMap(dict[int, str]):
    """``normalize`` of one character, computed once: for ``str.translate``."""

    def __missing__(self, code: int) -> str:
        out = self[code] = _NON_WORD.sub(" ", normalize(chr(code)))
        return out


_CHARS = _CharMap()
# The characters whose normalisation is not exactly one character (deleted harakat,
# tatweel and invisible marks; expanded ligatures, ß): only a text holding one needs its
# offsets mapped back character by character. Computed once, over the blocks where such
# characters live (Latin, Arabic and its presentation forms, punctuation).
_ODD_BLOCKS = ((0x00A0, 0x0800), (0x08A0, 0x0900), (0x2000, 0x2100), (0xFB00, 0x10000))
_odd: re.Pattern[str] | None = None


def _odd_chars() -> re.Pattern[str]:
    global _odd
    if _odd is None:
        odd = [
            chr(c)
            for first, last in _ODD_BLOCKS
            for c in range(first, last)
            if unicodedata.category(chr(c)) != "Cs" and len(_CHARS[c]) != 1
        ]
        _odd = re.compile("[" + re.escape("".join(odd)) + "]")
    return _odd


class Offsets:
    """Folded-text positions back to the original text's, for a text holding characters
    whose normalisation is not one character: a breakpoint at each of those only (a text
    of 15,000 characters with three harakat has three), looked up by bisection per match."""

    __slots__ = ("_folded", "_original")

    def __init__(self, text: str, odd: Iterable[re.Match[str]]) -> None:
        folded_at, original_at = [0], [0]
        shift = 0  # folded position minus original position, after the last odd character
        for m in odd:
            i = m.start()
            width = len(_CHARS[ord(text[i])])
            # Each odd character starts a run: its folded pieces all point at it, and
            # what follows (up to the next odd one) maps one to one again.
            folded_at.append(i + shift)
            original_at.append(i)
            shift += width - 1
            folded_at.append(i + 1 + shift)
            original_at.append(i + 1)
        self._folded = folded_at
        self._original = original_at

    @classmethod
    def deleted(cls, positions: npt.NDArray[np.intp]) -> Offsets:
        """The offsets of a text whose only odd characters are folded to nothing, at
        ``positions`` (ascending): what ``Offsets(text, odd)`` makes of them."""
        # Lists filled by slices: a text holds a few such marks (five on average), where
        # each numpy call on so small an array cost more than the whole of this.
        return cls._deleted_at(positions.tolist())

    @classmethod
    def _deleted_at(cls, at: list[int]) -> Offsets:
        """``deleted`` of positions given as a list."""
        offsets = cls.__new__(cls)
        folded = [0] * (2 * len(at) + 1)
        folded[1::2] = folded[2::2] = [p - n for n, p in enumerate(at)]
        original = [0] * len(folded)
        original[1::2] = at
        original[2::2] = [p + 1 for p in at]
        offsets._folded = folded
        offsets._original = original
        return offsets

    def start(self, position: int) -> int:
        """The original index of the character at folded ``position``."""
        k = bisect.bisect_right(self._folded, position) - 1
        if k % 2:  # inside an odd character's pieces: that character
            return self._original[k]
        return self._original[k] + position - self._folded[k]

    def end(self, position: int) -> int:
        """The original end (exclusive) of a span ending at folded ``position``."""
        return self.start(position - 1) + 1

    def span(self, candidate: tuple[int, int, str]) -> tuple[int, int, str]:
        """``(start(start), end(end), key)`` of a name found, ``(start, end, key)``."""
        start, end, key = candidate
        return self.start(start), self.end(end), key


# What each character of the Basic Multilingual Plane folds to, as ``_CHARS`` says (the
# table spans every code point, those beyond the plane ``_WIDE``, below), for
# ``numpy`` to fold a whole text with one lookup: ``str.translate`` over a dict looks up
# (and makes an int object for) each character in turn, a tenth of a millisecond for an
# article. Filled as characters are first seen. A character folded to nothing (harakat,
# tatweel, invisible marks: two articles in five hold one) is ``_GONE``; one folded to
# more than one character (``…``, ligatures) is ``_WIDE`` and sends its text the slow way.
_UNSEEN = 0xFFFFFFFF
_WIDE = 0xFFFFFFFE
_GONE = 0xFFFFFFFD
_TABLE = np.full(0x110000, _UNSEEN, dtype=np.uint32)
# A character outside the Basic Multilingual Plane sends its text the slow way too: marked
# here once (4 MB, shared by forked workers), where a test of each text's largest code
# cost as much as the lookup itself.
_TABLE[0x10000:] = _WIDE


def _learn(codes: npt.NDArray[np.uint32], mapped: npt.NDArray[np.uint32]) -> None:
    """``_TABLE`` filled for the characters met for the first time (``_UNSEEN`` in
    ``mapped``, the table's lookup of ``codes``): their folding looked up once."""
    for code in np.unique(codes[mapped == _UNSEEN]).tolist():
        folded = _CHARS[code]
        _TABLE[code] = ord(folded) if len(folded) == 1 else _WIDE if folded else _GONE


def _fold_fast(text: str) -> tuple[str, Offsets | None] | None:
    """What ``match_text`` gives, made with ``_TABLE``; ``None`` for a text holding a
    character outside the Basic Multilingual Plane or folded to more than one."""
    try:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    except UnicodeEncodeError:  # a lone surrogate
        return None
    mapped = _TABLE.take(codes)
    top = int(mapped.max())
    if top < _GONE:
        return mapped.tobytes().decode("utf-32-le"), None
    if top == _UNSEEN:
        _learn(codes, mapped)
        mapped = _TABLE.take(codes)
        top = int(mapped.max())
        if top < _GONE:
            return mapped.tobytes().decode("utf-32-le"), None
    if top != _GONE:
        return None
    kept = mapped[mapped < _GONE].tobytes().decode("utf-32-le")
    return kept, Offsets.deleted(np.flatnonzero(mapped == _GONE))


_FOLD_CHARS = 1 << 16
"""The most text ``Matcher.find_many`` folds at once: its arrays (some 16 bytes a character)
stay in the processor's cache, and folding more at once saves nothing more."""


def _fold_many(texts: Sequence[str]) -> list[tuple[str, Offsets | None] | None]:
    """``_fold_fast`` of each of ``texts`` (none empty), made with one lookup for them all:
    for texts of a few hundred characters numpy's cost per call (encoding, ``take``,
    ``max``, decoding: a few microseconds) outweighs the lookup itself."""
    # Each text followed by a newline (it folds to a space, as ever): a text's part of
    # the codes, its own and the newline, is never empty for ``reduceat``.
    joined = "\n".join(texts) + "\n"
    try:
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype="<u4")
    except UnicodeEncodeError:  # a lone surrogate in some text
        return [_fold_fast(text) for text in texts]
    mapped = _TABLE.take(codes)
    starts = [0, *accumulate(len(text) + 1 for text in texts)]
    tops = np.maximum.reduceat(mapped, starts[:-1]).tolist()
    if max(tops) == _UNSEEN:
        _learn(codes, mapped)
        mapped = _TABLE.take(codes)
        tops = np.maximum.reduceat(mapped, starts[:-1]).tolist()
    if max(tops) < _GONE:
        folded = mapped.tobytes().decode("utf-32-le")
        return [(folded[a : b - 1], None) for a, b in pairwise(starts)]
    # Some characters fold to nothing (or to more: those texts go the slow way). The
    # characters kept, decoded at once; each text's part of them starts where its own
    # part of the codes starts, less the characters dropped before it. (Each pass over
    # the codes counts: one mask, and those folding to nothing picked out of the few
    # dropped.)
    keep = mapped < _GONE
    dropped = np.flatnonzero(~keep)
    folded = mapped[keep].tobytes().decode("utf-32-le")
    kept = (np.array(starts) - np.searchsorted(dropped, starts)).tolist()
    gone = dropped[mapped[dropped] == _GONE]
    cuts = np.searchsorted(gone, starts).tolist()
    at = gone.tolist()
    out: list[tuple[str, Offsets | None] | None] = []
    for n, top in enumerate(tops):
        if top < _GONE:
            out.append((folded[kept[n] : kept[n + 1] - 1], None))
        elif top == _GONE:
            start = starts[n]
            offsets = Offsets._deleted_at([p - start for p in at[cuts[n] : cuts[n + 1]]])
            out.append((folded[kept[n] : kept[n + 1] - 1], offsets))
        else:
            out.append(None)
    return out


def match_text(text: str) -> tuple[str, Offsets | None]:
    """(the text as the automaton reads it, the way back to ``text``'s offsets or ``None``
    when each character stayed one character)."""
    if text:
        fast = _fold_fast(text)
        if fast is not None:
            return fast
    folded = text.translate(_CHARS)
    if len(folded) == len(text) and not _odd_chars().search(text):
        return folded, None
    return folded, Offsets(text, _odd_chars().finditer(text))


def _longest_first(candidates: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The ``(start, end, key)`` of ``candidates`` kept, in order: the longest first, then
    the earliest, each unless it overlaps one kept."""
    # Those kept are disjoint, so in start order their ends are in order too: a candidate
    # overlaps none when the one kept before it ends by its start and the one after it
    # starts at its end or later, found by bisection. Testing every one kept was quadratic:
    # of 10,000 articles taken over the corpus, 4,599 have overlapping candidates, 26 on
    # average and up to 196, and their overlaps took 0.30 s of CPU, now 0.095 s.
    kept: list[tuple[int, int, str]] = []
    starts: list[int] = []
    for cand in sorted(candidates, key=lambda c: (c[0] - c[1], c[0])):
        start, end, _ = cand
        at = bisect.bisect_left(starts, start)
        if (at == 0 or kept[at - 1][1] <= start) and (at == len(kept) or end <= starts[at]):
            kept.insert(at, cand)
            starts.insert(at, start)
    return kept


class Matcher:
    """An automaton over names, built once (see the module docs for what matches)."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        """``pairs``: ``(surface name, key)``. When two keys share a (normalised) name, the
        one given first wins: give the pairs in order of priority."""
        automaton: Any = ahocorasick.Automaton()
        # Each pattern's first key, in the order first given: a dict keeps them faster
        # than asking the automaton whether it holds each pattern already.
        first: dict[str, str] = {}
        keep = first.setdefault
        # A pattern is the name between spaces: the text is read with a space at either
        # end, every non-word character (an apostrophe too) folds to one, so the
        # automaton reports only names that end where a word ends, with no hit to filter
        # out after it (a third of those a pattern without the closing space gives end
        # inside a longer word). Two names side by side share the space between them:
        # ``iter`` reports overlapping matches.
        for surface, key in pairs:
            name = name_key(surface)
            if not name:
                continue
            if _ARABIC.search(name):
                for form, _ in proclitic_forms(name):
                    keep(" " + form + " ", key)
            else:
                keep(" " + name + " ", key)
        for pattern, key in first.items():
            automaton.add_word(pattern, (key, len(pattern)))
        size = len(first)
        if size:
            automaton.make_automaton()
        self._automaton = automaton
        self.size = size
        """How many patterns (names times their proclitic forms) the automaton holds."""

    def lookup(self, name: str) -> str | None:
        """The key registered for the whole of ``name`` (normalised as names are; an
        Arabic name also with proclitics attached), or None."""
        key = name_key(name)
        if not self.size or not key:
            return None
        found: tuple[str, int] | None = self._automaton.get(" " + key + " ", None)
        return found[0] if found is not None else None

    def find(self, text: str) -> list[Match]:
        """Every name in ``text``, in the order they stand, no two overlapping."""
        if not self.size or not text:
            return []
        return self._found(text, *match_text(text))

    def find_many(self, texts: Sequence[str]) -> list[list[Match]]:
        """``find`` of each of ``texts``, their folding done at once (``_fold_many``)."""
        if not self.size:
            return [[] for _ in texts]
        out: list[list[Match]] = [[] for _ in texts]
        todo = [n for n, text in enumerate(texts) if text]
        if not todo:
            return out
        folds: list[tuple[str, Offsets | None] | None] = []
        group: list[str] = []
        size = 0
        for n in todo:
            if group and size + len(texts[n]) > _FOLD_CHARS:
                folds += _fold_many(group)
                group, size = [], 0
            group.append(texts[n])
            size += len(texts[n])
        folds += _fold_many(group)
        for n, fold in zip(todo, folds, strict=True):
            text = texts[n]
            out[n] = self._found(text, *(fold or match_text(text)))
        return out

    def _found(self, text: str, folded: str, offsets: Offsets | None) -> list[Match]:
        """``find`` of ``text``, ``match_text`` of it being ``folded`` and ``offsets``."""
        folded = " " + folded + " "
        # Each name found, as (start, end, key) in the text's positions: the pattern's
        # leading space stands where the name starts, its closing one where it ends.
        candidates = [
            (last + 1 - length, last - 1, key)
            for last, (key, length) in self._automaton.iter(folded)
        ]
        if not candidates:
            return []
        # Whether some overlap: the automaton gives them in the order they end, so none
        # overlaps when each starts after the one before ends (as in four texts in five).
        previous = 0
        for start, end, _ in candidates:
            if start < previous:
                candidates = _longest_first(candidates)
                break
            previous = end
        if offsets is None:
            return [Match(key, start, end, text[start:end]) for start, end, key in candidates]
        return [
            Match(key, start, end, text[start:end])
            for start, end, key in map(offsets.span, candidates)
        ]

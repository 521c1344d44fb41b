"""The words of a text found with numpy, as spans and hashes: ``WORD.findall`` for many texts.

Enrichment numbers every word of every item (``newswire.enrich.terms``): the subject model
and story threads read the numbers. Found by ``WORD.findall`` (a Python string a word) and
each looked up in a dict, the words of a bulk ingest (a million per 10,000 articles) cost
a third of a second: most of the subject step. Here the characters of a text are classed
with one table look-up (``analyze.word_classes``), a word is a run of letters of one class
with the combining marks after them, and each word gets a 64-bit hash of its characters,
all with array arithmetic: a word is never made a Python string unless its hash is new
(``HashIndex``, looked up the same way).

A text holding a character ``WORD`` treats by rules of its own (a joiner between two runs,
a CJK character, a character outside the Basic Multilingual Plane) is marked (``Scan.odd``)
for its caller to read with ``WORD`` instead; ``tests/text/test_scan.py`` checks that the
scan finds ``WORD``'s words in every other text.

Written here rather than taken from a library: no maintained package splits text by
these rules, and the arithmetic is a few array operations.

**Hash.** A word of code points ``c0 … cn`` hashes to ``Σ ck·P^k`` modulo 2^64 (``P`` odd),
then mixed (a multiply and shifts: its top bits, which pick its slot in ``HashIndex``,
depend on every character), low bit set so that 0 marks an empty slot. A running sum of
``c·P^i`` over the whole text gives every word's at once: ``(S[end] − S[start])·P^−start``
(``P`` is invertible modulo 2^64), the powers made once a process (``_powers``). A word
of more than ``LONGEST`` characters is no word of news: its text is left to ``WORD`` too,
which also keeps out the long words that collide by construction under such a hash (a
2,048-letter Thue–Morse word and its complement). Two
of the half million words a process numbers at most share a hash with odds of about one
in 10^8.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from newswire.text.analyze import ARABIC_LETTER, ELSE, MARK, OTHER_LETTER, word_classes

__all__ = ["HashIndex", "Scan", "hash_words", "scan"]

Hashes = npt.NDArray[np.uint64]
Positions = npt.NDArray[np.intp]

_CLASSES = np.full(0x110000, ELSE, dtype=np.uint8)  # beyond the BMP: left to ``WORD``
_CLASSES[:0x10000] = np.frombuffer(word_classes(), dtype=np.uint8)
_P = 0x9E3779B97F4A7C15
_Q = pow(_P, -1, 1 << 64)
_MIX = np.uint64(0xBF58476D1CE4E5B9)
_ONE = np.uint64(1)
LONGEST = 64
"""The most characters a word the scan numbers may have (longer: its text goes to ``WORD``)."""


def _made_powers(base: int, n: int) -> Hashes:
    out = np.full(n, base, dtype=np.uint64)
    if n:
        out[0] = 1
    np.cumprod(out, out=out)  # modulo 2^64: unsigned integers wrap
    return out


_KEPT = 1 << 20
"""The most powers of a base kept for the process (8 MB): a bulk chunk's texts, scanned as
one, are some 200,000 characters, whose two tables were made again for each chunk (a
seventh of the analysis's CPU); a longer text has its own made."""
_POWERS: dict[int, Hashes] = {}


def _powers(base: int, n: int) -> Hashes:
    """``base ** k`` modulo 2^64 for ``k`` below ``n``: a slice of the process's table,
    which grows (by doubling) and is never written once made, so threads share it."""
    if n > _KEPT:
        return _made_powers(base, n)
    kept = _POWERS.get(base)
    if kept is None or len(kept) < n:
        size = min(_KEPT, max(n, 2 * len(kept) if kept is not None else 1 << 16))
        kept = _made_powers(base, size)
        kept.setflags(write=False)  # shared: a slice written to would change every text's
        _POWERS[base] = kept
    return kept[:n]


class Scan(NamedTuple):
    """The words of a text: ``text[starts[k]:ends[k]]`` is its ``k``-th word."""

    starts: Positions
    ends: Positions
    hashes: Hashes
    odd: Positions
    """Where the text holds a character this scan does not follow (``ELSE``, or outside
    the Basic Multilingual Plane), or a word longer than ``LONGEST`` begins: the words
    around it are not ``WORD``'s, or not all here."""


def _hashes(codes: npt.NDArray[np.uint32], starts: Positions, ends: Positions) -> Hashes:
    """The hash of each word ``codes[starts[k]:ends[k]]`` (module docs)."""
    n = len(codes)
    sums = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(codes * _powers(_P, n), out=sums[1:])
    found: Hashes = (sums[ends] - sums[starts]) * _powers(_Q, n).take(starts)
    found ^= found >> np.uint64(32)
    found *= _MIX
    found ^= found >> np.uint64(29)
    found |= _ONE
    return found


def _codes(text: str) -> npt.NDArray[np.uint32] | None:
    try:
        return np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    except UnicodeEncodeError:  # a lone surrogate
        return None


def scan(text: str) -> Scan | None:
    """The words of ``text`` (those of ``WORD.findall`` where ``odd`` is empty), or None for
    a text holding a lone surrogate."""
    codes = _codes(text)
    if codes is None:
        return None
    n = len(codes)
    kind = _CLASSES.take(codes)
    odd = np.flatnonzero(kind == ELSE)
    marks = np.flatnonzero(kind == MARK)
    if marks.size:
        # A run of marks takes the class of the character before it: it goes with a
        # letter's run, and is nothing after a separator or at the start. (The marks are
        # few: this works on their positions, not on the whole text.)
        first = np.ones(marks.size, dtype=bool)
        first[1:] = marks[1:] != marks[:-1] + 1
        run = np.maximum.accumulate(np.where(first, np.arange(marks.size), 0))
        before = marks.take(run) - 1
        kind[marks] = np.where(before >= 0, kind.take(np.maximum(before, 0)), 0)
    word = (kind == ARABIC_LETTER) | (kind == OTHER_LETTER)
    change = np.ones(n + 1, dtype=bool)
    np.not_equal(kind[1:], kind[:-1], out=change[1:n])
    starts = np.flatnonzero(word & change[:n])
    ends = np.flatnonzero(word & change[1:]) + 1
    long = ends - starts > LONGEST
    if long.any():  # its text read with ``WORD``; the word not hashed
        odd = np.union1d(odd, starts[long])
        starts, ends = starts[~long], ends[~long]
    return Scan(starts, ends, _hashes(codes, starts, ends), odd)


def hash_words(words: Sequence[str]) -> Hashes:
    """The hash of each of ``words`` (none empty nor longer than ``LONGEST``), as ``scan``
    gives it for the word in a text."""
    lengths = np.fromiter(map(len, words), dtype=np.intp, count=len(words))
    ends = np.cumsum(lengths)
    codes = np.frombuffer("".join(words).encode("utf-32-le", "surrogatepass"), dtype="<u4")
    return _hashes(codes, ends - lengths, ends)


class HashIndex:
    """Word hashes to numbers (int32, ≥ 0): open addressing in two numpy arrays, looked up
    for many hashes at once, a hash's slot its top bits (``scan``'s are uniform there). Safe to read while one thread adds (under the owner's lock):
    a slot's number is written before its hash, and a grown table replaces both at once."""

    def __init__(self, bits: int = 16) -> None:
        self._tables = self._empty(bits)
        self.size = 0

    @staticmethod
    def _empty(bits: int) -> tuple[Hashes, npt.NDArray[np.int32], int]:
        return np.zeros(1 << bits, dtype=np.uint64), np.full(1 << bits, -1, np.int32), bits

    def get(self, hashes: Hashes) -> npt.NDArray[np.int32]:
        """The number of each hash, -1 for one not added."""
        keys, values, bits = self._tables
        mask = (1 << bits) - 1
        slots = (hashes >> np.uint64(64 - bits)).astype(np.intp)
        out = np.full(len(hashes), -1, dtype=np.int32)
        todo = np.arange(len(hashes))
        while todo.size:  # linear probing, every pending hash one slot further a round
            at = slots[todo]
            held = keys.take(at)
            hit = held == hashes[todo]
            out[todo[hit]] = values.take(at[hit])
            todo = todo[~hit & (held != 0)]
            slots[todo] = (slots[todo] + 1) & mask
        return out

    def add(self, hashes: Hashes, numbers: npt.NDArray[np.int32]) -> None:
        """Add ``hashes`` (distinct, none added yet) with their ``numbers``."""
        keys, values, bits = self._tables
        if 2 * (self.size + len(hashes)) > len(keys):  # at most half full
            while (1 << bits) < 2 * (self.size + len(hashes)):
                bits += 1
            held = np.flatnonzero(keys)
            grown = self._empty(bits)
            self._place(grown, keys[held], values[held])
            self._tables = grown  # readers see the old table or the new, whole
        self._place(self._tables, hashes, numbers)
        self.size += len(hashes)

    @staticmethod
    def _place(
        tables: tuple[Hashes, npt.NDArray[np.int32], int],
        hashes: Hashes,
        numbers: npt.NDArray[np.int32],
    ) -> None:
        keys, values, bits = tables
        mask = (1 << bits) - 1
        slots = (hashes >> np.uint64(64 - bits)).astype(np.intp)
        todo = np.arange(len(hashes))
        while todo.size:  # each round, of the hashes wanting one free slot, the first takes it
            at = slots[todo]
            free = keys.take(at) == 0
            taken, first = np.unique(at[free], return_index=True)
            placed = todo[free][first]
            values[taken] = numbers[placed]
            keys[taken] = hashes[placed]
            left = np.ones(len(todo), dtype=bool)
            left[np.flatnonzero(free)[first]] = False
            todo = todo[left]
            slots[todo] = (slots[todo] + 1) & mask

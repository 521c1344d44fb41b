"""Story threads: the items that tell the same story as a new one, linked to it.

An agency sends a story, then the same story again under a new id (a desk re-filing it,
another service's copy, a trimmed version for radio), then follow-ups that carry the
first story's background paragraphs on. This step links a new item to those already
stored, so that a subscriber and the portal can show one story with its developments:
``associations`` with a ``rel`` saying which relation it is (``SAME_STORY``,
``FOLLOW_UP``) and the other item's type and headline.

**How.** The item's text, as search sees it (``newswire.text.analyze`` terms: normalised,
so hamza and diacritic variants do not break a match, and stemmed), is cut into
overlapping runs of ``SHINGLE`` terms; their set is summarised by a MinHash signature of
``PERMUTATIONS`` values (datasketch's ``affine32`` MinHash, ``minhash`` below), whose share of equal values estimates the
Jaccard similarity of two items' sets. To find the stored items worth comparing without
comparing with all, the signature is cut into ``BANDS`` bands of ``ROWS`` values (LSH):
two items sharing a band's values are candidates. The store keeps every item's signature
and band keys (``store.threads``), so every process and node finds what any other stored;
one indexed query a item gives the candidates, the signatures give their similarity, and
the thresholds (chosen on the training pairs of ``bench/threads_eval.py``, see
docs/enrichment-threads.md) give the relation.

**When an item is remembered.** The step runs just before the item is stored, and has no
hook after it: ``find`` remembers the item's signature itself, keyed by the item's id
(again for each version, replacing the last: idempotent). An item the store then refuses
leaves a row behind, but the store only ever offers as candidates items it holds
(``Threads.candidates`` joins the items), so that row links nothing; it is replaced if the
item comes again. The links go from the later item to the earlier ones (the later knows
the earlier; the earlier, already sent, is not changed by the later's arrival).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from newswire.enrich.base import FOLLOW_UP, SAME_STORY, Context, Document, Findings
from newswire.enrich.terms import Ids, Table, analysed, analysed_many, table
from newswire.enrich.terms import warm as warm_terms
from newswire.model import Association, is_item_type
from newswire.store.threads import Candidate, MemoryThreads, Remembered, Threads
from newswire.text.analyze import WORD

SHINGLE = 3
"""Terms a shingle: three-word runs keep two articles on the same topic apart (they share
words and pairs of words, far fewer runs of three) while a changed word breaks only the
three shingles it is in."""
PERMUTATIONS = 64
"""Values a signature: the similarity estimate's standard error is at most 0.0625
(``sqrt(J(1-J)/64)``), small beside the gap between the relations' thresholds, for a
quarter of the cost of datasketch's default 128 (docs/enrichment-threads.md)."""
BANDS, ROWS = 32, 2
"""LSH bands of ``ROWS`` values: two items are candidates with probability
``1 - (1 - J**2)**32``: 0.73 at J = 0.2, 0.99 at 0.35, 0.06 at 0.05."""
SEED = 1
"""Of the permutations: a signature compares only with one made with the same seed,
permutations and shingles; changing any of them means computing every stored one again."""
MIN_SHINGLES = 8
"""An item with fewer shingles (a flash headline, a caption of a few words) links to
nothing: a handful of words is shared by too many items to say they tell one story."""

SAME_AT = 0.54
"""Estimated Jaccard similarity from which two items are the same story."""
FOLLOW_AT = 0.14
"""From which, below ``SAME_AT``, the later item is a follow-up."""
LINKS = 5
"""At most this many items linked, the most similar first."""

_MIX = np.uint64(0x100000001B3)  # FNV-1a's 64-bit prime: spreads one term's hash over the bits
_HASHES = "threads"
"""The name of the terms' hashes in the term table (``newswire.enrich.terms.Table.array``)."""
_BLOCK = 1 << 14
"""Shingles a block of the MinHash arithmetic (a 4 MB array of 64 values each)."""


def _affine_permutations(seed: int, count: int) -> tuple[npt.NDArray[np.uint32], ...]:
    """datasketch's ``affine32`` permutations ``h -> a*h + b mod 2**32`` (``a`` odd), drawn
    as ``MinHash(num_perm=count, seed=seed, scheme="affine32")`` draws them."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, count, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, count, dtype=np.uint32)
    return a, b


_A, _B = _affine_permutations(SEED, PERMUTATIONS)
_A_COLUMN, _B_COLUMN = _A.reshape(-1, 1), _B.reshape(-1, 1)  # one row a permutation


def minhash(hashes: npt.NDArray[np.uint64]) -> Values:
    """The MinHash values of a set of 32-bit hashes: datasketch's ``MinHash(scheme=
    "affine32").update_batch`` to the bit (a test checks it against datasketch).

    Written here rather than imported because importing datasketch imports scipy (its LSH
    module's integrals): 0.45 s more for every process that enriches an item (each CLI
    command, each server worker), for twenty lines of numpy that use none of it."""
    values: Values = _minhash_many(hashes, np.zeros(1, dtype=np.intp))[0]
    return values


def _minhash_many(
    hashes: npt.NDArray[np.uint64], starts: npt.NDArray[np.intp]
) -> npt.NDArray[np.uint32]:
    """``minhash`` of several sets at once, a row each: set ``k`` is ``hashes[starts[k] :
    starts[k + 1]]`` (none empty)."""
    out = np.empty((len(starts), PERMUTATIONS), dtype=np.uint32)
    ends = [*starts[1:].tolist(), len(hashes)]
    # One row a permutation, the block's hashes along it, written into one buffer: each
    # set's minimum is then a reduction over contiguous memory. With a row a hash (the
    # permutations across) and a new array for each product, the same arithmetic took
    # five times as long (0.27 against 0.05 s of CPU for 1.3 million hashes).
    buffer = np.empty((PERMUTATIONS, _BLOCK), dtype=np.uint32)
    first = 0
    while first < len(starts):  # sets in blocks of about ``_BLOCK`` hashes
        last = first + 1
        while last < len(starts) and ends[last] - starts[first] <= _BLOCK:
            last += 1
        at = int(starts[first])
        hv = hashes[at : ends[last - 1]].astype(np.uint32)
        # MurmurHash3's 32-bit finaliser, a bijection that spreads the input's bits.
        hv = hv ^ (hv >> np.uint32(16))
        hv = hv * np.uint32(0x85EBCA6B)
        hv = hv ^ (hv >> np.uint32(13))
        hv = hv * np.uint32(0xC2B2AE35)
        hv = hv ^ (hv >> np.uint32(16))
        size = len(hv)  # more than ``_BLOCK`` only for a set that large on its own
        permuted = (
            buffer[:, :size]
            if size <= _BLOCK
            else np.empty((PERMUTATIONS, size), dtype=np.uint32)
        )
        np.multiply(_A_COLUMN, hv, out=permuted)  # uint32 arithmetic wraps: mod 2**32
        np.add(permuted, _B_COLUMN, out=permuted)
        out[first:last] = np.minimum.reduceat(permuted, starts[first:last] - at, axis=1).T
        first = last
    return out


_BAND_SALT = (np.arange(BANDS, dtype=np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)

Values = npt.NDArray[np.uint32]


class Signature(NamedTuple):
    """An item's MinHash values and its LSH band keys (signed 64-bit, as both databases
    keep an integer)."""

    values: Values
    bands: list[int]

    def to_bytes(self) -> bytes:
        return self.values.astype("<u4").tobytes()


def _term_hash(term: str) -> int:
    # CRC-32: stable across processes (``hash`` is salted per process) and fast; its
    # weakness as a hash is mixed away by datasketch's finaliser (scheme affine32).
    return zlib.crc32(term.encode())


def _term_hashes(terms: list[str]) -> npt.NDArray[np.uint64]:
    """Each term's hash, for the term table (``Table.array``): made once a term."""
    return np.fromiter(map(_term_hash, terms), dtype=np.uint64, count=len(terms))


def term_hashes(terms: list[str], numbers: Table | None = None) -> npt.NDArray[np.uint64]:
    """Each term's 32-bit hash, from the term table (``numbers``, the process's by
    default), where each term's is made once: a news vocabulary repeats."""
    numbers = numbers or table()
    ids = np.array(numbers.term_ids(terms), dtype=np.intp)
    hashes: npt.NDArray[np.uint64] = numbers.array(_HASHES, _term_hashes)[ids]
    return hashes


def _shingles_many(
    texts: Sequence[Ids], numbers: Table
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.intp]]:
    """The distinct hashes of each text's runs of ``SHINGLE`` terms (``texts``: each
    text's terms as numbers of ``numbers``), all texts together: (the hashes, sorted
    within each text; how many each text has)."""
    lengths = np.fromiter(map(len, texts), dtype=np.intp, count=len(texts))
    every = np.concatenate(texts) if len(texts) else np.empty(0, dtype=np.int32)
    hashes = numbers.array(_HASHES, _term_hashes)[every]
    n = len(hashes) - SHINGLE + 1
    if n < 1:
        return np.empty(0, dtype=np.uint64), np.zeros(len(texts), dtype=np.intp)
    # Each run's hash from its terms' hashes, in numpy at once (no string per shingle).
    runs = hashes[:n].copy()
    for offset in range(1, SHINGLE):
        runs = (runs * _MIX) ^ hashes[offset : offset + n]
    runs = (runs ^ (runs >> np.uint64(32))) & np.uint64(0xFFFFFFFF)
    if len(texts) == 1:
        alone = _distinct(runs)
        return alone, np.array([len(alone)], dtype=np.intp)
    # A run is a shingle of the text its first and last terms are in, when it is one.
    owner = np.repeat(np.arange(len(texts), dtype=np.uint64), lengths)
    inside = owner[:n] == owner[SHINGLE - 1 :]
    keyed = _distinct((owner[:n][inside] << np.uint64(32)) | runs[inside])
    counts = np.bincount((keyed >> np.uint64(32)).astype(np.intp), minlength=len(texts))
    return keyed & np.uint64(0xFFFFFFFF), counts


def _distinct(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """``np.unique(values)``: the distinct values, ascending. A sort and one comparison of
    neighbours: numpy 2.3 and later make ``unique`` of integers through a hash table and
    sort what it kept, ten times the time of this (17 against 1.7 ms for a bulk chunk's
    170,000 shingles, a tenth of enrichment's CPU in a bulk ingest)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def _signatures(texts: Sequence[Ids], numbers: Table) -> list[Signature | None]:
    """``signature`` of each text (its terms as numbers of ``numbers``), all at once."""
    runs, counts = _shingles_many(texts, numbers)
    signed = counts >= MIN_SHINGLES
    if not signed.any():
        return [None] * len(texts)
    kept = counts[signed]
    values = _minhash_many(runs[np.repeat(signed, counts)], np.cumsum(kept) - kept)
    keys = _band_keys_many(values)
    found = iter(zip(values, keys, strict=True))
    out: list[Signature | None] = []
    for ok in signed.tolist():
        if ok:
            value, key = next(found)
            out.append(Signature(value, key))
        else:
            out.append(None)
    return out


def shingles(
    text: str, lang: str | None = None, terms: list[str] | None = None
) -> npt.NDArray[np.uint64]:
    """The distinct hashes (32-bit) of ``text``'s runs of ``SHINGLE`` terms, sorted
    (``terms``: the text's terms, when they are made already)."""
    numbers = table()
    return _shingles_many([_numbered(numbers, text, lang, terms)], numbers)[0]


def signature(
    text: str, lang: str | None = None, terms: list[str] | None = None
) -> Signature | None:
    """``text``'s signature; None when it has fewer than ``MIN_SHINGLES`` shingles."""
    numbers = table()
    return _signatures([_numbered(numbers, text, lang, terms)], numbers)[0]


def _numbered(numbers: Table, text: str, lang: str | None, terms: list[str] | None) -> Ids:
    words = terms is None
    found = numbers.word_ids(lang, WORD.findall(text)) if words else numbers.term_ids(terms or [])
    ids: Ids = np.array(found, dtype=np.int32)
    kept: Ids = ids[ids != 0]
    return kept


def band_keys(values: Values) -> list[int]:
    """The LSH key of each band: its ``ROWS`` values and its number, hashed to 64 bits."""
    return _band_keys_many(values.reshape(1, -1))[0]


def _band_keys_many(values: npt.NDArray[np.uint32]) -> list[list[int]]:
    """``band_keys`` of each row of ``values``."""
    rows = values.astype(np.uint64).reshape(len(values), BANDS, ROWS)
    keys = rows[:, :, 0] ^ _BAND_SALT
    for column in range(1, ROWS):
        keys = (keys * _MIX) ^ rows[:, :, column]
    keys = (keys ^ (keys >> np.uint64(29))) * np.uint64(0xBF58476D1CE4E5B9)
    keys ^= keys >> np.uint64(32)
    return keys.view(np.int64).tolist()  # type: ignore[no-any-return]


def from_bytes(data: bytes) -> Values | None:
    """Stored signature values; None when made with another number of permutations."""
    if len(data) != 4 * PERMUTATIONS:
        return None
    return np.frombuffer(data, dtype="<u4")


def similarity(a: Values, b: Values) -> float:
    """The Jaccard similarity the two signatures estimate (datasketch's
    ``MinHash.jaccard``: the share of equal values)."""
    return float(np.count_nonzero(a == b)) / PERMUTATIONS


def relation(estimate: float) -> str | None:
    """The relation of two items whose similarity is ``estimate``; None: unrelated."""
    if estimate >= SAME_AT:
        return SAME_STORY
    if estimate >= FOLLOW_AT:
        return FOLLOW_UP
    return None


def candidates_share(a: Signature, b: Signature) -> bool:
    """Would ``b`` be a candidate of ``a`` (do they share a band key)?"""
    return not set(a.bands).isdisjoint(b.bands)


class ThreadsStep:
    """The step ``threads`` (``newswire.enrich.base.Step``)."""

    name = "threads"

    def __init__(self, threads: Threads):
        self.threads = threads
        self._held: list[Remembered] | None = None
        self._found: list[Deferred | None] | None = None  # deferred mode: what ``find`` found
        self._archive = False

    def warm(self) -> None:
        """``base.Warms``: the shipped table of frequent Arabic words numbered in the term
        table (``terms.warm``): the wire's own language, which most texts are read in."""
        warm_terms("ar")

    def hold(self) -> None:
        """Keep the signatures of the items found from now on until ``flush``, instead of
        writing each at once: bulk ingest's workers write one transaction a chunk of files,
        not one an item (the items of a chunk are not stored yet in any case, so they could
        not be each other's candidates)."""
        self._held = []

    def flush(self) -> None:
        """Write what ``hold`` kept (one write), and keep holding."""
        if self._held:
            held, self._held = self._held, []
            self.threads.remember_many(held)

    def defer(self, archive: bool) -> None:
        """Find signatures only, from now on: bulk ingest's workers (``newswire.ingest``)
        leave the links and the write to the process that stores the items, which knows
        every earlier item of the run in file order (``RunLinks``). ``archive``: the store
        held items when the run began, so each item asks it for the candidates among them
        (without, none could be: candidates are stored items, and those the run stores
        are the writer's to find). ``find`` then links nothing and keeps a ``Deferred``
        an item (None for one with no signature), taken by ``deferred``."""
        self._found = []
        self._archive = archive

    def deferred(self) -> list[Deferred | None]:
        """What ``find`` kept since the last call (deferred mode), one a document in the
        order found: None for one with no signature (too short to link)."""
        found = self._found or []
        if self._found is not None:
            self._found = []
        return found

    def find(self, doc: Document) -> Findings:
        return self.find_many([doc])[0]

    def find_many(self, docs: list[Document]) -> list[Findings]:
        """``base.Batches``: the signatures of all ``docs`` made together, then each
        document's links in turn, as ``find`` of one after the other."""
        numbers = table()
        langs = [doc.language or doc.item.language or None for doc in docs]
        for lang in dict.fromkeys(langs):  # the words of each language's texts at once
            alike = [doc for doc, of in zip(docs, langs, strict=True) if of == lang]
            analysed_many(alike, lang, numbers)
        texts = [analysed(doc, lang, numbers).ids for doc, lang in zip(docs, langs, strict=True)]
        signatures = _signatures(texts, numbers)
        return [self._linked(doc, sig) for doc, sig in zip(docs, signatures, strict=True)]

    def _linked(self, doc: Document, sig: Signature | None) -> Findings:
        item = doc.item
        if sig is None:
            if self._found is not None:
                self._found.append(None)
            return Findings()
        if self._found is not None:
            stored = self.threads.candidates(sig.bands, item.id) if self._archive else []
            self._found.append(
                Deferred(item.id, item.type, sig.to_bytes(), tuple(sig.bands), stored)
            )
            return Findings()
        links = linked(sig.values, self.threads.candidates(sig.bands, exclude=item.id))
        mine = Remembered(item.id, sig.to_bytes(), sig.bands, item.type, item.headline)
        if self._held is not None:
            self._held.append(mine)
        else:
            self.threads.remember_many([mine])
        return Findings(associations=links)


class Deferred(NamedTuple):
    """An item's signature found in deferred mode (``ThreadsStep.defer``), its links left
    to the process that stores it (``RunLinks.link``)."""

    item_id: str
    type: str
    signature: bytes
    bands: tuple[int, ...]
    stored: list[Candidate]
    """The candidates the store gave when the worker asked (none when it did not)."""
    new: bool = True
    """The item was not stored when the worker enriched it (its first version)."""


def linked(values: Values, candidates: Iterable[Candidate]) -> list[Association]:
    """The links to ``candidates`` that ``values`` is similar enough to, at most ``LINKS``,
    the most similar first (ties in the candidates' order)."""
    found: list[tuple[float, Association]] = []
    for candidate in candidates:
        theirs = from_bytes(candidate.signature)
        if theirs is None:
            continue
        estimate = similarity(values, theirs)
        rel = relation(estimate)
        if rel is None:
            continue
        kind = candidate.type if is_item_type(candidate.type) else "text"
        link = Association(id=candidate.id, type=kind, rel=rel, headline=candidate.headline)
        found.append((estimate, link))
    found.sort(key=lambda pair: -pair[0])  # stable: ties keep the candidates' order
    return [link for _, link in found[:LINKS]]


def build(context: Context) -> ThreadsStep:
    """The step on the store's threads, or on an index of its own in memory without one."""
    return ThreadsStep(MemoryThreads() if context.store is None else context.store.threads)

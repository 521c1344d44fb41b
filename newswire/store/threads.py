"""The story-threads contract: items' MinHash signatures and their LSH band keys
(``store.threads``).

``newswire.enrich.threads`` finds the items that tell the same story as a new one: it
computes the new item's signature and band keys, asks ``candidates`` for the stored items
sharing a band key, estimates its similarity to each from their signatures, and
``remember``\\ s the new item's. The index lives in the store, not in a process, because
every process and node ingests: an item stored by one is found by the others at once.

The rows are derived from the items (enrichment rebuilds them), but ``newswire migrate``
copies them all the same: a copy without them would link no new item to the archive
until the archive was enriched again.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

from newswire.model import NewsItem
from newswire.store.base import Stored, iso, never_lifted

CANDIDATES = 50
"""At most this many candidates per query (``Threads.candidates``), those sharing the most
band keys first."""
PER_BAND = 200
"""Of the items sharing one band key, only the ``PER_BAND`` remembered last count: a band
key that every item with a stock phrase shares (the 40,004 corpus articles have one shared
by 305, the next by 104) would otherwise make each query read a share of the archive that
grows with it. The same story told again is told soon, and an item shares its other band
keys with it too, so the cut costs no link the thresholds would keep
(docs/enrichment-threads.md)."""


class Candidate(NamedTuple):
    """A stored item sharing band keys with the one being enriched."""

    id: str
    type: str
    """Its item type (``text``, ``picture``, …)."""
    headline: str
    """The headline of its latest version (of its latest version out, when the latest is
    under embargo)."""
    signature: bytes
    """Its signature as ``remember`` kept it."""
    shared: int
    """How many band keys it shares with the query."""


class Remembered(NamedTuple):
    """One item's signature and band keys, for ``Threads.remember_many``."""

    item_id: str
    signature: bytes
    bands: Sequence[int]
    """The signature's band keys (``newswire.enrich.threads.band_keys``), and no others:
    the SQLite store finds an item's old band rows from its old signature."""
    type: str = "text"
    headline: str = ""


def out(history: list[Stored], now: datetime) -> NewsItem | None:
    """The latest of an item's versions (``history``, oldest first) that the public has
    had by ``now``, None when none: not withdrawn, not under embargo now, and not replaced
    before its embargo lifted (``never_lifted``: such a version never went out). For the
    backends' candidates whose latest version is under embargo, a rare case read apart
    from the band index's query."""
    for stored in reversed(history):
        item = stored.item
        if item.pubstatus == "canceled" or never_lifted(stored, history):
            continue
        if item.embargo_until is None or iso(item.embargo_until) <= iso(now):
            return item
    return None


def as_out(found: Candidate, history: list[Stored], now: datetime) -> Candidate | None:
    """``found`` (its latest version under embargo) with the type and headline of its
    version out (``out``); None when the item was never out."""
    item = out(history, now)
    if item is None:
        return None
    return found._replace(type=item.type, headline=item.headline)


class Threads(Protocol):
    """Signatures and band keys of items, shared by every process on the store.

    Contract, for every backend:

    - ``remember_many(entries)`` keeps each item's signature and band keys (those of the
      signature, ``Remembered.bands``), replacing any it had (an item is remembered again for each of its versions), in one write (bulk
      ingest's workers: one transaction for a chunk of files, not one an item); doing it
      twice is doing it once.
    - ``candidates(bands, exclude)`` reads the band index once (one indexed query; the
      SQLite store, whose index is in levels, looks first at which of them hold rows,
      and asks for the few items found in a second one, only when there are some, all
      in one read transaction): the items sharing at least one
      of ``bands``, other than ``exclude``, most shared keys first, at most ``limit``. Of a
      band key's items, only the last ``PER_BAND`` remembered count (remembered before
      ``exclude``, when it is): a query reads at most ``PER_BAND`` rows a band key, however
      large the archive.
      Only items the store holds are candidates, and not those withdrawn or never out
      (every version under embargo): a signature remembered for an item that was then
      never stored (enrichment runs before the store's append, which may refuse it) is
      never a candidate, and the headline is the latest stored version's. An item whose
      latest version is an update under embargo is a candidate as the public has it, with
      the type and headline of its latest version out (``out``): its copies keep their
      link through the embargo (``enrich --all`` gives them no version dropping it), and
      the held update's headline is never shown in another item. When ``exclude`` is
      stored already, only items first stored before it are: a story links back to what
      came before it.
    """

    def candidates(
        self, bands: Sequence[int], exclude: str, limit: int = CANDIDATES
    ) -> list[Candidate]: ...

    def remember_many(self, entries: Sequence[Remembered]) -> None:
        """Each entry's ``type`` and ``headline`` are kept where there is no stored item to
        read them from (``MemoryThreads``); a database store reads the headline of the
        latest stored version instead."""
        ...


class MemoryThreads:
    """``Threads`` in one process's memory, for enrichment without a store (the evaluation
    script, the benchmark): every remembered item is a candidate, there being no store to
    ask whether it was stored."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, tuple[str, str, bytes, tuple[int, ...]]] = {}
        # A band key's items: the one item's id, as most band keys have one (a set each
        # was 200 bytes and a third of a bulk ingest's links in the storing process), or
        # the number in ``_shared`` of the set of them once a second item shares it. Ids
        # and numbers only: a dict holding no container is one the garbage collector does
        # not track, so its full collections do not walk every band key (0.013 s of CPU
        # each for a 10,000-item run's 316,000, in bulk ingest's storing process).
        self._bands: dict[int, str | int] = {}
        self._shared: list[set[str]] = []
        self._first: dict[str, int] = {}  # item -> the order it was first remembered in

    def candidates(
        self, bands: Sequence[int], exclude: str, limit: int = CANDIDATES
    ) -> list[Candidate]:
        with self._lock:
            # Most band keys have no other item (bulk ingest asks for each of every item):
            # those that have are found in one pass in C, not a lookup each in Python.
            index = self._bands
            held = {band: index[band] for band in index.keys() & bands}
            return self._found(held, exclude, limit) if held else []

    def _found(self, held: dict[int, str | int], exclude: str, limit: int) -> list[Candidate]:
        """``candidates`` of the query's band keys some item has, ``held`` (each with its
        item or the number of its items' set, as ``_bands``), the lock held."""
        shared: dict[str, int] = {}
        # As the stores: only items that came before this one, when it has come before,
        # and of each band key's, the last ``PER_BAND`` of them.
        first = self._first
        before = first.get(exclude, len(first))
        for ids in held.values():
            if isinstance(ids, str):
                earlier = [ids] if first[ids] < before else []
            else:
                earlier = [i for i in self._shared[ids] if first[i] < before]
            if len(earlier) > PER_BAND:
                earlier = heapq.nlargest(PER_BAND, earlier, key=first.__getitem__)
            for item_id in earlier:
                shared[item_id] = shared.get(item_id, 0) + 1
        shared.pop(exclude, None)
        best = sorted(shared.items(), key=lambda hit: (-hit[1], hit[0]))[:limit]
        return [Candidate(item_id, *self._items[item_id][:3], count) for item_id, count in best]

    def candidates_then_remember(
        self, bands: Sequence[int], exclude: str, entry: Remembered | None
    ) -> list[Candidate]:
        """``candidates(bands, exclude)``, then ``exclude`` remembered as ``entry`` (whose
        band keys are ``bands``), or forgotten when ``entry`` is None: bulk ingest's
        storing process does both for every item of the run (``RunLinks.link``), here in
        one lock and one lookup of each band key for both (``_claim``), where
        ``candidates`` and ``remember_many`` made two."""
        with self._lock:
            # The item's own old band keys first: they change none of its candidates (an
            # item is never its own, and the others' under those keys stay).
            self._forget(exclude)
            if entry is None:
                index = self._bands
                held = {band: index[band] for band in index.keys() & bands}
                return self._found(held, exclude, CANDIDATES) if held else []
            held = self._claim(exclude, bands)
            # ``held`` is what the index had before this item: its candidates.
            found = self._found(held, exclude, CANDIDATES) if held else []
            self._settle(exclude, entry, held)
            return found

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    def shown(self, item_id: str) -> tuple[str, str] | None:
        """The type and headline ``item_id`` is offered with, None when it is not."""
        with self._lock:
            kept = self._items.get(item_id)
            return None if kept is None else (kept[0], kept[1])

    def forget(self, item_id: str) -> None:
        """No longer offer ``item_id`` as a candidate (withdrawn, under embargo, refused by
        the store); the order it was first remembered in is kept."""
        with self._lock:
            self._forget(item_id)

    def _forget(self, item_id: str) -> None:
        """``forget`` (the lock held)."""
        old = self._items.pop(item_id, None)
        for band in old[3] if old else ():
            self._drop(band, item_id)

    def remember_many(self, entries: Sequence[Remembered]) -> None:
        for e in entries:
            with self._lock:
                self._forget(e.item_id)
                self._settle(e.item_id, e, self._claim(e.item_id, e.bands))

    def _claim(self, item_id: str, bands: Sequence[int]) -> dict[int, str | int]:
        """Each of ``bands`` no item has put under ``item_id``, and those some item has
        returned with their items (``_settle`` adds this one to them); the lock held, the
        item forgotten (under no band key).

        One ``setdefault`` a band key, a lookup and an insert at once: for 10,000 items'
        320,000 band keys, 0.030 s of CPU against 0.049 s for a set intersection of the
        keys (``index.keys() & bands``) and an update from ``dict.fromkeys``."""
        held: dict[int, str | int] = {}
        claim = self._bands.setdefault
        for band in bands:
            ids = claim(band, item_id)
            # ``item_id`` itself (this very string) only for a band key it has twice: it
            # was forgotten first, so no key held it.
            if ids is not item_id:
                held[band] = ids
        return held

    def _settle(self, item_id: str, e: Remembered, held: dict[int, str | int]) -> None:
        """``item_id`` remembered as ``e``, its band keys ``_claim``ed (``held``: those some
        item had, with their items), the lock held."""
        self._items[item_id] = (e.type, e.headline, e.signature, tuple(e.bands))
        self._first.setdefault(item_id, len(self._first))
        index, shared = self._bands, self._shared
        for band, ids in held.items():  # few: one a band key most
            if isinstance(ids, str):
                index[band] = len(shared)
                shared.append({ids, item_id})
            else:
                shared[ids].add(item_id)

    def _drop(self, band: int, item_id: str) -> None:
        """``item_id`` no longer under ``band`` (the lock held)."""
        held = self._bands.get(band)
        if held == item_id:
            del self._bands[band]
        elif isinstance(held, int):
            self._shared[held].discard(item_id)

"""Story threads in a bulk ingest: the links found by the process that stores the items.

``newswire ingest`` of many files enriches them in worker processes (``newswire.ingest``),
each a chunk of files at a time, while the calling process stores what they send back in
file order. Story threads link an item to the earlier items of its story, and the earlier
items of a run are the ones that process has: asked of the store by each worker, they were
there or not depending on which chunks the writer had stored when the worker asked (two
ingests of one folder differed in the links of 23 of 10,000 items), and each item cost
the workers two round trips to the store (the candidates' query, the signature's write),
which waited on one another's and the writer's commits.

So the workers find each item's signature (``ThreadsStep.defer``), and, when the store
held items before the run, the candidates among them; the writer (``RunLinks``) finds the
candidates among the run's earlier items in an index in memory, decides the links from
both, and writes every signature in one transaction a batch. An item's links are those
of the same item taken in one by one, in file order: what it shares a story with among
the items stored before the run and the run's files before it.

The run's index keeps the rules of ``newswire.store.threads.Threads``: of each band key's
items, only the last ``PER_BAND`` count; at most ``CANDIDATES``, the most shared first,
ties by id; a new version of an item links only to items first stored before it; an item
withdrawn, never out (under embargo), or refused by the store is no candidate, and one
whose update is under embargo is a candidate as it was out (its type and headline). Of
the run's items, the store's answers are set aside (the run's index has them all, in
order), so a worker's query that happens to see some of them changes nothing.
"""

from __future__ import annotations

from newswire.enrich.pipeline import with_links
from newswire.enrich.threads import Deferred, from_bytes, linked
from newswire.model import from_json, utcnow
from newswire.store.base import Prepared, iso, prepare
from newswire.store.threads import CANDIDATES, MemoryThreads, Remembered, Threads


class RunLinks:
    """The run's story threads, in the process that stores its items (see above)."""

    def __init__(self, threads: Threads) -> None:
        self.threads = threads
        self._run = MemoryThreads()
        self._seen: set[str] = set()  # the items first stored by this run
        self._rows: list[Remembered] = []

    def link(self, item: Prepared, found: Deferred | None) -> Prepared:
        """``item`` (prepared by a worker with its links deferred) with its links, and its
        signature kept for the next items and for ``flush``; ``found`` None for an item
        the step did not look at (withdrawn) or that has too few words. Called for every
        item, in file order."""
        if found is None:
            if item.pubstatus == "canceled":  # a later version withdraws it
                self._run.forget(item.id)
            return item  # one held back: as it was out, if it was (``Threads.candidates``)
        item_id, seen = found.item_id, self._seen
        ours = found.new or item_id in seen
        # Of the store's candidates, those of the run are set aside: its index has them.
        stored = found.stored
        candidates = [c for c in stored if c.id not in seen] if stored else []
        mine = Remembered(item_id, found.signature, found.bands, found.type, item.headline)
        self._rows.append(mine)
        if ours:  # a new version links only to what came before its first
            entry: Remembered | None = None  # None: no candidate (``MemoryThreads``)
            if self._open(item):
                entry = mine
            elif item.pubstatus != "canceled" and (shown := self._run.shown(item_id)):
                # An update under embargo of an item out: a candidate as the store offers
                # it, the new signature under the type and headline that are out.
                entry = mine._replace(type=shown[0], headline=shown[1])
            # The run's candidates are found before the item is remembered (as the one by
            # one step finds them before it writes): one pass over the index for both.
            candidates += self._run.candidates_then_remember(found.bands, item_id, entry)
            seen.add(item_id)
        # Most items have no candidate: their signature is not even read.
        if not candidates:
            return item
        candidates.sort(key=lambda c: (-c.shared, c.id))
        values = from_bytes(found.signature)
        links = [] if values is None else linked(values, candidates[:CANDIDATES])
        if not links:
            return item
        news = from_json(item.data)
        relinked = with_links(news, links)
        if relinked is news:
            return item
        # The stored form again: the stamped times are kept (``prepare`` stamps only what
        # is missing), and whether the source dated the item is the worker's answer.
        return prepare(relinked)._replace(dated=item.dated)

    @staticmethod
    def _open(item: Prepared) -> bool:
        """Whether ``item`` may be a candidate: neither withdrawn nor under embargo."""
        if item.pubstatus == "canceled":
            return False
        return item.embargo_until is None or item.embargo_until <= iso(utcnow())

    def refused(self, item_id: str) -> None:
        """The store refused ``item_id``: no later item of the run links to it."""
        self._run.forget(item_id)

    def flush(self) -> None:
        """Write the signatures kept since the last call (one write), before the items
        they belong to are stored, as the step does one by one."""
        if self._rows:
            rows, self._rows = self._rows, []
            self.threads.remember_many(rows)

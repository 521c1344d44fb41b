"""The recent end of the event log, kept in memory by each process's hub.

The hub reads every new log entry once (``Hub._catch_up``); it also appends it here, so
that a pull-feed page near the head is assembled from memory instead of from the store.
A ``Tail`` is immutable: each round makes a new one (a copy of a few thousand
references), so a worker thread scanning one never sees it change under it.

``size`` entries are kept (the ``feed_tail`` setting; each holds the decoded item, about
10–30 KB for an Arabic story): at the agency's rate of a few thousand entries a day,
the last day or so, which is where the pollers' cursors are.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from newswire.store.base import Change


class Tail:
    """The entries with sequence numbers in ``(floor, end]``, in order."""

    __slots__ = ("changes", "end", "floor", "seqs")

    def __init__(self, floor: int, changes: Sequence[Change] = (), end: int | None = None):
        self.floor = floor
        """Every entry after this sequence number is here (up to ``end``)."""
        self.changes = tuple(changes)
        self.seqs = [c.seq for c in self.changes]
        self.end = end if end is not None else (self.seqs[-1] if self.seqs else floor)
        """The last sequence number the hub has read (entries up to it are here)."""

    def covers(self, after: int) -> bool:
        """Whether every entry after ``after`` (up to ``end``) is here."""
        return after >= self.floor

    def after(self, cursor: int) -> Sequence[Change]:
        """The entries after ``cursor`` (which ``covers``)."""
        return self.changes[bisect_right(self.seqs, cursor) :]

    def extended(self, changes: Sequence[Change], size: int) -> Tail:
        """A tail with ``changes`` (read after ``end``) added, keeping the last ``size``."""
        if not changes:
            return self
        kept = (*self.changes, *changes)
        floor = self.floor
        if len(kept) > size:
            dropped = len(kept) - size
            floor = kept[dropped - 1].seq
            kept = kept[dropped:]
        return Tail(floor, kept, changes[-1].seq)

    def __len__(self) -> int:
        return len(self.changes)

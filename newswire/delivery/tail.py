"""The recent end of the event log, kept in memory by each process's hub.

The hub reads every new log entry once (``Hub._catch_up``); it also appends it here, so
that a pull-feed page near the head is assembled from memory instead of from the store.
A ``Tail`` is a view that never changes: a worker thread scanning one never sees it move.
Views share one growing list: each round appends the new entries to it and makes a new
view with a later end (the older views still end where they ended); the list is copied
only once every ``size`` entries, to let the oldest go. So a round costs its new entries,
not the few thousand kept (it was a copy of them all, per publish).

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

    __slots__ = ("_changes", "_seqs", "_start", "_stop", "end", "floor")

    def __init__(self, floor: int, changes: Sequence[Change] = (), end: int | None = None):
        self.floor = floor
        """Every entry after this sequence number is here (up to ``end``)."""
        self._changes: list[Change] = list(changes)
        self._seqs = [c.seq for c in self._changes]
        self._start, self._stop = 0, len(self._changes)
        self.end = end if end is not None else (self._seqs[-1] if self._seqs else floor)
        """The last sequence number the hub has read (entries up to it are here)."""

    @classmethod
    def _view(
        cls, floor: int, end: int, changes: list[Change], seqs: list[int], start: int, stop: int
    ) -> Tail:
        tail = cls.__new__(cls)
        tail.floor, tail.end = floor, end
        tail._changes, tail._seqs, tail._start, tail._stop = changes, seqs, start, stop
        return tail

    @property
    def changes(self) -> Sequence[Change]:
        return self._changes[self._start : self._stop]

    def covers(self, after: int) -> bool:
        """Whether every entry after ``after`` (up to ``end``) is here."""
        return after >= self.floor

    def after(self, cursor: int) -> Sequence[Change]:
        """The entries after ``cursor`` (which ``covers``)."""
        first = bisect_right(self._seqs, cursor, self._start, self._stop)
        return self._changes[first : self._stop]

    def extended(self, changes: Sequence[Change], size: int) -> Tail:
        """A tail with ``changes`` (read after ``end``) added, keeping the last ``size``."""
        if not changes:
            return self
        if self._stop != len(self._changes):  # not the newest view: start a list of its own
            own = Tail(self.floor, self.changes, self.end)
            return own.extended(changes, size)
        buf, seqs = self._changes, self._seqs
        buf.extend(changes)
        seqs.extend(c.seq for c in changes)
        stop = len(buf)
        start = max(self._start, stop - size)
        floor = self.floor if start == self._start else seqs[start - 1]
        if start >= size:  # let the oldest go: one copy every ``size`` entries
            buf, seqs = buf[start:stop], seqs[start:stop]
            start, stop = 0, stop - start
        return Tail._view(floor, changes[-1].seq, buf, seqs, start, stop)

    def __len__(self) -> int:
        return self._stop - self._start

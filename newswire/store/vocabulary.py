"""The vocabulary contract: the editors' changes to the authority file (``store.vocabulary``).

The authority file is the starter vocabulary shipped with newswire
(``newswire/data/vocabulary.jsonl``) overlaid by what the agency's editors changed; only
the changes are stored, one row per entry id, so that a new release's starter set reaches
every deployment while an editor's word on an entry stays. ``newswire.enrich.vocabulary``
reads both and checks every entry before it gets here; the store keeps the rows and
promises, for every backend:

- an entry's row says what the editors made of it: ``term`` (added, or changed: the whole
  entry as it now is), ``removed`` (gone, a shipped entry too; the entry as it was kept,
  so that one added again under one of its names gets its id back) or ``merged`` (gone,
  its names now the variants of ``merged_into``, so that items tagged with it can be
  found);
- each write is atomic; ``merge`` writes the target and the merged entry together, and
  re-points what had been merged into the merged entry at the target (no chains);
- every write moves the ``vocabulary`` generation (``Coordination.generation``),
  committed with the change, so that every process reads the changes again within the
  second it next looks, and never per item;
- writes take their turn on that generation, and a write given ``seen`` (the generation
  its checks read the vocabulary at) stores nothing and raises ``Moved`` when another
  write landed since: the checks that allowed it (an id free, a name no other entry has,
  an entry still there to change or merge) were made of a vocabulary no longer current,
  and two editors adding one entry on two nodes at once would otherwise both be told it
  was added while the second's row replaced the first's;
- ``list`` comes by id.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Literal, Protocol

import msgspec

from newswire.enrich.base import Term
from newswire.store.base import Row, time_at

EntryStatus = Literal["term", "removed", "merged"]
GENERATION = "vocabulary"
"""The name of the generation every change moves (``Coordination.generation``)."""


class Moved(Exception):
    """The vocabulary changed since the generation a write was checked against (``seen``):
    nothing was stored; check again against the vocabulary as it now is."""


class Edit(msgspec.Struct, kw_only=True):
    """What the editors made of one entry."""

    id: str
    status: EntryStatus
    term: Term | None = None
    """The entry as it now is, when ``status`` is ``term``; as it was when removed, when
    ``status`` is ``removed`` (None for one removed before newswire kept it)."""
    merged_into: str = ""
    """The entry it was merged into, when ``status`` is ``merged``."""
    changed_at: datetime | None = None


class Vocabulary(Protocol):
    """The editors' changes to the authority file, by entry id."""

    def put(self, term: Term, *, seen: int | None = None) -> Edit:
        """Store ``term`` as added or changed (replacing what was stored for its id); the
        row as stored. ``Moved`` if ``seen`` is given and the generation is no longer it."""
        ...

    def remove(self, term_id: str, was: Term | None = None, *, seen: int | None = None) -> Edit:
        """Record that ``term_id`` is removed, keeping ``was`` (the entry as it was) in
        its row: an entry added again under one of its names gets ``term_id`` back. The
        row as stored. ``Moved`` as ``put``."""
        ...

    def merge(self, source: str, target: Term, *, seen: int | None = None) -> Edit:
        """Record ``source`` as merged into ``target.id`` and store ``target`` (with
        ``source``'s names among its own) in one transaction; whatever had been merged
        into ``source`` now points at ``target``. The merged row. ``Moved`` as ``put``."""
        ...

    def get(self, term_id: str) -> Edit | None:
        """The row of ``term_id``; None when the editors never touched it."""
        ...

    def list(self) -> builtins.list[Edit]:
        """Every row, by id."""
        ...


_TERM = msgspec.json.Decoder(Term).decode


def edit_of(row: Row) -> Edit:
    """An ``Edit`` from a row of the ``vocabulary`` table, on either backend."""
    term_id, status, merged_into, data, changed_at = row
    status_: EntryStatus = status
    return Edit(
        id=term_id,
        status=status_,
        term=_TERM(bytes(data)) if data is not None else None,
        merged_into=merged_into,
        changed_at=time_at(changed_at),
    )

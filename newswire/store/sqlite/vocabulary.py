"""The editors' changes to the authority file in SQLite (table ``vocabulary``, migration
12; ``newswire.store.vocabulary.Vocabulary``). Triggers move the ``vocabulary``
generation with every write."""

from __future__ import annotations

import builtins
import sqlite3

import msgspec

from newswire.enrich.base import Term
from newswire.model import utcnow
from newswire.store.base import Row, iso
from newswire.store.sqlite.connection import Tables, write_transaction
from newswire.store.vocabulary import GENERATION, Edit, Moved, edit_of

_ENCODE = msgspec.json.Encoder().encode
_COLUMNS = "id, status, merged_into, data, changed_at"
_UPSERT = (
    f"INSERT INTO vocabulary ({_COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE"
    " SET status = excluded.status, merged_into = excluded.merged_into,"
    " data = excluded.data, changed_at = excluded.changed_at"
)


def _turn(cur: sqlite3.Cursor, seen: int | None) -> None:
    """``Moved`` if the vocabulary's generation is no longer ``seen``: read inside the
    write transaction (``BEGIN IMMEDIATE``), no other write can land before this one's."""
    if seen is None:
        return
    row = cur.execute("SELECT n FROM generations WHERE name = ?", (GENERATION,)).fetchone()
    if (row[0] if row else 0) != seen:
        raise Moved(GENERATION)


class SQLiteVocabulary(Tables):
    """``newswire.store.vocabulary.Vocabulary``."""

    def put(self, term: Term, *, seen: int | None = None) -> Edit:
        row = (term.id, "term", "", _ENCODE(term), iso(utcnow()))
        self._upsert(row, seen)
        return edit_of(row)

    def remove(self, term_id: str, was: Term | None = None, *, seen: int | None = None) -> Edit:
        row = (term_id, "removed", "", _ENCODE(was) if was is not None else None, iso(utcnow()))
        self._upsert(row, seen)
        return edit_of(row)

    def _upsert(self, row: Row, seen: int | None) -> None:
        with write_transaction(self._db, self._lock) as cur:
            _turn(cur, seen)
            cur.execute(_UPSERT, row)

    def merge(self, source: str, target: Term, *, seen: int | None = None) -> Edit:
        now = iso(utcnow())
        row = (source, "merged", target.id, None, now)
        with write_transaction(self._db, self._lock) as cur:
            _turn(cur, seen)
            cur.execute(_UPSERT, (target.id, "term", "", _ENCODE(target), now))
            cur.execute(_UPSERT, row)
            cur.execute(
                "UPDATE vocabulary SET merged_into = ?, changed_at = ?"
                " WHERE status = 'merged' AND merged_into = ?",
                (target.id, now, source),
            )
        return edit_of(row)

    def get(self, term_id: str) -> Edit | None:
        rows = self._read(f"SELECT {_COLUMNS} FROM vocabulary WHERE id = ?", (term_id,))
        return edit_of(rows[0]) if rows else None

    def list(self) -> builtins.list[Edit]:
        return [edit_of(r) for r in self._read(f"SELECT {_COLUMNS} FROM vocabulary ORDER BY id")]

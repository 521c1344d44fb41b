"""The editors' changes to the authority file in PostgreSQL (table ``vocabulary``,
migration 10; ``newswire.store.vocabulary.Vocabulary``). A trigger moves the
``vocabulary`` generation with every write."""

from __future__ import annotations

import msgspec
import psycopg

from newswire.enrich.base import Term
from newswire.model import utcnow
from newswire.store.base import Row, iso
from newswire.store.postgres.database import Database
from newswire.store.vocabulary import GENERATION, Edit, Moved, edit_of

_ENCODE = msgspec.json.Encoder().encode
_COLUMNS = "id, status, merged_into, data, changed_at"
_UPSERT = (
    f"INSERT INTO vocabulary ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s) ON CONFLICT (id) DO"
    " UPDATE SET status = excluded.status, merged_into = excluded.merged_into,"
    " data = excluded.data, changed_at = excluded.changed_at"
)


def _turn(cur: psycopg.Cursor, seen: int | None) -> None:
    """Wait for the vocabulary's generation row, first, then ``Moved`` if it is no longer
    ``seen``. Taken first, it orders every write: two merges of a pair each way at once
    locked their rows in opposite orders, and one of them failed on a deadlock (a 503)."""
    cur.execute("SELECT n FROM generations WHERE name = %s FOR UPDATE", (GENERATION,))
    row = cur.fetchone()
    if seen is not None and (row[0] if row else 0) != seen:
        raise Moved(GENERATION)


class PostgresVocabulary:
    """``newswire.store.vocabulary.Vocabulary``."""

    def __init__(self, db: Database):
        self._db = db

    def _write(self, row: Row, seen: int | None) -> Edit:
        with self._db.transaction() as cur:
            _turn(cur, seen)
            cur.execute(_UPSERT, row)
        return edit_of(row)

    def put(self, term: Term, *, seen: int | None = None) -> Edit:
        return self._write((term.id, "term", "", _ENCODE(term), iso(utcnow())), seen)

    def remove(self, term_id: str, was: Term | None = None, *, seen: int | None = None) -> Edit:
        data = _ENCODE(was) if was is not None else None
        return self._write((term_id, "removed", "", data, iso(utcnow())), seen)

    def merge(self, source: str, target: Term, *, seen: int | None = None) -> Edit:
        now = iso(utcnow())
        row = (source, "merged", target.id, None, now)
        with self._db.transaction() as cur:
            _turn(cur, seen)
            cur.execute(_UPSERT, (target.id, "term", "", _ENCODE(target), now))
            cur.execute(_UPSERT, row)
            cur.execute(
                "UPDATE vocabulary SET merged_into = %s, changed_at = %s"
                " WHERE status = 'merged' AND merged_into = %s",
                (target.id, now, source),
            )
        return edit_of(row)

    def get(self, term_id: str) -> Edit | None:
        row = self._db.one(f"SELECT {_COLUMNS} FROM vocabulary WHERE id = %s", (term_id,))
        return edit_of(row) if row is not None else None

    def list(self) -> list[Edit]:
        return [edit_of(r) for r in self._db.rows(f"SELECT {_COLUMNS} FROM vocabulary ORDER BY id")]

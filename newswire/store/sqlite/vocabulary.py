"""The editors' changes to the authority file in SQLite (table ``vocabulary``, migration
12; ``newswire.store.vocabulary.Vocabulary``). Triggers move the ``vocabulary``
generation with every write."""

from __future__ import annotations

import builtins

import msgspec

from newswire.enrich.base import Term
from newswire.model import utcnow
from newswire.store.base import iso
from newswire.store.sqlite.connection import Tables, write_transaction
from newswire.store.vocabulary import Edit, edit_of

_ENCODE = msgspec.json.Encoder().encode
_COLUMNS = "id, status, merged_into, data, changed_at"
_UPSERT = (
    f"INSERT INTO vocabulary ({_COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE"
    " SET status = excluded.status, merged_into = excluded.merged_into,"
    " data = excluded.data, changed_at = excluded.changed_at"
)



class SQLiteVocabulary(Tables):
    """``newswire.store.vocabulary.Vocabulary``."""

    def put(self, term: Term) -> Edit:
        row = (term.id, "term", "", _ENCODE(term), iso(utcnow()))
        self._write(_UPSERT, row)
        return edit_of(row)

    def remove(self, term_id: str, was: Term | None = None) -> Edit:
        row = (term_id, "removed", "", _ENCODE(was) if was is not None else None, iso(utcnow()))
        self._write(_UPSERT, row)
        return edit_of(row)

    def merge(self, source: str, target: Term) -> Edit:
        now = iso(utcnow())
        row = (source, "merged", target.id, None, now)
        with write_transaction(self._db, self._lock) as cur:
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

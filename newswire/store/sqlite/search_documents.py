"""The search index's documents in the embedded SQLite store (table ``search_documents``,
migration 9)."""

from __future__ import annotations

from collections.abc import Iterable

from newswire.store.sqlite.connection import Tables, write_transaction


class SQLiteSearchDocuments(Tables):
    """``newswire.store.base.SearchDocuments``."""

    def get(self, seqs: list[int], recipe: str) -> dict[int, bytes]:
        found: dict[int, bytes] = {}
        for start in range(0, len(seqs), 500):
            chunk = seqs[start : start + 500]
            marks = ",".join("?" * len(chunk))
            with self._lock:
                found.update(
                    self._db.execute(
                        f"SELECT seq, fields FROM search_documents WHERE seq IN ({marks})"
                        " AND recipe = ?",
                        (*chunk, recipe),
                    ).fetchall()
                )
        return found

    def forget(self, seqs: list[int]) -> None:
        if seqs:
            with write_transaction(self._db, self._lock) as cur:
                cur.executemany("DELETE FROM search_documents WHERE seq = ?", [(s,) for s in seqs])

    def kept(self, recipe: str) -> set[int]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq FROM search_documents WHERE recipe = ?", (recipe,)
            ).fetchall()
        return {row[0] for row in rows}

    def keep(self, recipe: str, documents: Iterable[tuple[int, bytes]]) -> None:
        rows = [(seq, recipe, fields) for seq, fields in documents]
        if rows:
            with write_transaction(self._db, self._lock) as cur:
                cur.executemany("INSERT OR REPLACE INTO search_documents VALUES (?, ?, ?)", rows)

"""The search index's documents kept in PostgreSQL (``newswire.store.base.SearchDocuments``):
derived data, a cache of analysis, never the truth."""

from __future__ import annotations

from collections.abc import Iterable

from newswire.store.postgres.database import Database


class PostgresSearchDocuments:
    def __init__(self, db: Database):
        self._db = db

    def get(self, seqs: list[int], recipe: str) -> dict[int, bytes]:
        """The documents kept for these versions that ``recipe`` made."""
        if not seqs:
            return {}
        return dict(
            self._db.rows(
                "SELECT seq, fields FROM search_documents WHERE seq = ANY(%s) AND recipe = %s",
                (list(seqs), recipe),
            )
        )

    def forget(self, seqs: list[int]) -> None:
        """Drop the documents of these versions (no longer searchable), of every recipe."""
        if seqs:
            with self._db.transaction() as cur:
                cur.execute("DELETE FROM search_documents WHERE seq = ANY(%s)", (list(seqs),))

    def kept(self, recipe: str) -> set[int]:
        """The sequence numbers of the versions with a document made by ``recipe``."""
        rows = self._db.rows("SELECT seq FROM search_documents WHERE recipe = %s", (recipe,))
        return {row[0] for row in rows}

    def keep(self, recipe: str, documents: Iterable[tuple[int, bytes]]) -> None:
        """Keep documents (sequence number, bytes) made by ``recipe``, replacing any kept."""
        rows = [(seq, recipe, fields) for seq, fields in documents]
        if rows:
            with self._db.transaction() as cur:
                cur.executemany(
                    "INSERT INTO search_documents (seq, recipe, fields) VALUES (%s, %s, %s)"
                    " ON CONFLICT (seq, recipe) DO UPDATE SET fields = excluded.fields",
                    rows,
                )

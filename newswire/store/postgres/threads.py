"""Story threads' signatures and band keys kept in PostgreSQL (tables
``thread_signatures`` and ``thread_bands``, migration 11)."""

from __future__ import annotations

from collections.abc import Sequence

from newswire.model import utcnow
from newswire.store.base import iso
from newswire.store.postgres.database import Database
from newswire.store.threads import CANDIDATES, Candidate, Remembered

# As the SQLite store's query (``newswire.store.sqlite.threads``): the band keys through
# the primary key's index, then only the items the store holds, as their latest version.
_CANDIDATES = """
WITH hits AS (
    SELECT item_id, count(*) AS shared FROM thread_bands
    WHERE band = ANY(%(bands)s) AND item_id <> %(exclude)s
    GROUP BY item_id ORDER BY shared DESC, item_id LIMIT %(limit)s
)
SELECT hits.item_id, s.type, v.headline, s.signature, hits.shared
FROM hits
JOIN thread_signatures AS s ON s.item_id = hits.item_id
JOIN items AS i ON i.id = hits.item_id
JOIN versions AS v ON v.seq = i.latest_seq
WHERE v.pubstatus <> 'canceled' AND (v.embargo_until IS NULL OR v.embargo_until <= %(now)s)
AND (SELECT min(seq) FROM versions WHERE id = hits.item_id)
    < coalesce((SELECT min(seq) FROM versions WHERE id = %(exclude)s), 9223372036854775807)
ORDER BY hits.shared DESC, hits.item_id
"""


class PostgresThreads:
    """``newswire.store.threads.Threads``."""

    def __init__(self, db: Database):
        self._db = db

    def candidates(
        self, bands: Sequence[int], exclude: str, limit: int = CANDIDATES
    ) -> list[Candidate]:
        if not bands:
            return []
        args = {"bands": list(bands), "exclude": exclude, "limit": limit, "now": iso(utcnow())}
        return [Candidate(*row) for row in self._db.rows(_CANDIDATES, args)]

    def remember_many(self, entries: Sequence[Remembered]) -> None:
        if not entries:
            return
        # One round trip (a pipeline): the signatures, then the items' band keys replaced.
        with self._db.pipeline() as conn, conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO thread_signatures (item_id, type, signature) VALUES (%s, %s, %s)"
                " ON CONFLICT (item_id) DO UPDATE"
                " SET type = excluded.type, signature = excluded.signature",
                [(e.item_id, e.type, e.signature) for e in entries],
            )
            cur.executemany(
                "DELETE FROM thread_bands WHERE item_id = %s", [(e.item_id,) for e in entries]
            )
            cur.executemany(
                "INSERT INTO thread_bands (band, item_id) VALUES (%s, %s)"
                " ON CONFLICT DO NOTHING",
                [(band, e.item_id) for e in entries for band in e.bands],
            )

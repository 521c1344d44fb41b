"""Story threads' signatures and band keys in the embedded SQLite store (tables
``thread_signatures`` and ``thread_bands``, migration 13)."""

from __future__ import annotations

from collections.abc import Sequence

from newswire.model import utcnow
from newswire.store.base import iso
from newswire.store.sqlite.connection import Tables, write_transaction
from newswire.store.threads import CANDIDATES, Candidate, Remembered

# The items sharing the most band keys (the primary key's index, one lookup a key), then
# those of them the store holds, as their latest version stands: a row remembered for an
# item that was never stored has no ``items`` row and drops out of the join. Only items
# first stored before this one (when it is stored already): a story links back to what
# came before it, so taking in the same item again finds what it found the first time.
_CANDIDATES = """
WITH hits AS (
    SELECT item_id, count(*) AS shared FROM thread_bands
    WHERE band IN ({marks}) AND item_id <> ?
    GROUP BY item_id ORDER BY shared DESC, item_id LIMIT ?
)
SELECT hits.item_id, s.type, v.headline, s.signature, hits.shared
FROM hits
JOIN thread_signatures AS s ON s.item_id = hits.item_id
JOIN items AS i ON i.id = hits.item_id
JOIN versions AS v ON v.seq = i.latest_seq
WHERE v.pubstatus <> 'canceled' AND (v.embargo_until IS NULL OR v.embargo_until <= ?)
AND (SELECT min(seq) FROM versions WHERE id = hits.item_id)
    < coalesce((SELECT min(seq) FROM versions WHERE id = ?), 9223372036854775807)
ORDER BY hits.shared DESC, hits.item_id
"""


class SQLiteThreads(Tables):
    """``newswire.store.threads.Threads``."""

    def candidates(
        self, bands: Sequence[int], exclude: str, limit: int = CANDIDATES
    ) -> list[Candidate]:
        if not bands:
            return []
        sql = _CANDIDATES.format(marks=",".join("?" * len(bands)))
        with self._lock:
            rows = self._db.execute(
                sql, (*bands, exclude, limit, iso(utcnow()), exclude)
            ).fetchall()
        return [Candidate(*row) for row in rows]

    def remember_many(self, entries: Sequence[Remembered]) -> None:
        if not entries:
            return
        with write_transaction(self._db, self._lock) as cur:
            cur.executemany(
                "INSERT OR REPLACE INTO thread_signatures (item_id, type, signature)"
                " VALUES (?, ?, ?)",
                [(e.item_id, e.type, e.signature) for e in entries],
            )
            cur.executemany(
                "DELETE FROM thread_bands WHERE item_id = ?", [(e.item_id,) for e in entries]
            )
            cur.executemany(
                "INSERT OR IGNORE INTO thread_bands (band, item_id) VALUES (?, ?)",
                [(band, e.item_id) for e in entries for band in e.bands],
            )

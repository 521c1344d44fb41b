"""Story threads' signatures and band keys in the embedded SQLite store (tables
``thread_signatures`` and ``thread_bands``, migrations 13 and 14)."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from newswire.model import utcnow
from newswire.store.base import iso
from newswire.store.sqlite.connection import Tables, write_transaction
from newswire.store.threads import CANDIDATES, PER_BAND, Candidate, Remembered

# The signatures sharing the most band keys (of each band key, the last ``PER_BAND``
# remembered before this item, when it is: one bounded range of the primary key's index a
# key), then those of them whose items the store holds, as their latest version stands: a
# row remembered for an item that was never stored has no ``items`` row and drops out of
# the join. Only items first stored before this one (when it is stored already): a story
# links back to what came before it, so taking in the same item again finds what it found
# the first time.
_CANDIDATES = """
WITH mine(key) AS (
    SELECT coalesce(
        (SELECT key FROM thread_signatures WHERE item_id = :exclude), 9223372036854775807)
),
shared(key) AS ({per_band}),
hits AS (
    SELECT s.item_id, s.type, s.signature, count(*) AS shared
    FROM shared JOIN thread_signatures AS s ON s.key = shared.key
    WHERE s.item_id <> :exclude
    GROUP BY s.key ORDER BY shared DESC, s.item_id LIMIT :limit
)
SELECT hits.item_id, hits.type, v.headline, hits.signature, hits.shared
FROM hits
JOIN items AS i ON i.id = hits.item_id
JOIN versions AS v ON v.seq = i.latest_seq
WHERE v.pubstatus <> 'canceled' AND (v.embargo_until IS NULL OR v.embargo_until <= :now)
AND (SELECT min(seq) FROM versions WHERE id = hits.item_id)
    < coalesce((SELECT min(seq) FROM versions WHERE id = :exclude), 9223372036854775807)
ORDER BY hits.shared DESC, hits.item_id
"""
_BAND = (
    "SELECT key FROM (SELECT key FROM thread_bands WHERE band = :b{n}"
    " AND key < (SELECT key FROM mine) ORDER BY key DESC LIMIT :per_band)"
)
"""One band key's rows, in ``_CANDIDATES``: SQLite applies a ``LIMIT`` in a compound
select to the whole, so each band's is in a subquery of its own."""


@functools.cache
def _candidates_sql(bands: int) -> str:
    return _CANDIDATES.format(per_band=" UNION ALL ".join(_BAND.format(n=n) for n in range(bands)))


_MARKS = 500
"""Ids a query at most (SQLite before 3.32 takes 999 parameters)."""


class SQLiteThreads(Tables):
    """``newswire.store.threads.Threads``."""

    def candidates(
        self, bands: Sequence[int], exclude: str, limit: int = CANDIDATES
    ) -> list[Candidate]:
        if not bands:
            return []
        keys = list(dict.fromkeys(bands))
        args: dict[str, object] = {f"b{n}": band for n, band in enumerate(keys)}
        args.update(exclude=exclude, limit=limit, now=iso(utcnow()), per_band=PER_BAND)
        with self._lock:
            rows = self._db.execute(_candidates_sql(len(keys)), args).fetchall()
        return [Candidate(*row) for row in rows]

    def remember_many(self, entries: Sequence[Remembered]) -> None:
        latest = {e.item_id: e for e in entries}  # an item twice: the last one stands
        if not latest:
            return
        ids = list(latest)
        with write_transaction(self._db, self._lock) as cur:
            kept: dict[str, tuple[str, bytes]] = {}
            for at in range(0, len(ids), _MARKS):
                part = ids[at : at + _MARKS]
                marks = ",".join("?" * len(part))
                sql = f"SELECT item_id, type, signature FROM thread_signatures WHERE item_id IN ({marks})"
                kept.update((i, (t, sig)) for i, t, sig in cur.execute(sql, part))
            # Remembered again as it is (``enrich --all``, a version with the same text):
            # nothing to write. Otherwise the signature replaced under its number, and its
            # band keys replaced: the old ones found through the index by number.
            changed = [e for e in latest.values() if kept.get(e.item_id) != (e.type, e.signature)]
            cur.executemany(
                "INSERT INTO thread_signatures (item_id, type, signature) VALUES (?, ?, ?)"
                " ON CONFLICT (item_id) DO UPDATE"
                " SET type = excluded.type, signature = excluded.signature",
                [(e.item_id, e.type, e.signature) for e in changed],
            )
            cur.executemany(
                "DELETE FROM thread_bands"
                " WHERE key = (SELECT key FROM thread_signatures WHERE item_id = ?)",
                [(e.item_id,) for e in changed if e.item_id in kept],
            )
            cur.executemany(
                "INSERT OR IGNORE INTO thread_bands (band, key)"
                " SELECT ?, key FROM thread_signatures WHERE item_id = ?",
                [(band, e.item_id) for e in changed for band in e.bands],
            )

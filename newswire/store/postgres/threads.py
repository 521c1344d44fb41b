"""Story threads' signatures and band keys kept in PostgreSQL (tables
``thread_signatures`` and ``thread_bands``, migrations 11 and 12)."""

from __future__ import annotations

from collections.abc import Sequence

from newswire.model import utcnow
from newswire.store.base import Stored, iso
from newswire.store.postgres.database import Database
from newswire.store.rows import STORED_COLUMNS, stored_of
from newswire.store.threads import CANDIDATES, PER_BAND, Candidate, Remembered, as_out

# As the SQLite store's query (``newswire.store.sqlite.threads``): of each band key, the
# last ``PER_BAND`` signatures remembered before this item (one bounded range of the
# primary key's index a key), then only the items the store holds, as their latest version;
# those whose latest version is under embargo as their version out, read apart (rare).
_CANDIDATES = """
WITH mine AS (
    SELECT coalesce(
        (SELECT key FROM thread_signatures WHERE item_id = %(exclude)s), 9223372036854775807
    ) AS key
),
hits AS (
    SELECT s.item_id, s.type, s.signature, count(*) AS shared
    FROM unnest(%(bands)s::bigint[]) AS q(band)
    CROSS JOIN LATERAL (
        SELECT b.key FROM thread_bands AS b
        WHERE b.band = q.band AND b.key < (SELECT key FROM mine)
        ORDER BY b.key DESC LIMIT %(per_band)s
    ) AS k
    JOIN thread_signatures AS s ON s.key = k.key
    WHERE s.item_id <> %(exclude)s
    GROUP BY s.key ORDER BY shared DESC, s.item_id LIMIT %(limit)s
)
SELECT hits.item_id, hits.type, v.headline, hits.signature, hits.shared,
    v.embargo_until IS NOT NULL AND v.embargo_until > %(now)s
FROM hits
JOIN items AS i ON i.id = hits.item_id
JOIN versions AS v ON v.seq = i.latest_seq
WHERE v.pubstatus <> 'canceled'
AND (SELECT min(seq) FROM versions WHERE id = hits.item_id)
    < coalesce((SELECT min(seq) FROM versions WHERE id = %(exclude)s), 9223372036854775807)
ORDER BY hits.shared DESC, hits.item_id
"""
_HISTORY = f"SELECT id, {STORED_COLUMNS} FROM versions WHERE id = ANY(%s) ORDER BY id, version"
"""The versions of the candidates whose latest is under embargo (``UNIQUE (id, version)``'s
index)."""


class PostgresThreads:
    """``newswire.store.threads.Threads``."""

    def __init__(self, db: Database):
        self._db = db

    def candidates(
        self, bands: Sequence[int], exclude: str, limit: int = CANDIDATES
    ) -> list[Candidate]:
        if not bands:
            return []
        now = utcnow()
        args = {
            "bands": list(dict.fromkeys(bands)),
            "exclude": exclude,
            "limit": limit,
            "now": iso(now),
            "per_band": PER_BAND,
        }
        found = [(Candidate(*row[:5]), row[5]) for row in self._db.rows(_CANDIDATES, args)]
        held = [c.id for c, under in found if under]
        if not held:
            return [c for c, _ in found]
        history: dict[str, list[Stored]] = {i: [] for i in held}
        for i, *row in self._db.rows(_HISTORY, (held,)):
            history[i].append(stored_of(tuple(row)))
        hits = [c if not under else as_out(c, history[c.id], now) for c, under in found]
        return [c for c in hits if c]

    def remember_many(self, entries: Sequence[Remembered]) -> None:
        latest = {e.item_id: e for e in entries}  # an item twice: the last one stands
        if not latest:
            return
        # Two round trips: what is kept, then the writes in a pipeline with the commit.
        with self._db.pipeline() as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT item_id, type, signature FROM thread_signatures"
                " WHERE item_id = ANY(%s)",
                [list(latest)],
            )
            kept = {i: (t, bytes(sig)) for i, t, sig in cur.fetchall()}
            # As the SQLite store: an item remembered again as it is writes nothing;
            # otherwise its signature is replaced under its number, and its band keys.
            changed = [e for e in latest.values() if kept.get(e.item_id) != (e.type, e.signature)]
            if not changed:
                return
            cur.executemany(
                "INSERT INTO thread_signatures (item_id, type, signature) VALUES (%s, %s, %s)"
                " ON CONFLICT (item_id) DO UPDATE"
                " SET type = excluded.type, signature = excluded.signature",
                [(e.item_id, e.type, e.signature) for e in changed],
            )
            again = [e.item_id for e in changed if e.item_id in kept]
            if again:
                cur.execute(
                    "DELETE FROM thread_bands WHERE key IN"
                    " (SELECT key FROM thread_signatures WHERE item_id = ANY(%s))",
                    [again],
                )
            cur.execute(
                "INSERT INTO thread_bands (band, key)"
                " SELECT b.band, s.key FROM unnest(%s::text[], %s::bigint[]) AS b(item_id, band)"
                " JOIN thread_signatures AS s ON s.item_id = b.item_id"
                " ON CONFLICT DO NOTHING",
                [
                    [e.item_id for e in changed for _ in e.bands],
                    [band for e in changed for band in e.bands],
                ],
            )

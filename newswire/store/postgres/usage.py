"""Usage counters in PostgreSQL (``newswire.store.access.Usage``)."""

from __future__ import annotations

from newswire.store.postgres.database import Database
from newswire.store.rows import USAGE_COLUMNS, usage_of, usage_where


class PostgresUsage:
    def __init__(self, db: Database):
        self._db = db

    def add(self, rows: list[tuple[str, str, str, str, int]]) -> None:
        """Add (day, subscriber, channel, product, count) rows to the usage counters."""
        if rows:
            with self._db.transaction() as cur:
                cur.executemany(
                    "INSERT INTO usage AS u (day, subscriber, channel, product, count)"
                    " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (day, subscriber, channel, product)"
                    " DO UPDATE SET count = u.count + excluded.count",
                    rows,
                )

    def report(
        self,
        subscriber: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[tuple[str, str, str, str, int]]:
        """(day, subscriber, channel, product, count) rows, oldest day first.

        ``since`` and ``until`` are ``YYYY-MM-DD`` days, both included: days are kept as
        ISO text, so comparing strings compares days. Only what has been flushed from the
        server's in-memory meter is here.
        """
        clause, args = usage_where(subscriber, since, until, "%s")
        return [
            usage_of(r)
            for r in self._db.rows(
                f"SELECT {USAGE_COLUMNS} FROM usage {clause}"
                " ORDER BY day, subscriber, channel, product",
                args,
            )
        ]

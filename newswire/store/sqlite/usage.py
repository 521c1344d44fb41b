"""Usage counters in the embedded SQLite store (table ``usage``, migration 6)."""

from __future__ import annotations

from newswire.store.access import UsageRow
from newswire.store.rows import USAGE_COLUMNS, usage_of, usage_where
from newswire.store.sqlite.connection import Tables, write_transaction


class SQLiteUsage(Tables):
    """``newswire.store.access.Usage``."""

    def add(self, rows: list[UsageRow]) -> None:
        """Add (day, subscriber, channel, product, count) rows to the usage counters."""
        with write_transaction(self._db, self._lock) as cur:
            cur.executemany(
                "INSERT INTO usage (day, subscriber, channel, product, count)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (day, subscriber, channel, product)"
                " DO UPDATE SET count = count + excluded.count",
                rows,
            )

    def report(
        self,
        subscriber: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[UsageRow]:
        """(day, subscriber, channel, product, count) rows, oldest day first.

        ``since`` and ``until`` are ``YYYY-MM-DD`` days, both included: the table keys
        days as ISO text, so comparing strings compares days.
        """
        clause, args = usage_where(subscriber, since, until, "?")
        return [
            usage_of(r)
            for r in self._read(
                f"SELECT {USAGE_COLUMNS} FROM usage {clause}"
                " ORDER BY day, subscriber, channel, product",
                args,
            )
        ]

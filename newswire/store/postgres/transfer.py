"""The PostgreSQL store's tables, whole, for ``newswire migrate`` (``Transfer``).

The tables are the SQLite store's with the same columns; times are kept as the same ISO
text. Only flags differ (``boolean`` here, 0/1 in the portable form), so those two
columns are converted on the way in and out."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import sql

from newswire.store.base import Args, Row
from newswire.store.postgres.database import Database
from newswire.store.transfer import Table

FLAGS = {("accounts", "portal_admin"), ("webhooks", "active")}


def _flags(table: Table) -> list[int]:
    return [i for i, c in enumerate(table.columns) if (table.name, c) in FLAGS]


class PostgresTransfer:
    def __init__(self, db: Database):
        self._db = db

    def rows(self, table: Table, after: tuple[object, ...] | None, limit: int) -> list[Row]:
        columns = sql.SQL(", ").join(map(sql.Identifier, table.columns))
        key = sql.SQL(", ").join(map(sql.Identifier, table.key))
        query = sql.SQL("SELECT {} FROM {}").format(columns, sql.Identifier(table.name))
        args: Args = ()
        if after is not None:
            marks = sql.SQL(", ").join(sql.Placeholder() * len(after))
            query += sql.SQL(" WHERE ({}) > ({})").format(key, marks)
            args = tuple(after)
        query += sql.SQL(" ORDER BY {} LIMIT %s").format(key)
        found = self._db.rows(query.as_string(), (*args, limit))
        flags = _flags(table)
        if not flags:
            return [tuple(r) for r in found]
        out = []
        for row in found:
            values = list(row)
            for i in flags:
                values[i] = int(values[i])
            out.append(tuple(values))
        return out

    def put(self, table: Table, rows: Sequence[Row]) -> int:
        flags = _flags(table)
        if flags:
            converted = []
            for row in rows:
                values = list(row)
                for i in flags:
                    values[i] = bool(values[i])
                converted.append(tuple(values))
            rows = converted
        query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT DO NOTHING").format(
            sql.Identifier(table.name),
            sql.SQL(", ").join(map(sql.Identifier, table.columns)),
            sql.SQL(", ").join(sql.Placeholder() * len(table.columns)),
        )
        with self._db.transaction() as cur:
            # psycopg sums rowcount over executemany: rows inserted, not those skipped.
            cur.executemany(query, rows)
            return max(cur.rowcount, 0)

    def count(self, table: Table) -> int:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table.name))
        n: int
        (n,) = self._db.one(query.as_string()) or (0,)
        return n

    def last(self, table: Table) -> Row | None:
        query = sql.SQL("SELECT {} FROM {} ORDER BY {} LIMIT 1").format(
            sql.SQL(", ").join(map(sql.Identifier, table.columns)),
            sql.Identifier(table.name),
            sql.SQL(", ").join(sql.SQL("{} DESC").format(sql.Identifier(k)) for k in table.key),
        )
        row = self._db.one(query.as_string())
        return tuple(row) if row is not None else None

    def finish(self) -> None:
        # The next number comes after every one now held (versions and lifts alike),
        # taken under the counter row's lock like any writer's.
        with self._db.transaction() as cur:
            cur.execute("SELECT value FROM log_sequence FOR UPDATE")
            cur.execute(
                "UPDATE log_sequence SET value = greatest(value,"
                " (SELECT coalesce(max(seq), 0) FROM versions),"
                " (SELECT coalesce(max(seq), 0) FROM lifts))"
            )
            # Signatures keep their numbers (their band keys point at them): the next one
            # made here comes after them.
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('thread_signatures', 'key'),"
                " (SELECT coalesce(max(key), 0) + 1 FROM thread_signatures), false)"
            )

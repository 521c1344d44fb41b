"""The SQLite store's tables, whole, for ``newswire migrate`` (``Transfer``).

The SQLite store keeps rows in the portable form already, so rows go in and out as they
are. Story threads' band rows are read from all their levels (the view
``thread_bands_every``, ``newswire.store.sqlite.threads``) and written into the last."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence

from newswire.errors import NewswireError
from newswire.store.base import Args, Row
from newswire.store.sqlite.connection import write_transaction
from newswire.store.sqlite.threads import LEVELS
from newswire.store.transfer import Table

_READ_FROM = {"thread_bands": "thread_bands_every"}
"""Where a table's rows are read, when not from the table of its name."""
_COUNTED_FROM = {
    "thread_bands": "("
    + " UNION ".join(f"SELECT band, key FROM {level}" for level in LEVELS)
    + " ORDER BY band, key)"
}
"""Where a table's rows are counted, when not where they are read: a band row in two
levels (a node of a release before them wrote it again during an upgrade) is one row,
copied once (``put`` skips the second), so counted once, or ``newswire migrate`` finds
the target short of it. ``UNION`` in key order merges the three primary keys' orders,
as the view's rows do: no temporary B-tree of every row."""


class SQLiteTransfer:
    def __init__(self, db: sqlite3.Connection, lock: threading.RLock):
        self._db, self._lock = db, lock

    def rows(self, table: Table, after: tuple[object, ...] | None, limit: int) -> list[Row]:
        columns, key = ", ".join(table.columns), ", ".join(table.key)
        where = ""
        args: Args = ()
        if after is not None:
            marks = ", ".join("?" * len(after))
            where, args = f"WHERE ({key}) > ({marks})", tuple(after)
        source = _READ_FROM.get(table.name, table.name)
        sql = f"SELECT {columns} FROM {source} {where} ORDER BY {key} LIMIT ?"
        with self._lock:
            return self._db.execute(sql, (*args, limit)).fetchall()

    def put(self, table: Table, rows: Sequence[Row]) -> int:
        marks = ", ".join("?" * len(table.columns))
        sql = (
            f"INSERT INTO {table.name} ({', '.join(table.columns)}) VALUES ({marks})"
            " ON CONFLICT DO NOTHING"
        )
        # The store's own write transaction, which names a full disk; any other failure
        # to write (an I/O error, a file over its size limit) is said too, with the table:
        # ``newswire migrate`` printed a traceback when the target's disk filled up.
        try:
            with write_transaction(self._db, self._lock) as cur:
                # rowcount counts the rows inserted, not those skipped nor a trigger's.
                added: int = cur.executemany(sql, rows).rowcount
        except sqlite3.Error as exc:
            raise NewswireError(f"cannot write {table.name} into the database: {exc}") from None
        return added

    def count(self, table: Table) -> int:
        with self._lock:
            source = _COUNTED_FROM.get(table.name, table.name)
            count: int = self._db.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
            return count

    def last(self, table: Table) -> Row | None:
        order = ", ".join(f"{k} DESC" for k in table.key)
        source = _READ_FROM.get(table.name, table.name)
        sql = f"SELECT {', '.join(table.columns)} FROM {source} ORDER BY {order} LIMIT 1"
        with self._lock:
            row: Row | None = self._db.execute(sql).fetchone()
            return row

    def finish(self) -> None:
        # Nothing to move: the next sequence number is above the highest stored, whatever
        # AUTOINCREMENT's own counter says (``_next_seq``).
        pass

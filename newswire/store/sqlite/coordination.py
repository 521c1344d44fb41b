"""What the processes sharing one SQLite store use to act as one server
(``newswire.store.base.Coordination``).

Every ``newswire serve --workers N`` process, and the CLI beside them, open the same
database file; they coordinate through it rather than through a server of their own:

- ``Watch``: a connection of its own asking ``PRAGMA data_version``, which moves whenever
  another connection (another process, or this process's store) commits. Asking costs a
  few microseconds and reads no table, so a process may ask every few milliseconds and
  read the log only when something was written;
- the ``access`` generation, moved by triggers (migration 10) whenever a product,
  subscriber, API key, account or session changes in a way that may change what a caller
  may do: caches of keys and principals are dropped when it moves;
- ``rate_buckets``: one token bucket per subscriber (or agency key, or login key) shared
  by every process, from which each process leases a few tokens at a time; a bucket full
  again is removed (``forget_full_buckets``), found by its ``full_at`` (migration 16).
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time

from newswire.model import utcnow
from newswire.store.base import (
    EVERYTHING,
    FORGET_BATCH,
    NOTHING,
    SECRET_BYTES,
    Leased,
    full_at,
    iso,
    take,
)
from newswire.store.sqlite.connection import Tables, write_transaction


class SQLiteWatch:
    """``Watch`` on an SQLite file: ``PRAGMA data_version`` on a connection of its own."""

    def __init__(self, path: str):
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA busy_timeout=1000")
        self._lock = threading.Lock()
        self._version = self._read()

    def _read(self) -> int:
        version: int = self._db.execute("PRAGMA data_version").fetchone()[0]
        return version

    def changed(self) -> frozenset[str]:
        # data_version says that something was committed, not what: both.
        with self._lock:
            version = self._read()
            if version == self._version:
                return NOTHING
            self._version = version
            return EVERYTHING

    def close(self) -> None:
        with self._lock:
            self._db.close()


class QuietWatch:
    """``Watch`` of an in-memory database: no other connection can write to it, so
    nothing ever changes behind this process's back."""

    def changed(self) -> frozenset[str]:
        return NOTHING

    def close(self) -> None:
        pass


class SQLiteCoordination(Tables):
    """Generations, shared rate buckets and secrets, in the store's own connection."""

    def generation(self, name: str = "access") -> int:
        with self._lock:
            row = self._db.execute("SELECT n FROM generations WHERE name = ?", (name,)).fetchone()
        return row[0] if row else 0

    def secret(self, name: str) -> bytes:
        with write_transaction(self._db, self._lock) as cur:
            # The first to ask makes it; one who asks at the same time finds it made.
            cur.execute(
                "INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO NOTHING",
                (name, secrets.token_bytes(SECRET_BYTES), iso(utcnow())),
            )
            value: bytes = cur.execute(
                "SELECT value FROM secrets WHERE name = ?", (name,)
            ).fetchone()[0]
        return value

    def take_tokens(
        self, who: str, size: int, want: int, now: float | None = None, period: float = 60.0
    ) -> Leased:
        now = time.time() if now is None else now
        if want == 0:
            # Asking only reads: no write lock, and no row for a bucket that has none (a
            # full one), so asking costs nothing of the disk.
            with self._lock:
                row = self._db.execute(
                    "SELECT tokens, at FROM rate_buckets WHERE who = ?", (who,)
                ).fetchone()
            tokens, at = (float(size), now) if row is None else row
            return take(tokens, at, size, 0, now, period)[1]
        with write_transaction(self._db, self._lock) as cur:
            row = cur.execute(
                "SELECT tokens, at FROM rate_buckets WHERE who = ?", (who,)
            ).fetchone()
            tokens, at = (float(size), now) if row is None else row
            tokens, leased = take(tokens, at, size, want, now, period)
            cur.execute(
                "INSERT INTO rate_buckets (who, tokens, at, full_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (who) DO UPDATE SET tokens = excluded.tokens, at = excluded.at,"
                " full_at = excluded.full_at",
                (who, tokens, now, full_at(tokens, size, now, period)),
            )
        return leased

    def forget_full_buckets(self, now: float | None = None, limit: int = FORGET_BATCH) -> int:
        now = time.time() if now is None else now
        # Looking first takes no write lock: most rounds find nothing to remove.
        with self._lock:
            if not self._db.execute(
                "SELECT 1 FROM rate_buckets WHERE full_at <= ? LIMIT 1", (now,)
            ).fetchone():
                return 0
        with write_transaction(self._db, self._lock) as cur:
            cur.execute(
                "DELETE FROM rate_buckets WHERE rowid IN"
                " (SELECT rowid FROM rate_buckets WHERE full_at <= ? LIMIT ?)",
                (now, limit),
            )
            return cur.rowcount

"""What the processes and nodes sharing one PostgreSQL store use to act as one server
(``newswire.store.base.Coordination`` and ``Watch``).

- ``PostgresWatch``: a connection of its own that LISTENs on the ``newswire`` channel.
  Triggers (migrations 1 and 7) NOTIFY it when log entries commit and when the access
  generation moves; PostgreSQL delivers a notification only once its transaction has
  committed. ``changed()`` drains what has arrived on the socket without waiting and
  without a query, so it may be asked every few milliseconds.
- the ``access`` generation, moved by row triggers on products, subscribers, API keys,
  accounts and sessions (the SQLite store's list, ``migrations.ACCESS_CHANGES``).
- ``rate_buckets``: one token bucket per subscriber (or agency key, or login key) shared
  by every process and node; taking tokens locks the bucket's row for the
  read-compute-write. A bucket full again is removed (``forget_full_buckets``), found by
  its ``full_at`` (migration 14).
"""

from __future__ import annotations

import secrets
import threading
import time

import psycopg
from psycopg import pq

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
from newswire.store.postgres.database import Database, present
from newswire.store.postgres.migrations import CHANNEL

RECONNECT_EVERY = 1.0
"""Seconds between two attempts to listen again after the listening connection broke."""


class PostgresWatch:
    """``Watch`` on a PostgreSQL store: LISTEN/NOTIFY on a connection of its own.

    If that connection breaks, notifications may be lost until it is back: ``changed()``
    says True when it notices (the caller reads again) and again when listening resumes,
    and reconnects in a thread of its own, since ``changed()`` must never wait."""

    def __init__(self, info: str):
        self._info = info
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None
        self._fresh: psycopg.Connection | None = None
        self._connecting = False
        self._retry_at = 0.0
        self._closed = False
        try:
            self._conn = self._listen()
        except psycopg.Error:
            self._reconnect()

    def _listen(self) -> psycopg.Connection:
        conn = psycopg.connect(self._info, autocommit=True)
        try:
            conn.execute(f"LISTEN {CHANNEL}")
        except BaseException:
            conn.close()
            raise
        return conn

    def changed(self) -> frozenset[str]:
        with self._lock:
            if self._closed:
                return NOTHING
            if self._conn is None:
                if self._fresh is not None:
                    # Listening again: whatever committed meanwhile was not announced.
                    self._conn, self._fresh = self._fresh, None
                    return EVERYTHING
                if not self._connecting and time.monotonic() >= self._retry_at:
                    self._reconnect()
                return NOTHING
            pgconn = self._conn.pgconn
            try:
                pgconn.consume_input()  # reads what the socket holds; never waits
                seen: set[str] = set()
                while (notify := pgconn.notifies()) is not None:
                    # The payload says what moved (migrations: ``log`` or ``access``).
                    payload = notify.extra.decode()
                    seen.update((payload,) if payload in EVERYTHING else EVERYTHING)
                if pgconn.status == pq.ConnStatus.OK:
                    return frozenset(seen)
            except psycopg.Error:
                pass
            self._conn.close()
            self._conn = None
            self._reconnect()
            return EVERYTHING

    def _reconnect(self) -> None:
        """Listen again in a thread of its own (a connection takes round trips)."""
        self._connecting = True

        def run() -> None:
            try:
                conn = self._listen()
            except psycopg.Error:
                conn = None
            with self._lock:
                self._connecting = False
                if conn is None:
                    self._retry_at = time.monotonic() + RECONNECT_EVERY
                elif self._closed:
                    conn.close()
                else:
                    self._fresh = conn

        threading.Thread(target=run, name="newswire-watch", daemon=True).start()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for conn in (self._conn, self._fresh):
                if conn is not None:
                    conn.close()
            self._conn = self._fresh = None


class PostgresCoordination:
    """Generations, shared rate buckets and secrets, on the store's pool."""

    def __init__(self, db: Database):
        self._db = db

    def generation(self, name: str = "access") -> int:
        row = self._db.one("SELECT n FROM generations WHERE name = %s", (name,))
        return row[0] if row else 0

    def secret(self, name: str) -> bytes:
        with self._db.transaction() as cur:
            # The first to ask makes it; one who asks at the same time waits for its
            # commit (the primary key) and finds it made.
            cur.execute(
                "INSERT INTO secrets (name, value, created_at) VALUES (%s, %s, %s)"
                " ON CONFLICT (name) DO NOTHING",
                (name, secrets.token_bytes(SECRET_BYTES), iso(utcnow())),
            )
            (value,) = present(
                cur.execute("SELECT value FROM secrets WHERE name = %s", (name,)).fetchone()
            )
        return bytes(value)

    def take_tokens(
        self, who: str, size: int, want: int, now: float | None = None, period: float = 60.0
    ) -> Leased:
        now = time.time() if now is None else now
        if want == 0:
            # Asking only reads: no lock, and no row for a bucket that has none (a full
            # one), so asking costs nothing of the disk.
            row = self._db.one("SELECT tokens, at FROM rate_buckets WHERE who = %s", (who,))
            tokens, at = (float(size), now) if row is None else row
            return take(tokens, at, size, 0, now, period)[1]
        with self._db.transaction() as cur:
            # A bucket is worth no disk flush: a crash loses at most the last moments of
            # it (a few tokens given back), and a request waits on no fsync for it.
            cur.execute("SET LOCAL synchronous_commit = off")
            # A new bucket starts full; then its row is locked until this commits, so two
            # processes never read the same tokens. A full bucket removed between the two
            # (``forget_full_buckets``) is started again.
            found = None
            while found is None:
                cur.execute(
                    "INSERT INTO rate_buckets (who, tokens, at, full_at) VALUES (%s, %s, %s, %s)"
                    " ON CONFLICT (who) DO NOTHING",
                    (who, float(size), now, now),
                )
                found = cur.execute(
                    "SELECT tokens, at FROM rate_buckets WHERE who = %s FOR UPDATE", (who,)
                ).fetchone()
            tokens, leased = take(found[0], found[1], size, want, now, period)
            cur.execute(
                "UPDATE rate_buckets SET tokens = %s, at = %s, full_at = %s WHERE who = %s",
                (tokens, now, full_at(tokens, size, now, period), who),
            )
        return leased

    def forget_full_buckets(self, now: float | None = None, limit: int = FORGET_BATCH) -> int:
        now = time.time() if now is None else now
        with self._db.transaction() as cur:
            cur.execute("SET LOCAL synchronous_commit = off")
            # A bucket another process is taking from (its row locked) is left to it.
            cur.execute(
                "DELETE FROM rate_buckets WHERE who IN (SELECT who FROM rate_buckets"
                " WHERE full_at <= %s LIMIT %s FOR UPDATE SKIP LOCKED)",
                (now, limit),
            )
            return cur.rowcount

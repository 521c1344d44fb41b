"""Blobs as PostgreSQL large objects, in the store's database: what every node reaches.

A blob is a large object; the table ``blobs`` (migration 9 of the PostgreSQL store) maps
its key to the object's oid and size. The table is the store's, made by the store's
migrations rather than by this module, so that a database has one schema history (one
advisory lock, one ``schema_migrations``, a newer database refused); opening blobs on a
database with no store yet opens the store once, which migrates it.

A put writes the object in pieces (``lo_put``) and inserts its row in one transaction:
the object and its key commit together or not at all. Two nodes putting the same bytes
at once both write an object; the second insert waits for the first to commit, finds the
key taken, renews its time and unlinks its own copy of the object.

A blob's time is its row's ``created_at``: a put of bytes already stored sets it to now.
A delete removes the row (only while its time is before the sweep's limit) and unlinks
the object in one transaction; the row's lock orders it with a put renewing the same key,
which, finding no row, stores the bytes again.

Large objects, not ``bytea`` rows: they are read and written by range (``lo_get``,
``lo_put``) without the whole value passing through memory, and they are not limited to
1 GB. ``pg_dump`` of the database includes them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from newswire.blobs import CHUNK, check_key, span
from newswire.errors import BadInput, NotFound, Unavailable
from newswire.model import as_utc

POOL_SIZE = 4
"""Connections per process: blob reads are streamed piece by piece, each a statement."""


def conninfo(url: str) -> str:
    """The libpq connection string of a store URL (``postgres://``, ``postgresql://``,
    ``postgresql+psycopg://``)."""
    if "://" not in url:
        raise BadInput(f"not a PostgreSQL URL: {url!r}", field="blobs")
    try:
        params = conninfo_to_dict("postgresql://" + url.split("://", 1)[1])
    except psycopg.ProgrammingError as exc:
        raise BadInput(f"bad PostgreSQL URL {url!r}: {exc}", field="blobs") from None
    params.setdefault("connect_timeout", 10)
    params.setdefault("application_name", "newswire")
    return make_conninfo("", **params)


class PostgresBlobs:
    def __init__(self, url: str, *, size: int = POOL_SIZE):
        info = conninfo(url)
        self._pool = ConnectionPool(
            info, min_size=1, max_size=size, kwargs={"autocommit": True},
            name="newswire-blobs", open=False, timeout=3.0,
            check=ConnectionPool.check_connection,
        )
        try:
            self._pool.open(wait=True, timeout=30)
        except PoolTimeout:
            self._pool.close()
            raise BadInput("cannot connect to the database of the blobs", field="blobs") from None
        if not self._has_table():
            # A database no store was opened on yet: opening one runs its migrations.
            from newswire.store import open_store

            open_store(url).close()

    def _has_table(self) -> bool:
        with self._connection() as conn:
            row = conn.execute("SELECT to_regclass('blobs') IS NOT NULL").fetchone()
        return bool(row and row[0])

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        try:
            with self._pool.connection() as conn:
                yield conn
        except PoolTimeout:
            raise Unavailable("no database connection is free for the blobs; try again") from None
        except psycopg.OperationalError as exc:
            raise Unavailable(f"the database of the blobs failed: {exc}; try again") from None

    def put(self, data: bytes | Path | Iterable[bytes]) -> str:
        if isinstance(data, bytes):
            key = hashlib.sha256(data).hexdigest()
            if self._renew(key):
                return key
            return self._store(data[at : at + CHUNK] for at in range(0, len(data) or 1, CHUNK))
        if isinstance(data, Path):
            with open(data, "rb") as source:
                return self._store(iter(lambda: source.read(CHUNK), b""))
        return self._store(data)

    def _renew(self, key: str) -> bool:
        """Set the time of the blob ``key`` to now; False when there is none."""
        with self._connection() as conn:
            row = conn.execute(
                "UPDATE blobs SET created_at = %s WHERE key = %s RETURNING key",
                (_now(), key),
            ).fetchone()
        return row is not None

    def _store(self, pieces: Iterable[bytes]) -> str:
        digest = hashlib.sha256()
        size = 0
        with self._connection() as conn, conn.transaction():
            oid = _value(conn.execute("SELECT lo_create(0)").fetchone())
            for piece in pieces:
                digest.update(piece)
                conn.execute("SELECT lo_put(%s, %s, %b)", (oid, size, piece))
                size += len(piece)
            kept = _value(
                conn.execute(
                    "INSERT INTO blobs (key, oid, size, created_at) VALUES (%s, %s, %s, %s)"
                    " ON CONFLICT (key) DO UPDATE SET created_at = EXCLUDED.created_at"
                    " RETURNING oid",
                    (digest.hexdigest(), oid, size, _now()),
                ).fetchone()
            )
            if kept != oid:  # stored already: that copy stays (renewed), this one goes
                conn.execute("SELECT lo_unlink(%s)", (oid,))
        return digest.hexdigest()

    def _row(self, key: str) -> tuple[int, int]:
        with self._connection() as conn:
            row = conn.execute(
                "SELECT oid, size FROM blobs WHERE key = %s", (check_key(key),)
            ).fetchone()
        if row is None:
            raise NotFound(f"no blob {key}", field="blob")
        return int(row[0]), int(row[1])

    def exists(self, key: str) -> bool:
        try:
            self._row(key)
        except NotFound:
            return False
        return True

    def size(self, key: str) -> int:
        return self._row(key)[1]

    def read(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        return b"".join(self.chunks(key, start, end))

    def chunks(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        oid, size = self._row(key)
        return self._pieces(oid, *span(start, end, size))

    def _pieces(self, oid: int, first: int, stop: int) -> Iterator[bytes]:
        # One statement a piece, each on a pooled connection: a slow reader holds none.
        at = first
        while at < stop:
            with self._connection() as conn:
                got = _value(
                    conn.execute(
                        "SELECT lo_get(%s, %s, %s)", (oid, at, min(CHUNK, stop - at)), binary=True
                    ).fetchone()
                )
            piece = bytes(got) if isinstance(got, bytes | memoryview) else b""
            if not piece:
                return
            at += len(piece)
            yield piece

    def path(self, key: str) -> Path | None:
        self._row(key)
        return None

    def keys(self, before: datetime | None = None) -> Iterator[str]:
        with self._connection() as conn:
            if before is None:
                rows = conn.execute("SELECT key FROM blobs").fetchall()
            else:
                rows = conn.execute(
                    "SELECT key FROM blobs WHERE created_at < %s", (_iso(before),)
                ).fetchall()
        return (str(row[0]) for row in rows)

    def delete(self, key: str, before: datetime | None = None) -> bool:
        check_key(key)
        with self._connection() as conn, conn.transaction():
            if before is None:
                row = conn.execute(
                    "DELETE FROM blobs WHERE key = %s RETURNING oid", (key,)
                ).fetchone()
            else:
                row = conn.execute(
                    "DELETE FROM blobs WHERE key = %s AND created_at < %s RETURNING oid",
                    (key, _iso(before)),
                ).fetchone()
            if row is None:
                return False
            conn.execute("SELECT lo_unlink(%s)", (row[0],))
        return True

    def leftovers(self, before: datetime, *, dry_run: bool = False) -> tuple[int, int]:
        # A put is one transaction: a killed one rolls its large object back with its row.
        return 0, 0

    def close(self) -> None:
        self._pool.close()


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _iso(moment: datetime) -> str:
    """``moment`` as the column keeps times, to compare as text: ISO 8601 in UTC, to the
    microsecond when it has some (rows written to the second sort right beside them:
    ``+`` sorts before ``.``)."""
    return as_utc(moment).isoformat()


def _value(row: tuple[object, ...] | None) -> object:
    if row is None:
        raise RuntimeError("the query returned no row")
    return row[0]


# The contract, checked: mypy verifies that the backend structurally satisfies it.
if TYPE_CHECKING:
    from newswire.blobs import Blobs

    _blobs: type[Blobs] = PostgresBlobs

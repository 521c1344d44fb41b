"""The one connection of an SQLite store, its lock, and the write transaction every noun's
tables are written in."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newswire.errors import BadInput, Unavailable
from newswire.settings import int_setting
from newswire.store.base import Args, Row
from newswire.store.migrations import SQLITE_MIGRATIONS, migrate


def database_path(url: str) -> str:
    """``sqlite:///relative.db``, ``sqlite:////abs/path.db``, ``sqlite://:memory:``."""
    if not url.startswith("sqlite:"):
        raise BadInput(f"not an SQLite URL: {url!r}", field="db")
    rest = url[len("sqlite:") :]
    if "?" in rest or "#" in rest:
        # No option is read from an SQLite URL: ``sqlite:///news.db?mode=ro`` opened (and
        # made, empty) the file ``news.db?mode=ro`` beside the database meant, writable.
        raise BadInput(
            f"an SQLite URL is the database's path alone, with no ? or # part: {url!r}",
            field="db",
        )
    if rest in ("", "//", "///:memory:", "//:memory:", ":memory:"):
        return ":memory:"
    if rest.startswith("///"):
        return rest[3:]
    if rest.startswith("//"):
        raise BadInput(f"an SQLite URL has three slashes before a path: {url!r}", field="db")
    return rest


def older_schema(url: str) -> tuple[int, int] | None:
    """``(its schema, this release's)`` when the SQLite database at ``url`` was made by an
    older release and opening it would migrate it; None otherwise (a newer, current, empty
    or missing one, or one in memory: opening it says what is wrong). Reads the file
    without writing to it, not even the table of migrations."""
    path = database_path(url)
    if path == ":memory:" or not Path(path).expanduser().is_file():
        return None
    ours = max(m.number for m in SQLITE_MIGRATIONS)
    try:
        db = sqlite3.connect(f"{Path(path).expanduser().resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = db.execute("SELECT max(number) FROM schema_migrations").fetchone()
        finally:
            db.close()
    except sqlite3.Error:  # no newswire schema, or not a database: opening it says so
        return None
    theirs = row[0] if row and row[0] is not None else None
    return (theirs, ours) if theirs is not None and theirs < ours else None


def open_database(url: str, *, create: bool) -> tuple[sqlite3.Connection, str]:
    """The migrated connection of the database at ``url`` and its path (``:memory:``)."""
    path = database_path(url)
    made = False
    if path != ":memory:":
        file = Path(path).expanduser()
        path = str(file)
        if not file.parent.is_dir():
            raise BadInput(f"the folder of the database does not exist: {file.parent}", field="db")
        if file.is_dir():
            raise BadInput(f"the database path is a folder: {file}", field="db")
        if not create and not file.exists():
            raise BadInput(f"no database at {file} (ingest or import creates one)", field="db")
        made = not file.exists()
    busy_ms = int_setting("sqlite_busy_timeout") * 1000  # a bad value: said before anything
    # One connection shared by the threads of a process, serialised by a lock: SQLite
    # allows one writer at a time anyway, and WAL lets other processes read meanwhile.
    db = None
    try:
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        # The wait for another process's lock first, for every statement below.
        db.execute(f"PRAGMA busy_timeout={busy_ms}")
        _refuse_foreign(db, path)  # before WAL, which would stay in the file
        # WAL is the file's own, kept once set: set only when it is not yet. Setting it
        # takes the file whole, and SQLite runs no busy handler for that: a command
        # opening the store while a server wrote failed at once, "database is locked".
        if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        # Fewer, larger checkpoints and a 64 MB page cache: bulk ingest writes each
        # index page once per checkpoint instead of once per 4 MB of WAL.
        db.execute("PRAGMA wal_autocheckpoint=10000")
        db.execute("PRAGMA cache_size=-65536")
        migrate(db, SQLITE_MIGRATIONS)
    except sqlite3.Error as exc:
        if db is not None:
            db.close()
        if made:  # a file this call made (a full disk, a failed migration): not a database
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(path + suffix).unlink(missing_ok=True)
        raise BadInput(f"cannot open the database {path}: {exc}", field="db") from None
    return db, path


def _refuse_foreign(db: sqlite3.Connection, path: str) -> None:
    """``BadInput`` for a database of another application's: tables but no newswire schema.
    Migrating it would write newswire's tables into that application's file (a
    ``NEWSWIRE_DB`` pointed at the wrong file, even by ``newswire list``)."""
    tables = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    if tables and "schema_migrations" not in tables:
        db.close()
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        raise BadInput(
            f"{path} is not a newswire database (it has tables of its own: {shown})",
            field="db",
        )


@contextmanager
def write_transaction(db: sqlite3.Connection, lock: threading.RLock) -> Iterator[sqlite3.Cursor]:
    """A cursor inside ``BEGIN IMMEDIATE``: committed when the block ends, rolled back if it
    raises. A write lock another writer holds past the busy timeout is a 503, not a crash;
    so is a full disk (nothing was written: SQLite rolled back), named as such."""
    with lock:
        cur = db.cursor()
        try:
            cur.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise Unavailable("the database is busy with another writer; try again") from None
            raise
        try:
            yield cur
            cur.execute("COMMIT")
        except BaseException as exc:
            if db.in_transaction:  # SQLite has already rolled back after some errors
                cur.execute("ROLLBACK")  # (a full disk): its own error is the one to tell
            code = getattr(exc, "sqlite_errorcode", None)
            if code == sqlite3.SQLITE_FULL:
                raise Unavailable(
                    "the disk holding the database is full: nothing was written; free some"
                    " room and try again"
                ) from None
            if code is not None and code & 0xFF == sqlite3.SQLITE_IOERR:
                # A write the system refused otherwise than as a full disk (a file grown
                # past a size limit, EFBIG; a failing disk): a traceback from every
                # command, a 500 from the API. SQLite rolled the transaction back.
                raise Unavailable(
                    "the database's file could not be written (a disk I/O error: a limit on"
                    " its size, a failing disk): nothing was written; try again once it is"
                    " fixed"
                ) from None
            raise


class Tables:
    """A noun's tables in the store's one connection, under the store's lock."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock):
        self._db = db
        self._lock = lock

    def _write(self, sql: str, args: Args = ()) -> None:
        with write_transaction(self._db, self._lock) as cur:
            cur.execute(sql, args)

    def _read(self, sql: str, args: Args = ()) -> list[Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

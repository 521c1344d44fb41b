"""The embedded default store: one SQLite file in WAL mode.

Written against the standard library's ``sqlite3`` rather than an ORM: the store is a
handful of statements on its hot path (ingest, feeds), and the bare driver keeps ingest
within a small factor of a raw ``executemany`` (see docs/benchmarks.md).

One module per noun of the contract (``newswire.store.base.Store``), all on the store's
one connection and lock (``connection``): ``items`` (versions and the log), then
``products``, ``subscribers``, ``keys``, ``usage``, ``accounts``, ``sessions``,
``topics``, ``webhooks``, ``search_documents``, ``threads`` and ``coordination``. A noun's module is
imported, and its object made, the first time it is used: a one-shot CLI command loads
only what it touches.
"""

from __future__ import annotations

import sqlite3
import threading
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from newswire.errors import BadInput, Unavailable
from newswire.store.sqlite.connection import database_path, open_database
from newswire.store.sqlite.items import Items

if TYPE_CHECKING:
    from newswire.store.base import Coordination, SearchDocuments, Watch
    from newswire.store.sqlite.accounts import SQLiteAccounts
    from newswire.store.sqlite.keys import SQLiteKeys
    from newswire.store.sqlite.products import SQLiteProducts
    from newswire.store.sqlite.sessions import SQLiteSessions
    from newswire.store.sqlite.subscribers import SQLiteSubscribers
    from newswire.store.sqlite.threads import SQLiteThreads
    from newswire.store.sqlite.topics import SQLiteTopics
    from newswire.store.sqlite.usage import SQLiteUsage
    from newswire.store.sqlite.vocabulary import SQLiteVocabulary
    from newswire.store.sqlite.webhooks import SQLiteWebhooks
    from newswire.store.transfer import Transfer

__all__ = ["SQLiteStore", "database_path"]


class SQLiteStore(Items):
    def __init__(self, url: str = "sqlite:///./newswire.db", *, create: bool = True):
        self.url = url
        self._made = _absent(url)
        self._db, self._path = open_database(url, create=create)
        self._lock = threading.RLock()
        self._changes = self._db.total_changes  # the migrations' own, on a new file

    # Each noun is made once, on first use, then read from the instance like an attribute
    # (``cached_property``): the hot paths (a key looked up per request) pay no call.

    @cached_property
    def products(self) -> SQLiteProducts:
        from newswire.store.sqlite.products import SQLiteProducts

        return SQLiteProducts(self._db, self._lock)

    @cached_property
    def subscribers(self) -> SQLiteSubscribers:
        from newswire.store.sqlite.subscribers import SQLiteSubscribers

        return SQLiteSubscribers(self._db, self._lock, self.products)

    @cached_property
    def keys(self) -> SQLiteKeys:
        from newswire.store.sqlite.keys import SQLiteKeys

        return SQLiteKeys(self._db, self._lock, self.subscribers)

    @cached_property
    def usage(self) -> SQLiteUsage:
        from newswire.store.sqlite.usage import SQLiteUsage

        return SQLiteUsage(self._db, self._lock)

    @cached_property
    def accounts(self) -> SQLiteAccounts:
        from newswire.store.sqlite.accounts import SQLiteAccounts

        return SQLiteAccounts(self._db, self._lock, self.subscribers)

    @cached_property
    def sessions(self) -> SQLiteSessions:
        from newswire.store.sqlite.sessions import SQLiteSessions

        return SQLiteSessions(self._db, self._lock)

    @cached_property
    def topics(self) -> SQLiteTopics:
        from newswire.store.sqlite.topics import SQLiteTopics

        return SQLiteTopics(self._db, self._lock)

    @cached_property
    def webhooks(self) -> SQLiteWebhooks:
        from newswire.store.sqlite.webhooks import SQLiteWebhooks

        return SQLiteWebhooks(self._db, self._lock)

    @cached_property
    def search_documents(self) -> SearchDocuments:
        from newswire.store.sqlite.search_documents import SQLiteSearchDocuments

        return SQLiteSearchDocuments(self._db, self._lock)

    @cached_property
    def threads(self) -> SQLiteThreads:
        from newswire.store.sqlite.threads import SQLiteThreads

        return SQLiteThreads(self._db, self._lock)

    @cached_property
    def coordination(self) -> Coordination:
        from newswire.store.sqlite.coordination import SQLiteCoordination

        return SQLiteCoordination(self._db, self._lock)

    @cached_property
    def vocabulary(self) -> SQLiteVocabulary:
        from newswire.store.sqlite.vocabulary import SQLiteVocabulary

        return SQLiteVocabulary(self._db, self._lock)

    @cached_property
    def transfer(self) -> Transfer:
        """Whole tables, for ``newswire migrate`` (``newswire.store.transfer``)."""
        from newswire.store.sqlite.transfer import SQLiteTransfer

        return SQLiteTransfer(self._db, self._lock)

    def watch(self) -> Watch:
        from newswire.store.sqlite.coordination import QuietWatch, SQLiteWatch

        return QuietWatch() if self._path == ":memory:" else SQLiteWatch(self._path)

    def index_hint(self) -> Path | None:
        """Beside the database file (``news.db`` -> ``news.db.search``); None in memory."""
        if self._path == ":memory:":
            return None
        return Path(self._path).with_name(Path(self._path).name + ".search")

    def backup(self, target: str) -> None:
        """Copy the database to the file ``target`` while others keep writing (SQLite's
        online backup API); the copy opens as a store of its own.

        The copy is one consistent moment: the pages are copied in a single step, inside
        one read transaction, which in WAL mode never holds a writer up (copying in
        several steps would start again each time another connection commits, and might
        never finish on a busy server). It is written beside ``target`` and renamed over
        it when complete, so ``target`` is never a half-written file; an existing one is
        replaced (the CLI asks for ``--force`` first)."""
        file = Path(target).expanduser()
        if not file.parent.is_dir():
            raise BadInput(f"the folder of the backup does not exist: {file.parent}", field="target")
        if file.is_dir():
            raise BadInput(f"the backup path is a folder: {file}", field="target")
        if self._path != ":memory:" and file.exists() and file.samefile(self._path):
            raise BadInput(f"{file} is the database itself", field="target")
        partial = file.with_name(f".{file.name}.partial")
        for leftover in (partial, *(Path(f"{partial}{end}") for end in ("-wal", "-shm"))):
            leftover.unlink(missing_ok=True)  # an earlier backup that was interrupted
        try:
            copy = sqlite3.connect(partial)
            try:
                if self._path == ":memory:":  # only this connection sees it
                    with self._lock:
                        self._db.backup(copy)
                else:  # a connection of its own: the store's threads go on meanwhile
                    source = sqlite3.connect(self._path)
                    try:
                        source.execute("PRAGMA busy_timeout=10000")
                        source.backup(copy)
                    finally:
                        source.close()
            finally:
                copy.close()  # checkpoints the copy's WAL into it: one self-contained file
            partial.replace(file)
        except sqlite3.Error as exc:
            partial.unlink(missing_ok=True)
            raise Unavailable(f"the backup to {file} failed: {exc}") from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def discard(self) -> None:
        """Close; and when this store made the database file and wrote nothing into it
        since, remove it: a command that failed before storing anything (``newswire
        subscriber add`` of a product not there, on a database not made yet) leaves no
        empty database behind for the next command to take as the real one."""
        with self._lock:
            unused = self._made and self._db.total_changes == self._changes
            self._db.close()
            if unused:
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(self._path + suffix).unlink(missing_ok=True)


def _absent(url: str) -> bool:
    """Whether ``url`` names a database file that is not there (yet)."""
    try:
        path = database_path(url)
    except BadInput:
        return False
    return path != ":memory:" and not Path(path).expanduser().exists()


# The contract, checked: mypy verifies that the store and each of its nouns structurally
# satisfy their Protocols (nothing here runs; the backend is not imported by the layers above).
if TYPE_CHECKING:
    from newswire.store.access import Accounts, Keys, Products, Sessions, Subscribers, Topics, Usage
    from newswire.store.base import Coordination, SearchDocuments, Store, Watch
    from newswire.store.sqlite.coordination import QuietWatch, SQLiteCoordination, SQLiteWatch
    from newswire.store.sqlite.search_documents import SQLiteSearchDocuments
    from newswire.store.sqlite.transfer import SQLiteTransfer
    from newswire.store.threads import Threads
    from newswire.store.vocabulary import Vocabulary
    from newswire.store.webhooks import Webhooks

    _store: type[Store] = SQLiteStore
    _products: type[Products] = SQLiteProducts
    _subscribers: type[Subscribers] = SQLiteSubscribers
    _keys: type[Keys] = SQLiteKeys
    _usage: type[Usage] = SQLiteUsage
    _accounts: type[Accounts] = SQLiteAccounts
    _sessions: type[Sessions] = SQLiteSessions
    _topics: type[Topics] = SQLiteTopics
    _webhooks: type[Webhooks] = SQLiteWebhooks
    _search_documents: type[SearchDocuments] = SQLiteSearchDocuments
    _threads: type[Threads] = SQLiteThreads
    _vocabulary: type[Vocabulary] = SQLiteVocabulary
    _coordination: type[Coordination] = SQLiteCoordination
    _transfer: type[Transfer] = SQLiteTransfer
    _sqlitewatch: type[Watch] = SQLiteWatch
    _quietwatch: type[Watch] = QuietWatch

"""The embedded default store: one SQLite file in WAL mode.

Written against the standard library's ``sqlite3`` rather than an ORM: the store is a
handful of statements on its hot path (ingest, feeds), and the bare driver keeps ingest
within a small factor of a raw ``executemany`` (see docs/benchmarks.md).

One module per noun of the contract, all on the store's one connection and lock
(``connection``): ``items`` (versions and the log), ``access`` (products, subscribers,
keys, usage, accounts, sessions, topics), ``webhooks``, ``coordination``. A noun's module
is imported the first time it is used: the CLI's one-shot commands load only theirs.
"""

from __future__ import annotations

import threading

from newswire.store.sqlite.connection import database_path, open_database
from newswire.store.sqlite.items import Items

__all__ = ["SQLiteStore", "database_path"]


class SQLiteStore(Items):
    def __init__(self, url: str = "sqlite:///./newswire.db", *, create: bool = True):
        self.url = url
        self._db, self._path = open_database(url, create=create)
        self._lock = threading.RLock()
        self._access = None
        self._webhooks = None
        self._coordination = None

    @property
    def access(self):
        """Products, subscribers and API keys (``newswire.store.sqlite.access``)."""
        if self._access is None:
            from newswire.store.sqlite.access import SQLiteAccess

            self._access = SQLiteAccess(self._db, self._lock)
        return self._access

    @property
    def webhooks(self):
        """Webhook endpoints and their outbox of deliveries (``newswire.store.sqlite.webhooks``)."""
        if self._webhooks is None:
            from newswire.store.sqlite.webhooks import SQLiteWebhooks

            self._webhooks = SQLiteWebhooks(self._db, self._lock)
        return self._webhooks

    @property
    def coordination(self):
        """Generations and rate buckets (``newswire.store.sqlite.coordination``)."""
        if self._coordination is None:
            from newswire.store.sqlite.coordination import SQLiteCoordination

            self._coordination = SQLiteCoordination(self._db, self._lock)
        return self._coordination

    def watch(self):
        from newswire.store.sqlite.coordination import QuietWatch, SQLiteWatch

        return QuietWatch() if self._path == ":memory:" else SQLiteWatch(self._path)

    def close(self) -> None:
        with self._lock:
            self._db.close()

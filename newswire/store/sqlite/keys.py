"""API keys in the embedded SQLite store (table ``api_keys``, migration 3)."""

from __future__ import annotations

import builtins
import sqlite3
import threading
from datetime import datetime

import msgspec

from newswire.access.keys import ApiKey
from newswire.errors import NotFound
from newswire.model import utcnow
from newswire.store.access import Subscribers
from newswire.store.base import iso
from newswire.store.rows import KEY_COLUMNS, key_of, key_values
from newswire.store.sqlite.connection import Tables, write_transaction


class SQLiteKeys(Tables):
    """``newswire.store.access.Keys``."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock, subscribers: Subscribers):
        super().__init__(db, lock)
        self._subscribers = subscribers

    def add(self, key: ApiKey, key_hash: str) -> ApiKey:
        if key.subscriber:
            self._subscribers.get(key.subscriber)
        key = msgspec.structs.replace(key, created_at=utcnow())
        self._write(
            "INSERT INTO api_keys (id, hash, scope, name, subscriber, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            key_values(key, key_hash),
        )
        return key

    def by_hash(self, key_hash: str) -> ApiKey | None:
        rows = self._read(f"SELECT {KEY_COLUMNS} FROM api_keys WHERE hash = ?", (key_hash,))
        return key_of(rows[0]) if rows else None

    def get(self, key_id: str) -> ApiKey:
        rows = self._read(f"SELECT {KEY_COLUMNS} FROM api_keys WHERE id = ?", (key_id,))
        if not rows:
            raise NotFound(f"no key {key_id!r}", field="key")
        return key_of(rows[0])

    def list(self, subscriber: str | None = None) -> builtins.list[ApiKey]:
        where, args = ("WHERE subscriber = ?", (subscriber,)) if subscriber else ("", ())
        return [
            key_of(r)
            for r in self._read(
                f"SELECT {KEY_COLUMNS} FROM api_keys {where} ORDER BY created_at, id", args
            )
        ]

    def revoke(self, key_id: str) -> ApiKey:
        key = self.get(key_id)
        if key.revoked_at is None:
            self._write("UPDATE api_keys SET revoked_at = ? WHERE id = ?", (iso(utcnow()), key_id))
        return self.get(key_id)

    def touch(self, key_id: str, when: datetime) -> None:
        self._write("UPDATE api_keys SET last_used_at = ? WHERE id = ?", (iso(when), key_id))

    def touch_many(self, uses: builtins.list[tuple[str, datetime]]) -> None:
        """Record the last use of several keys at once (key id, when)."""
        with write_transaction(self._db, self._lock) as cur:
            cur.executemany(
                "UPDATE api_keys SET last_used_at = ? WHERE id = ?",
                [(iso(when), key_id) for key_id, when in uses],
            )

"""Hashed API keys in PostgreSQL (``newswire.store.access.Keys``)."""

from __future__ import annotations

import builtins
from datetime import datetime

import msgspec

from newswire.access.keys import ApiKey
from newswire.errors import NotFound
from newswire.model import utcnow
from newswire.store.base import iso
from newswire.store.postgres.database import Database, nameable
from newswire.store.rows import KEY_COLUMNS, key_of, key_values


class PostgresKeys:
    def __init__(self, db: Database):
        self._db = db

    def add(self, key: ApiKey, key_hash: str) -> ApiKey:
        if key.subscriber:
            row = self._db.one("SELECT 1 FROM subscribers WHERE name = %s", (key.subscriber,))
            if row is None:
                raise NotFound(f"no subscriber {key.subscriber!r}", field="subscriber")
        key = msgspec.structs.replace(key, created_at=utcnow())
        with self._db.transaction() as cur:
            cur.execute(
                "INSERT INTO api_keys (id, hash, scope, name, subscriber, created_at)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                key_values(key, key_hash),
            )
        return key

    def by_hash(self, key_hash: str) -> ApiKey | None:
        row = self._db.one(f"SELECT {KEY_COLUMNS} FROM api_keys WHERE hash = %s", (key_hash,))
        return key_of(row) if row else None

    def get(self, key_id: str) -> ApiKey:
        row = (
            self._db.one(f"SELECT {KEY_COLUMNS} FROM api_keys WHERE id = %s", (key_id,))
            if nameable(key_id)
            else None
        )
        if row is None:
            raise NotFound(f"no key {key_id!r}", field="key")
        return key_of(row)

    def list(self, subscriber: str | None = None) -> list[ApiKey]:
        where, args = ("WHERE subscriber = %s", (subscriber,)) if subscriber else ("", ())
        return [
            key_of(r)
            for r in self._db.rows(
                f"SELECT {KEY_COLUMNS} FROM api_keys {where} ORDER BY created_at, id", args
            )
        ]

    def revoke(self, key_id: str) -> ApiKey:
        key = self.get(key_id)
        if key.revoked_at is None:
            with self._db.transaction() as cur:
                # Revoked once: a second revocation keeps the first one's time.
                cur.execute(
                    "UPDATE api_keys SET revoked_at = %s WHERE id = %s AND revoked_at IS NULL",
                    (iso(utcnow()), key_id),
                )
        return self.get(key_id)

    def touch(self, key_id: str, when: datetime) -> None:
        with self._db.transaction() as cur:
            cur.execute("UPDATE api_keys SET last_used_at = %s WHERE id = %s", (iso(when), key_id))

    def touch_many(self, uses: builtins.list[tuple[str, datetime]]) -> None:
        """Record the last use of several keys at once (key id, when)."""
        if uses:
            with self._db.transaction() as cur:
                cur.executemany(
                    "UPDATE api_keys SET last_used_at = %s WHERE id = %s",
                    [(iso(at), key_id) for key_id, at in uses],
                )

"""Subscribers and their products in the embedded SQLite store (tables ``subscribers`` and
``subscriber_products``, migration 3)."""

from __future__ import annotations

import builtins
import sqlite3
import threading

import msgspec

from newswire.access.subscribers import Subscriber, redefined
from newswire.errors import Conflict, NotFound
from newswire.model import utcnow
from newswire.store.access import Products
from newswire.store.base import iso
from newswire.store.sqlite.connection import Tables, write_transaction

_ENCODE = msgspec.json.Encoder().encode
_SUBSCRIBER = msgspec.json.Decoder(Subscriber).decode


class SQLiteSubscribers(Tables):
    """``newswire.store.access.Subscribers``."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock, products: Products):
        super().__init__(db, lock)
        self._products = products

    def add(self, subscriber: Subscriber) -> Subscriber:
        for name in subscriber.products:
            self._products.get(name)  # NotFound names the product
        subscriber = msgspec.structs.replace(subscriber, created_at=utcnow())
        try:
            with write_transaction(self._db, self._lock) as cur:
                cur.execute(
                    "INSERT INTO subscribers (name, status, data) VALUES (?, ?, ?)",
                    (subscriber.name, subscriber.status, _ENCODE(subscriber)),
                )
                cur.executemany(
                    "INSERT INTO subscriber_products VALUES (?, ?)",
                    [(subscriber.name, p) for p in dict.fromkeys(subscriber.products)],
                )
        except sqlite3.IntegrityError:
            raise Conflict(f"a subscriber named {subscriber.name!r} exists", field="name") from None
        return subscriber

    def get(self, name: str) -> Subscriber:
        rows = self._read("SELECT data FROM subscribers WHERE name = ?", (name,))
        if not rows:
            raise NotFound(f"no subscriber {name!r}", field="subscriber")
        return _SUBSCRIBER(rows[0][0])

    def list(self) -> builtins.list[Subscriber]:
        return [_SUBSCRIBER(r[0]) for r in self._read("SELECT data FROM subscribers ORDER BY name")]

    def change(self, subscriber: Subscriber) -> Subscriber:
        for name in subscriber.products:
            self._products.get(name)  # NotFound names the product
        try:
            return self._change(subscriber)
        except sqlite3.IntegrityError:
            raise NotFound(
                f"a product of {subscriber.name!r} was removed meanwhile", field="product"
            ) from None

    def _change(self, subscriber: Subscriber) -> Subscriber:
        with write_transaction(self._db, self._lock) as cur:
            row = cur.execute(
                "SELECT data FROM subscribers WHERE name = ?", (subscriber.name,)
            ).fetchone()
            if row is None:
                raise NotFound(f"no subscriber {subscriber.name!r}", field="subscriber")
            changed = redefined(_SUBSCRIBER(row[0]), subscriber)
            cur.execute(
                "UPDATE subscribers SET data = ? WHERE name = ?", (_ENCODE(changed), changed.name)
            )
            cur.execute("DELETE FROM subscriber_products WHERE subscriber = ?", (changed.name,))
            cur.executemany(
                "INSERT INTO subscriber_products VALUES (?, ?)",
                [(changed.name, p) for p in dict.fromkeys(changed.products)],
            )
        return changed

    def set_status(self, name: str, status: str) -> Subscriber:
        subscriber = msgspec.structs.replace(self.get(name), status=status)
        self._write(
            "UPDATE subscribers SET status = ?, data = ? WHERE name = ?",
            (status, _ENCODE(subscriber), name),
        )
        return subscriber

    def remove(self, name: str) -> int:
        """Remove a subscriber and revoke its keys; the number of keys revoked."""
        self.get(name)
        now = iso(utcnow())
        with write_transaction(self._db, self._lock) as cur:
            revoked = cur.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE subscriber = ? AND revoked_at IS NULL",
                (now, name),
            ).rowcount
            cur.execute("DELETE FROM subscribers WHERE name = ?", (name,))
        return revoked

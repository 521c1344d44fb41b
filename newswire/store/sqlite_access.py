"""Products, subscribers and API keys in the embedded SQLite store (migration 3)."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime

import msgspec

from newswire.access.keys import ApiKey
from newswire.access.products import Product
from newswire.access.subscribers import Subscriber
from newswire.errors import Conflict, NotFound
from newswire.model import utcnow
from newswire.store.base import iso
from newswire.store.sqlite import write_transaction

_ENCODE = msgspec.json.Encoder().encode
_PRODUCT = msgspec.json.Decoder(Product).decode
_SUBSCRIBER = msgspec.json.Decoder(Subscriber).decode
_KEY_COLUMNS = "id, scope, name, subscriber, created_at, last_used_at, revoked_at"


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC) if text else None


class SQLiteAccess:
    """The access tables of one SQLite store, sharing its connection and lock."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock):
        self._db = db
        self._lock = lock

    def _write(self, sql: str, args: tuple = ()) -> None:
        with write_transaction(self._db, self._lock) as cur:
            cur.execute(sql, args)

    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # --- products ----------------------------------------------------------------------

    def add_product(self, product: Product) -> None:
        try:
            self._write(
                "INSERT INTO products (name, data) VALUES (?, ?)", (product.name, _ENCODE(product))
            )
        except sqlite3.IntegrityError:
            raise Conflict(f"a product named {product.name!r} exists", field="name") from None

    def product(self, name: str) -> Product:
        rows = self._read("SELECT data FROM products WHERE name = ?", (name,))
        if not rows:
            raise NotFound(f"no product {name!r}", field="product")
        return _PRODUCT(rows[0][0])

    def products(self) -> list[Product]:
        return [_PRODUCT(r[0]) for r in self._read("SELECT data FROM products ORDER BY name")]

    def remove_product(self, name: str) -> None:
        self.product(name)
        users = [
            r[0]
            for r in self._read(
                "SELECT subscriber FROM subscriber_products WHERE product = ? ORDER BY 1", (name,)
            )
        ]
        if users:
            raise Conflict(
                f"product {name!r} is used by {', '.join(users)}: change or remove "
                "those subscribers first",
                field="product",
            )
        self._write("DELETE FROM products WHERE name = ?", (name,))

    # --- subscribers -------------------------------------------------------------------

    def add_subscriber(self, subscriber: Subscriber) -> Subscriber:
        for name in subscriber.products:
            self.product(name)  # NotFound names the product
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

    def subscriber(self, name: str) -> Subscriber:
        rows = self._read("SELECT data FROM subscribers WHERE name = ?", (name,))
        if not rows:
            raise NotFound(f"no subscriber {name!r}", field="subscriber")
        return _SUBSCRIBER(rows[0][0])

    def subscribers(self) -> list[Subscriber]:
        return [_SUBSCRIBER(r[0]) for r in self._read("SELECT data FROM subscribers ORDER BY name")]

    def set_status(self, name: str, status: str) -> Subscriber:
        subscriber = msgspec.structs.replace(self.subscriber(name), status=status)
        self._write(
            "UPDATE subscribers SET status = ?, data = ? WHERE name = ?",
            (status, _ENCODE(subscriber), name),
        )
        return subscriber

    def remove_subscriber(self, name: str) -> int:
        """Remove a subscriber and revoke its keys; the number of keys revoked."""
        self.subscriber(name)
        now = iso(utcnow())
        with write_transaction(self._db, self._lock) as cur:
            revoked = cur.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE subscriber = ? AND revoked_at IS NULL",
                (now, name),
            ).rowcount
            cur.execute("DELETE FROM subscribers WHERE name = ?", (name,))
        return revoked

    # --- API keys ----------------------------------------------------------------------

    def add_key(self, key: ApiKey, key_hash: str) -> ApiKey:
        if key.subscriber:
            self.subscriber(key.subscriber)
        key = msgspec.structs.replace(key, created_at=utcnow())
        self._write(
            "INSERT INTO api_keys (id, hash, scope, name, subscriber, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (key.id, key_hash, key.scope, key.name, key.subscriber or None, iso(key.created_at)),
        )
        return key

    def key_by_hash(self, key_hash: str) -> ApiKey | None:
        rows = self._read(f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE hash = ?", (key_hash,))
        return _key(rows[0]) if rows else None

    def key(self, key_id: str) -> ApiKey:
        rows = self._read(f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE id = ?", (key_id,))
        if not rows:
            raise NotFound(f"no key {key_id!r}", field="key")
        return _key(rows[0])

    def keys(self, subscriber: str | None = None) -> list[ApiKey]:
        where, args = ("WHERE subscriber = ?", (subscriber,)) if subscriber else ("", ())
        return [
            _key(r)
            for r in self._read(
                f"SELECT {_KEY_COLUMNS} FROM api_keys {where} ORDER BY created_at, id", args
            )
        ]

    def revoke_key(self, key_id: str) -> ApiKey:
        key = self.key(key_id)
        if key.revoked_at is None:
            self._write("UPDATE api_keys SET revoked_at = ? WHERE id = ?", (iso(utcnow()), key_id))
        return self.key(key_id)

    def touch_key(self, key_id: str, when: datetime) -> None:
        self._write("UPDATE api_keys SET last_used_at = ? WHERE id = ?", (iso(when), key_id))


    # --- usage -------------------------------------------------------------------------

    def add_usage(self, rows: list[tuple[str, str, str, str, int]]) -> None:
        """Add (day, subscriber, channel, product, count) rows to the usage counters."""
        with write_transaction(self._db, self._lock) as cur:
            cur.executemany(
                "INSERT INTO usage (day, subscriber, channel, product, count)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (day, subscriber, channel, product)"
                " DO UPDATE SET count = count + excluded.count",
                rows,
            )

    def usage(
        self,
        subscriber: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[tuple[str, str, str, str, int]]:
        """(day, subscriber, channel, product, count) rows, oldest day first.

        ``since`` and ``until`` are ``YYYY-MM-DD`` days, both included: the table keys
        days as ISO text, so comparing strings compares days. Only what has been flushed
        from the server's in-memory meter is here; ``GET /v1/usage`` flushes first.
        """
        where, args = [], []
        if subscriber:
            where.append("subscriber = ?")
            args.append(subscriber)
        if since:
            where.append("day >= ?")
            args.append(str(since))
        if until:
            where.append("day <= ?")
            args.append(str(until))
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return [
            (day, sub, channel, product, int(count))
            for day, sub, channel, product, count in self._read(
                "SELECT day, subscriber, channel, product, count FROM usage"
                f" {clause} ORDER BY day, subscriber, channel, product",
                tuple(args),
            )
        ]


def _key(row: tuple) -> ApiKey:
    key_id, scope, name, subscriber, created, used, revoked = row
    return ApiKey(
        id=key_id,
        scope=scope,
        name=name,
        subscriber=subscriber or "",
        created_at=_time(created),
        last_used_at=_time(used),
        revoked_at=_time(revoked),
    )

"""Subscribers in PostgreSQL (``newswire.store.access.Subscribers``)."""

from __future__ import annotations

import msgspec
from psycopg import errors

from newswire.access.subscribers import Subscriber, redefined
from newswire.errors import Conflict, NotFound
from newswire.model import utcnow
from newswire.store.base import iso
from newswire.store.postgres.database import Database, nameable

_ENCODE = msgspec.json.Encoder().encode
_SUBSCRIBER = msgspec.json.Decoder(Subscriber).decode


class PostgresSubscribers:
    def __init__(self, db: Database):
        self._db = db

    def add(self, subscriber: Subscriber) -> Subscriber:
        products = list(dict.fromkeys(subscriber.products))
        self._known(products)
        subscriber = msgspec.structs.replace(subscriber, created_at=utcnow())
        try:
            with self._db.transaction() as cur:
                cur.execute(
                    "INSERT INTO subscribers (name, status, data) VALUES (%s, %s, %s)",
                    (subscriber.name, subscriber.status, _ENCODE(subscriber)),
                )
                cur.executemany(
                    "INSERT INTO subscriber_products (subscriber, product) VALUES (%s, %s)",
                    [(subscriber.name, p) for p in products],
                )
        except errors.UniqueViolation:
            raise Conflict(f"a subscriber named {subscriber.name!r} exists", field="name") from None
        except errors.ForeignKeyViolation:
            raise NotFound(
                f"a product of {subscriber.name!r} was removed meanwhile", field="product"
            ) from None
        return subscriber

    def _known(self, products: list[str]) -> None:
        """``NotFound`` naming the first of ``products`` that does not exist."""
        if products:
            known = {
                r[0]
                for r in self._db.rows(
                    "SELECT name FROM products WHERE name = ANY(%s)",
                    ([p for p in products if nameable(p)],),
                )
            }
            for name in products:
                if name not in known:
                    raise NotFound(f"no product {name!r}", field="product")

    def get(self, name: str) -> Subscriber:
        row = (
            self._db.one("SELECT data FROM subscribers WHERE name = %s", (name,))
            if nameable(name)
            else None
        )
        if row is None:
            raise NotFound(f"no subscriber {name!r}", field="subscriber")
        return _SUBSCRIBER(row[0])

    def list(self) -> list[Subscriber]:
        return [
            _SUBSCRIBER(r[0]) for r in self._db.rows("SELECT data FROM subscribers ORDER BY name")
        ]

    def change(self, subscriber: Subscriber) -> Subscriber:
        products = list(dict.fromkeys(subscriber.products))
        self._known(products)
        try:
            with self._db.transaction() as cur:
                row = cur.execute(
                    "SELECT data FROM subscribers WHERE name = %s FOR UPDATE", (subscriber.name,)
                ).fetchone()
                if row is None:
                    raise NotFound(f"no subscriber {subscriber.name!r}", field="subscriber")
                changed = redefined(_SUBSCRIBER(row[0]), subscriber)
                cur.execute(
                    "UPDATE subscribers SET data = %s WHERE name = %s",
                    (_ENCODE(changed), changed.name),
                )
                cur.execute(
                    "DELETE FROM subscriber_products WHERE subscriber = %s", (changed.name,)
                )
                cur.executemany(
                    "INSERT INTO subscriber_products (subscriber, product) VALUES (%s, %s)",
                    [(changed.name, p) for p in products],
                )
        except errors.ForeignKeyViolation:
            raise NotFound(
                f"a product of {subscriber.name!r} was removed meanwhile", field="product"
            ) from None
        return changed

    def set_status(self, name: str, status: str) -> Subscriber:
        subscriber = msgspec.structs.replace(self.get(name), status=status)
        with self._db.transaction() as cur:
            cur.execute(
                "UPDATE subscribers SET status = %s, data = %s WHERE name = %s",
                (status, _ENCODE(subscriber), name),
            )
        return subscriber

    def remove(self, name: str) -> int:
        """Remove a subscriber and revoke its keys; the number of keys revoked."""
        self.get(name)
        with self._db.transaction() as cur:
            revoked = cur.execute(
                "UPDATE api_keys SET revoked_at = %s WHERE subscriber = %s AND revoked_at IS NULL",
                (iso(utcnow()), name),
            ).rowcount
            cur.execute("DELETE FROM subscribers WHERE name = %s", (name,))
        return revoked

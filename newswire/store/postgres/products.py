"""Products in PostgreSQL (``newswire.store.access.Products``)."""

from __future__ import annotations

import msgspec
from psycopg import errors

from newswire.access.products import Product
from newswire.errors import Conflict, NotFound
from newswire.store.postgres.database import Database, nameable

_ENCODE = msgspec.json.Encoder().encode
_PRODUCT = msgspec.json.Decoder(Product).decode


class PostgresProducts:
    def __init__(self, db: Database):
        self._db = db

    def add(self, product: Product) -> None:
        try:
            with self._db.transaction() as cur:
                cur.execute(
                    "INSERT INTO products (name, data) VALUES (%s, %s)",
                    (product.name, _ENCODE(product)),
                )
        except errors.UniqueViolation:
            raise Conflict(f"a product named {product.name!r} exists", field="name") from None

    def get(self, name: str) -> Product:
        row = (
            self._db.one("SELECT data FROM products WHERE name = %s", (name,))
            if nameable(name)
            else None
        )
        if row is None:
            raise NotFound(f"no product {name!r}", field="product")
        return _PRODUCT(row[0])

    def list(self) -> list[Product]:
        return [_PRODUCT(r[0]) for r in self._db.rows("SELECT data FROM products ORDER BY name")]

    def replace(self, product: Product) -> None:
        with self._db.transaction() as cur:
            changed = cur.execute(
                "UPDATE products SET data = %s WHERE name = %s", (_ENCODE(product), product.name)
            ).rowcount
        if not changed:
            raise NotFound(f"no product {product.name!r}", field="product")

    def remove(self, name: str) -> None:
        """Remove a product no subscriber uses (Conflict names those that do)."""
        self.get(name)
        try:
            with self._db.transaction() as cur:
                users = [
                    r[0]
                    for r in cur.execute(
                        "SELECT subscriber FROM subscriber_products WHERE product = %s"
                        " ORDER BY 1",
                        (name,),
                    )
                ]
                if not users:
                    cur.execute("DELETE FROM products WHERE name = %s", (name,))
        except errors.ForeignKeyViolation:
            # A subscriber took it up between the check and the delete.
            users = ["a subscriber added meanwhile"]
        if users:
            raise Conflict(
                f"product {name!r} is used by {', '.join(users)}: change or remove "
                "those subscribers first",
                field="product",
            )

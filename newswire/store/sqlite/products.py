"""Products in the embedded SQLite store (table ``products``, migration 3)."""

from __future__ import annotations

import builtins
import sqlite3

import msgspec

from newswire.access.products import Product
from newswire.errors import Conflict, NotFound
from newswire.store.sqlite.connection import Tables, write_transaction

_ENCODE = msgspec.json.Encoder().encode
_PRODUCT = msgspec.json.Decoder(Product).decode


class SQLiteProducts(Tables):
    """``newswire.store.access.Products``."""

    def add(self, product: Product) -> None:
        try:
            self._write(
                "INSERT INTO products (name, data) VALUES (?, ?)", (product.name, _ENCODE(product))
            )
        except sqlite3.IntegrityError:
            raise Conflict(f"a product named {product.name!r} exists", field="name") from None

    def get(self, name: str) -> Product:
        rows = self._read("SELECT data FROM products WHERE name = ?", (name,))
        if not rows:
            raise NotFound(f"no product {name!r}", field="product")
        return _PRODUCT(rows[0][0])

    def list(self) -> builtins.list[Product]:
        return [_PRODUCT(r[0]) for r in self._read("SELECT data FROM products ORDER BY name")]

    def replace(self, product: Product) -> None:
        with write_transaction(self._db, self._lock) as cur:
            changed = cur.execute(
                "UPDATE products SET data = ? WHERE name = ?", (_ENCODE(product), product.name)
            ).rowcount
        if not changed:
            raise NotFound(f"no product {product.name!r}", field="product")

    def remove(self, name: str) -> None:
        self.get(name)
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

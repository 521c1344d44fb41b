"""Stores, found by the scheme of the database URL (``sqlite:///./newswire.db``)."""

from __future__ import annotations

import importlib

from newswire.errors import BadInput
from newswire.store.base import Receipt, RestoreReport, Store, Stored

# scheme -> "module:class"; a backend module is imported only when its scheme is used.
# ``postgresql+psycopg://`` is looked up as ``postgresql`` (the driver part is dropped).
BACKENDS: dict[str, str] = {
    "sqlite": "newswire.store.sqlite:SQLiteStore",
    "postgresql": "newswire.store.postgres:PostgresStore",
    "postgres": "newswire.store.postgres:PostgresStore",
}

__all__ = ["BACKENDS", "Receipt", "RestoreReport", "Store", "Stored", "backend", "in_memory", "open_store"]


def backend(url: str) -> str:
    """The ``module:class`` of the store at ``url``; ``BadInput`` for a scheme no backend
    has (``newswire settings`` asks this without opening the database)."""
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower() if ":" in url else ""
    target = BACKENDS.get(scheme)
    if target is None:
        known = ", ".join(f"{s}://" for s in BACKENDS)
        raise BadInput(f"unsupported database URL {url!r} (known: {known})", field="db")
    if scheme == "sqlite":  # its path, read from the URL alone (no file opened or made)
        from newswire.store.sqlite.connection import database_path

        database_path("sqlite:" + url.split(":", 1)[1])
    return target


def open_store(url: str, *, create: bool = True) -> Store:
    """The store at ``url``; with ``create=False`` a missing database is an error."""
    module, cls = backend(url).split(":")
    store: Store = getattr(importlib.import_module(module), cls)(url, create=create)
    return store


def in_memory(url: str) -> bool:
    """Whether the store at ``url`` lives in the memory of the process that opens it (an
    SQLite URL with no file: ``sqlite://``, ``sqlite:///:memory:``, ...), so that no other
    process, the other server processes included, sees what it holds."""
    if not url.lower().startswith("sqlite:"):
        return False
    from newswire.store.sqlite.connection import database_path

    try:
        return database_path("sqlite:" + url.split(":", 1)[1]) == ":memory:"
    except BadInput:
        return False


def older_schema(url: str) -> tuple[int, int] | None:
    """``(its schema, this release's)`` when the SQLite database at ``url`` was made by an
    older release, so that opening it would migrate it; None otherwise, and for the other
    backends. Reads without writing."""
    if not url.lower().startswith("sqlite:"):
        return None
    from newswire.store.sqlite.connection import older_schema as sqlite_older

    return sqlite_older(url)

"""Blob stores: the bytes of pictures, video and their renditions, content-addressed.

An item refers to a blob by its **key**, the SHA-256 of its bytes in lower-case hex: the
same file put twice is stored once, a key names one content forever, and whoever holds a
key can check what it got. The store of items (``newswire.store``) keeps the keys; a blob
store keeps the bytes. Which one is chosen by URL, like the item store, from one table:

- ``sqlite:///path/news.db`` (the embedded default): files beside the database, in
  ``news.db.blobs/ab/cd/<key>`` (``newswire.blobs.files``);
- ``file:///var/lib/newswire/blobs``: files in that folder (a volume several nodes mount);
- ``postgresql://...``: large objects in the store's own database, which every node
  already reaches (``newswire.blobs.postgres``).

An S3-compatible backend is one more module and one more line in ``BACKENDS``.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Protocol

from newswire.errors import BadInput, NotFound

# scheme -> "module:class"; a backend module is imported only when its scheme is used.
BACKENDS: dict[str, str] = {
    "sqlite": "newswire.blobs.files:FileBlobs",
    "file": "newswire.blobs.files:FileBlobs",
    "postgresql": "newswire.blobs.postgres:PostgresBlobs",
    "postgres": "newswire.blobs.postgres:PostgresBlobs",
}

CHUNK = 1024 * 1024
"""Bytes per piece when a blob is copied or streamed: a blob is never all in memory."""

__all__ = ["BACKENDS", "CHUNK", "Blobs", "backend", "blobs_for", "check_key", "is_key", "open_blobs"]


class Blobs(Protocol):
    """A content-addressed store of bytes. The contract, for every backend:

    - ``put(data)`` stores ``data`` (bytes; the path of a file, read in pieces; or the
      pieces themselves, as ``chunks`` of another store gives them) and returns its key,
      the SHA-256 of the bytes in lower-case hex. Putting bytes already stored stores
      nothing, returns the same key and renews the blob's time (below); several processes
      or nodes may put the same bytes at once. A blob is either stored whole or not at
      all: a reader never sees part of one, and a failed put leaves nothing a key names.
    - Blobs are immutable. A blob's *time* is when it was last put (stored, or put again):
      ``keys(before)`` lists the keys of every blob (all of them, or those whose time is
      before ``before``), in no particular order; ``delete(key, before)`` removes a blob
      (when ``before`` is given, only if its time is still before it) and says whether it
      did: False when the key names nothing stored, or the blob was put again meanwhile. A put and a delete of the same key racing never leave a put
      that returned with its blob gone: the put stores it again, or the delete keeps it.
      Only the sweep deletes (``newswire.blobs.upkeep``), blobs no stored version names.
    - ``leftovers(before, dry_run)`` removes what puts and deletes whose process was
      killed left behind (bytes no key names, such as a temporary file) and that was last
      written before ``before``, never what a put or delete in progress holds, however
      old; it returns how many things and how many bytes (with ``dry_run``, only counts).
    - ``exists(key)``, ``size(key)`` in bytes.
    - ``read(key, start, end)`` the bytes ``start`` to ``end`` (excluded, as a slice;
      ``end=None`` to the end), clamped to the blob: what an HTTP ``Range`` asks for.
      ``chunks(key, start, end)`` the same range in pieces of at most ``CHUNK`` bytes,
      for streaming; the HTTP layer turns ``bytes=a-b`` into ``start=a, end=b+1``.
    - ``path(key)`` the blob as a local file when the backend keeps it as one (so the
      HTTP layer can hand it to ``sendfile``), else None.
    - A key that is not 64 lower-case hex digits, or that names nothing stored, is
      ``NotFound`` (field ``blob``) for every method but ``exists`` (False).
    """

    def put(self, data: bytes | Path | Iterable[bytes]) -> str: ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def read(self, key: str, start: int = 0, end: int | None = None) -> bytes: ...

    def chunks(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]: ...

    def path(self, key: str) -> Path | None: ...

    def keys(self, before: datetime | None = None) -> Iterator[str]: ...

    def delete(self, key: str, before: datetime | None = None) -> bool: ...

    def leftovers(self, before: datetime, *, dry_run: bool = False) -> tuple[int, int]: ...

    def close(self) -> None: ...


_KEY = re.compile(r"[0-9a-f]{64}")


def is_key(text: str) -> bool:
    """Whether ``text`` can name a blob: 64 lower-case hex digits."""
    return bool(_KEY.fullmatch(text))


def check_key(key: str) -> str:
    """``key`` if it can name a blob, else ``NotFound``: a key is also a file name, so
    nothing but hex digits ever reaches the file system."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise NotFound(f"no blob {key!r} (a key is 64 lower-case hex digits)", field="blob")
    return key


def span(start: int, end: int | None, size: int) -> tuple[int, int]:
    """``(start, end)`` clamped to a blob of ``size`` bytes, as a slice would be."""
    if start < 0 or (end is not None and end < 0):
        raise BadInput("a byte range starts and ends at 0 or after", field="range")
    stop = size if end is None else min(end, size)
    return min(start, size), max(min(start, size), stop)


def blobs_for(store_url: str, setting: str = "") -> Blobs:
    """The blob store of a deployment: ``setting`` (the ``blobs`` setting) if given, else
    the store's own (beside its SQLite file, in its PostgreSQL database); for a store in
    memory, a temporary folder that goes when the process does."""
    if setting:
        return open_blobs(setting)
    rest = store_url.split(":", 1)[1] if ":" in store_url else ""
    if store_url.lower().startswith("sqlite") and (":memory:" in rest or not rest.startswith("///")):
        from newswire.blobs.files import TemporaryFileBlobs

        return TemporaryFileBlobs()
    return open_blobs(store_url)


def backend(url: str) -> str:
    """The ``module:class`` of the blob store at ``url``; ``BadInput`` for a scheme no
    backend has (``newswire settings`` asks this without making the folder)."""
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower() if ":" in url else ""
    target = BACKENDS.get(scheme)
    if target is None:
        known = ", ".join(f"{s}://" for s in BACKENDS)
        raise BadInput(f"unsupported blob store URL {url!r} (known: {known})", field="blobs")
    if scheme == "file":  # its folder, read from the URL alone (nothing made)
        from newswire.blobs.files import folder_of

        folder_of(url)
    return target


def open_blobs(url: str) -> Blobs:
    """The blob store at ``url``: a store's database URL (its blobs go with it) or a
    ``file://`` folder."""
    module, cls = backend(url).split(":")
    blobs: Blobs = getattr(importlib.import_module(module), cls)(url)
    return blobs

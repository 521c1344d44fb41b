"""HTTP caching of the public site: rendered pages kept in memory, validators that cost
nothing to compute.

Every public answer is a pure function of a small key: an item page of (item id, version,
base URL), a list, feed or sitemap of (what it lists, base URL, the store's last sequence
number). Any change to what a list shows (a publish, an update, a withdrawal, an embargo
lift) is a log entry with a new sequence number, so the sequence number names the state.
The ``ETag`` is a hash of the key and of ``Site.fingerprint`` (the settings and templates
the page is made with), so it is known *before* rendering: a matching ``If-None-Match`` is
answered 304 without rendering anything, and a miss renders once into a bounded LRU.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from starlette.responses import Response

from newswire.web.static import SECURITY_HEADERS

V = TypeVar("V")

PAGE = "public, max-age=60, stale-while-revalidate=300"
HOME = "public, max-age=15, stale-while-revalidate=60"
FEED = "public, max-age=60, stale-while-revalidate=300"
SITEMAP = "public, max-age=300, stale-while-revalidate=600"
ROBOTS = "public, max-age=3600"
GONE = "public, max-age=300"
MISSING = "public, max-age=10"
"""404s are kept briefly: an id unknown now may be published (or its embargo lift) soon."""

HTML_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; media-src 'self';"
    " base-uri 'none';"
    " form-action 'self'; frame-ancestors 'none'"
)


class LRU(Generic[V]):
    """A bounded, thread-safe mapping that forgets the least recently used key."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict[Hashable, threading.Lock] = {}
        self.misses = 0
        """How many values were made or put (not found)."""

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self.misses += 1
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.capacity:
                self._data.popitem(last=False)

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value of ``key``, made by ``make`` when missing: once, however many threads
        ask for it at the same moment (the others wait for it: a feed asked for by every
        reader just after a publish is rendered once, not once per reader)."""
        value = self.get(key)
        if value is not None:
            return value
        with self._lock:
            gate = self._making.setdefault(key, threading.Lock())
        try:
            with gate:
                value = self.get(key)
                if value is None:
                    value = make()
                    self.put(key, value)
        finally:
            with self._lock:
                if self._making.get(key) is gate:
                    del self._making[key]
        return value

    def __len__(self) -> int:
        return len(self._data)


def etag(*parts: object) -> str:
    """A strong validator: a hash of the parts (call with the key and the fingerprint)."""
    text = "\x1f".join(str(p) for p in parts)
    return '"' + hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest() + '"'


def headers(
    cache_control: str, tag: str | None = None, extra: dict[str, str] | None = None
) -> dict[str, str]:
    out = {"Cache-Control": cache_control, **SECURITY_HEADERS}
    if tag:
        out["ETag"] = tag
    out.update(extra or {})
    return out


def not_modified(head: dict[str, str]) -> Response:
    """304: the validator and caching headers only (RFC 9110 15.4.5)."""
    keep = ("Cache-Control", "ETag", "Content-Language", "Vary")
    return Response(status_code=304, headers={k: v for k, v in head.items() if k in keep})

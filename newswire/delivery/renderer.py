"""Render each item version once per (format, access level), whoever asks for it.

Every entitled subscriber of a version gets the same bytes: a rendering is keyed by the
version (its id and number: a stored version never changes), the format and the access
level, and kept in a bounded LRU so a breaking story's fan-out renders it once, and its
embargo lift (a log entry of its own) reuses the same bytes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from urllib.parse import quote

from newswire import formats
from newswire.access.entitlement import Access
from newswire.formats.base import Codec, FeedMeta
from newswire.model import NewsItem
from newswire.store.base import Stored
from newswire.text.teaser import teaser

DEFAULT_TEASER_CHARS = 600


class Renderer:
    def __init__(self, *, capacity: int = 4096, teaser_chars: int = DEFAULT_TEASER_CHARS):
        self.capacity = capacity
        self.teaser_chars = teaser_chars
        self._cache: OrderedDict[tuple[str, int, str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.renders = 0
        """How many renderings were made (not served from the cache)."""

    def view(self, item: NewsItem, access: Access) -> NewsItem:
        """The item as this access level sees it."""
        return item if access == "full" else teaser(item, self.teaser_chars)

    def render(self, seq: int, item: NewsItem, fmt: str, access: Access) -> bytes:
        """``item`` (stored with sequence number ``seq``) in ``fmt`` at ``access``."""
        key = (item.id, item.version, fmt, access)
        with self._lock:
            data = self._cache.get(key)
            if data is not None:
                self._cache.move_to_end(key)
                return data
        data = formats.get(fmt).render(self.view(item, access))
        with self._lock:
            self.renders += 1
            self._cache[key] = data
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        return data

    def render_as(self, codec: Codec, stored: Stored, access: Access, base: str) -> bytes:
        """One stored version in ``codec``: the cached rendering, or for a feed format a
        feed of that one item whose links start at ``base`` (the server's URL)."""
        if not codec.is_feed:
            return self.render(stored.seq, stored.item, codec.name, access)
        meta = FeedMeta(
            title=stored.item.headline,
            link=base,
            language=stored.item.language,
            feed_id=f"{base}v1/items/{quote(stored.item.id, safe='')}",
            item_link=f"{base}v1/items/{{id}}",
        )
        return codec.render_feed([self.view(stored.item, access)], meta)

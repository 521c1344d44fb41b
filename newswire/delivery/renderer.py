"""Render each item version once per (format, access level), whoever asks for it.

Every entitled subscriber of a version gets the same bytes: a rendering is keyed by the
version (its id and number: a stored version never changes), the format and the access
level, and kept in a bounded LRU (by bytes) so a breaking story's fan-out renders it
once, and its embargo lift (a log entry of its own) reuses the same bytes.

The same goes for the part of a delivery envelope that carries the item (``embedded``:
ninjs compacted under ``item``, other formats as a JSON string under ``content``): the
feed, streams and WebSockets join it to a small head of their own.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from pathlib import Path
from typing import TypeAlias
from urllib.parse import quote

import msgspec
from cachetools import LRUCache

from newswire import __version__, formats
from newswire.access.entitlement import Access
from newswire.formats import withdrawn
from newswire.formats.base import Codec, FeedMeta
from newswire.model import NewsItem, Rendition
from newswire.store.base import Stored
from newswire.text.teaser import teaser

DEFAULT_TEASER_CHARS = 600
DEFAULT_CAPACITY = 96 * 1024 * 1024
"""Bytes of renderings kept (the renderings and envelope parts together)."""

_STRING = msgspec.json.Encoder().encode


RenderKey: TypeAlias = tuple[str, int, str, str] | tuple[str, int, str, str, str]
"""What a rendering is kept under: (id, version, format, access), and ``"embedded"`` after
them for the rendering embedded in an envelope."""


@functools.cache
def release() -> str:
    """A digest of the code this process runs (every module of the newswire package, and
    its version): the bytes a stored version is rendered into change with it, and
    ``__version__`` alone does not say so (it stays the same from commit to commit).
    Read once per process, on first use (about 10 ms)."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.blake2b(__version__.encode(), digest_size=8)
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\x1f")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def rendition_path(item_id: str, version: int, name: str) -> str:
    """Where newswire serves a version's rendition (``newswire.api.media``), from the
    server's root: the same bytes for ever (a version never changes)."""
    return f"/v1/items/{quote(item_id, safe=':@')}/versions/{version}/renditions/{quote(name, safe='')}"


def latest_rendition_path(item_id: str, name: str) -> str:
    """Where newswire serves an item's latest rendition ``name``, from the server's root:
    what a story's association to a media item links its files by (the media item may
    have a later version than the one the story was stored with)."""
    return f"/v1/items/{quote(item_id, safe=':@')}/renditions/{quote(name, safe='')}"


class Renderer:
    def __init__(
        self,
        *,
        capacity: int = DEFAULT_CAPACITY,
        teaser_chars: int = DEFAULT_TEASER_CHARS,
        base: str = "",
    ):
        self.capacity = capacity
        self.teaser_chars = teaser_chars
        self._base = base.rstrip("/")
        self._made: tuple[int, str] | None = None
        self._fingerprint = ""
        self._cache: LRUCache[RenderKey, bytes] = LRUCache(maxsize=capacity, getsizeof=len)
        self._lock = threading.Lock()
        self.renders = 0
        """How many renderings were made (not served from the cache)."""

    @property
    def base(self) -> str:
        """The server's URL, before the path of each rendition ``href`` of the items it
        renders (the ``base_url`` setting; else the app sets it from the first request it
        serves: a rendering is made once for every caller, so it cannot vary by request)."""
        return self._base

    @base.setter
    def base(self, base: str) -> None:
        """A new base forgets every rendering made with the old one: a webhook's delivery
        rendered before the first request (no base yet: files linked by their path alone)
        must not be what the feed and the item's route serve after it."""
        base = base.rstrip("/")
        with self._lock:
            if base != self._base:
                self._base = base
                self._cache.clear()

    @property
    def fingerprint(self) -> str:
        """What the bytes of a rendering depend on besides the version, its format and its
        access: the code (``release``), the teaser's length, the base of files' links.
        Part of every ETag naming renderings (an item's, a feed page's), so that after an
        upgrade or a change of those settings a client's ``If-None-Match`` is not
        answered 304 for bytes that are no longer what it holds."""
        made = (self.teaser_chars, self.base)
        if made != self._made:
            parts = repr((release(), *made)).encode()
            self._fingerprint = hashlib.blake2b(parts, digest_size=6).hexdigest()
            self._made = made
        return self._fingerprint

    def view(self, item: NewsItem, access: Access) -> NewsItem:
        """The item as this access level sees it: a teaser keeps only the small
        renditions; a withdrawal is a kill notice at every level (``withdrawn.as_kill``);
        the files newswire keeps get their ``href`` here."""
        if item.pubstatus == "canceled":
            seen = withdrawn.as_kill(item)
        else:
            seen = item if access == "full" else teaser(item, self.teaser_chars)
        associations = [
            a if (files := self._linked(a.renditions, a.id)) is None
            else msgspec.structs.replace(a, renditions=files)
            for a in seen.associations
        ]
        if associations != seen.associations:  # an association's files: its item's latest
            seen = msgspec.structs.replace(seen, associations=associations)
        renditions = self._linked(seen.renditions, item.id, item.version)
        return seen if renditions is None else msgspec.structs.replace(seen, renditions=renditions)

    def _linked(
        self, renditions: list[Rendition], item_id: str, version: int | None = None
    ) -> list[Rendition] | None:
        """``renditions`` with an ``href`` for each file newswire keeps (``blob``): the
        file of ``item_id``'s ``version``, or of its latest version when ``version`` is
        None (an association's: opened by the caller's own entitlement to that item);
        None when every one has its ``href`` already."""
        if not any(r.blob and not r.href for r in renditions):
            return None
        return [
            msgspec.structs.replace(
                r,
                href=self.base
                + (
                    latest_rendition_path(item_id, r.name)
                    if version is None
                    else rendition_path(item_id, version, r.name)
                ),
            )
            if r.blob and not r.href
            else r
            for r in renditions
        ]

    def _cached(self, key: RenderKey) -> bytes | None:
        with self._lock:
            return self._cache.get(key)

    def _keep(self, key: RenderKey, data: bytes) -> None:
        with self._lock:
            if len(data) <= self.capacity:
                self._cache[key] = data

    def render(self, seq: int, item: NewsItem, fmt: str, access: Access) -> bytes:
        """``item`` (stored with sequence number ``seq``) in ``fmt`` at ``access``."""
        key = (item.id, item.version, fmt, access)
        data = self._cached(key)
        if data is None:
            data = formats.get(fmt).render(self.view(item, access))
            self.renders += 1
            self._keep(key, data)
        return data

    def embedded(self, seq: int, item: NewsItem, fmt: str, access: Access) -> bytes:
        """The item's part of a delivery envelope: ``"item":{…}`` (JSON formats, compact)
        or ``"content":"…"`` (the others, as a JSON string)."""
        key = (item.id, item.version, fmt, access, "embedded")
        data = self._cached(key)
        if data is None:
            body = self.render(seq, item, fmt, access)
            if formats.get(fmt).is_json:
                data = b'"item":' + msgspec.json.format(body, indent=0).rstrip()
            else:
                data = b'"content":' + _STRING(body.decode("utf-8"))
            self._keep(key, data)
        return data

    def render_as(self, codec: Codec, stored: Stored, access: Access, base: str) -> bytes:
        """One stored version in ``codec``: the cached rendering, or for a feed format a
        feed of that one item whose links start at ``base`` (the server's URL)."""
        if not codec.is_feed:
            return self.render(stored.seq, stored.item, codec.name, access)
        meta = FeedMeta(
            # A feed must have a title (RSS 2.0, RFC 4287): a picture may have no headline.
            title=stored.item.headline or stored.item.id,
            link=base,
            language=stored.item.language,
            feed_id=f"{base}v1/items/{quote(stored.item.id, safe='')}",
            item_link=f"{base}v1/items/{{id}}",
        )
        return codec.render_feed([self.view(stored.item, access)], meta)

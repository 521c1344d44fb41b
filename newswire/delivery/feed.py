"""The pull feed's pages, assembled once and kept as bytes.

A page is a caller's entitled log entries after a cursor (up to ``limit``), with the
``next`` cursor to ask from. The cursor is the sequence number of the last entry the
page looked at: entries the caller is not entitled to move it on too, so a subscriber
never rescans them.

Everything a page depends on is in its key: the caller's entitlement set (its products:
two subscribers with the same products share pages), the cursor, the limit, the format
and what the request's notes say; and for feed documents (RSS, Atom, JSON Feed), whose
title names the caller, who it is and the server's URL. Hence:

- a page near the head is scanned from the hub's ``Tail`` (memory), never by decoding
  stored items; deeper cursors read the store, in pieces as large as the page needs;
- a page is kept (``FeedPages``, an LRU bounded by bytes): a *full* page (``limit``
  entries) never changes; a short one stays right until the log moves;
- the ``ETag`` names the page by its key and the entries it spans, so it is known once
  the scan has decided which entries the page holds, before anything is rendered: a
  ``304`` renders nothing, and a kept page answers without scanning at all.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypeAlias
from urllib.parse import urlencode

import msgspec
from cachetools import LRUCache
from starlette.concurrency import run_in_threadpool

from newswire.access.entitlement import Grant, Previous, grant_for
from newswire.access.products import Product
from newswire.delivery.files import not_modified
from newswire.delivery.hub import Hub, envelope
from newswire.delivery.renderer import Renderer
from newswire.delivery.waiters import Waiters
from newswire.formats.base import Codec, FeedMeta
from newswire.store.base import Change

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_WAIT = 60.0
SCAN = 5000
"""Entries looked at per page at most: a page may come back short, ``next`` moves on."""
DEFAULT_PAGE_BYTES = 64 * 1024 * 1024
"""Bytes of pages kept per process."""
AUDIENCES = 4096
"""Entitlement sets whose decisions are kept (each: one small entry per tail entry)."""

_ENCODE = msgspec.json.Encoder().encode

Entry = tuple[Change, Grant]


class Page(NamedTuple):
    body: bytes
    media_type: str
    etag: str
    next: int
    full: bool
    """Holds ``limit`` entries: it never changes."""
    position: int
    """The hub's position it was built at (a short page is right while it stays)."""
    counts: tuple[tuple[str, int], ...]
    """Entries by product, for metering."""
    entries: int


class NotModified(NamedTuple):
    """A page the caller has (its ``If-None-Match`` names it): its ETag and the cursor it
    reaches, for the 304's headers, nothing rendered. The cursor is the page's, not the
    request's: a cache that updates what it kept from a 304's headers (as RFC 9111 has
    caches do) must not be sent back to the cursor it asked from."""

    etag: str
    next: int


PageKey: TypeAlias = tuple[tuple[bytes, ...], *tuple[object, ...]]
"""What a page is kept under (``Request.key``): its products (encoded) first, then the
rest of what makes it."""


class Request(NamedTuple):
    """What a page is made of, as the HTTP layer parsed it."""

    products: Sequence[Product]
    codec: Codec
    after: int
    limit: int
    fmt: str | None
    """The ``format`` parameter as given (it goes into the ``next`` link)."""
    notes: tuple[tuple[str, str], ...] = ()
    """Notes on the request (a clamped limit or wait), repeated in the page."""
    feed_meta: Callable[[], FeedMeta] | None = None
    """For feed documents: the ``FeedMeta`` (it names the caller and the server)."""
    who: str = ""
    base: str = ""

    def key(self) -> PageKey:
        products = tuple(msgspec.json.encode(p) for p in self.products)
        extra = (self.who, self.base) if self.codec.is_feed else ()
        return (products, self.codec.name, self.after, self.limit, self.fmt, self.notes, *extra)


class Decisions:
    """One entitlement set's decisions (``grant_for``) about recent log entries."""

    __slots__ = ("grants", "products")

    def __init__(self, products: Sequence[Product]):
        self.products = list(products)
        self.grants: dict[int, Grant | None] = {}

    def of(self, change: Change, previous: Previous) -> Grant | None:
        seq = change.seq
        try:
            return self.grants[seq]
        except KeyError:
            g = self.grants[seq] = grant_for(self.products, change, previous)
            return g

    def forget_before(self, floor: int) -> None:
        if len(self.grants) > 2 * SCAN:
            self.grants = {s: g for s, g in self.grants.items() if s > floor}


class FeedPages:
    """Pages of one process: kept, or scanned and rendered (``build``, in a worker thread)."""

    def __init__(self, hub: Hub, renderer: Renderer, *, max_bytes: int = DEFAULT_PAGE_BYTES):
        self.hub, self.renderer = hub, renderer
        self._pages: LRUCache[PageKey, Page] = LRUCache(
            maxsize=max_bytes, getsizeof=lambda p: len(p.body) + 256
        )
        self._decisions: LRUCache[tuple[bytes, ...], Decisions] = LRUCache(maxsize=AUDIENCES)
        self._lock = threading.Lock()
        self._pending: dict[PageKey, asyncio.Future[Page | NotModified]] = {}
        """Pages being built now (in the event loop's thread only)."""
        self.built = 0
        """Pages built (not answered from the kept ones)."""
        sources = hub.metrics.feed_pages
        self._kept, self._tail, self._store = (sources.labels(s) for s in ("kept", "tail", "store"))
        self.asked: dict[tuple[bytes, int], tuple[Any, Request, PageKey, float]] = {}
        """(query, id of the caller's principal) -> (the principal, the page request, its
        key, the wait asked for): kept by ``newswire.api.feed.answer_kept`` (in the event
        loop's thread only)."""
        self.waiters = Waiters(self)
        """Long polls parked until the log moves (``newswire.delivery.waiters``)."""

    def kept(self, key: PageKey) -> Page | None:
        """The kept page for ``key`` if it is still right (in the event loop: no I/O)."""
        with self._lock:  # an LRU's get reorders it: never beside a writer
            page = self._pages.get(key)
        if page is None:
            return None
        hub = self.hub
        if page.full or (page.position == hub.position and hub.ahead <= hub.position):
            self._kept.inc()
            return page
        return None

    def _decisions_for(self, products: Sequence[Product], key: PageKey) -> Decisions:
        with self._lock:
            found = self._decisions.get(key[0])
            if found is None:
                found = self._decisions[key[0]] = Decisions(products)
            return found

    async def page(self, request: Request, if_none_match: str = "") -> Page | NotModified:
        """``build`` in a worker thread, once for however many ask for the same page at
        once: thousands of long polls woken by one entry wait on one build, not on a
        thousand (they would queue for the worker threads, each building the same)."""
        key = request.key()
        pending = self._pending.get(key)
        if pending is not None:
            found = await asyncio.shield(pending)
            if isinstance(found, Page):
                return found
            # That build answered its caller's ETag alone: is it ours too?
            if not_modified(found.etag, if_none_match):
                return found
            return await run_in_threadpool(self.build, request, if_none_match)
        future: asyncio.Future[Page | NotModified] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            result = await run_in_threadpool(self.build, request, if_none_match)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no warning when nobody else waited
            raise
        else:
            future.set_result(result)
        finally:
            del self._pending[key]
        return result

    def build(self, request: Request, if_none_match: str = "") -> Page | NotModified:
        """The page of ``request``, built and kept; or, when ``if_none_match`` names it,
        its ETag and cursor alone (nothing rendered; ``*`` names any). In a worker thread:
        it may read the store."""
        key = request.key()
        decisions = self._decisions_for(request.products, key)
        entries, reached, position = self.scan(decisions, request.after, request.limit)
        (self._store if position < 0 else self._tail).inc()
        full = len(entries) >= request.limit
        etag = _etag(key, reached, [c.seq for c, _ in entries], self.renderer.fingerprint)
        if not_modified(etag, if_none_match):
            return NotModified(etag, reached)
        body, media_type = self._render(request, entries, reached)
        counts: dict[str, int] = {}
        for _, g in entries:
            counts[g.product] = counts.get(g.product, 0) + 1
        page = Page(body, media_type, etag, reached, full, position, tuple(counts.items()), len(entries))
        with self._lock:
            self._pages[key] = page
            self.built += 1
        return page

    def scan(self, decisions: Decisions, after: int, limit: int) -> tuple[list[Entry], int, int]:
        """Up to ``limit`` entries after ``after``; the cursor reached; the hub's position
        the scan saw (from the tail when it covers ``after``, else from the store)."""
        tail = self.hub.tail
        previous = self.hub.previous
        entries: list[Entry] = []
        if tail.covers(after):
            cursor = after
            rest = tail.after(after)
            for change in rest[:SCAN]:
                cursor = change.seq
                g = decisions.of(change, previous)
                if g is not None:
                    entries.append((change, g))
                    if len(entries) >= limit:
                        return entries, cursor, tail.end
            decisions.forget_before(tail.floor)
            if len(rest) > SCAN:
                return entries, cursor, tail.end
            # The cursor may be past the tail's end: a page the store gave (below, or in
            # another process) moved it there. Go on from it, never back.
            end = max(after, tail.end)
            if self.hub.ahead > end:
                # This process stored entries its hub has not read yet: they are the
                # store's to give (a publisher reads its own writes at once).
                more, cursor, _ = self._scan_store(decisions, end, limit - len(entries))
                return entries + more, cursor, -1
            return entries, end, tail.end
        return self._scan_store(decisions, after, limit)

    def _scan_store(self, decisions: Decisions, after: int, limit: int) -> tuple[list[Entry], int, int]:
        """A cursor deeper than the tail: read the store in pieces, the first as large as
        the page, doubling while entries are not the caller's."""
        store, previous = self.hub.store, self.hub.previous
        entries: list[Entry] = []
        cursor, scanned, piece = after, 0, min(500, max(limit + limit // 4, 20))
        while len(entries) < limit and scanned < SCAN:
            changes = store.changes(cursor, min(piece, SCAN - scanned))
            if not changes:
                break
            for change in changes:
                g = grant_for(decisions.products, change, previous)
                cursor = change.seq
                if g is not None:
                    entries.append((change, g))
                    if len(entries) >= limit:
                        break
            scanned += len(changes)
            piece = min(500, piece * 2)
        return entries, cursor, -1  # -1: never the hub's position, so never kept short

    def _render(self, request: Request, entries: list[Entry], reached: int) -> tuple[bytes, str]:
        codec = request.codec
        if codec.is_feed:
            meta = request.feed_meta
            if meta is None:
                raise TypeError("a feed document's Request carries its feed_meta")
            items = [self.renderer.view(change.item, g.access) for change, g in entries]
            document = meta()
            if document.link:  # the next page, absolute as a feed document's links are
                later = next_href(reached, request.limit, request.fmt)
                document = dataclasses.replace(
                    document, next_link=document.link.rstrip("/") + later
                )
            return codec.render_feed(items, document), codec.media_type
        head: dict[str, object] = {"after": str(request.after), "next": str(reached), "limit": request.limit}
        head.update(request.notes)
        head["next_href"] = next_href(reached, request.limit, request.fmt)
        bodies = [envelope(c, g, codec.name, self.renderer) for c, g in entries]
        return b'{"items":[%s],%s' % (b",".join(bodies), _ENCODE(head)[1:]), "application/json"


def next_href(cursor: int, limit: int, fmt: str | None) -> str:
    query: dict[str, object] = {"after": str(cursor), "limit": limit}
    if fmt:
        query["format"] = fmt
    return f"/v1/feed?{urlencode(query)}"


def _etag(key: PageKey, reached: int, seqs: list[int], made: str) -> str:
    """The page's ETag: its key, the entries it spans and how it is rendered (``made``:
    ``Renderer.fingerprint``)."""
    digest = hashlib.blake2b(repr((key, reached, seqs, made)).encode(), digest_size=12)
    return f'"{digest.hexdigest()}"'

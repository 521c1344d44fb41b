"""Each item's stored versions, from memory: ``GET /v1/items/{id}`` reads an item from
the store once, not on every request.

A history is kept until the item changes: the hub drops it when it reads a new log entry
of the item (``forget``: every process's hub reads every entry, within milliseconds of
the commit), and this process drops it at once when it stores a version itself
(``newswire.delivery.announce``), so a publisher reads its own writes. A history read
from the store while the item was changing is not kept (``load`` checks that nothing was
dropped meanwhile). Renderings are the renderer's, shared with every other channel.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

from cachetools import LRUCache

from newswire.errors import NotFound
from newswire.model import from_uri, utcnow
from newswire.store.base import Change, Store, Stored

T = TypeVar("T")
_NEVER = datetime.max.replace(tzinfo=UTC)

DEFAULT_ITEMS = 2048
"""Histories kept per process (each holds the item's decoded versions)."""


class Histories:
    def __init__(self, store: Store, *, capacity: int = DEFAULT_ITEMS):
        self.store = store
        self._cache: LRUCache[str, list[Stored]] = LRUCache(maxsize=capacity)
        self._lock = threading.Lock()
        self._epoch = 0
        """Moves whenever something is dropped: a load that saw it move is not kept."""
        self._decided: LRUCache[tuple[Any, ...], tuple[Any, ...]] = LRUCache(
            maxsize=8 * capacity
        )
        """``decided``'s decisions, each with the principal and history it was made for
        and the time it holds until (in the event loop's thread only)."""

    def get(self, item_id: str) -> list[Stored] | None:
        """The kept history of ``item_id`` (empty: no such item), or None (``load`` it).
        Kept under the stored id: asked for as a format wrote it (``model.as_uri``), too."""
        item_id = from_uri(item_id)
        with self._lock:
            return self._cache.get(item_id)

    def load(self, item_id: str) -> list[Stored]:
        """Every version of ``item_id`` from the store, oldest first, kept (empty: none).
        In a worker thread."""
        item_id = from_uri(item_id)
        epoch = self._epoch
        try:
            history = self.store.versions(item_id)
        except NotFound:
            history = []
        with self._lock:
            if epoch == self._epoch:
                self._cache[item_id] = history
        return history

    def decided(
        self, key: tuple[Any, ...], principal: object, history: list[Stored], decide: Callable[[], T]
    ) -> T:
        """``decide()``: what the caller ``principal`` may have of the kept ``history``
        (``key`` names the question: the route, the version, the format or file...), made
        once and kept while the principal and the history are the ones this process holds
        (a change of access, or of the item, makes new ones) and until the next embargo
        of the history lifts — the only time such a decision depends on. In the event
        loop's thread only; ``decide`` raising (a 404, a 403) keeps nothing."""
        now = utcnow()
        found = self._decided.get(key)
        if found is not None and found[0] is principal and found[1] is history and now < found[2]:
            kept: T = found[3]
            return kept
        value = decide()
        lifts = [
            s.item.embargo_until
            for s in history
            if s.item.embargo_until is not None and s.item.embargo_until > now
        ]
        self._decided[key] = (principal, history, min(lifts, default=_NEVER), value)
        return value

    def forget(self, item_ids: Iterable[str]) -> None:
        with self._lock:
            self._epoch += 1
            for item_id in item_ids:
                self._cache.pop(item_id, None)

    def forget_changes(self, changes: list[Change]) -> None:
        """The hub's ``on_changes``: drop the histories of the items these entries touch."""
        self.forget({c.item.id for c in changes})

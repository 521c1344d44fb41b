"""Which entries of the event log a subscriber receives, and how (full, teaser, embargoed).

One rule for every channel (feed, stream, WebSocket, webhook), decided by the log entry
alone so that a subscriber resuming from a cursor gets exactly what it would have got live:

- a version stored under embargo (``held``) reaches only products with early delivery,
  marked embargoed; everyone else entitled receives its ``embargo-lift`` entry;
- a withdrawal reaches whoever was entitled to the version it withdraws;
- an update reaches whoever was entitled to it *or* to the version it replaces, so that
  whoever got the old version gets the new one even when the change moves it out of their
  products.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from newswire.access.entitlement import Grant, grant
from newswire.access.products import Product
from newswire.errors import NotFound
from newswire.model import NewsItem
from newswire.store.base import Change

Previous = Callable[[Change], NewsItem | None]
"""The version a change replaces (None if there is none), for withdrawals and updates."""


def grant_for(products: Sequence[Product], change: Change, previous: Previous) -> Grant | None:
    """What ``products`` give of ``change``; None when it is not theirs."""
    if not products:
        return None
    item = change.item
    if change.kind == "withdraw":
        before = previous(change)
        return grant(products, item, None, content=before or item, embargoed=change.held)
    found = grant(products, item, None, embargoed=change.held)
    if found is None and change.kind == "update":
        before = previous(change)
        if before is not None:
            found = grant(products, item, None, content=before, embargoed=change.held)
    return found


def previous_from(store, cache_size: int = 1024) -> Previous:
    """A ``Previous`` reading the store, remembering the last versions it read."""
    from functools import lru_cache

    @lru_cache(maxsize=cache_size)
    def load(item_id: str, version: int) -> NewsItem | None:
        try:
            return store.get(item_id, version).item
        except NotFound:  # a version never stored is no previous version
            return None

    def previous(change: Change) -> NewsItem | None:
        replaces = change.item.replaces
        return load(change.item.id, replaces) if replaces else None

    return previous

"""Which entries of the event log a subscriber receives, and how (full, teaser, embargoed).

One rule for every channel (feed, stream, WebSocket, webhook), decided by the log entry
alone so that a subscriber resuming from a cursor gets exactly what it would have got live:

- a version stored under embargo (``held``) reaches only products with early delivery,
  marked embargoed; everyone else entitled receives its ``embargo-lift`` entry (the lift
  of an update is judged as the update is);
- a withdrawal reaches whoever was entitled to the version it withdraws, or to any
  version before it;
- an update reaches whoever was entitled to it *or* to any version before it, so that
  whoever got the old version gets the new one even when the change moves it out of their
  products (and gets the corrections and the withdrawal that follow, too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import msgspec

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
    if change.kind != "withdraw":
        found = grant(products, item, None, embargoed=change.held)
        if found is not None or item.replaces is None:  # a first version, or its lift
            return found
    # An update (or the lift of one stored under embargo) or a withdrawal is judged by the
    # versions before it too, each in turn: whoever was entitled to any of them received
    # it or, by this same rule, the updates that followed it (an update that moved the
    # item out of a product still reached it), so it gets this one too.
    before = previous(change)
    if before is None and change.kind == "withdraw":
        return grant(products, item, None, embargoed=change.held)
    while before is not None:
        found = grant(products, item, None, content=before, embargoed=change.held)
        if found is not None:
            return found
        older = previous(msgspec.structs.replace(change, item=before))
        if older is not None and older.version >= before.version:
            break  # a broken chain (a version "replacing" a later one): never loop
        before = older
    return None


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

"""Telling delivery what was stored: this process's hub at once, other processes and
nodes through the bus (a wake-up only: they read the store)."""

from __future__ import annotations

import logging

from newswire.bus import Event
from newswire.store.base import Receipt

log = logging.getLogger("newswire.delivery")


async def announce(state, receipts: list[Receipt]) -> None:
    """Announce what ``append`` stored (``state``: the application's state: ``hub``,
    ``bus``, ``metrics``). Versions not created (duplicates) are no news."""
    histories = getattr(state, "histories", None)
    if histories is not None:  # read-your-writes: this process forgets them at once
        histories.forget(r.id for r in receipts if r.created)
    for r in receipts:
        if not r.created:
            continue
        state.metrics.published.inc()
        state.hub.kick(r.seq)
        try:
            await state.bus.publish(Event(seq=r.seq, id=r.id, version=r.version, kind=r.kind))
        except Exception:  # the bus is a wake-up signal only: the store poll still delivers
            log.warning("bus publish failed", exc_info=True)

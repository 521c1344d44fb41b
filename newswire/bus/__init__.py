"""Buses, found by the scheme of the bus URL (``memory://``, ``nats://127.0.0.1:4222``).

The bus tells delivery that a new item version was stored: see ``newswire.bus.base`` for
the contract (a wake-up signal with the seq; the store stays the source of truth).
"""

from __future__ import annotations

import importlib

from newswire.bus.base import Bus, Event, Kind, Lost, Overflow, Subscription
from newswire.errors import BadInput

# scheme -> "module:class"; a backend module is imported only when its scheme is used.
BACKENDS: dict[str, str] = {
    "memory": "newswire.bus.memory:MemoryBus",
    "nats": "newswire.bus.nats:NatsBus",
}

__all__ = ["BACKENDS", "Bus", "Event", "Kind", "Lost", "Overflow", "Subscription", "open_bus"]


def open_bus(url: str) -> Bus:
    """The bus at ``url``: ``memory://`` or ``nats://host:port?stream=NAME&subject=SUBJECT``."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    target = BACKENDS.get(scheme)
    if target is None:
        known = ", ".join(f"{s}://" for s in BACKENDS)
        raise BadInput(f"unsupported bus URL {url!r} (known: {known})", field="bus")
    module, cls = target.split(":")
    bus: Bus = getattr(importlib.import_module(module), cls)(url)
    return bus

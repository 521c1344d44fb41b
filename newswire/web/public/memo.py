"""What the public site knows of the store between two log entries, so that most requests
need neither the store nor a worker thread.

The hub (``newswire.delivery.hub``) is the one reader of the event log in a process: its
``position`` is the last entry it has read. Every change to what the public may see is a
log entry (a publish, an update, a withdrawal, an embargo lift), so what was worked out
while the hub stood at position P still holds while it stands at P. Two cases need care,
and ``position`` returns None (trust nothing remembered) for the first:

- this process's own writes reach the hub a moment after they are acknowledged; until they
  do they wait in ``hub.published``, so a reader sees at once what an editor has just
  published or withdrawn through this server;
- writes by other processes (``newswire ingest`` beside the server, other nodes) reach the
  hub through the bus at once, or through its store poll within half a second.

Time matters too: an item under embargo becomes public at its time, so what is known of it
holds only until then (``Known.until``).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import msgspec

from newswire.model import as_utc
from newswire.store.base import Stored
from newswire.web import urls


def position(app: Any) -> int | None:
    """The log position the site may trust what it remembers at, or None: not now."""
    hub = getattr(app.state, "hub", None)
    if hub is None or hub.published:
        return None
    position: int = hub.position
    return position


class Known(msgspec.Struct, frozen=True):
    """What the public may see of one item id, worked out at log position ``position``."""

    position: int | None
    until: float
    """The time (``time.time()``) after which it must be worked out again: an embargo ends."""
    status: int
    """200 (public), 404 (unknown, or not public yet), 410 (withdrawn)."""
    id: str = ""
    version: int = 0
    code: str = ""
    """The language of the item's address (``urls.lang_code``)."""
    language: str = ""
    path: str = ""
    links: str = ""
    """What the page links to through signed links (``newswire.web.public.pictures``):
    ``""`` nothing, ``"self"`` the item's own preview, or ``"{id}\x1f{version}"`` of the
    story's picture; part of the page's key, with the links' window."""

    def holds(self, at: int | None, now: float) -> bool:
        return at is not None and self.position == at and now < self.until


def learn(
    found: Stored | None,
    history: list[Stored],
    now: datetime,
    at: int | None,
    *,
    links: str = "",
    until: float = math.inf,
) -> Known:
    """``Known`` from ``public_version``'s answer (``found``) for ``history`` at ``now``;
    ``links`` and ``until`` (when they may change) from its picture."""
    ends = [
        as_utc(s.item.embargo_until).timestamp()
        for s in history
        if s.item.embargo_until is not None and as_utc(s.item.embargo_until) > now
    ]
    until = min([*ends, until])
    if found is None:
        return Known(position=at, until=until, status=404)
    item = found.item
    return Known(
        position=at,
        until=until,
        status=410 if item.pubstatus == "canceled" else 200,
        id=item.id,
        version=item.version,
        code=urls.lang_code(item),
        language=item.language,
        path=urls.item_path(item),
        links=links,
    )

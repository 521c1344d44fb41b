"""The public's listings: which items the public site lists, and in what order.

Whether the public may see an item at all is the one entitlement rule
(``newswire.access.entitlement.public_version``: teasers of every item, nothing under
embargo, a withdrawn item gone); this module lists the latest public items cheaply.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from newswire.access import taxonomy
from newswire.access.entitlement import PUBLIC, public_version
from newswire.model import NewsItem, as_utc
from newswire.store import Store

__all__ = ["PUBLIC", "as_published", "first_public", "listing", "main_subject", "public_time", "within"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

def _plainly_public(item: NewsItem, now: datetime) -> bool:
    return item.pubstatus == "usable" and (
        item.embargo_until is None or as_utc(item.embargo_until) <= now
    )


def listing(
    store: Store,
    now: datetime,
    *,
    language: str | None = None,
    subject: str = "",
    limit: int = 50,
    scan: int = 200,
    since: datetime | None = None,
) -> list[NewsItem]:
    """The latest public versions of the most recently changed items, newest first:
    never a withdrawn one, one under embargo or a withheld one. ``subject``: only items
    with a subject within this Media Topic; ``since``: only items first published then
    or later. Reads ``scan`` items at most (one query, plus one per item whose latest
    version is an update still under embargo)."""
    out: list[NewsItem] = []
    for stored in store.latest(language=language, limit=scan):
        item = stored.item
        if not _plainly_public(item, now):
            if item.pubstatus != "usable" or item.replaces is None:
                continue
            found = public_version(store.versions(item.id), now)  # an update under embargo
            if found is None or found.item.pubstatus != "usable":
                continue
            item = found.item
        if subject and not within(item, subject):
            continue
        if since is not None and (first_public(item) or now) < since:
            continue
        out.append(item)
    out.sort(key=public_time, reverse=True)
    return out[:limit]


def public_time(item: NewsItem) -> datetime:
    """When the item became public: its version time, or its embargo lift if later."""
    times = [as_utc(t) for t in (item.versioncreated, item.embargo_until) if t is not None]
    return max(times) if times else _EPOCH


def first_public(item: NewsItem) -> datetime | None:
    """When the item was first public: first published (``firstcreated``, else its version
    time), or its embargo lift if that is later. An item filed on Friday under embargo
    until Monday was published on Monday: in the News sitemap from then on (not left out
    as two days old), and so dated there and in its page's structured data."""
    times = [as_utc(t) for t in (item.firstcreated or item.versioncreated, item.embargo_until) if t]
    return max(times) if times else None


def as_published(item: NewsItem) -> NewsItem:
    """``item`` dated as the public got it: first published at ``first_public``, this
    version at ``public_time`` (both its embargo lift when that is later), so feeds and
    lists do not show a story lifted today under the day it was filed."""
    if item.embargo_until is None:
        return item
    return msgspec.structs.replace(
        item, firstcreated=first_public(item), versioncreated=public_time(item)
    )


def within(item: NewsItem, subject: str) -> bool:
    return any(
        taxonomy.is_within(code, subject)
        for concept in item.subjects
        for code in (concept.code, concept.uri)
        if code
    )


def main_subject(item: NewsItem) -> str:
    """The top-level Media Topic of the item's first Media Topic subject (``""``: none)."""
    for concept in item.subjects:
        for code in (concept.code, concept.uri):
            line = taxonomy.lineage(code) if code else []
            if line and taxonomy.known(line[-1]):
                return line[-1]
    return ""

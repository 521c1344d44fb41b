"""The public's listings: which items the public site lists, and in what order.

Whether the public may see an item at all is the one entitlement rule
(``newswire.access.entitlement.public_version``: teasers of every item, nothing under
embargo, a withdrawn item gone); this module lists the latest public items cheaply,
and dates them as the public got them (``first_public``): from the first moment one of
their versions was public, not from when the agency filed the first one, which may have
been under an embargo no one outside the agency saw lifted (the subscribers' formats keep
the agency's own times). That moment is read from an update's history once (``Site.firsts``
remembers it): it never changes once the version shown is public.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

import msgspec

from newswire.access import taxonomy
from newswire.access.entitlement import PUBLIC, public_version
from newswire.model import NewsItem, as_utc
from newswire.store import Store
from newswire.store.base import Stored, never_lifted
from newswire.web.public.cache import LRU

__all__ = [
    "PUBLIC", "FirstPublic", "Page", "as_published", "first_public", "listing", "main_subject",
    "paged", "public_from", "public_time", "within",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

def _plainly_public(item: NewsItem, now: datetime) -> bool:
    return item.pubstatus == "usable" and (
        item.embargo_until is None or as_utc(item.embargo_until) <= now
    )


FirstPublic = LRU[tuple[datetime | None]]
"""Each item's first public moment (``first_public``) by (id, version) of the version the
public reads: a fact about versions stored and replaced, true for good once worked out."""


def listing(
    store: Store,
    now: datetime,
    *,
    language: str | None = None,
    subject: str = "",
    limit: int = 50,
    scan: int = 200,
    since: datetime | None = None,
    firsts: FirstPublic | None = None,
) -> list[NewsItem]:
    """The latest public versions of the most recently changed items, newest first, each
    dated as the public got it (``as_published``): never a withdrawn one, one under
    embargo or a withheld one. ``subject``: only items with a subject within this Media
    Topic; ``since``: only items first published then or later. Reads ``scan`` items at
    most (one query, plus one per item whose latest version is an update still under
    embargo, or an update whose first public moment ``firsts`` does not hold yet)."""
    out: list[NewsItem] = []
    for stored in store.latest(language=language, limit=scan):
        found = _shown(store, stored, now, subject, firsts)
        if found is None:
            continue
        item, first = found
        if since is not None and (first or now) < since:
            continue
        out.append(as_published(item, first))
    out.sort(key=public_time, reverse=True)
    return out[:limit]


class Page(NamedTuple):
    """A page of a list (``paged``)."""

    items: list[NewsItem]
    """Newest first, dated as the public got them (``as_published``)."""
    older: int | None
    """Where the next, older page starts (its ``before``); None: there is none."""


def paged(
    store: Store,
    now: datetime,
    *,
    language: str,
    subject: str = "",
    limit: int = 50,
    scan: int = 500,
    most: int = 2000,
    before: int | None = None,
    firsts: FirstPublic | None = None,
) -> Page:
    """``limit`` of the items ``listing`` lists (public, within ``subject``), taken in the
    store's order (by their latest version's sequence number, newest first) from below
    ``before``, shown newest first. The next page starts below the last one taken, so
    that every item is on one page and one only, however the pages change meanwhile, and
    no page is an offset to count again; the price: an item the public got later than
    the store did (an embargo lifted hours after its filing) is on the page of its filing.

    Reads ``scan`` items at a time, until one more than ``limit`` turned up (so that
    ``older`` is given only when there is something older to show) or the store has no
    more, at most ``most`` in all (a bounded cost, whatever the archive holds). When
    ``most`` ran out first, the page is what those held, maybe fewer than ``limit`` (a
    topic the language seldom has), and ``older`` goes on from the last one read: every
    story of a topic is on some page, however rare the topic."""
    taken: list[NewsItem] = []
    last = 0  # the sequence number of the last item taken
    read = 0
    while read < most:
        asked = min(scan, most - read)
        rows = store.latest(language=language, limit=asked, before=before)
        for stored in rows:
            found = _shown(store, stored, now, subject, firsts)
            if found is None:
                continue
            if len(taken) == limit:
                return Page(_newest_first(taken), last)
            taken.append(as_published(*found))
            last = stored.seq
        read += len(rows)
        if len(rows) < asked:
            return Page(_newest_first(taken), None)  # the store has no more
        before = rows[-1].seq
    # Read all it may: older ones go on below the last read, if there are any.
    more = store.latest(language=language, limit=1, before=before)
    return Page(_newest_first(taken), before if more else None)


def _newest_first(items: list[NewsItem]) -> list[NewsItem]:
    return sorted(items, key=public_time, reverse=True)


def _shown(
    store: Store, stored: Stored, now: datetime, subject: str, firsts: FirstPublic | None
) -> tuple[NewsItem, datetime | None] | None:
    """The version of ``stored``'s item (its latest version) the public reads and when it
    first could (``first_public``); None when the public may read none (withdrawn, under
    embargo, withheld) or it is not within ``subject``. Reads the item's history only for
    an update under embargo (the version before it may be public)."""
    history: list[Stored] | None = None
    if not _plainly_public(stored.item, now):
        if stored.item.pubstatus != "usable" or stored.item.replaces is None:
            return None
        history = store.versions(stored.item.id)  # an update under embargo
        found = public_version(history, now)
        if found is None or found.item.pubstatus != "usable":
            return None
        stored = found
    if subject and not within(stored.item, subject):
        return None
    return stored.item, _first_public(store, stored, history, firsts)


def _first_public(
    store: Store, shown: Stored, history: list[Stored] | None, firsts: FirstPublic | None
) -> datetime | None:
    """``first_public`` of ``shown``, reading its history only for an update (a first
    version is the first public one), and only once while ``firsts`` remembers it."""
    if shown.item.replaces is None:
        return public_from(shown.item)

    def make() -> tuple[datetime | None]:
        return (first_public(history or store.versions(shown.item.id), shown),)

    key = (shown.item.id, shown.item.version)
    return (firsts.get_or_make(key, make) if firsts is not None else make())[0]


def public_time(item: NewsItem) -> datetime:
    """When this version became public: its version time, or its embargo lift if later."""
    times = [as_utc(t) for t in (item.versioncreated, item.embargo_until) if t is not None]
    return max(times) if times else _EPOCH


def public_from(item: NewsItem) -> datetime | None:
    """When this version was public from, if it ever was: its time (a first version's,
    when first created) or its embargo lift if that is later."""
    own = item.firstcreated or item.versioncreated if item.replaces is None else item.versioncreated
    times = [as_utc(t) for t in (own, item.embargo_until) if t]
    return max(times) if times else None


def first_public(history: list[Stored], shown: Stored) -> datetime | None:
    """When the public could first read the item whose version ``shown`` it reads now
    (``history``: every version, oldest first): the earliest moment one of the versions up
    to ``shown`` was public (``public_from``). A version replaced before its embargo
    lifted never was (``never_lifted``), nor a withheld one: a story filed on Friday under
    embargo until Monday and sent again on Saturday without one (the embargo lifted early)
    was first public on Saturday, not Friday; one corrected after its lift, at the lift.
    A fact about versions already replaced: it never changes once ``shown`` is public."""
    times = [
        when
        for s in history
        if s.item.version <= shown.item.version
        and s.item.pubstatus == "usable"
        and not never_lifted(s, history)
        and (when := public_from(s.item)) is not None
    ]
    return min(times, default=None)


def as_published(item: NewsItem, first: datetime | None) -> NewsItem:
    """``item`` dated as the public got it: first published at ``first`` (``first_public``),
    this version at ``public_time`` (its embargo lift when that is later), so pages, feeds
    and lists show neither a story lifted today under the day it was filed nor one sent
    again without its embargo under the time of the embargoed version no one could read."""
    dated = public_time(item) if item.embargo_until is not None else item.versioncreated
    if first == item.firstcreated and dated == item.versioncreated:
        return item
    return msgspec.structs.replace(item, firstcreated=first, versioncreated=dated)


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

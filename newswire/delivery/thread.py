"""A story's thread as a reader may see it: the stories an item is linked with.

Enrichment (``newswire.enrich.threads``), a source or an editor links an item to the
stories it goes with: associations of type ``text`` (the same story under another id, a
follow-up). Each item carries its own outgoing links; the store lists the items whose
latest version links to an item (``Store.linking``). ``thread`` puts both together, each
story judged with the one entitlement rule (``access.entitlement.visible``), for the
subscriber portal's item page and for ``GET /v1/items/{id}/thread`` alike: one order, one
bound, one judgement of what a reader may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from newswire.access.auth import Principal
from newswire.access.entitlement import visible
from newswire.errors import NotFound
from newswire.model import Association, NewsItem, from_uri
from newswire.store.base import Store, Stored

THREAD_SIZE = 20
"""The most stories a thread lists."""
THREAD_LOOKS = 2 * THREAD_SIZE
"""The most stories linking to an item read to find those its reader may see."""

Direction = Literal["links_to", "linked_from"]


@dataclass(frozen=True, slots=True)
class Linked:
    """A story of an item's thread: the version of it the reader may see, and the link."""

    shown: Stored
    """The version of the story the reader may see (the latest it may)."""
    association: Association
    """The link: the item's association to the story, or the story's to the item."""
    linking: bool = False
    """The story links to the item (a later development), rather than the item to it."""
    label: str = ""
    """A headline to fall back on (the item's association's own)."""
    embargoed: bool = False
    """The reader sees the story before its embargo lifts (a product delivering early,
    ``Grant.embargoed``): to be marked so, as the story itself is."""

    @property
    def headline(self) -> str:
        item = self.shown.item
        return item.headline or self.label or item.id

    @property
    def direction(self) -> Direction:
        return "linked_from" if self.linking else "links_to"


def thread(store: Store, principal: Principal, item: NewsItem) -> list[Linked]:
    """The stories ``item`` is linked with (associations of type text: the same story
    under another id, or a related one), those the principal may see: first those
    ``item`` links to (its associations, in their order), then those that link to it
    (``linking``: the stories whose latest version links to it, the most recently stored
    first, ``Store.linking``: the same story filed again, its follow-ups), each once, at
    most ``THREAD_SIZE`` in all, half of them kept for those linking when there are as
    many: an original's thread shows its newest developments, however many stories it
    links to itself. A withdrawn story is listed (its link stays until ``newswire enrich
    --all``): the reader is told it is withdrawn."""
    linked = links_to(store, principal, item)
    room = THREAD_SIZE - min(len(linked), THREAD_SIZE // 2)
    seen = {item.id, *(s.shown.item.id for s in linked)}
    linking = linked_from(store, principal, item, seen, room)
    return linked[: THREAD_SIZE - len(linking)] + linking


def links_to(store: Store, principal: Principal, item: NewsItem) -> list[Linked]:
    """The stories ``item``'s associations link to that the principal may see."""
    out: list[Linked] = []
    seen = {item.id}
    for association in item.associations:
        if association.type != "text" or from_uri(association.id) in seen:
            continue
        seen.add(from_uri(association.id))
        if len(seen) > THREAD_LOOKS + 1:  # as many read as of those linking, at most
            break
        try:
            shown, granted = visible(principal, store, association.id, None)
        except NotFound:
            continue  # not the subscriber's, under embargo, or not there: not linked
        label = association.headline
        out.append(Linked(shown, association, label=label, embargoed=granted.embargoed))
        if len(out) >= THREAD_SIZE:
            break
    return out


def linked_from(
    store: Store, principal: Principal, item: NewsItem, seen: set[str], want: int
) -> list[Linked]:
    """Up to ``want`` of the stories linking to ``item`` that the principal may see (and
    not in ``seen``, which gets them), as the version it sees links (not the latest, when
    that is one it may not see yet: an update under embargo tells nothing of its links),
    the most recently stored first. At most ``THREAD_LOOKS`` of them are read: a thread
    costs a bounded number of reads, whatever the archive holds."""
    out: list[Linked] = []
    if item.type != "text":
        # Stories link a picture or a video as such (its type), never as a story: asking
        # for the stories among them would read every story the picture illustrates.
        return out
    looked, before = 0, None
    while len(out) < want and looked < THREAD_LOOKS:
        asked = min(THREAD_SIZE, THREAD_LOOKS - looked)
        page = store.linking(item.id, type="text", before=before, limit=asked)
        for link in page:
            looked += 1
            if link.id in seen:
                continue
            seen.add(link.id)
            try:
                shown, granted = visible(principal, store, link.id, None)
            except NotFound:
                continue  # not the subscriber's, under embargo, or gone meanwhile
            association = next(
                (
                    a
                    for a in shown.item.associations
                    if a.type == "text" and from_uri(a.id) == item.id
                ),
                None,
            )
            if association is None:
                continue  # its latest version links, not the one the reader may see
            out.append(Linked(shown, association, linking=True, embargoed=granted.embargoed))
            if len(out) >= want:
                break
        if len(page) < asked:
            break
        before = page[-1].seq
    return out

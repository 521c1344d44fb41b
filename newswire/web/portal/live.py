"""The portal's live wire: ``/portal/stream`` events, the wire's filters, topic matching.

The stream is a listener of the server's hub (``Hub.listen`` with the session's
principal, channel ``portal``), so the entitlement, embargo and withdrawal rules are
exactly the API's: the hub decides which log entries the principal gets, full text or
teaser. Each entry becomes a small JSON event for the page: headline, dateline, time,
urgency, whether it is an update or a correction of an item already out (``signal``, as
the item says), whether it passes the page's filters (``shown``), the names of the
account's saved searches it matches (``topics``) and the thumbnail the wire page would
show for it (``thumb``: a picture or video item's own, a story's first picture the
account may see; ``files.thumbnail``, the wire page's rule). Nothing of the body is sent.

**Topic matching** evaluates each topic's query on the new item directly, with the same
parser (``newswire.search.query``) and the same analysis (``newswire.text.analyze``, in
the item's language) as the search index, over the same fields (headline, lead, body,
entities, keywords) and only the text the account may read (the teaser for teaser
access). This rather than asking the index: the index takes in a new item a little
after the hub delivers it, so a query restricted to the item's id could miss it; here the
answer is known when the event is sent. Words must all match, ``"phrases"`` match
consecutive terms within one field, ``OR`` groups need one option, ``-excluded`` none.
"""

from __future__ import annotations

from typing import Any, NamedTuple
from urllib.parse import quote

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.types import Send

from newswire.access import taxonomy
from newswire.access.accounts import Topic
from newswire.access.auth import Principal
from newswire.access.entitlement import Access, Grant
from newswire.access.products import (
    NORMAL_URGENCY,
    entities_of,
    fold_set,
    parse_urgency,
    places_of,
)
from newswire.delivery.hub import Hub, Listener, Out
from newswire.delivery.renderer import Renderer
from newswire.delivery.sse import EventStream
from newswire.errors import BadInput, NotFound
from newswire.model import ITEM_TYPES, NewsItem
from newswire.search import query as q
from newswire.store.base import Store, Stored
from newswire.text.analyze import terms
from newswire.validation import LANGUAGE_TAG
from newswire.web.i18n import text_dir
from newswire.web.portal import files
from newswire.web.portal.pages import Clock, heading

FLASH_URGENCY = 2
"""Urgency 1 (flash) and 2 (urgent) are highlighted on the wire."""
MAX_ENTITY = 200
"""The longest place, person or organisation filter (as the search API's ``entity``)."""


class Filters(NamedTuple):
    """The wire's (and a topic's) filters: a language, a Media Topic, an urgency range,
    and (not a topic's) a place, person or organisation the item names, by name or id."""

    language: str = ""
    subject: str = ""
    urgency: str = ""
    entity: str = ""
    type: str = ""
    """Only items of this type (``text``, ``picture``, …; not a topic's either)."""
    named: frozenset[str] = frozenset()
    """What ``entity`` matches, folded: itself and the ids of what it names
    (``newswire.enrich.pipeline.named_terms``); only ``entity`` itself when empty."""

    @classmethod
    def of(
        cls,
        language: str | None,
        subject: str | None,
        urgency: str | None,
        entity: str | None = None,
        kind: str | None = None,
    ) -> Filters:
        """Checked filters (``BadInput`` naming the one at fault)."""
        language = (language or "").strip()
        subject = (subject or "").strip()
        urgency = (urgency or "").strip()
        entity = (entity or "").strip()
        kind = (kind or "").strip()
        if kind and kind not in ITEM_TYPES:
            raise BadInput(f"type is {', '.join(ITEM_TYPES)}, not {kind[:20]!r}", field="type")
        if len(entity) > MAX_ENTITY:
            raise BadInput(f"entity is longer than {MAX_ENTITY} characters", field="entity")
        if language and not LANGUAGE_TAG.fullmatch(language):
            raise BadInput(f"{language[:20]!r} is not a language tag", field="language")
        if subject:
            code = taxonomy.qcode(subject)
            if not code or not taxonomy.known(code):
                raise BadInput(f"{subject[:20]!r} is not an IPTC Media Topic", field="subject")
            subject = code
        if urgency:
            low, high = parse_urgency(urgency)
            urgency = str(low) if low == high else f"{low}-{high}"
        return cls(language, subject, urgency, entity, kind)

    def asked(self) -> str:
        """The filters the reader set, as a URL query (``language=ar&type=picture``):
        ``named`` is derived from ``entity``, not asked for."""
        fields = self._replace(named=frozenset())._asdict()
        return "&".join(f"{k}={quote(v)}" for k, v in fields.items() if v)

    def admits(self, item: NewsItem) -> bool:
        if self.type and item.type != self.type:
            return False
        if self.language:
            tag, wanted = item.language.lower(), self.language.lower()
            if tag != wanted and not tag.startswith(wanted + "-"):
                return False
        if self.subject and not any(
            taxonomy.is_within(code, self.subject)
            for concept in item.subjects
            for code in (concept.code, concept.uri)
            if code
        ):
            return False
        if self.urgency:
            low, high = parse_urgency(self.urgency)
            urgency = NORMAL_URGENCY if item.urgency is None else item.urgency
            if not low <= urgency <= high:
                return False
        if self.entity:
            named = fold_set(places_of(item)) | fold_set(entities_of(item))
            if not (self.named or fold_set([self.entity])) & named:
                return False
        return True


def topic_filters(topic: Topic) -> Filters:
    return Filters(topic.lang, topic.subject, topic.urgency)


def matches(topic: Topic, item: NewsItem) -> bool:
    """Whether ``item`` (as the account may read it) matches the saved search ``topic``."""
    try:
        if not topic_filters(topic).admits(item):
            return False
        parsed = q.parse(topic.query)
    except BadInput:
        return False
    lang = item.language
    names = [e.name for e in item.entities]
    if item.dateline is not None:
        names += [item.dateline.place, item.dateline.place_latin]
    fields = [
        terms(text, lang)
        for text in (
            item.headline,
            item.lead,
            "\n".join(item.body),
            "\n".join(n for n in names if n),
            "\n".join(item.keywords),
        )
        if text
    ]

    def found(text: str) -> bool:
        wanted = terms(text, lang)
        if not wanted:
            return False
        n = len(wanted)
        return any(
            field[i : i + n] == wanted for field in fields for i in range(len(field) - n + 1)
        )

    def clause(node: q.Word | q.Phrase | q.AnyOf) -> bool:
        if isinstance(node, q.Word):
            return found(node.text)
        if isinstance(node, q.Phrase):
            return found(" ".join(node.words))
        return any(clause(option) for option in node.options)

    return all(clause(c) for c in parsed.must) and not any(clause(c) for c in parsed.must_not)


# --- events --------------------------------------------------------------------------------


class Head(msgspec.Struct):
    """What the portal reads of a hub envelope (the item itself is read from the store)."""

    sequence: int
    kind: str
    id: str
    version: int
    access: Access
    embargoed: bool = False


_HEAD = msgspec.json.Decoder(Head)
_ENCODE = msgspec.json.Encoder().encode


def item_href(item_id: str) -> str:
    return "/portal/items/" + quote(item_id, safe=":@")


def event_of(
    head: Head,
    item: NewsItem,
    filters: Filters,
    topics: list[Topic],
    thumb: dict[str, Any] | None = None,
    clock: Clock = Clock(),
) -> dict[str, Any]:
    """The JSON the page gets for one entry (``item`` already as the account may read it;
    ``thumb``: its wire thumbnail, ``files.thumbnail``; its time as ``clock`` shows it)."""
    when, when_text = clock.stamp(item.versioncreated)
    withdrawn = head.kind == "withdraw" or item.pubstatus == "canceled"
    dateline = item.dateline.text or item.dateline.place if item.dateline else ""
    return {
        "seq": head.sequence,
        "kind": head.kind,
        "id": item.id,
        "version": item.version,
        "href": item_href(item.id),
        "headline": heading(item),
        "dateline": dateline,
        "language": item.language,
        "dir": text_dir(item.language),
        "time": when,
        "time_text": when_text,
        "urgency": item.urgency,
        "flash": item.urgency is not None and item.urgency <= FLASH_URGENCY,
        "access": head.access,
        "embargoed": head.embargoed,
        "withdrawn": withdrawn,
        "signal": "" if withdrawn else item.signal or "",
        "shown": withdrawn or filters.admits(item),
        "topics": [] if withdrawn else [t.name for t in topics if matches(t, item)],
        "thumb": None if withdrawn or thumb is None else {
            "src": thumb["thumb"],
            "width": thumb["thumb_width"],
            "height": thumb["thumb_height"],
            "alt": thumb["alt"],
            "lang": thumb["language"],
        },
    }


def entry(
    stored: Stored, item: NewsItem, access: str, embargoed: bool, clock: Clock
) -> dict[str, Any]:
    """A row of the wire (the page's first list; the stream adds rows like it)."""
    when, when_text = clock.stamp(item.versioncreated or stored.stored_at)
    return {
        "id": item.id,
        "version": item.version,
        "href": item_href(item.id),
        "headline": heading(item),
        "dateline": (item.dateline.text or item.dateline.place) if item.dateline else "",
        "language": item.language,
        "dir": text_dir(item.language),
        "time": when,
        "time_text": when_text,
        "urgency": item.urgency,
        "flash": item.urgency is not None and item.urgency <= FLASH_URGENCY,
        "access": access,
        "embargoed": embargoed,
        "withdrawn": item.pubstatus == "canceled",
        "signal": "" if item.pubstatus == "canceled" else item.signal or "",
    }


def frames(
    store: Store,
    renderer: Renderer,
    principal: Principal,
    account_id: str,
    outs: list[Out],
    filters: Filters,
    clock: Clock,
) -> bytes:
    """The SSE frames of ``outs`` for the page (in a worker thread: it reads the store)."""
    topics = store.topics.list(account_id)
    data = []
    for out in outs:
        head = _HEAD.decode(out.data)
        try:
            stored = store.get(head.id, head.version)
        except NotFound:
            continue
        item = renderer.view(stored.item, head.access)
        thumb = files.thumbnail(store, principal, stored, Grant(head.access, head.embargoed))
        event = _ENCODE(event_of(head, item, filters, topics, thumb, clock))
        data.append(b"id: %d\nevent: %s\ndata: %s\n\n" % (head.sequence, head.kind.encode(), event))
    return b"".join(data)


class PortalStream(EventStream):
    """``/v1/stream``'s loop (``EventStream``), each batch of entries turned into portal
    events for this account (its filters, its topics) in a worker thread."""

    retry = b"retry: 3000\n"

    def __init__(
        self,
        hub: Hub,
        listener: Listener,
        principal: Principal,
        account_id: str,
        filters: Filters,
        clock: Clock,
    ):
        super().__init__(hub, listener)
        self.raw_headers = self.raw_headers[:3]  # no X-Newswire-After: a page's stream
        self.principal, self.account_id, self.filters = principal, account_id, filters
        self.clock = clock

    async def write(self, send: Send, outs: list[Out]) -> None:
        hub = self.hub
        data = await run_in_threadpool(
            frames, hub.store, hub.renderer, self.principal, self.account_id, outs, self.filters,
            self.clock,
        )
        if data:
            await send({"type": "http.response.body", "body": data, "more_body": True})
        self.listener.sent(outs)

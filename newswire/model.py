"""The one domain model: a news item version and the small values it is made of.

A ``NewsItem`` is one *version* of a story. The store keeps every version; a new version
has the same ``id`` and a higher ``version``. Formats translate bytes to and from this
model and nothing else (see ``newswire.formats``).

The model is a ``msgspec.Struct``: typed, fast to encode and decode (the store keeps
items as canonical JSON of this model), and without behaviour of its own beyond small
derived values. Body text is kept twice on purpose: ``body`` as plain paragraphs (what
teasers, search and plain-text formats use) and ``body_html`` as a sanitised XHTML
fragment (what rich formats carry); ``newswire.formats.html.make_body`` keeps them in
step.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, TypeGuard

import msgspec

PubStatus = Literal["usable", "withheld", "canceled"]
Signal = Literal["update", "correction"]
EntityKind = Literal["person", "organisation", "place", "event", "object"]
ItemType = Literal["text", "picture", "video", "graphic"]
"""What an item is (ninjs ``type``): a story, or a photo, a video or a graphic."""
ITEM_TYPES: tuple[str, ...] = ("text", "picture", "video", "graphic")

PUBSTATUSES: tuple[str, ...] = ("usable", "withheld", "canceled")
SIGNALS: tuple[str, ...] = ("update", "correction")
ENTITY_KINDS: tuple[str, ...] = ("person", "organisation", "place", "event", "object")


def is_pubstatus(value: str) -> TypeGuard[PubStatus]:
    return value in PUBSTATUSES


def is_signal(value: str) -> TypeGuard[Signal]:
    return value in SIGNALS


class Dateline(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Where and by whom a story was filed: ``أنقرة/ الأناضول``, ``PARIS (AFP) —``."""

    place: str = ""
    """The place as written in the item's language (``أنقرة``)."""
    place_latin: str = ""
    """The place in Latin script when the item gives it (``Ankara``)."""
    source: str = ""
    """The agency or source named in the dateline (``الأناضول``, ``AA``, ``AFP``)."""
    text: str = ""
    """The dateline line exactly as written in the item."""


class Concept(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A controlled-vocabulary term: an IPTC Media Topic, a genre, ..."""

    code: str
    """A QCode, e.g. ``medtop:11000000`` or ``genre:Current``."""
    name: str = ""
    uri: str = ""


class Entity(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A person, organisation, place, event or object the item is about or mentions."""

    kind: EntityKind
    name: str
    id: str = ""
    """A URI or QCode identifying the entity (wikidata, geonames, ...)."""
    rel: str = ""
    """How the item relates to it: ``about``, ``mentions``, ..."""


class Link(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A related item."""

    uri: str
    rel: str = "related"
    title: str = ""


class NewsItem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One version of a news item."""

    id: str
    """A stable URI; the same for every version of the story."""
    type: ItemType = "text"
    version: int = 1
    language: str = ""
    """BCP 47 tag (``ar``, ``en-GB``)."""
    headline: str = ""
    lead: str = ""
    """The summary paragraph under the headline."""
    body: list[str] = msgspec.field(default_factory=list)
    """Plain-text paragraphs."""
    body_html: str = ""
    """The same body as a sanitised XHTML fragment (``<p>…</p>…``)."""
    dateline: Dateline | None = None
    byline: str = ""
    urgency: int | None = None
    """IPTC urgency, 1 (flash) … 9 (lowest)."""
    genres: list[Concept] = msgspec.field(default_factory=list)
    subjects: list[Concept] = msgspec.field(default_factory=list)
    keywords: list[str] = msgspec.field(default_factory=list)
    entities: list[Entity] = msgspec.field(default_factory=list)
    firstcreated: datetime | None = None
    versioncreated: datetime | None = None
    embargo_until: datetime | None = None
    pubstatus: PubStatus = "usable"
    signal: Signal | None = None
    """Why this version exists when it is not the first: an update or a correction."""
    replaces: int | None = None
    """The version of the same item that this version replaces."""
    related: list[Link] = msgspec.field(default_factory=list)
    slugline: str = ""
    ednote: str = ""
    """A note from the editors to the subscribers' editors, never for publication."""
    provider: str = ""
    """The agency that provides the item."""
    copyright_holder: str = ""
    copyright_notice: str = ""
    usage_terms: str = ""
    footer: str = ""
    """Agency boilerplate (a subscription notice, ...) kept apart from the body."""

    def entities_of(self, kind: EntityKind) -> list[Entity]:
        return [e for e in self.entities if e.kind == kind]


def utcnow() -> datetime:
    """Now, in UTC, to the second (every format carries seconds, not microseconds)."""
    return datetime.now(UTC).replace(microsecond=0)


def as_utc(value: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def canonical(item: NewsItem) -> NewsItem:
    """``item`` with its non-empty default values as the model's own objects.

    msgspec leaves a field out of the JSON when its value *is* the default object, so a
    parsed ``"usable"`` (equal, but another object) would be written where the default
    would not, and the same item would encode, and hash, differently by where it came from.
    """
    related = item.related
    if any(link.rel == "related" and link.rel is not _RELATED for link in related):
        related = [
            msgspec.structs.replace(link, rel=_RELATED) if link.rel == "related" else link
            for link in related
        ]
    pubstatus = _USABLE if item.pubstatus == _USABLE else item.pubstatus
    kind = _TEXT if item.type == _TEXT else item.type
    language = language_tag(item.language)
    if (
        pubstatus is item.pubstatus
        and kind is item.type
        and related is item.related
        and language == item.language
    ):
        return item
    return msgspec.structs.replace(
        item, pubstatus=pubstatus, type=kind, related=related, language=language
    )


def language_tag(tag: str) -> str:
    """A BCP 47 tag in its conventional case: ``AR-eg`` -> ``ar-EG``, ``zh-hant`` -> ``zh-Hant``."""
    if not tag or (tag.islower() and "-" not in tag):
        return tag
    parts = tag.split("-")
    out = [parts[0].lower()]
    private = out[0] == "x"
    for part in parts[1:]:
        private = private or part.lower() == "x"
        if private:
            out.append(part.lower())  # private use: lower case throughout
        elif len(part) == 4 and part.isalpha():
            out.append(part.title())  # script
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())  # region
        else:
            out.append(part.lower())
    return "-".join(out)


_RELATED = Link(uri="").rel  # the default objects themselves
_USABLE = NewsItem(id="").pubstatus
_TEXT = NewsItem(id="").type
_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(NewsItem)


def to_json(item: NewsItem) -> bytes:
    """The canonical JSON of an item: how the store keeps it and export writes it."""
    return _ENCODER.encode(item)


def from_json(data: bytes | str) -> NewsItem:
    return _DECODER.decode(data)


def to_builtins(item: NewsItem) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.to_builtins(item)
    return data


def from_builtins(data: dict[str, Any]) -> NewsItem:
    return msgspec.convert(data, NewsItem)

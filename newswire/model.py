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

import re
import time
from datetime import UTC, datetime
from typing import Any, Literal, TypeGuard
from urllib.parse import quote, unquote

import msgspec

PubStatus = Literal["usable", "withheld", "canceled"]
Signal = Literal["update", "correction"]
EntityKind = Literal["person", "organisation", "place", "event", "object"]
ItemType = Literal["text", "picture", "video", "graphic", "audio"]
"""What an item is: IPTC's nature of news (ninjs ``type``, NewsML-G2 ``ninat:*``)."""

MACHINE = "machine"
"""The ``creator`` of what newswire's enrichment adds to an item (``newswire.enrich``):
what a source or an editor gave is never marked, and wins over it."""

MAPPED = "subjectcode-mapping"
"""The ``creator`` of a Media Topic newswire added to an item because the item carries an
IPTC Subject Code that IPTC maps to it (``newswire.access.taxonomy.with_media_topics``):
derived from what the source said, not found by enrichment, so it stays beside the
source's subjects (ninjs ``creator``; NewsML-G2 ``@creatoruri``)."""

PUBSTATUSES: tuple[str, ...] = ("usable", "withheld", "canceled")
SIGNALS: tuple[str, ...] = ("update", "correction")
ENTITY_KINDS: tuple[str, ...] = ("person", "organisation", "place", "event", "object")
ITEM_TYPES: tuple[str, ...] = ("text", "picture", "video", "graphic", "audio")
MEDIA_TYPES: tuple[str, ...] = ITEM_TYPES[1:]
"""The item types whose content is a file (renditions), not text."""


def is_pubstatus(value: str) -> TypeGuard[PubStatus]:
    return value in PUBSTATUSES


def is_signal(value: str) -> TypeGuard[Signal]:
    return value in SIGNALS


def is_item_type(value: str) -> TypeGuard[ItemType]:
    return value in ITEM_TYPES


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
    creator: str = ""
    """Who assigned it: empty for the item's source or an editor, ``MACHINE`` for
    newswire's own enrichment (ninjs ``creator``; NewsML-G2 ``@why="why:inferred"``),
    ``MAPPED`` for a Media Topic mapped from one of the item's IPTC Subject Codes."""
    confidence: int | None = None
    """How sure whoever assigned it is, 0 … 100 (ninjs and NewsML-G2 ``confidence``)."""


class Entity(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A person, organisation, place, event or object the item is about or mentions."""

    kind: EntityKind
    name: str
    id: str = ""
    """A URI or QCode identifying the entity (wikidata, geonames, ...)."""
    rel: str = ""
    """How the item relates to it: ``about``, ``mentions``, ..."""
    creator: str = ""
    """Who found it: empty for the item's source or an editor, ``MACHINE`` for
    newswire's own enrichment."""
    confidence: int | None = None
    """How sure whoever found it is, 0 … 100."""
    country: str = ""
    """A place's country, ISO 3166-1 alpha-2 (``TR``); a country's own code."""
    latitude: float | None = None
    """A place's coordinates, WGS 84 degrees (ninjs ``geoJSON`` Point)."""
    longitude: float | None = None


class Link(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A related item."""

    uri: str
    rel: str = "related"
    title: str = ""


class Rendition(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One file of a picture, video, graphic or audio item: the original, a preview, ...

    Names follow IPTC's rendition NewsCodes where one fits (``highRes``, ``preview``,
    ``thumbnail``, ``web``, ``print``); ``original`` is the file as it was received.
    """

    name: str
    href: str = ""
    """An absolute http(s) URL. The store leaves it empty for a file it keeps (``blob``):
    delivery fills it in before rendering; a parsed item keeps its provider's URL."""
    content_type: str = ""
    """The file's IANA media type (``image/jpeg``, ``video/mp4``)."""
    width: int | None = None
    """Pixels (pictures, graphics, video)."""
    height: int | None = None
    size: int | None = None
    """Bytes."""
    duration: float | None = None
    """Seconds (video, audio)."""
    video_codec: str = ""
    """The video's codec as ffprobe names it (``h264``, ``hevc``, ``prores``): ninjs 3.x
    ``videoCodec``."""
    frame_rate: float | None = None
    """Frames a second (video): ninjs 3.x ``frameRate``."""
    blob: str = ""
    """newswire's own content address of the stored file (SHA-256, hex). Internal: no
    format ever writes it."""


class Association(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Another item that goes with this one: the pictures and videos illustrating a story.

    ninjs ``associations[{name, rel, uri, type, headlines}]``; NewsML-G2 ``itemMeta/link``
    with an ``itemClass`` hint; NITF ``media``.
    """

    id: str
    """The associated item's id (its URI)."""
    type: ItemType = "picture"
    rel: str = "seeAlso"
    """How it relates to this item: an IPTC item-relation code without its ``irel:``
    alias (``seeAlso``), or a provider's own QCode or URI."""
    name: str = ""
    """Its name among this item's associations (ninjs ``name``: ``featuremedia``,
    ``photo1``); empty: formats that need one use the type."""
    headline: str = ""
    """A label for it (its headline or a short caption), so a reader need not fetch it."""
    creator: str = ""
    """``MACHINE`` when newswire's enrichment linked it (a story thread), else empty."""
    renditions: list[Rendition] = msgspec.field(default_factory=list)
    """Its files, so that a receiving system shows a story's picture without fetching the
    picture first (ninjs ``associations[].renditions``, a feed entry's enclosure). Of a
    media item this store holds, its renditions as they were when it was associated
    (``newswire.media.associations``), ``blob`` kept: delivery links each to the item's
    latest file of that name, which the caller's own entitlement to it opens or not."""


class NewsItem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One version of a news item."""

    id: str
    """A stable URI; the same for every version of the story."""
    version: int = 1
    type: ItemType = "text"
    """A story (``text``), or a ``picture``, ``video``, ``graphic`` or ``audio`` item
    whose content is its ``renditions``."""
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
    description: str = ""
    """What a picture or video shows: its caption (IPTC photo metadata Description)."""
    credit: str = ""
    """The credit line to print with it (``AA / Mustafa Kaya``): IPTC Credit Line."""
    contentcreated: datetime | None = None
    """When the content itself was made: the moment a photo was taken (Date Created)."""
    renditions: list[Rendition] = msgspec.field(default_factory=list)
    """The files of a picture, video, graphic or audio item."""
    associations: list[Association] = msgspec.field(default_factory=list)
    """The pictures, videos, ... that go with this item (a story's illustrations)."""
    rejected: list[str] = msgspec.field(default_factory=list)
    """What an editor took off this item of what the machine had added (entity ids,
    subject codes, associated item ids, see ``newswire.enrich.pipeline.key``): enrichment
    never adds them to it again. Internal: no format writes it; a new version keeps it."""

    def entities_of(self, kind: EntityKind) -> list[Entity]:
        return [e for e in self.entities if e.kind == kind]


_second: tuple[int, datetime] = (0, datetime.fromtimestamp(0, UTC))


_ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
BARE_ID = "urn:newswire:id:"
"""The URN under which an id that is no URI is written where a format needs a URI."""


def as_uri(ident: str) -> str:
    """``ident`` where a format needs a URI (ninjs ``uri``, Atom ``id``).

    An id is whatever the provider gave: NITF's ``doc-id`` and NewsML-G2's ``guid`` are
    free strings (NTB's NITF says ``NTB5df9281a-…_00``), which schemas requiring a URI
    refuse. Such an id is written as ``urn:newswire:id:`` and the id percent-encoded, and
    ``from_uri`` reads it back; an id that is a URI is written as it is.
    """
    if _ABSOLUTE_URI.match(ident):
        return ident
    return BARE_ID + quote(ident, safe="-._~!$&'()*+,;=:@/")


def from_uri(uri: str) -> str:
    """The id ``as_uri`` wrote as ``uri``."""
    return unquote(uri.removeprefix(BARE_ID)) if uri.startswith(BARE_ID) else uri


def utcnow() -> datetime:
    """Now, in UTC, to the second (every format carries seconds, not microseconds). The
    datetime is made once a second: every item answer and delivery asks for it."""
    global _second
    now = int(time.time())
    second = _second
    if second[0] != now:
        second = _second = (now, datetime.fromtimestamp(now, UTC))
    return second[1]


def as_utc(value: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


LINES = (
    "headline", "lead", "byline", "slugline", "ednote", "provider", "copyright_holder",
    "copyright_notice", "usage_terms", "footer", "description", "credit",
)  # fmt: skip
"""The one-line text fields: stored with runs of whitespace as one space, ends stripped,
as NewsML-G2 and NITF read them (XML text), so that an item in ninjs and the same item
back from an XML format are one version, not two."""


def _squash(text: str) -> str:
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def canonical(item: NewsItem) -> NewsItem:
    """``item`` with its non-empty default values as the model's own objects, and its
    one-line text fields (``LINES``) with their whitespace squashed.

    msgspec leaves a field out of the JSON when its value *is* the default object, so a
    parsed ``"usable"`` (equal, but another object) would be written where the default
    would not, and the same item would encode, and hash, differently by where it came from.
    """
    lines = {f: squashed for f in LINES if (squashed := _squash(v := getattr(item, f))) != v}
    if lines:
        item = msgspec.structs.replace(item, **lines)
    related = item.related
    if any(link.rel == "related" and link.rel is not _RELATED for link in related):
        related = [
            msgspec.structs.replace(link, rel=_RELATED) if link.rel == "related" else link
            for link in related
        ]
    pubstatus = _USABLE if item.pubstatus == _USABLE else item.pubstatus
    language = language_tag(item.language)
    kind = _TEXT if item.type == _TEXT else item.type
    associations = item.associations
    if associations and any(_loose(a) for a in associations):
        associations = [_canonical_association(a) for a in associations]
    if (
        pubstatus is item.pubstatus
        and related is item.related
        and language == item.language
        and kind is item.type
        and associations is item.associations
    ):
        return item
    return msgspec.structs.replace(
        item,
        pubstatus=pubstatus,
        related=related,
        language=language,
        type=kind,
        associations=associations,
    )


def _loose(a: Association) -> bool:
    """Whether ``a`` holds a default value that is not the default object itself."""
    return (a.type == _PICTURE and a.type is not _PICTURE) or (
        a.rel == _SEE_ALSO and a.rel is not _SEE_ALSO
    )


def _canonical_association(a: Association) -> Association:
    if not _loose(a):
        return a
    kind = _PICTURE if a.type == _PICTURE else a.type
    rel = _SEE_ALSO if a.rel == _SEE_ALSO else a.rel
    return msgspec.structs.replace(a, type=kind, rel=rel)


def language_tag(tag: str) -> str:
    """A BCP 47 tag in its conventional case: ``AR-eg`` -> ``ar-EG``, ``zh-hant`` -> ``zh-Hant``."""
    if not tag or (tag.islower() and "-" not in tag):
        return tag
    parts = tag.split("-")
    out = [parts[0].lower()]
    private = out[0] == "x"
    for part in parts[1:]:
        # From a singleton on (private use ``x``, an extension's ``u``): lower case.
        private = private or len(part) == 1
        if private:
            out.append(part.lower())  # private use, extensions: lower case throughout
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
_PICTURE = Association(id="").type
_SEE_ALSO = Association(id="").rel
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

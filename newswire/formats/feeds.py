"""Syndication feeds: RSS 2.0 and Atom 1.0 (render and parse), JSON Feed 1.1 (render only).

Rendered with ``feedgen``, parsed with ``feedparser`` (which knows real feeds' dialects).
Each entry carries:

- guid / ``atom:id`` = item id (``isPermaLink="false"``), title = headline, description /
  summary = lead, full body = ``body_html`` (RSS ``content:encoded``, Atom
  ``<content type="html">``, JSON Feed ``content_html``);
- published = ``firstcreated``, updated = ``versioncreated`` (``dcterms:modified`` in RSS);
- categories: a subject as term = QCode, label = name (RSS: the name as text, the QCode
  as ``domain``), a keyword as a bare term, a person, organisation, place, event or object
  as term = its id (else its name), label = its name, scheme = its IPTC Nature of a Concept
  URI (``http://cv.iptc.org/newscodes/cpnature/person``, ``…/geoArea`` for a place; RSS:
  the name as text, that URI as ``domain``: RSS loses the id). Feeds carry neither who
  assigned a subject or found an entity nor how sure they were, an entity's rel, country
  or coordinates. JSON Feed: subject, keyword and entity names as ``tags``, with the QCodes
  and ids in ``_newswire``;
- byline (``dc:creator`` in RSS, whose ``<author>`` must be an e-mail address), language
  (``xml:lang`` on the Atom entry, ``dc:language`` on the RSS item), rights;
- a picture, video, graphic or audio item: its caption as the description / summary when
  it has no lead, and one enclosure (RSS ``enclosure url length type``, Atom ``link
  rel="enclosure"``, JSON Feed ``attachments`` and, for an image, ``image``): its
  ``preview`` rendition, else its ``thumbnail`` (what a feed reader shows; the full-size
  files stay in the formats made for them). A story encloses its first picture's the same
  way, from the files its association carries (``enclosure``); in RSS, one without a lead
  then has its body as the description too, so that it has content (``content:encoded``).
  Read back, an entry without content but with
  an enclosure is a media item: its type from the enclosure's media type (``image/*`` a
  picture, ``video/*``, ``audio/*``), the enclosure its rendition (``preview`` for an
  image, else ``web``), its summary the caption.

A correction (signal ``correction``) keeps its id, and says so (``as_entry``): its title
begins ``CORRECTION:`` in the item's language (``تصحيح:``, ``DÜZELTME:``, ``CORRECTIF :``:
``newswire.formats.marks``), and it carries the category ``correction`` of IPTC's signal
scheme (``http://cv.iptc.org/newscodes/signal/``; RSS: the term as text, the scheme as
``domain``). A withdrawn item (pubstatus ``canceled``) is an entry under its own id that
says so: title ``WITHDRAWN: <headline>`` in its language, the notice and the reason as
summary and content, no body and no enclosure, and the category ``canceled`` of IPTC's
pubstatusg2 scheme (JSON Feed: ``_newswire.signal`` and ``_newswire.pubstatus``). Read
back, an entry with one of those categories is a correction (or a withdrawal) again, its
title without the word (any language's).

Dates: Atom's mandatory ``<updated>`` falls back to ``firstcreated``, then to the time of
rendering (the store stamps both dates, so only unstored items lack them); RSS leaves out
``pubDate`` when there is no ``firstcreated``.

Parsing ingests untrusted feeds: ``xmlsafe.parse_xml`` first checks the bytes (well-formed,
no DOCTYPE or entity declarations), and feedparser only ever gets an in-memory stream,
never a string, which it would take for a URL to fetch or a file name to open.
"""

from __future__ import annotations

import html as _html
import io
import json
import re
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

import msgspec

from newswire.errors import NewswireError, ParseError
from newswire.formats import marks, withdrawn
from newswire.formats.base import Codec, FeedMeta, Refused, readable
from newswire.formats.html import html_from_paragraphs, make_body, paragraphs_from_html, squash
from newswire.formats.xmlsafe import as_utf8, head_utf8, localname, parse_xml, root_localname
from newswire.model import (
    Concept,
    Entity,
    EntityKind,
    ItemType,
    NewsItem,
    Rendition,
    as_uri,
    as_utc,
    from_uri,
    utcnow,
)
from newswire.text.direction import direction
from newswire.validation import content_id, is_web_url

if TYPE_CHECKING:
    from feedgen.feed import FeedGenerator
    from feedparser import FeedParserDict

ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
JSONFEED_VERSION = "https://jsonfeed.org/version/1.1"

# A QCode is ``alias:code``; URIs (``http://…``, ``urn:…``) are not QCodes.
_QCODE = re.compile(r"^[A-Za-z][\w.-]*:[^\s/][^\s]*$")
_URI_SCHEMES = {"http", "https", "urn", "tag", "mailto", "ftp", "file", "data"}
_HTML_DOCTYPE = re.compile(rb"\s*(?:<\?xml[^>]*>\s*)?<!doctype\s+html", re.I)
_HTML_TYPES = {"text/html", "application/xhtml+xml", "html", "xhtml"}


_CPNAT = "http://cv.iptc.org/newscodes/cpnature/"
NATURES: dict[EntityKind, str] = {
    "person": _CPNAT + "person",
    "organisation": _CPNAT + "organisation",
    "place": _CPNAT + "geoArea",
    "event": _CPNAT + "event",
    "object": _CPNAT + "object",
}
"""The category scheme of an entity: its IPTC Nature of a Concept, as a URI."""
_NATURE_KINDS = {uri: kind for kind, uri in NATURES.items()}


def is_qcode(value: str) -> bool:
    return bool(_QCODE.match(value)) and value.split(":", 1)[0].lower() not in _URI_SCHEMES


# --- rendering ---------------------------------------------------------------------------


def _body_html(item: NewsItem) -> str:
    r"""The item's body as a feed's HTML content; a language written right to left in a
    ``<div dir="rtl">``: feed readers lay content out left to right whatever the feed's
    ``language`` or ``xml:lang`` say (neither sets a direction in HTML), so an Arabic
    paragraph ran from the wrong side, its closing full stop at its start. Read back in,
    the wrapper goes (``make_body`` keeps paragraphs, not ``div``\ s): the same body."""
    body = item.body_html or html_from_paragraphs(item.body)
    if body and direction(item.language) == "rtl":
        return f'<div dir="rtl" lang="{_html.escape(item.language)}">{body}</div>'
    return body


def _entry_link(item: NewsItem, meta: FeedMeta) -> str:
    return meta.item_link.replace("{id}", quote(item.id, safe="")) if meta.item_link else ""


def _feed_language(items: Sequence[NewsItem], meta: FeedMeta) -> str:
    if meta.language:
        return meta.language
    languages = {item.language for item in items}
    return languages.pop() if len(languages) == 1 else ""


def _updated(item: NewsItem) -> datetime:
    return as_utc(item.versioncreated or item.firstcreated or utcnow())


ENCLOSED = ("preview", "thumbnail")
"""The renditions a feed entry may enclose, in order of preference."""
OCTETS = "application/octet-stream"


def enclosure(item: NewsItem) -> Rendition | None:
    """The rendition a feed entry encloses: a media item's preview, else its thumbnail; a
    story's, that of its first association to a picture carrying one (its files:
    ``newswire.media.associations``), else to a graphic, else to any other media item."""
    if item.type != "text":
        return _small(item.renditions)
    media = [a for a in item.associations if a.type != "text"]
    media.sort(key=lambda a: _FIRST.get(a.type, len(_FIRST)))  # stable: each kind in order
    return next((found for a in media if (found := _small(a.renditions))), None)


_FIRST = {"picture": 0, "graphic": 1}


def _small(renditions: Sequence[Rendition]) -> Rendition | None:
    """The first of ``ENCLOSED`` among ``renditions`` that has an ``href``."""
    found = {r.name: r for r in renditions if r.href}
    return next((found[name] for name in ENCLOSED if name in found), None)


def _summary(item: NewsItem) -> str:
    return item.lead or (item.description if item.type != "text" else "")


def as_entry(item: NewsItem) -> NewsItem:
    """The item a feed entry shows: a correction with its headline marked ``CORRECTION:``
    in its language; a withdrawn one (pubstatus ``canceled``) as a notice under its own id,
    its headline marked ``WITHDRAWN:`` (in its language), the notice and the reason as its
    summary and content, nothing of its text or files. A feed entry has no envelope saying
    ``withdraw`` or ``correction``: shown as the item, a kill read as one more update to
    publish, and a correction as a silent edit of what a reader already had."""
    if item.pubstatus != "canceled":
        if withdrawn.signal(item) != "correction":
            return item
        headline = marks.marked("correction", item.language, item.headline)
        return msgspec.structs.replace(item, headline=headline)
    kill = withdrawn.as_kill(item)
    return msgspec.structs.replace(kill, headline=withdrawn.headline(item), lead=kill.body[0])


def _marks(item: NewsItem) -> list[tuple[str, str]]:
    """(term, scheme) of the IPTC categories an entry says its version's change by."""
    if item.pubstatus == "canceled":
        return [("canceled", marks.PUBSTATUS_SCHEME)]
    if withdrawn.signal(item) == "correction":
        return [("correction", marks.SIGNAL_SCHEME)]
    return []


def _generator(items: Sequence[NewsItem], meta: FeedMeta, kind: str) -> FeedGenerator:
    # feedgen (with dateutil, ~9 ms of CPU) is loaded by the first feed written: every
    # command that parses or renders any format imports this module.
    from feedgen.feed import FeedGenerator

    from newswire.formats.feed_extensions import EntryExtras, Namespaces

    fg = FeedGenerator()
    fg.register_extension(
        "newswire", Namespaces, EntryExtras, atom=kind == "atom", rss=kind == "rss"
    )
    fg.id(meta.feed_id or meta.link)
    fg.title(meta.title)
    fg.link(href=meta.link, rel="alternate")
    if meta.next_link and kind == "atom":
        fg.link(href=meta.next_link, rel="next")
    fg.description(meta.description)
    if language := _feed_language(items, meta):
        fg.language(language)
    fg.generator("newswire")
    if kind == "atom" and any(not item.byline for item in items):  # RFC 4287 4.1.2
        provider = next((item.provider for item in items if item.provider), "")
        fg.author(name=meta.author or provider or "newswire")
    dates = [_updated(item) for item in items]
    fg.updated(max(dates) if dates else utcnow())
    for item in map(as_entry, items):
        fe = fg.add_entry(order="append")
        fe.newswire.item = item
        fe.id(as_uri(item.id) if kind == "atom" else item.id)  # atom:id is an IRI
        title = item.headline or item.id
        body = _body_html(item)
        media = enclosure(item)
        if kind == "rss":
            # RSS title and description are read as (entity-encoded) HTML by feedparser and
            # most readers (the RSS Best Practices Profile says so): escape & < > in them.
            fe.title(_html.escape(title, quote=False))
            if summary := _summary(item):
                fe.description(_html.escape(summary, quote=False), isSummary=True)
            elif body and media and item.type == "text":
                # Without a description feedgen writes the body as the description, not
                # as content:encoded: read back, an entry with no content but an
                # enclosure is a media item. A story enclosing its picture says its body
                # in both (read back, a summary that is the content is no lead).
                fe.description(body, isSummary=True)
        else:
            fe.title(title)
            if summary := _summary(item):
                fe.summary(summary)
        if body:
            cdata = kind == "rss" and "]]>" not in body
            fe.content(body, type="html" if kind == "atom" else "CDATA" if cdata else None)
        elif kind == "atom":
            fe.content("", type="html")  # an Atom entry needs content or an alternate link
        if link := _entry_link(item, meta):
            fe.link(href=link, rel="alternate")
        if kind == "rss" and media:  # Atom's: see feed_extensions.EntryExtras
            fe.enclosure(media.href, media.size or 0, media.content_type or OCTETS)
        if item.firstcreated:
            fe.published(as_utc(item.firstcreated))
        fe.updated(_updated(item))
        if item.byline:
            fe.author(name=item.byline)
        if item.copyright_notice and kind == "atom":
            fe.rights(item.copyright_notice)
        for subject in item.subjects:
            if kind == "rss":
                # RSS: <category domain="medtop:…">name</category>
                fe.category(term=subject.name or subject.code, scheme=subject.code)
            else:
                fe.category(term=subject.code, label=subject.name or None)
        for keyword in item.keywords:
            fe.category(term=keyword)
        for e in item.entities:
            if kind == "rss":  # <category domain="…/cpnature/person">name</category>
                fe.category(term=e.name, scheme=NATURES[e.kind])
            else:
                fe.category(term=e.id or e.name, scheme=NATURES[e.kind], label=e.name)
        for term, scheme in _marks(item):  # RSS: <category domain="…/signal/">correction<…
            fe.category(term=term, scheme=scheme)
    return fg


class _FeedCodec(Codec):
    is_feed = True
    kind = ""

    def sniff(self, data: bytes) -> bool:
        name = root_localname(data)
        if self.kind == "rss":
            return name in ("rss", "RDF")
        return name == "feed" and ATOM_NS.encode() in head_utf8(data)

    def render(self, item: NewsItem) -> bytes:
        return self.render_feed([item], FeedMeta(language=item.language))

    def render_feed(self, items: Sequence[NewsItem], meta: FeedMeta) -> bytes:
        fg = _generator(items, meta, self.kind)
        if self.kind == "rss":
            return fg.rss_str(pretty=True)
        return fg.atom_str(pretty=True)

    def parse(self, data: bytes) -> list[NewsItem]:
        return parse_feed(data)

    def parse_each(self, data: bytes) -> list[NewsItem | Refused]:
        return parse_entries(data)


# --- parsing -----------------------------------------------------------------------------


def parse_feed(data: bytes) -> list[NewsItem]:
    """Every entry of an RSS (0.9x, 1.0, 2.0) or Atom feed as a ``NewsItem``; the first
    entry that cannot be read refuses the feed."""
    return readable(parse_entries(data))


def parse_entries(data: bytes) -> list[NewsItem | Refused]:
    """Every entry of an RSS (0.9x, 1.0, 2.0) or Atom feed as a ``NewsItem``, or, for one
    that cannot be read (an enclosure at a ``javascript:`` URL), why: one bad entry does
    not sink its neighbours."""
    data = as_utf8(data)  # feedparser reads it as lxml does: UTF-16, a lying declaration
    head = data[:1024].lstrip(b"\xef\xbb\xbf")
    if root_localname(data).lower() == "html" or _HTML_DOCTYPE.match(head):
        raise ParseError("an HTML page, not an RSS or Atom feed", field="format")
    root = parse_xml(data, what="feed")  # refuses DOCTYPE / entities, checks well-formedness
    name = localname(root)
    if name not in ("rss", "feed", "RDF"):
        raise ParseError(f"not an RSS or Atom feed: the root element is <{name}>", field="format")
    # Imported here, not with the module: feedparser compiles some 200 regular expressions
    # as it is imported (0.1 s), which every command and server start would pay for a
    # parser only feed ingest uses.
    import feedparser

    # An in-memory stream: given bytes or str, feedparser would try them as a file name.
    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=False)
    if not parsed.get("version"):
        raise ParseError("not an RSS or Atom feed (feedparser recognises no feed version)")
    if parsed.get("bozo") and not parsed.entries:
        raise ParseError(f"unreadable feed: {parsed.get('bozo_exception')}")
    feed_language = _language(parsed.feed.get("language", ""))
    feed_rights = parsed.feed.get("rights", "")
    out: list[NewsItem | Refused] = []
    for entry in parsed.entries:
        try:
            out.append(_entry(entry, feed_language, feed_rights))
        except (NewswireError, ValueError, OverflowError) as exc:
            error = exc if isinstance(exc, NewswireError) else ParseError(f"unreadable: {exc}")
            out.append(Refused(entry.get("id") or entry.get("title") or "", error))
    return out


def _text(value: str, detail: FeedParserDict | None) -> str:
    """Plain text of a feed text construct (HTML ones are reduced to their text)."""
    if not value:
        return ""
    if detail and detail.get("type") in _HTML_TYPES:
        return " ".join(paragraphs_from_html(value))
    return squash(value)


def _language(tag: str | None) -> str:
    """``ar-eg`` -> ``ar-EG`` (BCP 47 is case-insensitive; this is its usual spelling)."""
    parts = (tag or "").strip().replace("_", "-").split("-")
    if not parts[0]:
        return ""
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(part.upper() if len(part) == 2 else part.title() if len(part) == 4 else part)
    return "-".join(out)


def _moment(entry: FeedParserDict, key: str) -> datetime | None:
    # FeedParserDict maps updated_parsed to published_parsed: read the dict's own.
    value: time.struct_time | None = dict.get(entry, key)
    field = key.removesuffix("_parsed")
    written = (dict.get(entry, field) or "").strip()
    # feedparser gives None for a date it cannot read (which would be stored as no date),
    # and rolls over one out of range (2024-02-30 is 1 March): refused as every other
    # format refuses a date that is no date, naming it.
    if (not value and written) or _out_of_range(written):
        raise ParseError(f"{written[:60]!r} is not a date and time", field=field)
    if not value:
        return None
    year, month, day, hour, minute, second = value[:6]
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)  # UTC struct_times


_W3CDTF = re.compile(r"(\d{4})-(\d\d)-(\d\d)(?:[Tt ](\d\d):(\d\d)(?::(\d\d))?)?")


def _out_of_range(written: str) -> bool:
    """Whether an ISO 8601 (W3C-DTF, Atom's) date names a month, day, hour, minute or
    second that does not exist."""
    m = _W3CDTF.match(written)
    if m is None:
        return False
    year, month, day, hour, minute, second = (int(g or 0) for g in m.groups())
    try:
        datetime(year, month, day, hour, minute, min(second, 59))  # a leap second's 60 too
    except ValueError:
        return True
    return second > 60


def _entry(entry: FeedParserDict, feed_language: str, feed_rights: str) -> NewsItem:
    headline = _text(entry.get("title", ""), entry.get("title_detail"))
    summary_detail = entry.get("summary_detail")
    summary = entry.get("summary", "")
    contents = entry.get("content") or []
    html_content = next((c for c in contents if c.get("type") in _HTML_TYPES), None)
    if html_content and html_content.get("value", "").strip():
        body, body_html = make_body(html=html_content["value"])
    elif contents and contents[0].get("value", "").strip():
        body, body_html = make_body(paragraphs=re.split(r"\n\s*\n", contents[0]["value"]))
    elif summary_detail and summary_detail.get("type") in _HTML_TYPES:
        body, body_html = make_body(html=summary)
    else:
        body, body_html = make_body(paragraphs=re.split(r"\n\s*\n", summary))
    lead = caption = _text(summary, summary_detail)
    media = _enclosed(entry) if not any((c.get("value") or "").strip() for c in contents) else None
    if media is not None:  # a picture, video, ...: its summary is its caption, not a body
        body, body_html = [], ""
    used = html_content or (contents[0] if contents else None)
    content = (used or {}).get("value", "")
    if not used or summary.strip() == content.strip() or lead == _text(content, used):
        lead = ""  # the summary is the body (feedparser copies Atom content to summary)
    language = _language(
        entry.get("language")
        or (entry.get("title_detail") or {}).get("language")
        or (used or {}).get("language")
        or feed_language
    )
    subjects: list[Concept] = []
    keywords: list[str] = []
    entities: list[Entity] = []
    said: set[tuple[str, str]] = set()
    for tag in entry.get("tags") or []:
        term, scheme, label = (tag.get(k) or "" for k in ("term", "scheme", "label"))
        if scheme.strip() in _MARK_SCHEMES:  # a correction's or a kill's mark, not a keyword
            said.add((term.strip(), scheme.strip()))
        elif kind := _NATURE_KINDS.get(scheme.strip()):  # an entity: its nature as the scheme
            name = squash(label or term)
            ident = term.strip() if label and term.strip() != name else ""
            if name:
                entities.append(Entity(kind=kind, name=name, id=ident))
        elif is_qcode(scheme):  # our RSS shape: name as text, QCode as domain
            subjects.append(Concept(code=scheme, name="" if term == scheme else term))
        elif is_qcode(term):
            subjects.append(Concept(code=term, name=label))
        elif term or label:
            keywords.append(label or term)
    author = (entry.get("author_detail") or {}).get("name") or entry.get("author", "")
    item_id = from_uri(entry.get("id") or "") or entry.get("link") or ""
    if not item_id.strip():
        item_id = content_id(headline, body[0] if body else lead, language)
    canceled = ("canceled", marks.PUBSTATUS_SCHEME) in said
    correction = not canceled and ("correction", marks.SIGNAL_SCHEME) in said
    if canceled or correction:  # its title says it too: the headline is what follows
        headline = marks.unmarked("withdrawn" if canceled else "correction", headline)
    item = NewsItem(
        id=item_id.strip(),
        language=language,
        headline=headline,
        lead=lead,
        body=body,
        body_html=body_html,
        byline=squash(author),
        subjects=subjects,
        keywords=keywords,
        entities=entities,
        firstcreated=_moment(entry, "published_parsed"),
        versioncreated=_moment(entry, "updated_parsed"),
        copyright_notice=squash(entry.get("rights", "") or feed_rights),
        pubstatus="canceled" if canceled else "usable",
        signal="correction" if correction else None,
    )
    if media is None:
        return item
    item_type, rendition = media
    return msgspec.structs.replace(
        item, type=item_type, renditions=[rendition], description=caption, lead=""
    )


_MARK_SCHEMES = frozenset({marks.SIGNAL_SCHEME, marks.PUBSTATUS_SCHEME})

_ENCLOSED_TYPES: dict[str, tuple[ItemType, str]] = {
    "image": ("picture", "preview"),
    "video": ("video", "web"),
    "audio": ("audio", "web"),
}


def _enclosed(entry: FeedParserDict) -> tuple[ItemType, Rendition] | None:
    """(type, rendition) of an entry's first enclosure of an image, video or audio."""
    for enc in entry.get("enclosures") or []:
        media_type = (enc.get("type") or "").strip().lower()
        kind = _ENCLOSED_TYPES.get(media_type.split("/")[0])
        if kind is None:
            continue
        href = (enc.get("href") or "").strip()
        if not is_web_url(href):
            raise ParseError(f"must be an http(s) URL, not {href[:60]!r}", field="enclosure")
        length = (enc.get("length") or "").strip()
        size = int(length) if length.isdigit() and len(length) < 16 and int(length) else None
        return kind[0], Rendition(name=kind[1], href=href, content_type=media_type, size=size)
    return None


# --- JSON Feed ---------------------------------------------------------------------------


def _rfc3339(value: datetime) -> str:
    return as_utc(value).isoformat().replace("+00:00", "Z")


def jsonfeed_item(item: NewsItem, meta: FeedMeta) -> dict[str, object]:
    item = as_entry(item)
    out: dict[str, object] = {"id": item.id}
    if link := _entry_link(item, meta):
        out["url"] = link
    if item.headline:
        out["title"] = item.headline
    if summary := _summary(item):
        out["summary"] = summary
    body = _body_html(item)
    if body:
        out["content_html"] = body
    else:  # the spec requires content_html or content_text
        # a picture's or video's text is its caption
        out["content_text"] = "\n\n".join(item.body) or _summary(item) or item.headline
    if item.firstcreated:
        out["date_published"] = _rfc3339(item.firstcreated)
    if item.versioncreated:
        out["date_modified"] = _rfc3339(item.versioncreated)
    if item.byline:
        out["authors"] = [{"name": item.byline}]
    tags = [s.name or s.code for s in item.subjects] + list(item.keywords)
    tags += [e.name for e in item.entities]
    if tags:
        out["tags"] = list(dict.fromkeys(tags))
    if item.language:
        out["language"] = item.language
    if media := enclosure(item):
        attachment: dict[str, object] = {"url": media.href}
        attachment["mime_type"] = media.content_type or OCTETS
        if media.size:
            attachment["size_in_bytes"] = media.size
        if media.duration is not None:
            attachment["duration_in_seconds"] = media.duration
        out["attachments"] = [attachment]
        if media.content_type.startswith("image/"):
            out["image"] = media.href
    # An extension (keys starting "_") keeps the QCodes and ids tags cannot carry.
    extension: dict[str, object] = {}
    if item.subjects:
        extension["subjects"] = [{"code": s.code, "name": s.name} for s in item.subjects]
    if item.entities:
        extension["entities"] = [
            {"kind": e.kind, "name": e.name} | ({"id": e.id} if e.id else {}) for e in item.entities
        ]
    if item.pubstatus == "canceled":
        extension["pubstatus"] = item.pubstatus
    elif withdrawn.signal(item) == "correction":
        extension["signal"] = "correction"
    if item.embargo_until:  # not to be published before (a time: right after the lift too)
        extension["embargoed_until"] = _rfc3339(item.embargo_until)
    if extension:
        out["_newswire"] = extension
    return out


class _JsonFeed(Codec):
    # feedgen writes RSS and Atom only, so JSON Feed 1.1 is written here with json.
    name = "jsonfeed"
    label = "JSON Feed 1.1"
    media_type = "application/feed+json"
    media_types = ("application/feed+json",)
    extension = "json"
    can_parse = False
    is_feed = True

    def render(self, item: NewsItem) -> bytes:
        return self.render_feed([item], FeedMeta(language=item.language))

    def render_feed(self, items: Sequence[NewsItem], meta: FeedMeta) -> bytes:
        doc: dict[str, object] = {"version": JSONFEED_VERSION, "title": meta.title}
        if meta.link:
            doc["home_page_url"] = meta.link
        if meta.description:
            doc["description"] = meta.description
        if language := _feed_language(items, meta):
            doc["language"] = language
        if meta.next_link:
            doc["next_url"] = meta.next_link
        doc["items"] = [jsonfeed_item(item, meta) for item in items]
        return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


class _Rss(_FeedCodec):
    name = "rss"
    label = "RSS 2.0"
    media_type = "application/rss+xml"
    media_types = ("application/rss+xml", "application/rdf+xml")
    extension = "rss"
    kind = "rss"


class _Atom(_FeedCodec):
    name = "atom"
    label = "Atom 1.0"
    media_type = "application/atom+xml"
    media_types = ("application/atom+xml",)
    extension = "atom"
    kind = "atom"


RSS = _Rss()
ATOM = _Atom()
JSONFEED = _JsonFeed()

"""IPTC NITF 3.6 (``application/nitf+xml``), in the namespace of the official 3.6 XSD so it
validates; NITF without a namespace (the DTD era) is read too.

Mapping: id ``doc-id@id-string`` (else ``nitf@uno``, else a content hash); provider
``doc-id@regsrc``; version/slugline ``du-key@version``/``@key``; language ``@baselang``;
headline ``title`` + ``hl1``; lead ``abstract/p``; urgency ``@ed-urg``; versioncreated
``date.issue@norm``; embargo ``date.release@norm``; pubstatus ``docdata@management-status``
(``embargoed`` is read as usable, never written: see ``render``); correction ``correction``; ednote ``ed-msg@info``;
keywords ``key-list``; event locations ``docdata/evloc`` are read as places (the most
precise of ``city``, ``county-dist``, ``state-prov``, ``iso-cc``; written back as
``identified-content/location``); entities ``identified-content`` (QCode ids split into idsrc/value,
a location's as ``code-source``/``location-code``; its country ``country@iso-cc``, its
coordinates ``alt-code idsrc="geo" value="<latitude>,<longitude>"``: NITF 3.6 has no
element for coordinates, so they ride as the path of an RFC 5870 ``geo`` URI);
subjects ``tobject.subject`` (refnum = code, ``ipr`` = scheme unless ``subj``, empty for a
code with no scheme; name in the type/matter/detail tier of the code); genres
``tobject.property@type`` (an IPTC genre by its code, any other genre as its code is);
rights ``doc.copyright@holder``, ``doc.rights@limitations``; footer ``body.end/tagline``,
copyright notice ``tagline/copyrite``. Dateline: its text is the ``dateline`` content (the
place when there is no text), the place is wrapped in ``location/city`` where the text has
it, the Latin place is ``alt-code idsrc="Latn"`` (ISO 15924) on that city, the source is
``distributor/org``; contentcreated is its ``story.date@norm``. Dates are written
``YYYYMMDDTHHMMSSZ``; read without offset, UTC.

Media: a picture, video, graphic or audio item's content is one ``body.content/media``
(``media-type`` image|video|audio, a graphic an image of ``class="graphic"``) with a
``media-reference`` per rendition (source=href, name, mime-type, width, height, time in
seconds, coding = video codec) and, before them, a ``media-metadata`` per reference for
its size and one for its frame rate (``PER_RENDITION``), ``media-caption`` = description,
``media-producer`` = credit; a story's associations are ``media`` elements after its body
(source = the associated item's id). Read back, a document with media and no text is a
media item; in a story each ``media`` is an association. Sources of renditions must be
http(s).

Lossy (docs/formats.md lists it for users: keep the two together): firstcreated, the
``update`` signal, replaces, related, genre names and URIs, subject URIs, a subject whose
code no ``refnum`` can hold, entity ``rel`` (the resolved dateline place is one more
``location``), who assigned a subject or found an entity and how sure they were
(``creator``, ``confidence``: NITF has no attribute for either), the country and
coordinates of anything but a place, a story's caption and credit (NITF has them for
media only), an association's rel, creator and files; in the body ``dir``, ``hreflang``,
``abbr@title``, ``th@scope``, markup in ``pre``. Tags NITF lacks become ``em
class="strong|b|i|u|sub|sup|cite|code|abbr"``, ``hl2 class="h3".."h6"``, ``lang`` (span)
and ``bq/block`` (loose quote text in a ``p class="loose"``), and come back on parsing.
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Iterator
from datetime import datetime

from lxml import etree

from newswire.access import taxonomy
from newswire.errors import ParseError
from newswire.formats.base import Codec
from newswire.formats.html import make_body, squash, xhtml_elements
from newswire.formats.xmlsafe import localname, parse_xml, root_localname
from newswire.model import (
    Association,
    Concept,
    Dateline,
    Entity,
    EntityKind,
    ItemType,
    NewsItem,
    PubStatus,
    Rendition,
    as_utc,
)
from newswire.validation import content_id, is_web_url

NS = "http://iptc.org/std/NITF/2006-10-18/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LATIN = "Latn"
ENTITY_TAGS: dict[EntityKind, str] = {
    "person": "person",
    "organisation": "org",
    "place": "location",
    "event": "event",
    "object": "object.title",
}
ENTITY_KINDS: dict[str, EntityKind] = {tag: kind for kind, tag in ENTITY_TAGS.items()}
STATUSES: dict[str, PubStatus] = {"usable": "usable", "embargoed": "usable", "withheld": "withheld"}
STATUSES["canceled"] = STATUSES["cancelled"] = "canceled"

# Body: HTML tag -> (NITF tag, class); and back.
AS_EM = ("strong", "b", "i", "u", "sub", "sup", "cite", "code", "abbr")
HEADINGS = ("h3", "h4", "h5", "h6")
SAME: tuple[str, ...] = (
    "p",
    "br",
    "ul",
    "ol",
    "li",
    "a",
    "q",
    "pre",
    "hr",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
)
SAME += ("th", "td", "em")
TO_NITF = {t: (t, "") for t in SAME} | {t: ("em", t) for t in AS_EM}
TO_NITF |= {h: ("hl2", h) for h in HEADINGS} | {"h2": ("hl2", ""), "span": ("lang", "")}
TO_NITF["blockquote"] = ("bq", "")
FROM_NITF = {t: t for t in SAME} | {"hl2": "h2", "bq": "blockquote", "lang": "span"}
FROM_NITF |= {"dl": "ul", "dt": "li", "dd": "li", "credit": "p"}
DROP = ("media", "note", "tobject", "key-list", "datasource", "byline", "dateline", "abstract")
BLOCKS = ("p", "hl2", "ul", "ol", "table", "pre", "hr", "bq")
ID_ATTRS = {"location": ("code-source", "location-code")}  # (taxonomy, code) attribute names
KEEP_ATTRS = {"a": ("href", "title"), "th": ("colspan", "rowspan"), "td": ("colspan", "rowspan")}
_NMTOKEN = re.compile(r"^[\w.:-]+$")
MEDIA_TYPES: dict[ItemType, str] = {
    "picture": "image",
    "graphic": "image",
    "video": "video",
    "audio": "audio",
    "text": "text",
}
ITEM_TYPES: dict[str, ItemType] = {"image": "picture", "video": "video", "audio": "audio"}
GRAPHIC = "graphic"
"""``class`` of a graphic's ``media``: NITF's ``media-type`` has ``image`` for pictures and
graphics alike, and its ``class`` is "an open placeholder for categorization"."""
PER_RENDITION = {"size": "size", "frame-rate": "frame_rate"}
"""``media-metadata`` names of what ``media-reference`` has no attribute for (a file's
size in bytes, a video's frames a second), with the ``Rendition`` field each is: one such
``media-metadata`` per ``media-reference``, in their order, without ``value`` where the
rendition has none (``media-metadata`` is NITF's place "when the attributes of
media-reference do not suffice", and all of them come before the first reference)."""


# -- helpers shared with the NewsML-G2 codec ------------------------------------------------


def strip_namespaces(root: etree._Element) -> etree._Element:
    """Drop element namespaces in place (attributes such as ``xml:lang`` keep theirs)."""
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{"):
            el.tag = etree.QName(el).localname
    etree.cleanup_namespaces(root)
    return root


def text_of(el: etree._Element | None) -> str:
    """The text of ``el`` and what it holds, one line; a ``script``'s or ``style``'s text
    is no text of the document's (an ``abstract`` holding ``<script>alert(1)</script>``
    gave the lead ``alert(1)``)."""
    if el is None:
        return ""
    if next(el.iter(*_HIDDEN), None) is None:  # nearly always: in C
        return squash("".join(el.itertext()))
    return squash("".join(_shown(el)))


_HIDDEN = ("script", "style")


def _shown(el: etree._Element) -> Iterator[str]:
    if el.tag in _HIDDEN:
        return
    if el.text and isinstance(el.tag, str):
        yield el.text
    for child in el:
        yield from _shown(child)
        if child.tail:
            yield child.tail


def parse_when(value: str | None, field: str) -> datetime | None:
    """An aware UTC datetime to the second from ISO 8601 (extended or basic), or None."""
    if value is None or not value.strip():
        return None
    try:
        return as_utc(datetime.fromisoformat(value.strip())).replace(microsecond=0)
    except (ValueError, OverflowError):
        raise ParseError(f"{value.strip()[:40]!r} is not a date and time", field=field) from None


def parse_int(value: str | None, field: str) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return int(value.strip())
    except ValueError:
        raise ParseError(f"{value.strip()[:40]!r} is not a number", field=field) from None


def inner_xml(wrapper: etree._Element) -> str:
    out = etree.tostring(wrapper, encoding="unicode", with_tail=False)
    return "" if out.endswith("/>") else out[out.index(">") + 1 : out.rindex("<")]


def html_from_nitf(elements: list[etree._Element]) -> str:
    """NITF block content (namespace-free, e.g. ``body.content`` children) as an HTML fragment."""
    wrapper = etree.Element("div")
    for el in elements:
        wrapper.append(copy.deepcopy(el))
    etree.strip_elements(wrapper, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    etree.strip_elements(wrapper, *DROP, *_HIDDEN, with_tail=False)  # a script's text is none
    for p in wrapper.iterfind(f".//bq/block/p[@class='{LOOSE}']"):
        p.tag = "unwrap"  # a quote's loose text (``_blockify``)
    for el in wrapper.iterdescendants():
        attrs = dict(el.attrib)
        el.attrib.clear()
        cls = attrs.get("class", "")
        if (el.tag == "hl2" and cls in HEADINGS) or (el.tag == "em" and cls in AS_EM):
            el.tag = cls
        else:
            el.tag = FROM_NITF.get(el.tag, "unwrap")
        for name in KEEP_ATTRS.get(el.tag, ()):
            if attrs.get(name):
                el.set(name, attrs[name])
        if attrs.get(XML_LANG):
            el.set("lang", attrs[XML_LANG])
    etree.strip_tags(wrapper, "unwrap")
    return inner_xml(wrapper)


LOOSE = "loose"
"""``class`` of the ``p`` that holds a quote's loose text in NITF: a ``bq`` holds only
``block``s and a ``block`` no text, where an HTML ``blockquote`` holds text as it is. Read
back, such a ``p`` is unwrapped: ``<blockquote>x</blockquote>`` comes back as it went."""


def _blockify(bq: etree._Element) -> None:
    """Give a ``bq`` the ``block`` child NITF demands, loose text and inlines in a
    ``p class="loose"``."""
    block = etree.Element("block")
    para: list[etree._Element] = []

    def loose() -> etree._Element:
        return etree.SubElement(block, "p", {"class": LOOSE})

    def add_text(text: str | None) -> None:
        if not text:
            return
        if not para and not text.strip():
            # Space between blocks stays space between them: a ``block`` may hold no text,
            # but whitespace is no text to the XSD (``<blockquote>\n<p>…`` comes back).
            if len(block):
                block[-1].tail = (block[-1].tail or "") + text
            else:
                block.text = (block.text or "") + text
            return
        if not para:
            para.append(loose())
        p = para[-1]
        if len(p):
            p[-1].tail = (p[-1].tail or "") + text
        else:
            p.text = (p.text or "") + text

    add_text(bq.text)
    bq.text = None
    for child in list(bq):
        tail, child.tail = child.tail, None
        if child.tag in BLOCKS:
            block.append(child)
            para.clear()
        else:
            if not para:
                para.append(loose())
            para[-1].append(child)
        add_text(tail)
    bq.append(block)


def nitf_from_html(fragment: str) -> list[etree._Element]:
    """A canonical body fragment as NITF ``body.content`` elements (in the NITF namespace)."""
    out = []
    for root in xhtml_elements(fragment):
        for el in list(root.iter()):
            attrs = dict(el.attrib)
            el.attrib.clear()
            tag, cls = TO_NITF.get(el.tag, ("em", el.tag))
            if el.tag == "pre":
                el.text = "".join(el.itertext())
                for child in list(el):
                    el.remove(child)
            for name in KEEP_ATTRS.get(el.tag, ()):
                if attrs.get(name):
                    el.set(name, attrs[name])
            if cls:
                el.set("class", cls)
            if attrs.get("lang"):
                el.set(XML_LANG, attrs["lang"])
            el.tag = tag
        for bq in list(root.iter("bq")):
            _blockify(bq)
        for foot in list(root.iter("tfoot")):
            # NITF (as XHTML 1) has the footer before the body rows; HTML after them.
            table = foot.getparent()
            before = None if table is None else table.find("thead")
            if before is None and table is not None:
                before = table.find("caption")
            if before is not None:
                before.addnext(foot)
            elif table is not None:
                table.insert(0, foot)
        for el in root.iter():
            el.tag = f"{{{NS}}}{el.tag}"
        out.append(root)
    return out


def _when(value: datetime) -> str:
    return as_utc(value).strftime("%Y%m%dT%H%M%SZ")


def _split_id(value: str, tag: str) -> dict[str, str]:
    """An entity id as NITF ``idsrc``/``value``: a QCode is split, a URI kept whole."""
    src, code = ("", value)
    if "://" not in value and not value.startswith("urn:") and ":" in value:
        src, code = value.split(":", 1)
    names = ID_ATTRS.get(tag, ("idsrc", "value"))
    return {names[0]: src, names[1]: code}


GEO = "geo"
"""``alt-code@idsrc`` of a location's coordinates: NITF 3.6 has no element for them, so
they ride as the path of an RFC 5870 ``geo`` URI, ``latitude,longitude`` in WGS 84."""


def _where(location: etree._Element, e: Entity) -> None:
    """A location's country (``country@iso-cc``) and coordinates (``alt-code``)."""
    if e.country:
        _sub(location, "country", iso_cc=e.country)
    if e.latitude is not None and e.longitude is not None:
        _sub(location, "alt-code", idsrc=GEO, value=f"{e.latitude!r},{e.longitude!r}")


def _coordinates(location: etree._Element) -> tuple[float | None, float | None]:
    for alt in location.findall("alt-code"):
        if alt.get("idsrc", "").strip().lower() != GEO:
            continue
        value = alt.get("value", "").strip()
        try:
            lat, lon = (float(v) for v in value.split(";")[0].split(",")[:2])
        except ValueError:
            raise ParseError(
                f"{value[:40]!r} is not latitude,longitude", field="alt-code"
            ) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ParseError(f"{value[:40]!r} is not on Earth", field="alt-code")
        return lat, lon
    return None, None


def _genre_out(code: str) -> str:
    """A genre as ``tobject.property.type``: an IPTC genre by its code (``Current``: the
    property's values are IPTC's genres), any other as it is: a QCode (``genre:Nyheter``,
    IPTC has no such genre), or a provider's code with no scheme (TT's ``INR``)."""
    return code.removeprefix("genre:") if taxonomy.genre_known(code) else code


def _genre_in(kind: str) -> str:
    """A ``tobject.property.type`` as a genre code: an IPTC genre's code in any case
    (NITF's default is ``current``) as its QCode, any other value (a QCode, a provider's
    own genre: NTB's ``Nyheter``, TT's ``INR``) as it is, not as an IPTC genre it is not."""
    return kind if ":" in kind else taxonomy.genre_named(kind) or kind


def _tier(refnum: str) -> str:
    if re.fullmatch(r"\d{8}", refnum) and not refnum.endswith("000000"):
        return "matter" if refnum.endswith("000") else "detail"
    return "type"


# -- render ---------------------------------------------------------------------------------


def _sub(
    parent: etree._Element, tag: str, text: str = "", attrs: dict[str, str] | None = None, **kw: str
) -> etree._Element:
    """A child in the NITF namespace; ``kw`` names use ``_`` for ``-``; empty values dropped."""
    attrib = {k.replace("_", "-"): v for k, v in kw.items()} | (attrs or {})
    el = etree.SubElement(parent, f"{{{NS}}}{tag}", {k: v for k, v in attrib.items() if v})
    if text:
        el.text = text
    return el


def render_nitf(item: NewsItem) -> bytes:
    root = etree.Element(f"{{{NS}}}nitf", nsmap={None: NS})
    root.set("version", "-//IPTC//DTD NITF 3.6//EN")
    if item.language:
        root.set("baselang", item.language)
    head = _sub(root, "head")
    _sub(head, "title", item.headline)
    if item.genres or item.subjects:
        tobject = _sub(head, "tobject")
        for g in item.genres:
            _sub(tobject, "tobject.property", attrs={"tobject.property.type": _genre_out(g.code)})
        for s in item.subjects:
            scheme, _, refnum = s.code.rpartition(":")
            if _NMTOKEN.match(refnum):
                # No ``ipr`` is IPTC's, a Subject Code; a code with no scheme (TT's bare
                # ``16000000``, a Media Topic) has an empty one: no provider's reference.
                attrs = {} if scheme == "subj" else {"tobject.subject.ipr": scheme}
                attrs["tobject.subject.refnum"] = refnum
                if s.name:
                    attrs[f"tobject.subject.{_tier(refnum)}"] = s.name
                etree.SubElement(tobject, f"{{{NS}}}tobject.subject", attrs)
    # The embargo is ``date.release``, a time, as ninjs and NewsML-G2 carry it, never
    # ``management-status="embargoed"``, a state: a version is rendered once, and the same
    # bytes go to the products with early delivery before the lift and to every other
    # subscriber after it, who would read "embargoed" on a story already public and hold it.
    docdata = _sub(head, "docdata", management_status=item.pubstatus)
    if item.signal == "correction":
        _sub(docdata, "correction", id_string=item.id, regsrc=item.provider)
    _sub(docdata, "doc-id", regsrc=item.provider, id_string=item.id)
    if item.urgency is not None:
        _sub(docdata, "urgency", ed_urg=str(item.urgency))
    if item.versioncreated:
        _sub(docdata, "date.issue", norm=_when(item.versioncreated))
    if item.embargo_until:
        _sub(docdata, "date.release", norm=_when(item.embargo_until))
    if item.ednote:
        _sub(docdata, "ed-msg", info=item.ednote)
    _sub(docdata, "du-key", key=item.slugline, version=str(item.version))
    if item.copyright_holder:
        _sub(docdata, "doc.copyright", holder=item.copyright_holder)
    if item.usage_terms:
        _sub(docdata, "doc.rights", limitations=item.usage_terms)
    if item.keywords:
        keys = _sub(docdata, "key-list")
        for word in item.keywords:
            _sub(keys, "keyword", key=word)
    if item.entities:
        ident = _sub(docdata, "identified-content")
        for e in item.entities:
            tag = ENTITY_TAGS[e.kind]
            el = _sub(ident, tag, e.name, attrs=_split_id(e.id, tag) if e.id else None)
            if tag == "location":
                _where(el, e)
    body = _sub(root, "body")
    bhead = _sub(body, "body.head")
    if item.headline:
        _sub(_sub(bhead, "hedline"), "hl1", item.headline)
    if item.byline:
        _sub(bhead, "byline", item.byline)
    dl = item.dateline or Dateline()
    if dl.source:
        _sub(_sub(bhead, "distributor"), "org", dl.source)
    dated = dl.text or dl.place or dl.place_latin or item.contentcreated
    dateline = _sub(bhead, "dateline") if dated else None
    if item.lead:
        _sub(_sub(bhead, "abstract"), "p", item.lead)
    media = _media(item)
    content = _sub(body, "body.content") if item.body_html or media else None
    tagline = None
    if item.footer or item.copyright_notice:
        tagline = _sub(_sub(body, "body.end"), "tagline")
    etree.indent(root)
    # Mixed content goes in after indenting, so no whitespace is added inside it.
    if dateline is not None:
        _fill_dateline(dateline, dl)
        if item.contentcreated:
            # NITF's dateline is "the date and location where the story was created": its
            # date, when the content was made (a photo taken), is contentcreated. No text:
            # the dateline's text is as the item has it.
            _sub(dateline, "story.date", norm=_when(item.contentcreated))
    if content is not None:
        content.text = "\n"
        for el in [*nitf_from_html(item.body_html), *media]:
            el.tail = "\n"
            content.append(el)
    if tagline is not None:
        tagline.text = f"{item.footer} " if item.footer and item.copyright_notice else item.footer
        if item.copyright_notice:
            _sub(tagline, "copyrite", item.copyright_notice)
    document: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return document + b"\n"


def _media(item: NewsItem) -> list[etree._Element]:
    """A media item's ``media`` (one ``media-reference`` per rendition), or a story's, one
    per association (``source`` the associated item's id)."""
    out = []
    if item.type != "text" and item.renditions:
        media = _media_of(item.type)
        for name, field in PER_RENDITION.items():
            values = [getattr(r, field) for r in item.renditions]
            if any(v is not None for v in values):
                for v in values:
                    _sub(media, "media-metadata", name=name, value="" if v is None else repr(v))
        for r in item.renditions:  # never the blob: newswire's own address of the file
            duration = "" if r.duration is None else _seconds(r.duration)
            _sub(media, "media-reference", source=r.href, name=r.name,
                 mime_type=r.content_type, coding=r.video_codec, time=duration,
                 time_unit_of_measure="seconds" if duration else "",
                 height="" if r.height is None else str(r.height),
                 width="" if r.width is None else str(r.width))  # fmt: skip
        if item.description:
            _sub(media, "media-caption", item.description)
        if item.credit:
            _sub(media, "media-producer", item.credit)
        out.append(media)
    for a in item.associations:
        media = _media_of(a.type)
        _sub(media, "media-reference", source=a.id, name=a.name)
        if a.headline:
            _sub(media, "media-caption", a.headline)
        out.append(media)
    return out


def _media_of(kind: ItemType) -> etree._Element:
    """An empty ``media`` of ``kind``: its ``media-type``, and ``class="graphic"`` for a
    graphic (an image, as a picture is)."""
    media = etree.Element(f"{{{NS}}}media", {"media-type": MEDIA_TYPES[kind]})
    if kind == "graphic":
        media.set("class", GRAPHIC)
    return media


def _seconds(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _fill_dateline(el: etree._Element, dl: Dateline) -> None:
    text = dl.text or dl.place
    if dl.place and dl.place in text:
        before, after = text.split(dl.place, 1)
        el.text = before
        city = _sub(_sub(el, "location"), "city", dl.place)
        city.getparent().tail = after
    else:
        el.text = text
        city = _sub(_sub(el, "location"), "city") if dl.place_latin else None
    if dl.place_latin and city is not None:
        _sub(city, "alt-code", idsrc=LATIN, value=dl.place_latin)


# -- parse ----------------------------------------------------------------------------------


def _dateline(bhead: etree._Element | None) -> Dateline | None:
    if bhead is None:
        return None
    el = bhead.find("dateline")
    dist = bhead.find("distributor")
    source = text_of(
        dist.find("org") if dist is not None and dist.find("org") is not None else dist
    )
    place = latin = text = ""
    if el is not None:
        text = text_of(el)
        loc = el.find("location")
        city = loc.find("city") if loc is not None else None
        place = text_of(city if city is not None else loc)
        for alt in el.iter("alt-code"):
            if alt.get("idsrc") == LATIN:
                latin = squash(alt.get("value", ""))
    if not (text or place or latin or source):
        return None
    return Dateline(place=place, place_latin=latin, source=source, text=text)


def _concepts(tobject: etree._Element | None) -> tuple[list[Concept], list[Concept]]:
    if tobject is None:
        return [], []
    genres = []
    for prop in tobject.iter("tobject.property"):
        kind = prop.get("tobject.property.type", "current").strip()
        if kind:
            genres.append(Concept(code=_genre_in(kind)))
    subjects = []
    for subj in tobject.iter("tobject.subject"):
        refnum = subj.get("tobject.subject.refnum", "").strip()
        ipr = subj.get("tobject.subject.ipr", "IPTC").strip()
        if refnum:
            name = next((subj.get(f"tobject.subject.{t}") for t in ("detail", "matter", "type")
                         if subj.get(f"tobject.subject.{t}")), "")  # fmt: skip
            # An empty ipr names no scheme: the code alone, as ninjs gives it (eight digits
            # alone are read as the Media Topic or the Subject Code they are).
            code = f"{ipr}:{refnum}" if ipr else refnum
            if ipr == "IPTC":
                code = f"subj:{refnum}"
            subjects.append(Concept(code=code, name=squash(name)))
    return genres, subjects


def _event_locations(doc: etree._Element, known: list[Entity]) -> list[Entity]:
    """Places from ``docdata/evloc`` (where the event took place; NTB writes one per
    place: ``<evloc state-prov="Asia" county-dist="India"/>``): each its most precise
    attribute (``city``, else ``county-dist``, else ``state-prov``, else ``iso-cc``) as
    the name, ``iso-cc`` as the country where it is a code; a place the item already has
    (by name) is not added twice."""
    seen = {squash(e.name).casefold() for e in known if e.kind == "place"}
    places = []
    for el in doc.iterfind("evloc"):
        values = [squash(el.get(a) or "") for a in ("city", "county-dist", "state-prov", "iso-cc")]
        name = next((v for v in values if v), "")
        if not name or name.casefold() in seen:
            continue
        seen.add(name.casefold())
        cc = values[3].upper()
        country = cc if len(cc) == 2 and cc.isascii() and cc.isalpha() else ""
        places.append(Entity(kind="place", name=name, country=country))
    return places


def _child(el: etree._Element, tag: str) -> etree._Element:
    found = el.find(tag)
    return found if found is not None else etree.Element(tag)


def item_from_nitf(root: etree._Element) -> NewsItem:
    """A ``NewsItem`` from a namespace-free ``nitf`` element."""
    head, body = _child(root, "head"), _child(root, "body")
    doc = _child(head, "docdata")
    bhead = body.find("body.head")

    def attr(path: str, name: str) -> str | None:
        el = doc.find(path)
        return el.get(name) if el is not None else None

    contents = [child for bc in body.findall("body.content") for child in bc]
    paragraphs, body_html = make_body(html=html_from_nitf(contents))
    # A document whose content is a picture (video, audio) and no text is a media item:
    # its first media element holds its renditions; any other media are associations.
    media = [el for el in contents if el.tag == "media"]
    item_type: ItemType = "text"
    main = etree.Element("media")
    kind = _kind(media[0]) if media and not paragraphs else None
    if kind is not None and kind != "text":
        item_type, main, media = kind, media[0], media[1:]
    refs = list(main.iter("media-reference"))
    extra = _per_rendition(main, len(refs))
    renditions = [_rendition(r, i, extra) for i, r in enumerate(refs)]
    headline = text_of(body.find("body.head/hedline/hl1")) or text_of(head.find("title"))
    status = doc.get("management-status", "").strip().lower() or "usable"
    if status not in STATUSES:
        raise ParseError(f"unknown management-status {status!r}", field="management-status")
    issued = attr("date.issue", "norm")
    if issued is None and head.find("pubdata") is not None:
        issued = head.find("pubdata").get("date.publication")
    entities = []
    for ident in doc.iter("identified-content"):
        for el in ident:
            if el.tag in ENTITY_KINDS and text_of(el):
                src, value = (el.get(a, "") for a in ID_ATTRS.get(el.tag, ("idsrc", "value")))
                ident_ = f"{src}:{value}" if src and value else value
                country = el.find("country")
                lat, lon = _coordinates(el) if el.tag == "location" else (None, None)
                entities.append(
                    Entity(
                        kind=ENTITY_KINDS[el.tag],
                        name=text_of(el),
                        id=ident_,
                        country=(country.get("iso-cc") or "").strip()
                        if country is not None
                        else "",
                        latitude=lat,
                        longitude=lon,
                    )
                )
    entities += _event_locations(doc, entities)
    genres, subjects = _concepts(head.find("tobject"))
    tagline = body.find("body.end/tagline")
    notice = ""
    if tagline is not None:
        notice = " ".join(text_of(c) for c in tagline.iter("copyrite"))
        tagline = copy.deepcopy(tagline)
        etree.strip_elements(tagline, "copyrite", with_tail=False)
    urgency = parse_int(attr("urgency", "ed-urg"), "urgency")
    story_date = body.find("body.head/dateline/story.date")
    created = story_date.get("norm") if story_date is not None else None
    item_id = (attr("doc-id", "id-string") or root.get("uno") or "").strip()
    return NewsItem(
        id=item_id or content_id(headline, *paragraphs),
        version=parse_int(attr("du-key", "version"), "du-key") or 1,
        language=(root.get("baselang") or root.get(XML_LANG) or "").strip(),
        headline=headline,
        lead=" ".join(text_of(p) for p in body.iterfind("body.head/abstract/*")).strip(),
        body=paragraphs,
        body_html=body_html,
        dateline=_dateline(bhead),
        byline=text_of(body.find("body.head/byline")),
        urgency=urgency,
        genres=genres,
        subjects=subjects,
        keywords=[
            k.get("key", "").strip() for k in doc.iter("keyword") if k.get("key", "").strip()
        ],
        entities=entities,
        versioncreated=parse_when(issued, "date.issue"),
        contentcreated=parse_when(created, "story.date"),
        embargo_until=parse_when(attr("date.release", "norm"), "date.release"),
        pubstatus=STATUSES[status],
        signal="correction" if doc.find("correction") is not None else None,
        slugline=(attr("du-key", "key") or "").strip(),
        ednote=squash(attr("ed-msg", "info") or ""),
        provider=(attr("doc-id", "regsrc") or "").strip(),
        copyright_holder=squash(attr("doc.copyright", "holder") or ""),
        copyright_notice=notice,
        usage_terms=squash(attr("doc.rights", "limitations") or ""),
        footer=text_of(tagline),
        type=item_type,
        description=text_of(main.find("media-caption")),
        credit=text_of(main.find("media-producer")),
        renditions=renditions,
        associations=[a for a in map(_association, media) if a is not None],
    )


_KINDS: dict[str, ItemType] = ITEM_TYPES | {"text": "text"}


def _kind(media: etree._Element) -> ItemType | None:
    """What a ``media`` is: its ``media-type``'s item type (``class="graphic"`` makes an
    image a graphic), None for a type newswire has no item of (``data``, ``other``)."""
    kind = _KINDS.get(media.get("media-type", "").strip())
    if kind == "picture" and media.get("class", "").strip() == GRAPHIC:
        return "graphic"
    return kind


def _per_rendition(media: etree._Element, count: int) -> dict[str, list[tuple[int, str]]]:
    """The values of each of ``PER_RENDITION`` that a ``media`` gives, each with its
    ``media-metadata``'s position, when it gives one for each of its ``count`` references
    (otherwise none can be told apart: another provider's metadata of that name)."""
    found: dict[str, list[tuple[int, str]]] = {name: [] for name in PER_RENDITION}
    for i, meta in enumerate(media.iterfind("media-metadata")):
        name = meta.get("name", "").strip()
        if name in found:
            found[name].append((i, (meta.get("value") or "").strip()))
    return {name: values for name, values in found.items() if len(values) == count}


def _association(media: etree._Element) -> Association | None:
    ref = media.find("media-reference")
    ident = (ref.get("source") or "").strip() if ref is not None else ""
    if ref is None or not ident:
        return None
    return Association(
        id=ident,
        type=_kind(media) or "picture",
        name=(ref.get("name") or "").strip(),
        headline=text_of(media.find("media-caption")),
    )


def _rendition(
    ref: etree._Element, i: int, extra: dict[str, list[tuple[int, str]]] | None = None
) -> Rendition:
    """The ``i``-th ``media-reference`` of a media, with its values of ``PER_RENDITION``
    (``_per_rendition``)."""
    where = f"media-reference[{i + 1}]"
    href = (ref.get("source") or "").strip()
    if href and not is_web_url(href):
        raise ParseError(f"must be an http(s) URL, not {href[:60]!r}", field=f"{where}@source")
    sizes = []
    for attr in ("width", "height"):
        value = parse_int(ref.get(attr), f"{where}@{attr}")
        if value is not None and not 0 <= value < 2**53:
            raise ParseError(f"must be 0 or more, not {value}", field=f"{where}@{attr}")
        sizes.append(value)
    duration = None
    unit = (ref.get("time-unit-of-measure") or "seconds").strip().lower()
    if (ref.get("time") or "").strip() and unit in ("seconds", "second", "s", "sec"):
        try:
            duration = float(ref.get("time", ""))
        except ValueError:
            duration = -1.0
        if not 0 <= duration < 2**53:
            raise ParseError(f"{ref.get('time')!r} is not a duration", field=f"{where}@time")
    # ``media-metadata`` is free text of the provider's: a size or a frame rate newswire
    # wrote reads back, one written otherwise (``1024x768``, ``29.97 fps``) is left out,
    # not a reason to refuse the document.
    meta, _ = _metadata(extra or {}, "size", i)
    size = int(meta) if meta.isascii() and meta.isdigit() and int(meta) < 2**53 else None
    meta, _ = _metadata(extra or {}, "frame-rate", i)
    rate = None
    with contextlib.suppress(ValueError, OverflowError):
        rate = float(meta) if meta else None
    if rate is not None and not 0 <= rate < 2**53:  # nan, inf, negative
        rate = None
    return Rendition(
        name=(ref.get("name") or "").strip() or f"rendition{i + 1}",
        href=href,
        content_type=(ref.get("mime-type") or "").strip(),
        width=sizes[0],
        height=sizes[1],
        size=size,
        duration=duration,
        video_codec=(ref.get("coding") or "").strip(),
        frame_rate=rate,
    )


def _metadata(extra: dict[str, list[tuple[int, str]]], name: str, i: int) -> tuple[str, str]:
    """The ``i``-th reference's value of ``PER_RENDITION`` ``name`` and the field that
    holds it, ``""`` for both where its media gives none."""
    if name not in extra or not extra[name][i][1]:
        return "", ""
    at, value = extra[name][i]
    return value, f"media-metadata[{at + 1}]@value"


class NitfCodec(Codec):
    name = "nitf"
    label = "IPTC NITF 3.6"
    media_type = "application/nitf+xml"
    media_types = ("application/nitf+xml", "text/vnd.iptc.nitf")
    extension = "xml"

    def sniff(self, data: bytes) -> bool:
        return root_localname(data) == "nitf"

    def parse(self, data: bytes) -> list[NewsItem]:
        root = parse_xml(data, what="NITF")
        if localname(root) != "nitf":
            raise ParseError(f"not an NITF document: the root element is <{localname(root)}>")
        return [item_from_nitf(strip_namespaces(root))]

    def render(self, item: NewsItem) -> bytes:
        return render_nitf(item)


CODEC = NitfCodec()

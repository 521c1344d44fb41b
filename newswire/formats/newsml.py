"""IPTC NewsML-G2 2.35 ``newsItem`` (``application/vnd.iptc.g2.newsitem+xml``).

Rendered in the strict element order of the 2.35 All-Power XSD. Mapping: id -> ``@guid``,
language -> ``@xml:lang`` + ``contentMeta/language``, rights -> ``rightsInfo``
(copyrightHolder/name, copyrightNotice, usageTerms; it precedes ``itemMeta``), provider ->
``provider`` (``nprov:<provider>`` + name; G2 requires one: an item with none names the
agency, ``provider_default``, with ``why="why:inferred"``, read back as no provider), pubstatus -> ``stat:*``, ednote -> ``edNote``,
signal -> ``sig:update``/``sig:correction``, replaces -> ``link rel="irel:previousVersion"
residref=<guid> version=<n>``, related -> ``link rel="irel:seeAlso"`` (residref, or href for
http URLs), subjects -> ``subject type="cpnat:abstract"``, entities -> ``subject`` typed
``cpnat:person|organisation|geoArea|event|object`` (id as qcode, uri or literal), genres ->
``genre``, lead -> ``description role="drol:summary"``, byline -> ``by``, footer ->
``creditline`` (the free-form credit/boilerplate line; no IPTC description role fits
agency boilerplate; after the credit line when there is one), body ->
``contentSet/inlineXML`` holding an XHTML document.
Dateline: place -> ``located/name``, Latin place -> ``located/name xml:lang="und-Latn"``
(BCP 47: undetermined language, Latin script), source -> ``infoSource/name`` (no role: the
IPTC info-source-role scheme is retired), text -> ``dateline``.

Enrichment: who assigned a subject or found an entity -> ``@why="why:inferred"`` for the
machine (``@creator`` is a QCode and ``machine`` names no party), another creator its
``@creator`` QCode or ``@creatoruri`` (a creator that is neither, such as ninjs's free
``"system"``, a ``urn:newswire:creator:`` URI of it, percent-encoded, read back as the
words); how sure -> ``subject@confidence``; an entity's
name -> ``name xml:lang=<item language>``; a country -> ``broader
qcode="iso3166-1a2:<CC>" type="cpnat:geoArea"``; a subject place's coordinates -> an
``assert`` naming its id, after ``contentMeta``, holding ``geoAreaDetails/position`` (a
``subject`` has no room for them). The resolved dateline place (the first place with rel
``located``) -> ``located`` itself: ``type="cpnat:geoArea"``, its id, ``@why``, the
written name, its own name in the item's language when that differs, the Latin name, the
``broader`` country and ``geoAreaDetails/position``; read back first among the entities.
A ``located`` with an id, a country or a position is read as such a place.

newswire's own schemes: a QCode of the agency's vocabulary (``nwv:hamas``), of a story
link's relation (``nwrel:sameStory``) or of a GeoNames place (``geonames:323786``) is in no
IPTC catalog, so an item using one carries an inline ``catalog`` after the ``catalogRef``
declaring that alias and its scheme URI (``OWN_SCHEMES``), as the standard asks of every
alias a document uses. A place whose id is a GeoNames URI (the gazetteer's places) is
given both: ``qcode="geonames:323786" uri="https://sws.geonames.org/323786/"``, read back
as the URI; a ``geonames:`` QCode alone is read as that QCode (as NITF's ``geonames``
location codes are).

Media: type -> ``itemClass ninat:<type>``, each rendition -> ``contentSet/remoteContent``
(href, ``rendition rnd:<name>``, contenttype, size, width, height, duration in seconds, videoframerate),
contentcreated -> ``contentCreated``, description -> ``description role="drol:caption"``,
credit -> the first ``creditline``, associations -> ``link rel="irel:seeAlso"
residref=<id> title=<headline>`` holding the associated item's ``itemClass`` as a hint (what
tells it from a related link) and its name as ``altId`` (not its files).

Parsing also reads ``newsMessage`` (every ``newsItem`` in ``itemSet``, and each
``packageItem``'s other groups as associations of the text item in its root group), NITF
bodies in ``inlineXML`` (with their headline, abstract and byline as fallbacks),
XHTML/HTML bodies, and ``inlineData`` (``text/plain``: paragraphs split on blank lines, or
on lines when there are none). A ``remoteContent`` href must be http(s).

Lossy: entity ``rel`` (but ``located``); the confidence of the located place
(``located`` has no such attribute); coordinates of a subject without an id; a story's single ``creditline`` is read as its footer, a media
item's as its credit; whitespace inside text fields is normalised to single spaces; an
item without versioncreated gets its firstcreated (else now): the XSD requires one.
"""

from __future__ import annotations

import copy
import re
import urllib.parse
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

import msgspec
from lxml import etree

from newswire.errors import NewswireError, ParseError
from newswire.formats import withdrawn
from newswire.formats.base import Codec, Refused, readable
from newswire.formats.html import make_body, squash, xhtml_elements
from newswire.formats.nitf import (
    XML_LANG,
    inner_xml,
    item_from_nitf,
    parse_int,
    parse_when,
    strip_namespaces,
    text_of,
)
from newswire.formats.xmlsafe import localname, parse_xml, root_localname
from newswire.model import (
    MACHINE,
    Association,
    Concept,
    Dateline,
    Entity,
    EntityKind,
    ItemType,
    Link,
    NewsItem,
    PubStatus,
    Rendition,
    Signal,
    as_utc,
    utcnow,
)
from newswire.settings import BY_NAME, setting
from newswire.text.direction import direction
from newswire.validation import is_web_url

NAR = "http://iptc.org/std/nar/2006-10-01/"
XHTML = "http://www.w3.org/1999/xhtml"
CATALOG = "http://www.iptc.org/std/catalog/catalog.IPTC-G2-Standards_41.xml"
LATIN = "und-Latn"
ENTITY_TYPES: dict[EntityKind, str] = {
    "person": "cpnat:person",
    "organisation": "cpnat:organisation",
    "place": "cpnat:geoArea",
    "event": "cpnat:event",
    "object": "cpnat:object",
}
KINDS: dict[str, EntityKind] = {t: k for k, t in ENTITY_TYPES.items()} | {"cpnat:poi": "place"}
ITEM_CLASSES: dict[str, ItemType] = {
    "ninat:text": "text",
    "ninat:picture": "picture",
    "ninat:video": "video",
    "ninat:graphic": "graphic",
    "ninat:audio": "audio",
    "ninat:composite": "text",  # a story with its parts: read as the story
}
SEE_ALSO = Association(id="").rel
SECONDS = "timeunit:seconds"
PUBSTATUS: dict[str, PubStatus] = {
    "stat:usable": "usable",
    "stat:withheld": "withheld",
    "stat:canceled": "canceled",
}
SIGNALS: dict[str, Signal] = {"sig:update": "update", "sig:correction": "correction"}
JUNK = ("head", "script", "style", "figure", "img", "video", "audio", "iframe", "object")
_QCODE = re.compile(r"^[^\s:]+:\S+$")
OWN_SCHEMES = {
    "nwv": (
        "urn:newswire:vocabulary:",
        "newswire: the agency's controlled vocabulary of people and organisations",
    ),
    "nwrel": ("urn:newswire:relation:", "newswire: how an item relates to another of its story"),
    "geonames": ("https://sws.geonames.org/", "GeoNames: places by their GeoNames id"),
}
"""Alias -> (scheme URI, name) of the schemes newswire itself defines (module docs)."""
_OWN_ATTRIBUTES = ("qcode", "rel", "type")
INFERRED = "why:inferred"
"""``@why`` of what newswire's enrichment added (IPTC Why Present: "inferred")."""
COUNTRY = "iso3166-1a2:"
"""The catalog's scheme of ISO 3166-1 alpha-2 country codes (a place's ``broader``)."""
COUNTRY_URI = "http://cvx.iptc.org/iso3166-1a2/"
_LATIN_TEXT = re.compile(r"^[\sA-Za-z\u00c0-\u024f.,'()-]+$")


def _is_iri(value: str) -> bool:
    return "://" in value or value.startswith("urn:")


CREATOR_URN = "urn:newswire:creator:"
"""``@creatoruri`` of a creator that is neither a QCode nor a URI (free words: ninjs's
``creator`` is any string), percent-encoded after it; ``@creator`` only takes a QCode."""


GEONAMES = "geonames:"
_GEONAMES_URI = re.compile(r"^https?://sws\.geonames\.org/(\d+)/?$")


def _flex(value: str) -> dict[str, str]:
    """An identifier as the G2 flex attribute it is: uri, qcode, or literal (a GeoNames
    place: its QCode and its URI)."""
    if geonames := _GEONAMES_URI.match(value):
        return {"qcode": GEONAMES + geonames.group(1), "uri": value}
    if _is_iri(value):
        return {"uri": value}
    return {"qcode": value} if _QCODE.match(value) else {"literal": squash(value)}


def provider_default(item: NewsItem) -> str:
    """The provider NewsML-G2 names for an item that has none (``itemMeta/provider`` is
    required: "the party responsible for the management of the item"): the agency's name
    (the ``public_name`` setting), else the source its dateline names, else its copyright
    holder, else the setting's default."""
    source = item.dateline.source if item.dateline else ""
    return squash(
        setting("public_name") or source or item.copyright_holder or BY_NAME["public_name"].default
    )


def _assigned(creator: str, confidence: int | None = None) -> dict[str, str]:
    """Who assigned a concept and how sure they are, as G2 attributes: the machine is
    ``why="why:inferred"`` (``@creator`` is a QCode, and ``machine`` names no party); any
    other creator its QCode (``creator``) or URI (``creatoruri``)."""
    out = {"confidence": "" if confidence is None else str(confidence)}
    if creator == MACHINE:
        out["why"] = INFERRED
    elif _is_iri(creator):
        out["creatoruri"] = creator
    elif _QCODE.match(creator):
        out["creator"] = creator
    elif creator:
        out["creatoruri"] = CREATOR_URN + urllib.parse.quote(creator, safe="")
    return out


def _when(value: datetime) -> str:
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _n(parent: etree._Element, tag_: str, text: str = "", **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{NAR}}}{tag_}", {k: v for k, v in attrs.items() if v})
    if text:
        el.text = text
    return el


def _named(parent: etree._Element, tag: str, name: str, **attrs: str) -> etree._Element:
    el = _n(parent, tag, **attrs)
    if name:
        _n(el, "name", squash(name))
    return el


# -- render ---------------------------------------------------------------------------------


def _declare_own_schemes(root: etree._Element) -> None:
    """An inline ``catalog`` of the ``OWN_SCHEMES`` the item's QCodes use, after the
    ``catalogRef`` (none when it uses none)."""
    used = {
        value.split(":", 1)[0]
        for el in root.iter()
        for attribute in _OWN_ATTRIBUTES
        if (value := el.get(attribute)) and value.split(":", 1)[0] in OWN_SCHEMES
    }
    if not used:
        return
    catalog = etree.Element(f"{{{NAR}}}catalog")
    for alias in sorted(used):
        uri, name = OWN_SCHEMES[alias]
        _n(_n(catalog, "scheme", alias=alias, uri=uri), "name", name)
    root.find(f"{{{NAR}}}catalogRef").addnext(catalog)


def render_newsml(item: NewsItem) -> bytes:
    root = etree.Element(f"{{{NAR}}}newsItem", nsmap={None: NAR})
    for key, value in (("guid", item.id), ("version", str(item.version)),
                       ("standard", "NewsML-G2"), ("standardversion", "2.35"),
                       ("conformance", "power"), (XML_LANG, item.language)):  # fmt: skip
        if value:
            root.set(key, value)
    _n(root, "catalogRef", href=CATALOG)
    if item.copyright_holder or item.copyright_notice or item.usage_terms:
        rights = _n(root, "rightsInfo")
        if item.copyright_holder:
            _named(rights, "copyrightHolder", item.copyright_holder)
        if item.copyright_notice:
            _n(rights, "copyrightNotice", item.copyright_notice)
        if item.usage_terms:
            _n(rights, "usageTerms", item.usage_terms)
    meta = _n(root, "itemMeta")
    _n(meta, "itemClass", qcode=f"ninat:{item.type}")
    provider = item.provider
    if provider:
        qcode = f"nprov:{provider}" if _QCODE.match(f"nprov:{provider}") else ""
        _named(meta, "provider", provider, qcode=qcode)
    else:  # required, and an empty one says nothing: the agency, marked as inferred
        _named(meta, "provider", provider_default(item), why=INFERRED)
    _n(meta, "versionCreated", _when(item.versioncreated or item.firstcreated or utcnow()))
    if item.firstcreated:
        _n(meta, "firstCreated", _when(item.firstcreated))
    if item.embargo_until:
        _n(meta, "embargoed", _when(item.embargo_until))
    _n(meta, "pubStatus", qcode=f"stat:{item.pubstatus}")
    if item.ednote:
        _n(meta, "edNote", item.ednote)
    if signal := withdrawn.signal(item):
        _n(meta, "signal", qcode=f"sig:{signal}")
    if item.replaces:
        _n(meta, "link", rel="irel:previousVersion", residref=item.id, version=str(item.replaces))
    for link in item.related:
        rel = "irel:seeAlso" if link.rel == "related" else link.rel
        target = "href" if link.uri.startswith(("http://", "https://")) else "residref"
        _n(meta, "link", rel=rel if ":" in rel else f"irel:{rel}", title=link.title,
           **{target: link.uri})  # fmt: skip
    for a in item.associations:
        # The associated item's class rides as a hint inside the link (the XSD's extension
        # point for NAR properties), which is also what tells it from a related link; its
        # name as an altId, as TT names the pictures of a package.
        link = _n(meta, "link", **_rel(a.rel), residref=a.id, title=a.headline)
        _n(link, "itemClass", qcode=f"ninat:{a.type}")
        if a.name:
            _n(link, "altId", squash(a.name))
    _content_meta(_n(root, "contentMeta"), item)
    _asserts(root, item)
    content_set = _n(root, "contentSet") if item.body_html or item.renditions else None
    body = None
    if content_set is not None and item.body_html:
        inline = _n(content_set, "inlineXML", contenttype="application/xhtml+xml")
        lang = item.language
        html = etree.SubElement(inline, f"{{{XHTML}}}html", nsmap={None: XHTML})
        html.set("dir", direction(lang))
        if lang:
            html.set("lang", lang)
        etree.SubElement(
            etree.SubElement(html, f"{{{XHTML}}}head"), f"{{{XHTML}}}title"
        ).text = item.headline
        body = etree.SubElement(html, f"{{{XHTML}}}body")
    for r in item.renditions if content_set is not None else ():
        _remote_content(content_set, r)
    _declare_own_schemes(root)
    etree.indent(root)
    if body is not None:  # after indenting: no whitespace may be added inside the body
        body.text = "\n"
        for el in xhtml_elements(item.body_html, XHTML):
            el.tail = "\n"
            body.append(el)
    document: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return document + b"\n"


def _rel(rel: str) -> dict[str, str]:
    if _is_iri(rel):
        return {"reluri": rel}
    return {"rel": rel if _QCODE.match(rel) else f"irel:{rel}"}


def _remote_content(parent: etree._Element, r: Rendition) -> None:
    name = r.name.strip()
    duration = {}
    if r.duration is not None:
        seconds = int(r.duration) if r.duration.is_integer() else r.duration
        duration = {"duration": str(seconds), "durationunit": SECONDS}
    _n(
        parent,
        "remoteContent",
        href=r.href,
        rendition=(name if _QCODE.match(name) else f"rnd:{name}") if name.split() == [name] else "",
        contenttype=r.content_type,
        size="" if r.size is None else str(r.size),
        width="" if r.width is None else str(r.width),
        height="" if r.height is None else str(r.height),
        **duration,
        videoframerate="" if r.frame_rate is None else _decimal(r.frame_rate),
    )  # never the blob: newswire's own address of the file


def _content_meta(cm: etree._Element, item: NewsItem) -> None:
    if item.urgency is not None:
        _n(cm, "urgency", str(item.urgency))
    if item.contentcreated is not None:
        _n(cm, "contentCreated", _when(item.contentcreated))
    dl = item.dateline or Dateline()
    here = located_entity(item)
    if dl.place or dl.place_latin or here:
        _located_out(cm, dl, here, item.language)
    if dl.source:
        _named(cm, "infoSource", dl.source)
    if item.language:
        _n(cm, "language", tag=item.language)
    for g in item.genres:
        _named(cm, "genre", g.name, **(_flex(g.code) | ({"uri": g.uri} if g.uri else {})))
    for word in item.keywords:
        _n(cm, "keyword", squash(word))
    for s in item.subjects:
        attrs = _flex(s.code) | ({"uri": s.uri} if s.uri else {})
        attrs |= _assigned(s.creator, s.confidence)
        _named(cm, "subject", s.name, type="cpnat:abstract", **attrs)
    for e in item.entities:
        if e is here:
            continue
        attrs = (_flex(e.id) if e.id else {}) | _assigned(e.creator, e.confidence)
        subject = _n(cm, "subject", type=ENTITY_TYPES[e.kind], **attrs)
        if e.name:
            _n(subject, "name", squash(e.name), **{XML_LANG: item.language})
        if e.country:
            _n(subject, "broader", qcode=COUNTRY + e.country, type="cpnat:geoArea")
    for tag, value in (("slugline", squash(item.slugline)), ("headline", item.headline),
                       ("dateline", dl.text), ("by", item.byline),
                       ("creditline", squash(item.credit)),
                       ("creditline", squash(item.footer))):  # fmt: skip
        if value:
            _n(cm, tag, value)
    if item.lead:
        _n(cm, "description", item.lead, role="drol:summary")
    if item.description:
        _n(cm, "description", item.description, role="drol:caption")


def located_entity(item: NewsItem) -> Entity | None:
    """The place the item was filed from, resolved (``rel="located"``): ``located`` is
    written with the dateline's place as its name, so when there are several (a picture's
    country and its city) the one the dateline names, else the machine's (its only
    ``located`` place is the dateline's, resolved), else the first."""
    located = [e for e in item.entities if e.kind == "place" and e.rel == "located"]
    dl = item.dateline
    if len(located) > 1 and dl is not None:
        written = {squash(n).casefold() for n in (dl.place, dl.place_latin) if n}
        named = [e for e in located if squash(e.name).casefold() in written]
        return next(iter(named or [e for e in located if e.creator == MACHINE] or located))
    return located[0] if located else None


def _located_out(cm: etree._Element, dl: Dateline, here: Entity | None, lang: str) -> None:
    """``located``: the dateline's place as written (a ``name`` without language), its
    Latin name (``xml:lang="und-Latn"``) and, when it is resolved, the place's id, its name
    in the item's language when that differs from the written one, its country
    (``broader``) and coordinates (``geoAreaDetails/position``: ``located`` may hold them,
    a ``subject`` may not)."""
    attrs = {"type": ENTITY_TYPES["place"]} if here else {}
    if here:
        attrs |= (_flex(here.id) if here.id else {}) | _assigned(here.creator)
    located = _n(cm, "located", **attrs)
    if dl.place:
        _n(located, "name", squash(dl.place))
    named = here and here.name and here.name != here.id  # a bare code reads as its own name
    if here and named and squash(here.name) != squash(dl.place) and (lang or not dl.place):
        _n(located, "name", squash(here.name), **{XML_LANG: lang})
    if dl.place_latin:
        _n(located, "name", squash(dl.place_latin)).set(XML_LANG, LATIN)
    if here and here.country:
        _n(located, "broader", qcode=COUNTRY + here.country, type="cpnat:geoArea")
    if here and here.latitude is not None and here.longitude is not None:
        _position(_n(located, "geoAreaDetails"), here)


def _position(parent: etree._Element, e: Entity) -> None:
    _n(parent, "position", latitude=_decimal(e.latitude), longitude=_decimal(e.longitude))


def _decimal(value: float | None) -> str:
    """An ``xs:decimal`` (no exponent) that reads back as the same float."""
    return format(Decimal(repr(value)), "f")


def _asserts(root: etree._Element, item: NewsItem) -> None:
    """The coordinates of the places among the subjects, one ``assert`` per id (a G2
    ``subject`` has no room for them; an ``assert`` says more about a concept the item
    uses). A place without an id cannot be pointed at: its coordinates are not written."""
    here, seen = located_entity(item), set()
    for e in item.entities:
        if e is here or not e.id or e.id in seen or e.latitude is None or e.longitude is None:
            continue
        seen.add(e.id)
        _position(_n(_n(root, "assert", **_flex(e.id)), "geoAreaDetails"), e)


# -- parse ----------------------------------------------------------------------------------


def _name(el: etree._Element | None, lang: str = "") -> str:
    """The best ``name`` of a concept: in the item's language, else untagged, else any."""
    if el is None:
        return ""
    names = [n for n in el.findall("name") if text_of(n)]
    primary = lang.split("-")[0].lower()
    wants: tuple[Callable[[etree._Element], bool], ...] = (
        lambda n: (n.get(XML_LANG) or "").split("-")[0].lower() == primary,
        lambda n: not n.get(XML_LANG),
        lambda n: True,
    )
    for want in wants:
        for n in names:
            if want(n):
                return text_of(n)
    return ""


def _ident(el: etree._Element) -> tuple[str, str]:
    """(code, uri) of a flex property: the code is its qcode, literal or (alone) its uri."""
    qcode, literal, uri = (el.get(a, "").strip() for a in ("qcode", "literal", "uri"))
    if uri and qcode.startswith(GEONAMES):  # a gazetteer place: its id is the URI
        return uri, ""
    return qcode or literal or uri, uri if qcode or literal else ""


def _located(cm: etree._Element, lang: str) -> tuple[str, str, Entity | None]:
    """(place as written, Latin place, the resolved place) of ``located``. The place is
    resolved when ``located`` has an id, a country or a position: its name is the one in
    the item's language, else the written one."""
    el = cm.find("located")
    if el is None:
        return "", "", None
    place = latin = own = ""
    names = [n for n in el.findall("name") if text_of(n)]
    primary = lang.split("-")[0].lower()
    resolved = bool(_ident(el)[0]) or el.find("geoAreaDetails/position") is not None
    resolved = resolved or bool(_country(el))
    for n in names:
        tag = (n.get(XML_LANG) or "").lower()
        foreign = tag and tag.split("-")[0] != primary
        is_latin = tag.endswith("-latn") or (
            len(names) > 1 and foreign and _LATIN_TEXT.match(text_of(n))
        )
        if is_latin and not latin:
            latin = text_of(n)
        elif resolved and tag and not foreign and not own:
            own = text_of(n)  # the resolved place's name in the item's language
        elif not place:
            place = text_of(n)
    place = place or own  # a coded place named only in the item's language
    if not resolved:
        return place, latin, None
    here = _entity(el, "place", own or place)
    return place, latin, msgspec.structs.replace(here, rel="located")


def _country(el: etree._Element) -> str:
    """The ISO 3166-1 alpha-2 code of a concept's ``broader`` country, if it has one."""
    for b in el.findall("broader"):
        qcode, uri = str(b.get("qcode", "")).strip(), str(b.get("uri", "")).strip()
        if qcode.startswith(COUNTRY):
            return qcode.removeprefix(COUNTRY).upper()
        if uri.startswith(COUNTRY_URI):
            return uri.removeprefix(COUNTRY_URI).strip("/").upper()
    return ""


def _creator(el: etree._Element) -> str:
    if el.get("why", "").strip() == INFERRED:
        return MACHINE
    creator = (el.get("creator") or el.get("creatoruri") or "").strip()
    if creator.startswith(CREATOR_URN):
        return urllib.parse.unquote(creator.removeprefix(CREATOR_URN))
    return creator


def _confidence(el: etree._Element) -> int | None:
    value = parse_int(el.get("confidence"), "subject@confidence")
    if value is not None and not 0 <= value <= 100:
        raise ParseError(f"must be 0 to 100, not {value}", field="subject@confidence")
    return value


def _entity(el: etree._Element, kind: EntityKind, name: str) -> Entity:
    """An entity from a ``subject`` (or ``located``): its id, who found it, how sure they
    are, its country; its coordinates come from its ``geoAreaDetails`` when it has one."""
    code, _ = _ident(el)
    position = el.find("geoAreaDetails/position")
    lat, lon = _coordinates(position) if position is not None else (None, None)
    return Entity(
        kind=kind,
        name=name or code,
        id=code,
        creator=_creator(el),
        confidence=_confidence(el),
        country=_country(el),
        latitude=lat,
        longitude=lon,
    )


def _coordinates(position: etree._Element) -> tuple[float | None, float | None]:
    try:
        lat, lon = float(position.get("latitude", "")), float(position.get("longitude", ""))
    except ValueError:
        raise ParseError("must be decimal degrees", field="position@latitude") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ParseError(f"({lat}, {lon}) is not on Earth", field="position") from None
    return lat, lon


def _html_body(container: etree._Element, headline: str) -> str:
    container = copy.deepcopy(container)
    etree.strip_elements(container, *JUNK, with_tail=False)
    for h1 in container.iter("h1"):
        if text_of(h1) == headline:
            h1.tag = "drop-me"
    etree.strip_elements(container, "drop-me", with_tail=False)
    return inner_xml(container)


def _body(item_el: etree._Element, headline: str) -> tuple[list[str], str, NewsItem | None]:
    """(paragraphs, html, the inline NITF item when the body came as NITF) of the first
    text rendition in ``contentSet``."""
    for content in item_el.iterfind("contentSet/*"):
        nitf, text = None, (content.text or "").strip()
        child = next((c for c in content if isinstance(c.tag, str)), None)
        if content.tag == "inlineXML" and child is not None and child.tag == "nitf":
            nitf = item_from_nitf(child)
            paras, html = nitf.body, nitf.body_html
        elif content.tag == "inlineXML" and child is not None:
            body = child.find("body") if child.tag == "html" else None
            paras, html = make_body(html=_html_body(content if body is None else body, headline))
        elif content.tag == "inlineData" and "html" in content.get("contenttype", "").lower():
            paras, html = make_body(html=text)
        elif content.tag == "inlineData":
            blank = re.compile(r"\n\s*\n")
            paras, html = make_body(paragraphs=blank.split(text) if blank.search(text) else
                                    text.split("\n"))  # fmt: skip
        else:
            continue
        if paras:
            return paras, html, nitf
    return [], "", None


def item_from_newsml(el: etree._Element) -> NewsItem:
    """A ``NewsItem`` from a namespace-free ``newsItem`` element."""
    guid = (el.get("guid") or "").strip()
    if not guid:
        raise ParseError("a newsItem needs a guid", field="guid")
    meta = el.find("itemMeta")
    meta = meta if meta is not None else etree.Element("itemMeta")
    cm = el.find("contentMeta")
    cm = cm if cm is not None else etree.Element("contentMeta")
    lang_el = cm.find("language")
    language = (lang_el.get("tag") if lang_el is not None else None) or el.get(XML_LANG) or ""

    def text(parent: etree._Element, tag: str, role: str | None = None) -> str:
        """The first non-empty ``tag`` child with that role (``None``: any, ``""``: none)."""
        for child in parent.findall(tag):
            if (role is None or child.get("role", "") == role) and text_of(child):
                return text_of(child)
        return ""

    headline = text(cm, "headline")
    paragraphs, body_html, nitf = _body(el, headline)
    status = meta.find("pubStatus")
    status = status.get("qcode", "stat:usable") if status is not None else "stat:usable"
    if status not in PUBSTATUS:
        raise ParseError(f"unknown publishing status {status!r}", field="pubStatus")
    provider = meta.find("provider")
    inferred = provider is not None and provider.get("why") == INFERRED
    prov = "" if inferred else _name(provider, language)
    if provider is not None and not prov and not inferred:
        prov = (provider.get("qcode") or "").removeprefix("nprov:") or provider.get("uri") or ""
    signals = [SIGNALS[s.get("qcode")] for s in meta.findall("signal") if s.get("qcode") in SIGNALS]
    replaces, related, associations = None, [], []
    for link in meta.findall("link"):
        hint = link.find("itemClass")
        if link.get("rel") == "irel:previousVersion":
            replaces = parse_int(link.get("version"), "link") or replaces
        elif hint is not None and hint.get("qcode") in ITEM_CLASSES:
            if uri := (link.get("residref") or link.get("href") or "").strip():
                rel = (link.get("rel") or "").strip().removeprefix("irel:")
                associations.append(
                    Association(
                        id=uri,
                        type=ITEM_CLASSES[hint.get("qcode", "")],
                        rel=rel or link.get("reluri", "").strip() or SEE_ALSO,
                        name=text_of(link.find("altId")),
                        headline=squash(link.get("title", "")),
                    )
                )
        elif uri := (link.get("residref") or link.get("href") or "").strip():
            rel = link.get("rel") or "irel:seeAlso"
            rel = "related" if rel == "irel:seeAlso" else rel.removeprefix("irel:")
            related.append(Link(uri=uri, rel=rel, title=link.get("title", "")))
    place, latin, here = _located(cm, language)
    subjects, entities = [], [here] if here else []
    asserted = {_ident(a)[0]: a for a in el.findall("assert") if _ident(a)[0]}
    for subj in cm.findall("subject"):
        (code, uri), name = _ident(subj), _name(subj, language)
        if kind := KINDS.get(subj.get("type", "")):
            if name or code:
                entity = _entity(subj, kind, name)
                position = asserted.get(code, subj).find("geoAreaDetails/position")
                if code and position is not None and entity.latitude is None:
                    lat, lon = _coordinates(position)
                    entity = msgspec.structs.replace(entity, latitude=lat, longitude=lon)
                entities.append(entity)
        elif code:
            creator, confidence = _creator(subj), _confidence(subj)
            subjects.append(
                Concept(code=code, name=name, uri=uri, creator=creator, confidence=confidence)
            )
    genres = []
    for g in cm.findall("genre"):
        code, uri = _ident(g)
        if code:
            genres.append(Concept(code=code, name=_name(g, language), uri=uri))
    source = next((n for n in (_name(s, language) for s in cm.findall("infoSource")) if n), "")
    dateline = Dateline(place=place, place_latin=latin, source=source, text=text(cm, "dateline"))
    rights = el.find("rightsInfo")
    rights = rights if rights is not None else etree.Element("rightsInfo")
    byline = text(cm, "by") or ", ".join(
        n for n in (_name(c, language) for c in cm.findall("creator")) if n
    )
    urgency = cm.find("urgency")
    item_class = meta.find("itemClass")
    item_type = ITEM_CLASSES.get(
        item_class.get("qcode", "") if item_class is not None else "", "text"
    )
    credits = [text_of(c) for c in cm.findall("creditline") if text_of(c)]
    if item_type == "text" and len(credits) == 1:  # a story's one line: its agency footer
        credits.insert(0, "")
    caption = text(cm, "description", "drol:caption")
    untyped = text(cm, "description", "")
    if item_type != "text":
        caption, untyped = caption or untyped, ""
    return NewsItem(
        id=guid,
        version=parse_int(el.get("version"), "version") or 1,
        type=item_type,
        language=language.strip(),
        headline=headline or (nitf.headline if nitf else ""),
        lead=text(cm, "description", "drol:summary") or untyped or (nitf.lead if nitf else ""),
        body=paragraphs,
        body_html=body_html,
        dateline=dateline if dateline != Dateline() else None,
        byline=byline or (nitf.byline if nitf else ""),
        urgency=parse_int(urgency.text if urgency is not None else None, "urgency"),
        genres=genres,
        subjects=subjects,
        keywords=[text_of(k) for k in cm.findall("keyword") if text_of(k)],
        entities=entities,
        firstcreated=parse_when(meta.findtext("firstCreated"), "firstCreated"),
        versioncreated=parse_when(meta.findtext("versionCreated"), "versionCreated"),
        embargo_until=parse_when(meta.findtext("embargoed"), "embargoed"),
        pubstatus=PUBSTATUS[status],
        signal=signals[0] if signals else None,
        replaces=replaces,
        related=related,
        slugline=text(cm, "slugline"),
        ednote=" ".join(text_of(n) for n in meta.findall("edNote") if text_of(n)),
        provider=prov,
        copyright_holder=_name(rights.find("copyrightHolder"), language),
        copyright_notice=text(rights, "copyrightNotice"),
        usage_terms=text(rights, "usageTerms"),
        footer=" ".join(credits[1:]),
        description=caption,
        credit=credits[0] if credits else "",
        contentcreated=parse_when(cm.findtext("contentCreated"), "contentCreated"),
        renditions=[
            _rendition(rc, i) for i, rc in enumerate(el.iterfind("contentSet/remoteContent"))
        ],
        associations=associations,
    )


_NPT = re.compile(r"^(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$")


def _duration(rc: etree._Element, where: str) -> float | None:
    """Seconds, from ``@duration`` in seconds (the default unit), milliseconds or normal
    play time (``[h:]m:s.f``); None for units that need a frame rate (time code)."""
    value = (rc.get("duration") or "").strip()
    unit = (rc.get("durationunit") or SECONDS).strip()
    if not value:
        return None
    npt = _NPT.match(value)
    try:
        if unit in (SECONDS, "timeunit:milliseconds") and not npt:
            seconds = float(value) / (1000 if unit == "timeunit:milliseconds" else 1)
        elif unit in (SECONDS, "timeunit:normalPlayTime") and npt:
            hours, minutes, secs = npt.groups()
            seconds = int(hours or 0) * 3600 + int(minutes) * 60 + float(secs)
        else:
            return None
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < 2**53:
        raise ParseError(f"{value[:40]!r} is not a duration", field=f"{where}@duration")
    return seconds


def _rendition(rc: etree._Element, i: int) -> Rendition:
    where = f"contentSet/remoteContent[{i + 1}]"
    href = (rc.get("href") or "").strip()
    if href and not is_web_url(href):
        raise ParseError(f"must be an http(s) URL, not {href[:60]!r}", field=f"{where}@href")
    name = (rc.get("rendition") or "").strip().removeprefix("rnd:") or f"rendition{i + 1}"
    width, height, size = (_count(rc, attr, where) for attr in ("width", "height", "size"))
    return Rendition(
        name=name,
        href=href,
        content_type=(rc.get("contenttype") or "").strip(),
        width=width,
        height=height,
        size=size,
        duration=_duration(rc, where),
        frame_rate=_frame_rate(rc, where),
    )


def _frame_rate(rc: etree._Element, where: str) -> float | None:
    value = (rc.get("videoframerate") or "").strip()
    if not value:
        return None
    try:
        rate = float(value)
    except ValueError:
        rate = -1.0
    if not 0 <= rate < 2**53:
        raise ParseError(f"{value[:40]!r} is not a frame rate", field=f"{where}@videoframerate")
    return rate


def _count(el: etree._Element, attr: str, where: str) -> int | None:
    value = parse_int(el.get(attr), f"{where}@{attr}")
    if value is not None and not 0 <= value < 2**53:
        raise ParseError(f"must be 0 or more, not {value}", field=f"{where}@{attr}")
    return value


def _packaged(items: list[NewsItem], packages: list[etree._Element]) -> list[NewsItem]:
    """``items`` with the package items of their message as associations: each text item
    referenced in a package's root group is associated with every other item the package
    references (a story and its pictures: how TT sends them)."""
    by_id = {item.id: item for item in items}
    extra: dict[str, list[Association]] = {}
    for package in packages:
        root_id = package.find("groupSet")
        groups = {g.get("id"): g for g in package.iterfind("groupSet/group")}
        root = groups.get(root_id.get("root") if root_id is not None else None)
        if root is None:
            continue
        main = [ref.get("residref", "").strip() for ref in root.iterfind("itemRef")]
        parts = [ref for g in groups.values() if g is not root for ref in g.iterfind("itemRef")]
        for story in (by_id[m] for m in main if by_id.get(m) and by_id[m].type == "text"):
            known = {a.id for a in story.associations} | {a.id for a in extra.get(story.id, [])}
            for ref in parts:
                ident = ref.get("residref", "").strip()
                if not ident or ident in known or ident == story.id:
                    continue
                known.add(ident)
                extra.setdefault(story.id, []).append(_part(ref, ident, by_id.get(ident)))
    return [
        msgspec.structs.replace(i, associations=[*i.associations, *extra[i.id]])
        if i.id in extra
        else i
        for i in items
    ]


def _part(ref: etree._Element, ident: str, item: NewsItem | None) -> Association:
    hint = ref.find("itemClass")
    kind = (
        item.type
        if item
        else ITEM_CLASSES.get(hint.get("qcode", "") if hint is not None else "", "picture")
    )
    label = text_of(ref.find("title")) or (item.headline or item.description if item else "")
    return Association(id=ident, type=kind, name=text_of(ref.find("altId")), headline=label)


class NewsMLCodec(Codec):
    name = "newsml"
    label = "IPTC NewsML-G2 newsItem"
    media_type = "application/vnd.iptc.g2.newsitem+xml"
    media_types = (
        "application/vnd.iptc.g2.newsitem+xml",
        "application/vnd.iptc.g2.newsmessage+xml",  # parsed: every newsItem in the message
    )
    extension = "xml"

    def sniff(self, data: bytes) -> bool:
        return root_localname(data) in ("newsItem", "newsMessage")

    def parse(self, data: bytes) -> list[NewsItem]:
        return readable(self.parse_each(data))

    def parse_each(self, data: bytes) -> list[NewsItem | Refused]:
        root = parse_xml(data, what="NewsML-G2")
        name = localname(root)
        if name not in ("newsItem", "newsMessage"):
            raise ParseError(
                f"not a NewsML-G2 newsItem or newsMessage: the root element is <{name}>"
            )
        strip_namespaces(root)
        if name == "newsItem":
            return [item_from_newsml(root)]
        return self._message(root)

    def _message(self, root: etree._Element) -> list[NewsItem | Refused]:
        """Each newsItem of a newsMessage, or why it cannot be read: one bad item does not
        sink the others."""
        entries: list[NewsItem | Refused] = []
        for el in root.iterfind("itemSet/newsItem"):
            try:
                entries.append(item_from_newsml(el))
            except (NewswireError, ValueError, OverflowError) as exc:
                error = exc if isinstance(exc, NewswireError) else ParseError(f"unreadable: {exc}")
                entries.append(Refused(el.get("guid") or "", error))
        if not entries:
            raise ParseError("the newsMessage holds no newsItem")
        items = _packaged(
            [e for e in entries if isinstance(e, NewsItem)], root.findall("itemSet/packageItem")
        )
        packaged = iter(items)
        return [e if isinstance(e, Refused) else next(packaged) for e in entries]

    def render(self, item: NewsItem) -> bytes:
        return render_newsml(item)


CODEC = NewsMLCodec()

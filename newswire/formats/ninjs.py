"""IPTC ninjs (News in JSON): ``ninjs`` renders 3.1, ``ninjs2`` renders 2.2.

Either codec reads 3.0/3.1 (camelCase) and 2.1/2.2 (lower-case names): the dialect comes
from the keys, else ``standard.version``, else the codec's own. Media types: ``ninjs`` is
``application/ninjs+json`` (also ``application/vnd.iptc.ninjs+json``); ``ninjs2`` labels
its output ``application/vnd.iptc.ninjs+json;version=2`` (IANA registers no ninjs type, and
IPTC versions ninjs by schema, so the branch rides as a ``version`` parameter, which
``formats.for_media_type`` and ``Accept`` negotiation match by its major: ``version=2.2`` is
ninjs 2, ``version=3.0`` ninjs 3, ``version=9`` neither).

Mapping (3.x names; 2.x writes them in lower case, ``embargoedUntil`` as ``embargoed``):

- id, version: ``uri`` (``model.as_uri``: an id that is no URI under ``urn:newswire:id:``);
  ``version`` (a string). headline: ``headlines[{role: main}]``.
- lead: ``descriptions[{role: summary}]``; footer: ``descriptions[{role: footer}]``.
- body, body_html: ``bodies[{role: main, text/plain}]`` (paragraphs joined by a blank
  line) and ``bodies[{role: richtext, application/xhtml+xml}]``; on parse the rich body
  wins (``make_body``; a whole HTML document gives the inside of its ``<body>``). A
  document without ``bodies`` that has ninjs 1.x's ``body_html``/``body_xhtml``/
  ``body_text`` is read from those (same precedence), and one without ``headlines`` from
  1.x's ``headline``.
- dateline: ``located`` is the place as written; ``places[{name: <Latin place>, rel:
  located}]``; ``infoSources[{name: <source>, role: …/infosourcerole/originfo}]`` (IPTC
  Information Source Role "originating information source"); the dateline text is
  ``descriptions[{role: dateline}]``.
- provider: ``infoSources[{name, role: provider}]``. byline, slugline, ednote: ``by``,
  ``slugline``, ``edNote``. Rights: ``copyrightHolder/Notice``, ``usageTerms``.
- genres, subjects: ``{name, uri, literal}``; literal is the QCode (``medtop:11000000``),
  uri the concept's own or its IPTC CV URI; a subject also carries ``creator`` (``machine``
  for what newswire's enrichment assigned) and ``confidence`` (0 … 100), which both 2.x and
  3.x allow there. keywords: ``subjects[{name, rel: keyword}]`` (a subject without uri or
  literal is read as a keyword).
- entities: ``people``/``organisations``/``places``/``events``/``objects`` ``{name, rel,
  uri}`` (``literal`` when the id is not a URI: ``nwv:ibrahim-kalin``); a place's
  coordinates as ``geoJSON`` (2.x ``geojson``), a GeoJSON Point ``{type: Point,
  coordinates: [longitude, latitude]}`` (read also from a Feature with a Point geometry).
  The dateline's resolved place is the place with ``rel: located`` and a uri.
- signal, replaces (ninjs has no field; IPTC's rule is same uri, higher version):
  ``associations[{name: <signal> or previousVersion, rel: previousVersion, uri: <own
  uri>, version: <replaces>}]``. related: ``associations[{name: rel, rel, uri, title}]``;
  2.x associations have no ``rel``, so ``name`` carries it there.
- firstcreated, versioncreated, embargo_until: RFC 3339 in UTC (``Z``); pubstatus.
- type: ``type`` (``composite``/``component`` read as text; ``event``/``planning``
  refused). contentcreated: ``contentCreated``. description, credit:
  ``descriptions[{role: caption}]``, ``descriptions[{role: credit}]`` (a description without
  role is a story's lead, a media item's caption). renditions: ``renditions[{name, href,
  contentType, width, height, sizeInBytes, duration, videoCodec, frameRate}]`` (3.x; the
  codec as ffprobe names it, ``h264``) (never the blob; an href must be
  http(s)). associations: ``associations[{name, rel, uri, type, headlines, renditions}]``
  (2.x: no rel; ``renditions`` as the item's own: the associated media item's files); an
  association with a ``type`` is an association, one without a related link.
  Both arrays are also read as objects keyed by name (ninjs 1.x).

Lossy: entities come back grouped by kind; text loses surrounding whitespace; a link
with an empty rel comes back as ``related``; the first place with rel ``located`` and no
uri, literal or geoJSON is read as the dateline's Latin place; an entity's ``creator``,
``confidence`` and ``country`` (ninjs people, organisations and places have no such
properties, and their schemas forbid any other: the gazetteer gives the country again from
a place's uri), and the coordinates of anything but a place; an association to the item's own uri with rel ``previousVersion``
(or, without rel, name ``update``/``correction``) is read as signal/replaces.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, TypeAlias

import msgspec

from newswire.errors import ParseError
from newswire.formats import withdrawn
from newswire.formats.base import Codec
from newswire.formats.html import make_body, paragraphs_from_html
from newswire.model import (
    ITEM_TYPES,
    PUBSTATUSES,
    SIGNALS,
    Association,
    Concept,
    Dateline,
    Entity,
    EntityKind,
    ItemType,
    Link,
    NewsItem,
    Rendition,
    as_uri,
    as_utc,
    from_uri,
    is_item_type,
    is_pubstatus,
    is_signal,
)
from newswire.validation import is_web_url

_V2 = {
    "versionCreated": "versioncreated", "firstCreated": "firstcreated",
    "contentCreated": "contentcreated", "embargoedUntil": "embargoed",
    "pubStatus": "pubstatus", "copyrightHolder": "copyrightholder",
    "copyrightNotice": "copyrightnotice", "usageTerms": "usageterms", "edNote": "ednote",
    "infoSources": "infosources", "contentType": "contenttype", "altIds": "altids",
    "trustIndicators": "trustindicators", "representationType": "representationtype",
    "rightsInfo": "rightsinfo", "digitalSourceType": "digitalsourcetype",
}  # fmt: skip
_CAMEL, _LOWER = set(_V2) | {"eventDetails", "plannedCoverage"}, set(_V2.values())
_KNOWN = _CAMEL | _LOWER | {
    "uri", "type", "profile", "version", "urgency", "language", "headlines", "bodies",
    "descriptions", "people", "organisations", "places", "subjects", "events", "objects",
    "title", "by", "slugline", "located", "renditions", "associations", "standard",
    "genres", "expires", "body_text", "body_html", "body_xhtml", "headline",
}  # fmt: skip
Json: TypeAlias = dict[str, Any]
"""A JSON object as parsed (its values are whatever the document holds)."""

_KINDS: dict[EntityKind, str] = {
    "person": "people",
    "organisation": "organisations",
    "place": "places",
    "event": "events",
    "object": "objects",
}
_CV = "http://cv.iptc.org/newscodes/"
_SCHEMES = {"medtop": "mediatopic", "genre": "genre", "subj": "subjectcode"}
_ALIASES = {v: k for k, v in _SCHEMES.items()}
_CV_URI = re.compile(r"^https?://cv\.iptc\.org/newscodes/([a-z]+)/([^/?#\s]+)$")
_QCODE = re.compile(r"^[A-Za-z][\w.-]*:[^\s/]\S*$")
_IRI = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|urn:)\S+$", re.I)
ORIGINFO = _CV + "infosourcerole/originfo"
PREVIOUS = "previousVersion"
_LEAD_ROLES = {"summary", "drol:summary", "lead", "abstract", "teaser"}
_CAPTION_ROLES = {"caption", "drol:caption", "description"}
_CREDIT_ROLES = {"credit", "creditline"}
_AS_TEXT = {"composite", "component"}
"""ninjs types read as a text item: a story with associations, a part of one."""
SEE_ALSO = Association(id="").rel
_RICH_ROLES = {"richtext", "html", "xhtml", "html5", "richhtml5"}


def _jtype(value: Any) -> str:
    names = {
        bool: "a boolean", int: "a number", float: "a number", str: "a string", type(None): "null"
    }
    return names.get(type(value), "an array" if isinstance(value, list) else "an object")


_WANTS: dict[type, str] = {str: "a string", list: "an array"}


def _get(obj: Json, key: str, kind: type, where: str = "") -> Any:
    value = obj.get(key)
    if value is not None and not isinstance(value, kind):
        want = _WANTS[kind]
        raise ParseError(f"must be {want}, not {_jtype(value)}", field=f"{where}{key}")
    return value


def _text(obj: Json, key: str, where: str = "") -> str:
    value = obj.get(key)  # inlined _get: this runs ~30 times per item on ingest's hot path
    if value is None:
        return ""
    if type(value) is str:
        return value.strip()
    return (_get(obj, key, str, where) or "").strip()


def _objects(obj: Json, key: str, *, keyed: bool = False) -> list[tuple[str, Json]]:
    """(path prefix for errors, object) of each member of the array ``obj[key]``.

    ``keyed``: an object of objects is read too, each named by its key (ninjs 1.x wrote
    renditions and associations that way)."""
    if key not in obj:
        return []
    if keyed and isinstance(obj[key], dict):
        members = []
        for name, part in obj[key].items():
            if not isinstance(part, dict):
                raise ParseError(f"must be an object, not {_jtype(part)}", field=f"{key}.{name}")
            members.append((f"{key}.{name}.", {"name": name} | part))
        return members
    out = []
    for i, part in enumerate(_get(obj, key, list) or []):
        if not isinstance(part, dict):
            raise ParseError(f"must be an object, not {_jtype(part)}", field=f"{key}[{i}]")
        out.append((f"{key}[{i}].", part))
    return out


def _parts(doc: Json, key: str, ct: str) -> list[tuple[str, str, str]]:
    """(role, content type, value) of each headline, description or body."""
    out = []
    for where, part in _objects(doc, key):
        if _get(part, "value", str, where) is None:
            raise ParseError("is required", field=f"{where}value")
        role, ctype = _text(part, "role", where).lower(), _text(part, ct, where).lower()
        out.append((role, ctype, part["value"]))
    return out


def _best(parts: list[tuple[str, str, str]], preferred: set[str]) -> list[tuple[str, str]]:
    """(role, plain text) of headlines/descriptions: preferred roles, then plain, first."""

    def rank(i: int) -> tuple[bool, bool, int]:
        return (parts[i][0] not in preferred, "html" in parts[i][1], i)

    ranked = sorted(range(len(parts)), key=rank) if len(parts) > 1 else range(len(parts))
    return [
        (role, " ".join(paragraphs_from_html(value)) if "html" in ctype else value.strip())
        for role, ctype, value in (parts[i] for i in ranked)
    ]


def _version(obj: Json, where: str = "") -> int | None:
    value = obj.get("version")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 19:
        return int(value)
    if value is None or value == "":
        return None
    message = f'must be a whole number in a string ("2"), not {value!r}'
    raise ParseError(message, field=f"{where}version")


def _when(obj: Json, key: str) -> datetime | None:
    value = _text(obj, key)
    try:
        when = datetime.fromisoformat(value) if value else None
    except ValueError:
        raise ParseError(f"{value!r} is not an RFC 3339 date-time", field=key) from None
    if when is None:
        return None
    if when.tzinfo is None:
        # ninjs's times are RFC 3339 (its schema's date-time): a date alone or a time
        # with no offset is not one, and taken as UTC it would be hours off for a desk
        # sending its local time.
        raise ParseError(
            f"{value!r} is not an RFC 3339 date-time: give the date, the time and its"
            " offset (2026-01-01T10:00:00Z or 2026-01-01T13:00:00+03:00)",
            field=key,
        )
    try:
        return as_utc(when)
    except OverflowError:  # its offset takes it past 9999 or before year 1 in UTC
        raise ParseError(f"{value!r} is outside years 1 to 9999 in UTC", field=key) from None


def _cv_uri(code: str) -> str:
    scheme, _, local = code.partition(":")
    return f"{_CV}{_SCHEMES[scheme]}/{local}" if scheme in _SCHEMES and local else ""


def _concept_out(c: Concept) -> Json:
    uri = c.uri or _cv_uri(c.code)
    return (
        ({"name": c.name} if c.name else {}) | ({"uri": uri} if uri else {}) | {"literal": c.code}
    )


def _subject_out(c: Concept) -> Json:
    """A subject: a concept with who assigned it and how sure they are (2.x and 3.x)."""
    out = _concept_out(c)
    if c.creator:
        out["creator"] = c.creator
    if c.confidence is not None:
        out["confidence"] = c.confidence
    return out


def _entity_out(e: Entity, v2: bool) -> Json:
    """A person, organisation, place, ...: ``{name, rel, uri | literal}``, and a place's
    coordinates as a GeoJSON Point (``[longitude, latitude]``, RFC 7946). The schema has
    no room for creator, confidence or country on these: they are not written."""
    out: Json = {"name": e.name}
    if e.rel:
        out["rel"] = e.rel
    if e.id:  # a QCode (``nwv:hamas``) is no URI: a literal
        out["uri" if _IRI.match(e.id) else "literal"] = e.id
    if e.kind == "place" and e.latitude is not None and e.longitude is not None:
        out["geojson" if v2 else "geoJSON"] = {
            "type": "Point",
            "coordinates": [e.longitude, e.latitude],
        }
    return out


def _concept_in(obj: Json, where: str) -> Concept:
    name, uri, literal = (_text(obj, key, where) for key in ("name", "uri", "literal"))
    m = _CV_URI.match(uri)
    alias = _ALIASES.get(m.group(1)) if m else None
    if m and alias and not _QCODE.match(literal):
        code = f"{alias}:{m.group(2)}"
    else:
        code = literal or uri or name
    return Concept(code=code, name=name, uri="" if uri == _cv_uri(code) else uri)


def _subject_in(obj: Json, where: str) -> Concept:
    concept = _concept_in(obj, where)
    creator = _text(obj, "creator", where)
    confidence = _number(obj, "confidence", where, whole=True)
    if confidence is not None and confidence > 100:
        message = f"must be a whole number, 0 to 100, not {confidence!r}"
        raise ParseError(message, field=f"{where}confidence")
    if creator or confidence is not None:
        return msgspec.structs.replace(concept, creator=creator, confidence=confidence)
    return concept


def _ident(obj: Json, where: str) -> str:
    """A concept's or entity's identifier: its ``uri``, else its ``literal``."""
    return _text(obj, "uri", where) or _text(obj, "literal", where)


def _point(obj: Json, where: str) -> tuple[float, float] | None:
    """(latitude, longitude) of a place's ``geoJSON`` (``geojson`` in 2.x): a Point, or a
    Feature whose geometry is one; any other geometry gives none."""
    key = next((k for k in ("geoJSON", "geojson") if k in obj), "")
    geo = obj.get(key) if key else None
    if geo is None:
        return None
    where = f"{where}{key}"
    if not isinstance(geo, dict):
        raise ParseError(f"must be a GeoJSON object, not {_jtype(geo)}", field=where)
    if geo.get("type") == "Feature" and isinstance(geo.get("geometry"), dict):
        geo, where = geo["geometry"], f"{where}.geometry"
    if geo.get("type") != "Point":
        return None
    xy = geo.get("coordinates")
    if (
        not isinstance(xy, list)
        or len(xy) < 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in xy[:2])
        or not (-180 <= xy[0] <= 180 and -90 <= xy[1] <= 90)
    ):
        message = f"must be [longitude, latitude] in degrees, not {xy!r}"
        raise ParseError(message, field=f"{where}.coordinates")
    return float(xy[1]), float(xy[0])


def _bodies(parts: list[tuple[str, str, str]]) -> tuple[list[str], str]:
    """The rich body if there is one (a whole HTML document: its ``<body>``), else the plain."""
    first: dict[str, str] = {}
    for role, ctype, value in parts:
        rich = "html" in ctype or (not ctype and (role in _RICH_ROLES or value.lstrip()[:1] == "<"))
        kind = "rich" if rich else "plain" if ctype in ("", "text/plain") else "xml"
        first.setdefault(kind, value)
    if "rich" in first:
        html = first["rich"]
        lowered = html.lower()
        if "<body" in lowered or "<head" in lowered:  # a whole document: take its body
            inner = re.search(r"<body\b[^>]*>(.*)</body\s*>", html, re.S | re.I)
            html = inner.group(1) if inner else re.sub(r"(?is)<head\b.*?</head\s*>", "", html)
        plain = _split_plain(first["plain"]) if "plain" in first else None
        paras, html = make_body(paragraphs=plain, html=html)
        if paras or "plain" not in first:
            return paras, html
    if "plain" in first:
        return make_body(paragraphs=_split_plain(first["plain"]))
    return make_body(html=first["xml"]) if "xml" in first else ([], "")


_V1_BODIES = (("body_html", "text/html"), ("body_xhtml", "application/xhtml+xml"),
               ("body_text", "text/plain"))  # fmt: skip


def _v1_bodies(doc: Json) -> list[tuple[str, str, str]]:
    """A ninjs 1.x document's ``body_html``/``body_xhtml``/``body_text``, as ``bodies``
    parts: 2.x and 3.x have no such fields (``bodies`` replaced them), but a document that
    still writes them would otherwise be read without its text."""
    return [("", ctype, value) for key, ctype in _V1_BODIES if (value := _text(doc, key))]


_ROLE_SEP = re.compile(r"[/:#]")
_BLANK_LINE = re.compile(r"\n\s*\n")


def _split_plain(text: str) -> list[str]:
    """Paragraphs of a plain body: split on blank lines, else on single newlines."""
    return _BLANK_LINE.split(text) if _BLANK_LINE.search(text) else text.split("\n")


def _dialect(doc: Json, default: int) -> int:
    camel, lower = len(doc.keys() & _CAMEL), len(doc.keys() & _LOWER)
    if camel != lower:
        return 3 if camel > lower else 2
    for key in ("headlines", "bodies", "descriptions"):
        for part in doc[key] if isinstance(doc.get(key), list) else []:
            if isinstance(part, dict) and ("contentType" in part or "contenttype" in part):
                return 3 if "contentType" in part else 2
    std = doc.get("standard")
    version = str(std.get("version") or "").strip()[:1] if isinstance(std, dict) else ""
    return {"3": 3, "2": 2, "1": 2}.get(version, default)


_last_loaded: tuple[object, Any] = (object(), None)
"""The last bytes decoded and their document. Not ``(b"", None)`` at the start: the empty
bytes are one object in CPython, so an empty document would be taken for that one,
decoded already (to nothing), and said to be "not an object" instead of empty."""


def _load(data: bytes) -> Any:
    """The JSON of ``data``; the last document is kept so sniff-then-parse decodes once."""
    global _last_loaded
    cached_data, cached_doc = _last_loaded
    if cached_data is data:
        return cached_doc
    doc = _decode(data)
    _last_loaded = (data, doc)
    return doc


def _decode(data: bytes) -> Any:
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:  # msgspec: strict JSON (no NaN/Infinity), checks UTF-8 itself, several times faster
        return msgspec.json.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError, UnicodeDecodeError):
        pass  # below: say exactly why, or read numbers msgspec won't (1e400)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ParseError(f"ninjs must be UTF-8 encoded; byte {e.start} is not UTF-8") from None
    if not text.strip():
        raise ParseError("the document is empty")

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    try:
        return json.loads(text, parse_constant=refuse)
    except (ValueError, RecursionError) as e:
        raise ParseError(f"not valid JSON: {e}") from None


def _read(doc: Json, v2: bool) -> NewsItem:
    def k(name: str) -> str:
        return _V2.get(name, name) if v2 else name

    uri = from_uri(_text(doc, "uri"))
    if not uri:
        raise ParseError('not a ninjs document: it has no "uri"', field="uri")
    urgency = doc.get("urgency")
    if urgency is not None and (
        isinstance(urgency, bool)
        or not isinstance(urgency, int | float)
        or (isinstance(urgency, float) and not urgency.is_integer())
    ):
        message = f"must be a whole number, 1 (flash) to 9, not {urgency!r}"
        raise ParseError(message, field="urgency")
    pubstatus = _text(doc, k("pubStatus")) or "usable"
    if not is_pubstatus(pubstatus):
        message = f"is one of {', '.join(PUBSTATUSES)}, not {pubstatus!r}"
        raise ParseError(message, field=k("pubStatus"))

    item_type = _item_type(doc)
    headlines = _best(_parts(doc, "headlines", k("contentType")), {"main"})
    described: dict[str, str] = {}
    for role, value in _best(_parts(doc, "descriptions", k("contentType")), _LEAD_ROLES):
        if role in _CAPTION_ROLES:
            role = "description"
        elif role in _CREDIT_ROLES:
            role = "credit"
        elif role not in ("footer", "dateline") and (item_type == "text" or role in _LEAD_ROLES):
            role = "lead"
        elif role not in ("footer", "dateline"):
            role = "description"  # what a picture's untyped description is: its caption
        described.setdefault(role, value)

    sources: dict[str, str] = {}  # by the last part of the role: originfo, provider
    for where, src in _objects(doc, k("infoSources")):
        role = _ROLE_SEP.split(_text(src, "role", where).lower())[-1]
        sources.setdefault(role, _text(src, "name", where))
    entities, latin = [], None
    # The first place may be the dateline's Latin name with the identifier of the located
    # place it names, written in full (with its coordinates) further on.
    places = _objects(doc, "places")
    first = (places[0][0], _ident(places[0][1], places[0][0])) if places else ("", "")
    latin_first = bool(first[1]) and any(
        _ident(e, w) == first[1] and _text(e, "rel", w) == "located" and _point(e, w)
        for w, e in places[1:]
    )
    for kind, key in _KINDS.items():
        for where, e in _objects(doc, key):
            name, rel = _text(e, "name", where), _text(e, "rel", where)
            ident = _ident(e, where) or (_text(e, "id", where) if kind == "event" else "")
            point = _point(e, where) if kind == "place" else None
            if not name and not ident and not point:
                # Naming nothing, it is no one (``{"rel": "mentions"}``): left out, as the
                # other formats leave out an entity with neither name nor code and this
                # one a subject or genre with neither, not stored and sent on nameless. A
                # place given by its coordinates alone says where: kept.
                continue
            if (
                kind == "place" and rel == "located" and latin is None and not point
                and (not ident or (latin_first and where == first[0]))
            ):  # the dateline's place in Latin script: a name (of a place written in full)
                latin = name
                continue
            lat, lon = point or (None, None)
            entities.append(
                Entity(kind=kind, name=name, id=ident, rel=rel, latitude=lat, longitude=lon)
            )
    dateline = Dateline(
        place=_text(doc, "located"),
        place_latin=latin or "",
        source=sources.get("originfo", ""),
        text=described.get("dateline", ""),
    )

    subjects, keywords = [], []
    for where, s in _objects(doc, "subjects"):
        if _ident(s, where):
            subjects.append(_subject_in(s, where))
        elif _text(s, "name", where):
            keywords.append(_text(s, "name", where))
    genres = [g for g in (_concept_in(g, where) for where, g in _objects(doc, "genres")) if g.code]

    signal, replaces, related, associations = None, None, [], []
    for where, a in _objects(doc, "associations", keyed=True):
        target, name, rel = (_text(a, key, where) for key in ("uri", "name", "rel"))
        target = from_uri(target)
        a_type = _text(a, "type", where)
        if target == uri and (PREVIOUS in (rel, name) or (not rel and name in SIGNALS)):
            replaces = _version(a, where)
            signal = next((s for s in (name, rel) if is_signal(s)), None)
        elif target and is_item_type(a_type):
            associations.append(_association_in(a, where, target, a_type, v2))
        elif target:
            title = _text(a, "title", where)
            related.append(Link(uri=target, rel=rel or name or "related", title=title))

    version = _version(doc)
    body, body_html = _bodies(_parts(doc, "bodies", k("contentType")) or _v1_bodies(doc))
    return NewsItem(
        id=uri,
        version=1 if version is None else version,
        type=item_type,
        language=_text(doc, "language"),
        headline=headlines[0][1] if headlines else _text(doc, "headline"),  # 1.x's
        lead=described.get("lead", ""),
        body=body,
        body_html=body_html,
        dateline=dateline if dateline != Dateline() else None,
        byline=_text(doc, "by"),
        urgency=None if urgency is None else int(urgency),
        genres=genres,
        subjects=subjects,
        keywords=keywords,
        entities=entities,
        firstcreated=_when(doc, k("firstCreated")),
        versioncreated=_when(doc, k("versionCreated")),
        embargo_until=_when(doc, k("embargoedUntil")) or (None if v2 else _when(doc, "embargoed")),
        pubstatus=pubstatus,
        signal=signal,
        replaces=replaces,
        related=related,
        slugline=_text(doc, "slugline"),
        ednote=_text(doc, k("edNote")),
        provider=sources.get("provider", ""),
        copyright_holder=_text(doc, k("copyrightHolder")),
        copyright_notice=_text(doc, k("copyrightNotice")),
        usage_terms=_text(doc, k("usageTerms")),
        footer=described.get("footer", ""),
        description=described.get("description", ""),
        credit=described.get("credit", ""),
        contentcreated=_when(doc, k("contentCreated")),
        renditions=[
            _rendition_in(r, where, v2) for where, r in _objects(doc, "renditions", keyed=True)
        ],
        associations=associations,
    )


def _item_type(doc: Json) -> ItemType:
    kind = _text(doc, "type") or "text"
    if is_item_type(kind):
        return kind
    if kind in _AS_TEXT:
        return "text"
    known = ", ".join([*ITEM_TYPES, *sorted(_AS_TEXT)])
    raise ParseError(f"newswire reads ninjs of type {known}, not {kind!r}", field="type")


def _number(obj: Json, key: str, where: str, *, whole: bool) -> Any:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 2**53:
        raise ParseError(f"must be a number, 0 or more, not {value!r}", field=f"{where}{key}")
    if whole and isinstance(value, float):
        if not value.is_integer():
            raise ParseError(f"must be a whole number, not {value!r}", field=f"{where}{key}")
        return int(value)
    return value


def _rendition_in(obj: Json, where: str, v2: bool) -> Rendition:
    name = _text(obj, "name", where)
    if not name:
        raise ParseError("is required", field=f"{where}name")
    href = _text(obj, "href", where)
    if href and not is_web_url(href):
        raise ParseError(f"must be an http(s) URL, not {href[:60]!r}", field=f"{where}href")
    duration = _number(obj, "duration", where, whole=False)
    rate = None if v2 else _number(obj, "frameRate", where, whole=False)
    return Rendition(
        name=name,
        href=href,
        content_type=_text(obj, "contenttype" if v2 else "contentType", where),
        width=_number(obj, "width", where, whole=True),
        height=_number(obj, "height", where, whole=True),
        size=_number(obj, "sizeinbytes" if v2 else "sizeInBytes", where, whole=True),
        duration=None if duration is None else float(duration),
        video_codec="" if v2 else _text(obj, "videoCodec", where),
        frame_rate=None if rate is None else float(rate),
    )


def _association_in(obj: Json, where: str, target: str, kind: ItemType, v2: bool) -> Association:
    name = _text(obj, "name", where)
    headlines = _best(_parts(obj, "headlines", "contenttype" if v2 else "contentType"), {"main"})
    captions = _best(_parts(obj, "descriptions", "contenttype" if v2 else "contentType"), set())
    label = headlines[0][1] if headlines else captions[0][1] if captions else ""
    return Association(
        id=target,
        type=kind,
        rel=_text(obj, "rel", where) or SEE_ALSO,
        name="" if name == kind else name,
        headline=label,
        renditions=[
            _rendition_in(r, where + at, v2) for at, r in _objects(obj, "renditions", keyed=True)
        ],
    )


def _rendition_out(r: Rendition, v2: bool) -> Json:
    out: Json = {"name": r.name}
    for key, value in (
        ("href", r.href),
        ("contenttype" if v2 else "contentType", r.content_type),
        ("width", r.width),
        ("height", r.height),
        ("sizeinbytes" if v2 else "sizeInBytes", r.size),
        ("duration", r.duration),
        *(() if v2 else (("videoCodec", r.video_codec), ("frameRate", r.frame_rate))),
    ):  # 2.x renditions have no codec or frame rate (its schema allows no other property)
        if value is not None and value != "":
            whole = key in ("duration", "frameRate") and float(value).is_integer()
            out[key] = int(value) if whole else value
    return out  # never the blob: newswire's own address of the file


def _association_out(a: Association, v2: bool, text: Any) -> Json:
    out: Json = {"name": a.name or a.type}
    if not v2:  # 2.x associations have no rel
        out["rel"] = a.rel
    out |= {"uri": as_uri(a.id), "type": a.type}
    if a.headline:
        out["headlines"] = [text("main", a.headline)]
    if a.renditions:
        out["renditions"] = [_rendition_out(r, v2) for r in a.renditions]
    return out


def _write(item: NewsItem, version: str) -> Json:
    v2 = version.startswith("2")

    def k(name: str) -> str:
        return _V2.get(name, name) if v2 else name

    def text(role: str, value: str, ctype: str = "text/plain") -> Json:
        return {"role": role, k("contentType"): ctype, "value": value}

    dl = item.dateline or Dateline()
    schema = f"https://www.iptc.org/std/ninjs/ninjs-schema_{version}.json"
    standard = {"name": "ninjs", "version": version, "schema": schema}
    doc: Json = {"uri": as_uri(item.id), "standard": standard, "type": item.type}
    doc["version"] = str(item.version)
    dates = (
        ("firstCreated", item.firstcreated),
        ("versionCreated", item.versioncreated),
        ("contentCreated", item.contentcreated),
    )
    for key, when in (*dates, ("embargoedUntil", item.embargo_until)):
        if when is not None:
            doc[k(key)] = as_utc(when).isoformat().replace("+00:00", "Z")
    doc[k("pubStatus")] = item.pubstatus
    if item.urgency is not None:
        doc["urgency"] = item.urgency

    associations = []
    signal = withdrawn.signal(item)
    if signal or item.replaces is not None:
        previous = {"name": signal or PREVIOUS, "rel": PREVIOUS, "uri": as_uri(item.id)}
        if item.replaces is not None:
            previous["version"] = str(item.replaces)
        associations.append(previous)
    for link in item.related:
        rel = link.rel or "related"
        title = {"title": link.title} if link.title else {}
        associations.append({"name": rel, "rel": rel, "uri": as_uri(link.uri)} | title)
    entities: dict[str, list[Json]] = {key: [] for key in _KINDS.values()}
    if dl.place_latin:  # the dateline's place in Latin script: the place resolved, if it is
        latin_place: Json = {"name": dl.place_latin, "rel": "located"}
        here = [
            e for e in item.entities
            if e.kind == "place" and e.rel == "located" and e.id and e.latitude is not None
            and e.longitude is not None
        ]  # as the reader tells them apart: a located place written with its coordinates
        if len(here) == 1:  # another name of that place: its identifier says so
            latin_place["uri" if _IRI.match(here[0].id) else "literal"] = here[0].id
        entities["places"].append(latin_place)
    for e in item.entities:
        entities[_KINDS[e.kind]].append(_entity_out(e, v2))
    fields = {
        "language": item.language,
        "slugline": item.slugline,
        "headlines": [text("main", item.headline)] if item.headline else [],
        "by": item.byline,
        "located": dl.place,
        "descriptions": [
            text(role, value)
            for role, value in (
                ("summary", item.lead),
                ("caption", item.description),
                ("credit", item.credit),
                ("dateline", dl.text),
                ("footer", item.footer),
            )
            if value
        ],
        "bodies": ([text("main", "\n\n".join(item.body))] if item.body else [])
        + ([text("richtext", item.body_html, "application/xhtml+xml")] if item.body_html else []),
        k("edNote"): item.ednote,
        "genres": [_concept_out(c) for c in item.genres],
        "subjects": [_subject_out(c) for c in item.subjects]
        + [{"name": kw, "rel": "keyword"} for kw in item.keywords],
        **entities,
        k("infoSources"): ([{"name": item.provider, "role": "provider"}] if item.provider else [])
        + ([{"name": dl.source, "role": ORIGINFO}] if dl.source else []),
        "renditions": [_rendition_out(r, v2) for r in item.renditions],
        "associations": [
            {n: v for n, v in a.items() if not (v2 and n == "rel")} for a in associations
        ]
        + [_association_out(a, v2, text) for a in item.associations],
        k("copyrightHolder"): item.copyright_holder,
        k("copyrightNotice"): item.copyright_notice,
        k("usageTerms"): item.usage_terms,
    }
    return doc | {key: value for key, value in fields.items() if value}


class NinjsCodec(Codec):
    extension = "json"

    def __init__(self, name: str, version: str, media_type: str, media_types: tuple[str, ...]):
        self.name, self.version, self.major = name, version, int(version[0])
        self.label = f"IPTC ninjs {version}"
        self.media_type, self.media_types = media_type, media_types

    def sniff(self, data: bytes) -> bool:
        if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"{":
            return False
        try:
            doc = _load(data)
        except ParseError:
            return False
        if not isinstance(doc.get("uri"), str) or "items" in doc:  # JSON Feed has items
            return False
        std = doc.get("standard")
        named = isinstance(std, dict) and std.get("name") == "ninjs"
        mostly_ninjs = 2 * len(doc.keys() & _KNOWN) > len(doc)
        return (named or mostly_ninjs) and _dialect(doc, 3) == self.major

    def parse(self, data: bytes) -> list[NewsItem]:
        doc = _load(data)
        if not isinstance(doc, dict):
            raise ParseError(f"a ninjs document is a JSON object, not {_jtype(doc)}")
        return [_read(doc, _dialect(doc, self.major) == 2)]

    def render(self, item: NewsItem) -> bytes:
        doc = _write(item, self.version)
        return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


_NINJS2_TYPE = "application/vnd.iptc.ninjs+json;version=2"
NINJS3 = NinjsCodec(
    "ninjs",
    "3.1",
    "application/ninjs+json",
    (
        "application/vnd.iptc.ninjs+json",
        "application/json",
        "application/ninjs+json;version=3",
        "application/vnd.iptc.ninjs+json;version=3",
    ),
)
NINJS2 = NinjsCodec(
    "ninjs2", "2.2", _NINJS2_TYPE, (_NINJS2_TYPE, "application/ninjs+json;version=2")
)

"""What every item must satisfy before it is stored, whatever format it came in."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec

from newswire.errors import BadInput, InvalidItem
from newswire.model import ENTITY_KINDS, ITEM_TYPES, PUBSTATUSES, SIGNALS, NewsItem, as_utc, utcnow

MAX_ID = 1024
UNDER_AN_ITEM = ("/versions", "/withdraw", "/thread")
"""The ends of the API's paths under an item's (``/v1/items/{id}/versions``...): an id
ending so is refused, as its own path would be taken for one of them."""
_A_VERSION = re.compile(r"/versions/[0-9]+\Z")
"""The end of a version's path (``/v1/items/{id}/versions/2``): an id ending so is
refused too (``under_an_item``)."""


DOT_SEGMENTS = (".", "..")
"""Ids that are a path's dot-segments: every link to them (``/ar/news/..``,
``/v1/items/..``) is resolved by browsers and HTTP clients to another page (RFC 3986,
5.2.4), the home page or ``/v1/``, so the item could not be reached."""


def under_an_item(item_id: str) -> bool:
    """Whether ``item_id`` reads as a path under another item's: it ends in one of
    ``UNDER_AN_ITEM`` or in ``/versions/N``, or holds ``/renditions/``. Its own paths
    (``/v1/items/{id}``, its files' ``/v1/items/{id}/renditions/{name}``, which a story
    associated with it links) would name the other item's. A dot-segment (``.``, ``..``)
    is refused with them: its paths name no item at all (``DOT_SEGMENTS``)."""
    return (
        item_id.endswith(UNDER_AN_ITEM)
        or "/renditions/" in item_id
        or _A_VERSION.search(item_id) is not None
        or item_id in DOT_SEGMENTS
    )
MAX_VERSION = 2**31 - 1
MAX_HEADLINE = 2000
# The latest embargo a store can keep: embargoes are kept to the second, rounded up (never
# lifted early), and the second after this one is past the end of the calendar.
LAST_EMBARGO = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
# BCP 47 in its common shapes: ar, ar-EG, zh-Hant-TW, en-GB-oxendict, x-private.
LANGUAGE_TAG = re.compile(
    r"^(?:[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-[A-Za-z0-9]{5,8}|-[0-9][A-Za-z0-9]{3})*"
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"  # extensions: -u-ca-islamic (Hijri)
    r"(?:-x(?:-[A-Za-z0-9]{1,8})+)?"
    r"|x(?:-[A-Za-z0-9]{1,8})+)$"
)


_DEPRECATED = frozenset({"in", "iw", "ji", "jw", "mo"})
"""ISO 639-1 codes withdrawn but still in BCP 47's registry, and still sent (Java's
``Locale`` wrote ``iw`` and ``in`` for Hebrew and Indonesian)."""


class _Language(msgspec.Struct, gc=False):
    """What ``_language_subtags`` reads of an entry of ISO 639-3 or 639-5 (pycountry's)."""

    alpha_3: str
    alpha_2: str = ""
    bibliographic: str = ""


def _iso639(name: str, root: str) -> list[_Language]:
    """The entries of pycountry's database ``name`` (``iso639-3.json``), read as
    ``pycountry.db.Database`` reads them, without importing pycountry: its import (with
    ``importlib.metadata``) and the objects and indices it makes of each entry cost some
    80 ms of CPU, a tenth of a ``newswire ingest`` of one file, for a set of codes."""
    spec = importlib.util.find_spec("pycountry")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("pycountry")
    path = Path(spec.submodule_search_locations[0]) / "databases" / name
    if not path.is_file():  # a pycountry whose databases live elsewhere (a distribution's)
        import pycountry

        path = Path(pycountry.DATABASE_DIR) / name
    return msgspec.json.decode(path.read_bytes(), type=dict[str, list[_Language]])[root]


@functools.cache
def _language_subtags() -> frozenset[str]:
    """Every primary language subtag ISO 639 registers (BCP 47's source): ISO 639-1's two
    letters, ISO 639-3's and 639-2/B's three (``und``, ``mul``, ``zxx`` among them),
    ISO 639-5's language families: the codes of ``pycountry.languages`` and
    ``pycountry.language_families``, read from the files they are loaded from (the suite
    checks the set is theirs)."""
    codes = {
        code
        for language in _iso639("iso639-3.json", "639-3")
        for code in (language.alpha_2, language.alpha_3, language.bibliographic)
        if code
    }
    codes.update(family.alpha_3 for family in _iso639("iso639-5.json", "639-5"))
    return frozenset(codes)


def unknown_language(tag: str) -> bool:
    """Whether the primary subtag of ``tag`` (a well-formed BCP 47 tag) names no language:
    ``xx``, ``qq``, ``zz-ZZ``. ISO 639's private-use range ``qaa``-``qtz`` and a tag of
    private use only (``x-…``) name languages agreed between the parties."""
    primary = tag.split("-", 1)[0].lower()
    private = primary == "x" or (len(primary) == 3 and "qaa" <= primary <= "qtz")
    return not private and primary not in _DEPRECATED and primary not in _language_subtags()


NOT_IN_NAME = r"\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb"
"""The characters no name has (a vocabulary entry's, a key's, a saved topic's), as a regex
character class: C0/C1 controls, and the bidi and zero-width format characters that make
one name look like another or reorder the line around it (a newline would split a
listing's row in two)."""
UNNAMEABLE = re.compile(f"[{NOT_IN_NAME}]")
"""Finds a character of ``NOT_IN_NAME``."""
NAME_PATTERN = rf"^[^{NOT_IN_NAME}]*[^\s{NOT_IN_NAME}][^{NOT_IN_NAME}]*$"
"""A name as a JSON Schema pattern (the admin API's OpenAPI): none of ``NOT_IN_NAME``, not
blank (lengths are checked apart)."""


AHEAD = timedelta(days=1)
"""How far ahead of the clock a version may be dated (``versionCreated``, ``firstCreated``)."""

MAX_REASON = 2000
"""Characters a withdrawal's reason may have."""


def withdrawal_reason(reason: str) -> str:
    """``reason`` as a withdrawal keeps it (ends stripped), or ``BadInput`` naming
    ``reason``: empty, over ``MAX_REASON``, or with a character no XML document carries
    (the reason goes out in NewsML-G2 and NITF)."""
    if len(reason) > MAX_REASON:  # as given, as the OpenAPI counts it
        raise BadInput(f"the reason is at most {MAX_REASON:,} characters", field="reason")
    if bad := xml_unsafe(reason):
        raise BadInput(
            f"the reason has the character U+{ord(bad):04X}, which no XML document can carry",
            field="reason",
        )
    reason = without_reordering(reason).strip()  # as every text taken in
    if not reason or not _VISIBLE.search(reason):  # spaces, or marks no one sees
        raise BadInput("say why the item is withdrawn", field="reason")
    return reason


def content_id(*parts: str) -> str:
    """A stable URI for an item that came without one (plain text): the hash of its parts."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]
    return f"urn:newswire:item:{digest}"


def check_item(item: NewsItem, *, characters: bool = True, restoring: bool = False) -> NewsItem:
    """``item`` if it can be stored, else ``InvalidItem`` naming the field and the reason.

    ``characters=False`` skips looking for characters XML cannot carry in the text fields,
    for an item that ``strip_unencodable`` has just cleaned (the id is always checked).
    ``restoring=True`` (a backup's version, stored before) takes a well-formed language tag
    whatever language it names, as releases before the ISO 639 check did.
    """
    if not item.id or not item.id.strip():
        raise InvalidItem("an item needs an id", field="id")
    if len(item.id) > MAX_ID or len(item.id.split()) != 1 or _INVISIBLE.search(item.id):
        raise InvalidItem(
            "an id is a URI without spaces or invisible characters, at most 1024 characters",
            field="id",
        )
    if not restoring and under_an_item(item.id):
        raise InvalidItem(
            f"an id may not end in {', '.join(UNDER_AN_ITEM)} or /versions/N, hold"
            " /renditions/ nor be . or ..: the API's paths under an item's end so (and a"
            " path's . or .. is read as another page), and the item could not be asked for",
            field="id",
        )
    if not 1 <= item.version <= MAX_VERSION:
        raise InvalidItem(f"version is 1 to {MAX_VERSION}, not {item.version}", field="version")
    if item.language and not LANGUAGE_TAG.fullmatch(item.language):
        raise InvalidItem(
            f"{item.language!r} is not a BCP 47 language tag", field="language",
            reason="language_tag", code=item.language,
        )
    if item.language and not restoring and unknown_language(item.language):
        code = item.language.split("-", 1)[0]
        raise InvalidItem(
            f"{item.language!r}: {code!r} is no language code of ISO 639", field="language",
            reason="language_unknown", code=item.language,
        )
    if item.urgency is not None and not 1 <= item.urgency <= 9:
        raise InvalidItem(
            f"urgency is 1 (flash) to 9, not {item.urgency}", field="urgency", reason="urgency"
        )
    if item.pubstatus not in PUBSTATUSES:
        raise InvalidItem(f"pubstatus is one of {', '.join(PUBSTATUSES)}", field="pubstatus")
    if item.signal is not None and item.signal not in SIGNALS:
        raise InvalidItem(f"signal is one of {', '.join(SIGNALS)}", field="signal")
    if item.embargo_until is not None and as_utc(item.embargo_until) > LAST_EMBARGO:
        raise InvalidItem(
            "an embargo is at most 9999-12-31T23:59:59Z", field="embargo", reason="embargo_late"
        )
    if not restoring:
        # A version is dated when it is made. One dated ahead (a wrong clock, a local time
        # sent as UTC is at most 14 hours off) would be the latest for good: every later
        # version, dated rightly, would be refused as older than it.
        ahead = utcnow() + AHEAD
        for field, when in (("versionCreated", item.versioncreated), ("firstCreated", item.firstcreated)):
            if when is not None and as_utc(when) > ahead:
                raise InvalidItem(
                    f"{field} {as_utc(when).isoformat()} is more than a day ahead of now: a"
                    " version is dated when it is made (an embargo holds one back)",
                    field=field, reason="date_ahead",
                )
    if item.pubstatus == "withheld" and item.embargo_until is not None and not restoring:
        # IPTC's withheld holds every version until a later one says usable, and an
        # embargo only says "not before": together the lift releases nothing, and the
        # story an editor timed stays held with no one told. Said now, not at the lift.
        raise InvalidItem(
            "a withheld item is not released by its embargo (it stays withheld until a"
            " version says usable): send pubstatus usable with the embargo, or withheld"
            " without one", field="pubstatus", reason="withheld_embargo",
        )
    if item.replaces is not None and not item.replaces >= 1:
        raise InvalidItem("replaces names an earlier version (1 or more)", field="replaces")
    for entity in item.entities:
        if entity.kind not in ENTITY_KINDS:
            raise InvalidItem(f"entity kind is one of {', '.join(ENTITY_KINDS)}", field="entities")
    if item.type not in ITEM_TYPES:
        raise InvalidItem(f"type is one of {', '.join(ITEM_TYPES)}", field="type")
    _check_media(item)
    if bad := _NOT_XML_CHAR.search(item.id):
        raise InvalidItem(
            f"an id cannot contain the character U+{ord(bad.group()):04X}", field="id"
        )
    if characters:
        _check_characters(item)
    if item.pubstatus == "canceled":
        return item  # a withdrawal may carry no text
    if len(item.headline) > MAX_HEADLINE:
        raise InvalidItem(
            f"a headline is at most {MAX_HEADLINE} characters", field="headline",
            reason="headline_long", limit=MAX_HEADLINE,
        )
    if item.type != "text":  # a picture, video, ...: its content is its files
        if not item.renditions:
            raise InvalidItem(f"a {item.type} item needs a rendition", field="renditions")
        return item
    if not item.headline.strip() or not _VISIBLE.search(item.headline):
        raise InvalidItem("an item needs a headline", field="headline", reason="headline_needed")
    if not item.body:
        raise InvalidItem(
            "an item needs a body (at least one paragraph)", field="body", reason="body_needed"
        )
    return item


def is_web_url(value: str) -> bool:
    """Whether ``value`` is an absolute http(s) URL (the only kind a rendition may have)."""
    return bool(_WEB_URL.match(value))


_WEB_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.I)
_BLOB = re.compile(r"^[0-9a-f]{64}$")


def _check_media(item: NewsItem) -> None:
    for i, r in enumerate(item.renditions):
        where = f"renditions[{i}]"
        if not r.name.strip():
            raise InvalidItem("a rendition needs a name", field=f"{where}.name")
        if r.href and not is_web_url(r.href):
            raise InvalidItem("href is an absolute http(s) URL", field=f"{where}.href")
        if r.blob and not _BLOB.match(r.blob):
            raise InvalidItem("blob is a SHA-256 in lower-case hex", field=f"{where}.blob")
        for key in ("width", "height", "size", "duration"):
            value = getattr(r, key)
            if value is not None and not 0 <= value < 2**53:
                raise InvalidItem(f"{key} is not negative", field=f"{where}.{key}")
    for i, a in enumerate(item.associations):
        if not a.id.strip() or len(a.id.split()) != 1:
            raise InvalidItem("an association's id is a URI", field=f"associations[{i}].id")
        if a.type not in ITEM_TYPES:
            types = ", ".join(ITEM_TYPES)
            raise InvalidItem(f"type is one of {types}", field=f"associations[{i}].type")


# Characters no XML document can carry (C0 controls but tab, LF, CR; U+FFFE/U+FFFF) would
# make the item unrenderable in NewsML-G2, NITF and feeds. They are looked for cheaply in
# the item's JSON, where msgspec writes controls as \u00XX, \b or \f; a hit (or a literal
# backslash sequence in the text) sends the item to the exact, slower check.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
NOT_XML = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff"
"""Those characters as the ranges of a pattern's character class (JSON Schema's, for the
OpenAPI), lone surrogates aside: JSON text cannot carry them to newswire (its decoder
refuses them)."""
_VISIBLE = re.compile(r"[^\s\u0640\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
# Format characters (bidi marks and isolates, zero-width ones) could make two ids look alike.
_INVISIBLE = re.compile(r"[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_ENCODE = msgspec.json.Encoder().encode


def xml_unsafe(text: str) -> str | None:
    """The first character of ``text`` that no XML document can carry, if any."""
    m = _NOT_XML_CHAR.search(text)
    return m.group() if m else None




REORDERING = "\u202a-\u202e\u2066-\u2069"
"""The bidi embeddings, overrides and isolates, as a character class's ranges: each
reorders what follows it until it is closed (the marks LRM, RLM and ALM do not)."""
_REORDERING = re.compile(f"[{REORDERING}]")
_UNCLEAN = re.compile(f"[{_NOT_XML_CHAR.pattern[1:-1]}{REORDERING}]")
"""What ``strip_unencodable`` takes out of an item's text: what XML cannot carry, and the
bidi embeddings, overrides and isolates."""
_REORDERING_UTF8 = re.compile(rb"\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")
"""Those bidi controls in UTF-8 (U+202A-U+202E, U+2066-U+2069), as the encoded item holds
them (its JSON escapes no such character)."""


def clean_text(text: str) -> str:
    """``text`` as ``strip_unencodable`` leaves each text of an item: without what XML
    cannot carry, nor the bidi embeddings, overrides and isolates. For text that arrives
    outside an item (a picture's embedded caption, a withdrawal's stored reason)."""
    return _UNCLEAN.sub("", text)


def without_reordering(text: str) -> str:
    """``text`` without the bidi embeddings, overrides and isolates (``REORDERING``)."""
    return _REORDERING.sub("", text)


def strip_unencodable(item: NewsItem) -> NewsItem:
    """``item`` without the characters no XML can carry (stray controls, U+FFFE/FFFF, lone
    surrogates): invisible junk that real feeds carry now and then, removed on ingest the
    way body HTML is sanitised; nor the bidi embeddings, overrides and isolates, which
    reorder what follows them until they are closed (``Invoice \u202eexe.txt`` shows as
    ``Invoice txt.exe``; one left open reorders a page's title, a feed reader's list), as
    a picture's embedded text is cleaned. An id is never changed: one with such characters
    is refused by ``check_item``."""
    if not _suspect(item):
        return item
    data: dict[str, object] = msgspec.to_builtins(item)
    item_id = data.pop("id")
    cleaned = {key: _clean(sub) for key, sub in data.items()}
    return msgspec.convert({**cleaned, "id": item_id}, NewsItem)


def _suspect(item: NewsItem) -> bool:
    try:
        data = _ENCODE(item)
    except UnicodeEncodeError:
        return True  # a lone surrogate: not text at all
    # Backslashes are few (JSON's \" for quotes): look at each rather than search 5 times.
    at = data.find(b"\\")
    while at >= 0:
        if data[at + 1 : at + 2] in (b"u", b"b", b"f"):
            return True
        at = data.find(b"\\", at + 2)
    return (
        b"\xef\xbf\xbe" in data
        or b"\xef\xbf\xbf" in data
        or _REORDERING_UTF8.search(data) is not None
    )


def _clean(value: object) -> object:
    if isinstance(value, str):
        return _UNCLEAN.sub("", value)
    if isinstance(value, dict):
        return {key: _clean(sub) for key, sub in value.items()}
    if isinstance(value, list):
        return [_clean(sub) for sub in value]
    return value


def _check_characters(item: NewsItem) -> None:
    if not _suspect(item):
        return
    for path, text in _strings(msgspec.to_builtins(item)):
        if m := _NOT_XML_CHAR.search(text):
            raise InvalidItem(
                f"contains the character U+{ord(m.group()):04X}, which no XML document can carry",
                field=path, reason="character", code=f"U+{ord(m.group()):04X}",
            )


def _strings(value: object, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, sub in value.items():
            yield from _strings(sub, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from _strings(sub, f"{path}[{i}]")

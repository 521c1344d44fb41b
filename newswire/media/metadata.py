"""From the tags exiftool reads to the fields of ``MediaInfo``, as clean text.

Which tag feeds which field is one table (``FIELDS``): for each field, the tags in the
order they are trusted. Where IPTC-IIM, XMP and EXIF say the same thing (caption,
creator, copyright, keywords, city, country) exiftool's MWG module reconciles them the
way the Metadata Working Group's guidelines say (the ``MWG:`` tags: XMP unless the IPTC
block was edited after it, which its digest tells); headline, title, credit and date
created have no MWG tag, and are read by the same rule (``iim_edited``): XMP first, IPTC
first when a tool that knows no XMP edited the IPTC block after the XMP was written, so
that a picture's headline is never older than its caption. QuickTime's own tags come
last, for video.

A camera's own EXIF description is no caption when it is what the camera writes into
every picture ("OLYMPUS DIGITAL CAMERA", "SONY DSC", its make or model): MWG's rule reads
the EXIF description before XMP and IPTC, so without this the photographer's caption,
written in IPTC by a desk tool that leaves EXIF alone, came out as the camera's name.

Embedded text is untrusted like any text newswire takes in, and is cleaned the same way:
the characters no XML can carry are removed as ``newswire.validation`` removes them from
items, markup goes through the body sanitiser (``newswire.formats.html``) and leaves only
its text, and whitespace is squashed. Bidi embeddings, overrides and isolates (U+202A to
U+202E, U+2066 to U+2069) are removed as well: in a caption they can only reorder what a
reader sees of the text around them (the pages give every field its own direction with
``dir="auto"``); the marks (LRM, RLM, ALM) stay, since Arabic text typed with them needs
them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from newswire.formats.html import paragraphs_from_html, sanitize, squash
from newswire.validation import MAX_HEADLINE, clean_text, without_reordering

FIELDS: dict[str, tuple[str, ...]] = {
    # The title (IPTC's object name) when there is no headline: what a video has.
    "headline": ("XMP-photoshop:Headline", "IPTC:Headline", "XMP-dc:Title", "IPTC:ObjectName",
                 "@Title"),
    # XMP's and IPTC's own after MWG's: for when MWG's is a camera's placeholder
    # (``CAMERA_PLACEHOLDERS``), which MWG puts first as the EXIF description.
    "caption": ("MWG:Description", "XMP-dc:Description", "IPTC:Caption-Abstract",
                "@Description", "@Comment"),
    "byline": ("MWG:Creator", "@Artist", "@Author"),
    "credit": ("XMP-photoshop:Credit", "IPTC:Credit"),
    # XMP's rights after MWG's: MWG reads only its ``x-default`` (``LANG_ALT``).
    "copyright_notice": ("MWG:Copyright", "XMP-dc:Rights", "@Copyright"),
    "city": ("MWG:City",),
    "country": ("MWG:Country",),
    "keywords": ("MWG:Keywords", "@Keywords"),
    # IPTC's Instructions (IIM 2:40 Special Instructions): an embargo, "MANDATORY
    # CREDIT", "NO SALES"; what NewsML-G2 calls edNote, for the subscribers' editors.
    "instructions": ("XMP-photoshop:Instructions", "IPTC:SpecialInstructions"),
}
"""Field -> tags, most trusted first. ``@Name``: the tag ``Name`` of QuickTime's groups."""

QUICKTIME_GROUPS = ("ItemList", "UserData", "Keys", "QuickTime")

SUBJECT_CODES = ("XMP-iptcCore:SubjectCode", "IPTC:SubjectReference")
"""Where a picture carries IPTC Subject Codes: the IPTC Core's ``SubjectCode`` (eight
digits each) and IPTC-IIM's Subject Reference (2:12, ``IPTC:15054000:Sport:Soccer:``,
the code after the provider's ``IPR``). Both are read, XMP's first, each code once."""

LANG_ALT = ("XMP-dc:Title", "XMP-dc:Description", "XMP-dc:Rights")
"""XMP's language alternatives among the tags read: each value in one or more languages,
one of which should be ``x-default`` (all exiftool gives for the bare tag name, and all
MWG reads). A tool that wrote only ``ar`` (or ``en`` and ``ar``) left no ``x-default``:
the alternatives are asked for too (``Tag-*``, named ``Tag-ar``) and, without a default,
the first of them stands for it (``defaulted``), so that such a caption is not lost."""

DATE_CREATED = ("XMP-photoshop:DateCreated", "Composite:DateTimeCreated", "IPTC:DateCreated")
CAPTURE_TIME = ("Composite:SubSecDateTimeOriginal", "ExifIFD:DateTimeOriginal", "Keys:CreationDate")
"""When the camera took it: a picture's EXIF, a phone video's QuickTime ``Keys`` entry
(``com.apple.quicktime.creationdate``, local time with its offset). A video's own
creation time (ffprobe's ``creation_time``, the movie header's) comes after them: an
app that trims or re-exports a clip writes the moment of the export there and keeps the
``Keys`` date, so a clip cut on the phone before it was sent is not dated by the cut."""
CAMERA = ("IFD0:ImageDescription", "IFD0:Make", "IFD0:Model")
"""What the camera wrote of itself: the EXIF description (the first of MWG's description
sources) and the make and model, which some cameras write as the description too."""
CAMERA_PLACEHOLDERS = frozenset({
    "olympus digital camera", "sony dsc", "digital camera", "minolta digital camera",
    "konica minolta digital camera", "pentax digital camera", "sanyo digital camera",
    "samsung digital camera", "exif_jpeg_picture", "default",
})
"""EXIF descriptions cameras and phones write into every picture they take, compared in
lower case with the spaces they are padded with removed: no caption, and not taken for
the one the photographer wrote in IPTC or XMP (which MWG's rule puts after it)."""
DIGESTS = ("File:CurrentIPTCDigest", "Photoshop:IPTCDigest")
"""The IPTC block's digest as it is now, and as the last tool that wrote the XMP too
recorded it (``iim_edited``)."""
IIM_OF = {
    "XMP-photoshop:Headline": "IPTC:Headline",
    "XMP-dc:Title": "IPTC:ObjectName",
    "XMP-photoshop:Credit": "IPTC:Credit",
    "XMP-dc:Description": "IPTC:Caption-Abstract",
    "XMP-photoshop:Instructions": "IPTC:SpecialInstructions",
    "XMP-photoshop:DateCreated": "Composite:DateTimeCreated",
}
"""An XMP tag of ``FIELDS`` or ``DATE_CREATED`` -> the IPTC-IIM tag saying the same."""

TAGS: tuple[str, ...] = (
    *(t for tags in FIELDS.values() for t in tags if not t.startswith("@")),
    *(f"{g}:{t[1:]}" for tags in FIELDS.values() for t in tags if t.startswith("@")
      for g in QUICKTIME_GROUPS),
    *SUBJECT_CODES,
    *DATE_CREATED,
    *CAPTURE_TIME,
    *DIGESTS,
    *CAMERA,
    *(f"{tag}-*" for tag in LANG_ALT),
    "Composite:ImageSize",
)
"""The tags asked of exiftool (``-TAG`` each; the rest of a file's tags are not read)."""

IPTC_TEXT: tuple[str, ...] = tuple(dict.fromkeys((
    *(t for t in TAGS if t.startswith("IPTC:")),
    # What the MWG tags of ``FIELDS`` take from IPTC-IIM.
    "IPTC:Caption-Abstract", "IPTC:By-line", "IPTC:CopyrightNotice", "IPTC:City",
    "IPTC:Country-PrimaryLocationName", "IPTC:Keywords",
)))
"""The IPTC-IIM text newswire reads, directly or through an MWG tag: what decides the
character set of a file that does not declare one (``newswire.media.probe``). Not every
IPTC tag: a binary one (a Photoshop preview) is not text."""

MAX_TEXT = 10_000
"""Longest text field kept, in characters (IPTC allows 2,000 bytes for a caption; XMP
has no limit)."""

_MARKUP = re.compile(r"<[A-Za-z/!?]|&[#A-Za-z0-9]+;")
_NUMBERED = re.compile(r"&#([xX][0-9A-Fa-f]{1,8}|[0-9]{1,10});")
_SUBJECT_CODE = re.compile(
    r"(?:subj:|https?://cv\.iptc\.org/newscodes/subjectcode/)?(\d{8})/?", re.IGNORECASE
)
_DATE = re.compile(
    r"(\d{4})[:-](\d{2})[:-](\d{2})"
    r"(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?"
)


def plain(value: object, limit: int = MAX_TEXT) -> str:
    """Embedded text as newswire keeps text: no controls, no markup, no reordering."""
    if value is None:
        return ""
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    # A character named by number (``&#7;``) is one like any other: what XML cannot carry
    # is removed before the markup is read, which would otherwise fail on it.
    text = clean_text(_NUMBERED.sub(_numbered, text))
    # Markup whose brackets were escaped (``&lt;script&gt;``) is markup once read: read
    # again, so that no markup is left (a few rounds; text that only looks like markup,
    # ``a < b``, is the same after one).
    for _ in range(3):
        if not _MARKUP.search(text):
            break
        read = " ".join(paragraphs_from_html(sanitize(text)))
        text, done = read, read == text
        if done:
            break
    text = squash(without_reordering(text))  # markup read may have made some
    if len(text) <= limit:
        return text
    # Longer than newswire keeps: cut at the last space that fits (not inside a word), if
    # that keeps most of it.
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip()


def _numbered(m: re.Match[str]) -> str:
    """The character a numeric character reference names; nothing for one that names no
    character (a surrogate, or past U+10FFFF)."""
    number = int(m.group(1)[1:], 16) if m.group(1)[:1] in "xX" else int(m.group(1))
    if number > 0x10FFFF or 0xD800 <= number <= 0xDFFF:
        return ""
    return chr(number)


def iso_date(value: object) -> str | None:
    """exiftool's ``2024:05:01 10:20:30+03:00`` as ISO 8601 (``2024-05-01T10:20:30+03:00``);
    a date alone stays a date. None for what is no date (``0000:00:00``, blanks)."""
    m = _DATE.match(str(value or "").strip())
    if not m:
        return None
    year, month, day, hour, minute, second, fraction, offset = m.groups()
    text = f"{year}-{month}-{day}"
    if hour is not None:
        text += f"T{hour}:{minute}:{second or '00'}{fraction or ''}"
        if offset:
            text += "+00:00" if offset == "Z" else f"{offset[:3]}:{offset[-2:]}"
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return None
    return text


def first(tags: dict[str, Any], names: tuple[str, ...]) -> Any:
    """The value of the first of ``names`` the file has (``@Name``: any QuickTime group)."""
    for name in names:
        keys = [f"{g}:{name[1:]}" for g in QUICKTIME_GROUPS] if name.startswith("@") else [name]
        for key in keys:
            value = tags.get(key)
            if value not in (None, "", []):
                return value
    return None


def iim_edited(tags: dict[str, Any]) -> bool:
    """Whether the IPTC block was changed after the XMP was last written with it: the
    digest of the block as it is differs from the one recorded beside the XMP (which a
    tool that knows only IPTC-IIM leaves as it was). MWG's rule, as its tags apply it."""
    current, recorded = (tags.get(name) for name in DIGESTS)
    return current is not None and recorded is not None and current != recorded


def trusted(tags: dict[str, Any], names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` in the order to trust them in this file: each XMP tag before its IPTC
    one, unless the IPTC block was edited since (``iim_edited``) and its value is not
    the XMP's cut short (IPTC-IIM limits lengths, XMP does not)."""
    if not iim_edited(tags):
        return names
    out = list(names)
    for xmp, iim in IIM_OF.items():
        if xmp in out and iim in out and out.index(iim) > out.index(xmp):
            old, new = str(tags.get(xmp) or ""), str(tags.get(iim) or "")
            if new and not (len(old) > len(new) and old.startswith(new)):
                out.remove(iim)
                out.insert(out.index(xmp), iim)
    return tuple(out)


def placeholder(tags: dict[str, Any], value: object) -> bool:
    """Whether ``value`` is the camera's EXIF description and says nothing: one of
    ``CAMERA_PLACEHOLDERS``, or the camera's make or model."""
    said = " ".join(str(value or "").split()).lower()
    described = " ".join(str(tags.get("IFD0:ImageDescription") or "").split()).lower()
    if not said or said != described:
        return False
    makes = {" ".join(str(tags.get(t) or "").split()).lower() for t in CAMERA[1:]}
    return said in CAMERA_PLACEHOLDERS or said in makes


def defaulted(tags: dict[str, Any]) -> dict[str, Any]:
    """``tags`` with each language alternative of ``LANG_ALT`` that has no ``x-default``
    given the first of its languages' values, in the file's order, under its bare name."""
    out = dict(tags)
    for name in LANG_ALT:
        if out.get(name) in (None, "", []):
            given = [v for k, v in tags.items() if k.startswith(f"{name}-") and v not in (None, "")]
            if given:
                out[name] = given[0]
    return out


def fields(tags: dict[str, Any]) -> dict[str, Any]:
    """The text and date fields of ``MediaInfo`` from exiftool's tags (``-G1`` names)."""
    out: dict[str, Any] = {}
    tags = defaulted(tags)
    # The camera's placeholder is no caption wherever a tool copied it (XMP too).
    tags = {k: v for k, v in tags.items() if k not in FIELDS["caption"] or not placeholder(tags, v)}
    for field, names in FIELDS.items():
        value = first(tags, trusted(tags, names))
        if field == "keywords":
            words = value if isinstance(value, list) else [] if value is None else [value]
            out[field] = list(dict.fromkeys(w for w in (plain(w, 200) for w in words) if w))
        else:
            out[field] = plain(value, MAX_HEADLINE if field == "headline" else MAX_TEXT)
    out["subject_codes"] = subject_codes(tags)
    # The IPTC date alone when its time is absent (the composite then has no time either).
    out["date_created"] = iso_date(first(tags, trusted(tags, DATE_CREATED)))
    out["capture_time"] = iso_date(first(tags, CAPTURE_TIME))
    return out


def subject_codes(tags: dict[str, Any]) -> list[str]:
    """The IPTC Subject Codes the file carries (``SUBJECT_CODES``), as ``subj:`` QCodes.

    exiftool gives an XMP code as a number when it is one (``-n``): a code with a leading
    zero (``01000000``) may come without it. A Subject Reference whose ``IPR`` is not
    ``IPTC`` names another provider's scheme, and is not read."""
    out: list[str] = []
    for name in SUBJECT_CODES:
        values = tags.get(name)
        for value in values if isinstance(values, list) else [] if values is None else [values]:
            text = f"{value:08d}" if isinstance(value, int) else str(value).strip()
            if name.startswith("IPTC:"):
                ipr, _, rest = text.partition(":")
                if ipr.strip().upper() != "IPTC":
                    continue
                text = rest.partition(":")[0].strip()
            m = _SUBJECT_CODE.fullmatch(text)
            if m and (code := f"subj:{m.group(1)}") not in out:
                out.append(code)
    return out

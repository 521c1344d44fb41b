"""Which format a file is, from its first bytes; what is refused, and why.

A file is what its bytes say, not what its name or the request claims: the head of the
file is matched against the signatures the formats' specifications give (JPEG's SOI
marker, PNG's eight bytes, TIFF's byte-order mark, WebP's RIFF header, the brands of an
ISO base media ``ftyp`` box for HEIC, MP4 and QuickTime). When the caller declared a type
(``Content-Type``, or a file name's extension) that names another format, the file is
refused: a mismatch is how a disguised file gets past a filter that trusts the label.

Written by hand rather than with libmagic: the accepted formats are a closed list of
seven, each told apart in a few bytes by its own specification, and the check runs on the
first kilobytes of an upload before anything is stored, without a C library; libmagic's
verdicts on HEIC and QuickTime brands vary between its versions.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from newswire.errors import UnsupportedFormat

Kind = Literal["picture", "video", "graphic"]
"""The item types (``newswire.model.ItemType``) a file taken in here can be."""

HEAD = 4096
"""Bytes of a file's head that ``sniff`` looks at."""


class Format(NamedTuple):
    name: str
    content_type: str
    kind: Kind
    extensions: tuple[str, ...]
    label: str


# The accepted formats, by name. PNG is a ``graphic``: a format for charts, maps and
# infographics far more often than for photographs (an editor may say otherwise).
FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("jpeg", "image/jpeg", "picture", (".jpg", ".jpeg", ".jpe", ".jfif"), "a JPEG picture"),
        Format("png", "image/png", "graphic", (".png",), "a PNG picture"),
        Format("tiff", "image/tiff", "picture", (".tif", ".tiff"), "a TIFF picture"),
        Format("webp", "image/webp", "picture", (".webp",), "a WebP picture"),
        Format("heic", "image/heic", "picture", (".heic", ".heif", ".hif"), "a HEIC picture"),
        Format("mp4", "video/mp4", "video", (".mp4", ".m4v"), "an MP4 video"),
        Format("quicktime", "video/quicktime", "video", (".mov", ".qt"), "a QuickTime video"),
    )
}

# Declared types that name an accepted format under another spelling.
ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "image/tif": "image/tiff",
    "image/x-tiff": "image/tiff",
    "image/heif": "image/heic",
    "image/heic-sequence": "image/heic",
    "image/heif-sequence": "image/heic",
    "video/x-m4v": "video/mp4",
    "video/x-quicktime": "video/quicktime",
}
# MP4 is the ISO standard made of QuickTime: cameras and phones label either as the other.
SAME_FAMILY = {frozenset({"video/mp4", "video/quicktime"})}
UNDECLARED = {"", "application/octet-stream", "binary/octet-stream", "application/x-download"}
REFUSED_EXTENSIONS = {
    ".svg": "image/svg+xml", ".svgz": "image/svg+xml",
    # Pictures, video and sound newswire does not take: named so that the pipeline refuses
    # them saying so, not a text format's parser ("binary data, not text").
    ".gif": "image/gif", ".bmp": "image/bmp", ".avif": "image/avif", ".jp2": "image/jp2",
    ".psd": "image/vnd.adobe.photoshop", ".webm": "video/webm", ".mkv": "video/x-matroska",
    ".avi": "video/x-msvideo", ".m4a": "audio/mp4", ".mp3": "audio/mpeg", ".wav": "audio/wav",
}

_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
    b"M4V ", b"M4VH", b"M4VP", b"mmp4", b"MSNV", b"dash", b"f4v ", b"XAVC",
}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
# QuickTime files from before the ``ftyp`` box start with one of these atoms.
_QT_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
_SVG = re.compile(rb"<svg[\s>/]", re.IGNORECASE)
# An XML document whose root element is ``svg``: after the XML declaration, comments,
# processing instructions and a DOCTYPE, the first element.
_SVG_ROOT = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)\s*)*"
    rb"<(?:[A-Za-z_][\w.-]*:)?svg[\s>/]",
    re.DOTALL | re.IGNORECASE,
)


def sniff(head: bytes) -> Format | None:
    """The accepted format whose signature ``head`` (a file's first bytes) carries."""
    if head.startswith(b"\xff\xd8\xff"):
        return FORMATS["jpeg"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FORMATS["png"]
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return FORMATS["tiff"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FORMATS["webp"]
    if head[4:8] == b"ftyp":
        return _iso_media(head)
    if head[4:8] in _QT_ATOMS and int.from_bytes(head[:4], "big") >= 8:
        return FORMATS["quicktime"]
    return None


def _iso_media(head: bytes) -> Format | None:
    """HEIC, MP4 or QuickTime from an ``ftyp`` box: its major brand, then the others."""
    size = int.from_bytes(head[:4], "big")
    box = head[8 : min(max(size, 16), len(head))]
    brands = [box[:4], *(box[at : at + 4] for at in range(8, len(box) - 3, 4))]
    if b"avif" in brands or b"avis" in brands or brands[0] in _AUDIO_BRANDS:
        return None  # AVIF is HEIF, M4A is MP4: formats, but not ones accepted here
    for brand in brands:
        if brand in _HEIC_BRANDS:
            return FORMATS["heic"]
        if brand == b"qt  ":
            return FORMATS["quicktime"]
        if brand in _MP4_BRANDS:
            return FORMATS["mp4"]
    return None


def other_media(head: bytes) -> str | None:
    """What a picture, video or sound file of a format not accepted here is, from its
    first bytes (``an AVIF picture``), so that it is refused as that, not read as text.
    An SVG drawing (XML whose root is ``svg``) is one: sent without its type or name, it is
    refused as SVG, not read as a document that is no news format."""
    if _SVG_ROOT.match(head):
        return "an SVG drawing"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "a GIF picture"
    if head[:2] == b"BM" and head[6:10] == b"\x00\x00\x00\x00" and len(head) >= 26:
        return "a BMP picture"
    if head[:4] == b"8BPS":
        return "a Photoshop document"
    if head[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n":
        return "a JPEG 2000 picture"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "a Matroska or WebM video"
    if head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"WAVE"):
        return "an AVI video" if head[8:12] == b"AVI " else "a WAV sound file"
    if head[:3] == b"ID3" or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "an MP3 sound file"
    if head[4:8] == b"ftyp":
        size = int.from_bytes(head[:4], "big")
        box = head[8 : min(max(size, 16), len(head))]
        brands = [box[:4], *(box[at : at + 4] for at in range(8, len(box) - 3, 4))]
        if b"avif" in brands or b"avis" in brands:
            return "an AVIF picture"
        if brands[0] in _AUDIO_BRANDS:
            return "an MP4 sound file (M4A)"
    return None


def looks_like_svg(head: bytes) -> bool:
    """SVG (XML that may carry scripts), or XML or HTML that is not a picture at all."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"<") and bool(_SVG.search(head) or text[:5].lower() == b"<?xml")


def declared_type(name: str) -> str | None:
    """The type a file name's extension declares (``photo.JPG`` -> ``image/jpeg``)."""
    dot = name.rfind(".")
    if dot < 0:
        return None
    ext = name[dot:].lower()
    if ext in REFUSED_EXTENSIONS:
        return REFUSED_EXTENSIONS[ext]
    return next((f.content_type for f in FORMATS.values() if ext in f.extensions), None)


def detect(head: bytes, *, declared: str | None = None) -> Format:
    """The format of a file whose first bytes are ``head`` (``HEAD`` of them or all, if
    shorter), checked against the type the caller ``declared``; ``UnsupportedFormat``
    saying why when it is refused (the caller names the file, as the error's field)."""
    found = sniff(head)
    if found is None:
        if not head:
            raise UnsupportedFormat("the file is empty", reason="media_empty")
        if looks_like_svg(head):
            raise UnsupportedFormat(
                "SVG and other XML are not accepted (they can carry scripts and links):"
                " send a PNG or JPEG rendering",
                reason="media_svg",
            )
        accepted = ", ".join(f.label.split(" ", 1)[1] for f in FORMATS.values())
        what = other_media(head)
        raise UnsupportedFormat(
            f"{what + ' is ' if what else ''}not a format accepted here ({accepted})",
            reason="media_format",
        )
    claimed = (declared or "").split(";", 1)[0].strip().lower()
    claimed = ALIASES.get(claimed, claimed)
    if claimed not in UNDECLARED and claimed != found.content_type and (
        frozenset({claimed, found.content_type}) not in SAME_FAMILY
    ):
        raise UnsupportedFormat(
            f"the bytes are {found.label}, not the {claimed} declared",
            reason="media_declared", found=found.label.split(" ")[1],
            declared=next(
                (f.label.split(" ")[1] for f in FORMATS.values() if f.content_type == claimed),
                claimed,
            ),
        )
    return found

"""Parsing untrusted XML safely.

A news feed is untrusted input. libxml2 (through lxml) is configured to never load a
DTD, never resolve an entity, never touch the network and refuse huge trees; on top of
that any document with a DOCTYPE is refused outright, because no NewsML-G2 or NITF item
needs one and a DOCTYPE is where external entities and entity-expansion bombs
("billion laughs") live.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

from newswire.errors import ParseError

_PARSER_OPTIONS = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_blank_text=False,
)


_DECLARED = re.compile(rb"""^(<\?xml\s[^>]*?encoding\s*=\s*)(["'])([A-Za-z][\w.:-]*)\2""")
_UTF16 = {
    b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16",  # a byte order mark
    b"<\x00": "utf-16-le", b"\x00<": "utf-16-be",  # none: "<?" tells the byte order
}  # fmt: skip


def as_utf8(data: bytes) -> bytes:
    """``data`` as UTF-8, its XML declaration saying so, when its bytes are not what its
    declaration makes of them: a document in UTF-16 (which every XML processor must read,
    XML 1.0 section 4.3.3) and one declaring a single-byte set (``ISO-8859-1``,
    ``windows-1256``) whose bytes are UTF-8 beyond ASCII, as tools that write UTF-8
    under a template's declaration send. Read as declared, the second would be stored as
    mojibake (``عنوان`` as ``Ø¹ÙÙØ§Ù``); a single-byte set's text (Arabic in windows-1256)
    is, byte for byte, never valid UTF-8. Anything else is returned as it is."""
    if (utf16 := _UTF16.get(data[:2])) is not None:
        try:
            text = data.decode(utf16).removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise ParseError(f"not UTF-16 text, though it begins as UTF-16: {exc}") from None
        return _declared_utf8(text.encode("utf-8"))
    m = _DECLARED.match(data.removeprefix(b"\xef\xbb\xbf"))
    if m is None or data.isascii() or not _single_byte(m.group(3).decode("ascii")):
        return data
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data  # really in the set it declares
    return _declared_utf8(data)


def _single_byte(encoding: str) -> bool:
    """Whether ``encoding`` is a character set of one byte a character (Latin-1, the
    Windows and ISO 8859 sets): each of the 256 bytes is one character of it."""
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        return False  # the parser says it does not know it
    if info.name.startswith("utf"):
        return False
    return len(info.decode(bytes(range(256)), "replace")[0]) == 256


def _declared_utf8(data: bytes) -> bytes:
    """UTF-8 ``data`` whose declaration (if it names an encoding) names UTF-8."""
    return _DECLARED.sub(rb"\1\2UTF-8\2", data.removeprefix(b"\xef\xbb\xbf"), count=1)


def parse_xml(data: bytes, *, what: str = "XML") -> etree._Element:
    """The root element of ``data``, or ``ParseError`` saying why not."""
    if not data.strip():
        raise ParseError(f"empty {what} document")
    data = as_utf8(data)
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise ParseError(
            f"{what} with a DOCTYPE or entity declaration is refused "
            "(external entities and entity expansion are never processed)"
        )
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not well-formed {what}: {exc}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise ParseError(f"{what} with a DOCTYPE is refused")
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise ParseError(f"{what} with entity references is refused")
    return root


def localname(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


_FIRST_TAG = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
# The XML declaration, comments, PIs and a DOCTYPE (with its internal subset) before the root.
_SKIP = re.compile(rb"\s*(<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)", re.S | re.I)


def head_utf8(data: bytes, size: int = 65536) -> bytes:
    """The first ``size`` bytes of a document as UTF-8 without a byte order mark (those
    of a UTF-16 one transcoded), for sniffing: enough to get past a licence or a
    catalogue's notes in a comment before the root element."""
    if (utf16 := _UTF16.get(data[:2])) is not None:
        data = data[: 2 * size].decode(utf16, "ignore").encode("utf-8")
    return data[:size].removeprefix(b"\xef\xbb\xbf")


def root_localname(data: bytes) -> str:
    """The local name of the first element, read from the head of a document (sniffing)."""
    head = head_utf8(data)
    pos = 0
    while m := _SKIP.match(head, pos):
        pos = m.end()
    m = _FIRST_TAG.match(head[pos:].lstrip())
    return m.group(2).decode("ascii", "replace") if m else ""

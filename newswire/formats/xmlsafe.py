"""Parsing untrusted XML safely.

A news feed is untrusted input. libxml2 (through lxml) is configured to never load a
DTD, never resolve an entity, never touch the network and refuse huge trees; on top of
that any document with a DOCTYPE is refused outright, because no NewsML-G2 or NITF item
needs one and a DOCTYPE is where external entities and entity-expansion bombs
("billion laughs") live.
"""

from __future__ import annotations

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


def parse_xml(data: bytes, *, what: str = "XML") -> etree._Element:
    """The root element of ``data``, or ``ParseError`` saying why not."""
    if not data.strip():
        raise ParseError(f"empty {what} document")
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


def root_localname(data: bytes) -> str:
    """The local name of the first element, read from the head of a document (sniffing)."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    pos = 0
    while m := _SKIP.match(head, pos):
        pos = m.end()
    m = _FIRST_TAG.match(head[pos:].lstrip())
    return m.group(2).decode("ascii", "replace") if m else ""

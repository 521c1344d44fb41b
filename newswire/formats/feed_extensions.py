"""feedgen's extensions of the RSS and Atom feeds ``newswire.formats.feeds`` writes, apart
so that feedgen is imported by the first feed written, not by every codec's user."""

from __future__ import annotations

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml import etree

from newswire.formats.feeds import DC_NS, DCTERMS_NS, OCTETS, XML_LANG, enclosure
from newswire.model import NewsItem, Rendition, as_utc


class Namespaces(BaseExtension):
    """Feed-level half of the extension below: declares the RSS namespaces it uses."""

    def extend_ns(self) -> dict[str, str]:
        return {"dc": DC_NS, "dcterms": DCTERMS_NS}


class EntryExtras(BaseEntryExtension):
    """What feedgen has no setter for: per-entry language, RSS byline and modified date."""

    item: NewsItem | None = None
    enclosed: Rendition | None = None
    """The file an Atom entry encloses when it is not the item's own (a story's picture,
    set by the public site's feeds): RSS's is feedgen's ``enclosure``."""

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        if self.item and self.item.language:
            entry.set(XML_LANG, self.item.language)
        if self.item and self.item.embargo_until:
            _available(entry, self.item)
        if self.item and (media := self.enclosed or enclosure(self.item)):
            # Written here: feedgen 1.0 drops the rel of the links it writes.
            link = etree.SubElement(entry, entry.tag.replace("entry", "link"))
            link.set("rel", "enclosure")
            link.set("href", media.href)
            link.set("type", media.content_type or OCTETS)
            if media.size:
                link.set("length", str(media.size))
        return entry

    def extend_rss(self, entry: etree._Element) -> etree._Element:
        item = self.item
        if item is None:
            return entry

        def add(ns: str, name: str, text: str) -> None:
            if text:
                el = entry.makeelement(f"{{{ns}}}{name}")
                el.text = text
                entry.append(el)

        add(DC_NS, "creator", item.byline)
        add(DC_NS, "language", item.language)
        add(DC_NS, "rights", item.copyright_notice)
        if item.versioncreated:
            add(DCTERMS_NS, "modified", as_utc(item.versioncreated).isoformat())
        if item.embargo_until:
            _available(entry, item)
        return entry


def _available(entry: etree._Element, item: NewsItem) -> None:
    """An embargoed version's entry says when it may be published: Dublin Core's
    ``dcterms:available`` ("the date the resource will become available"), a time rather
    than a status, so that the entry rendered once is still right after the lift, as
    ninjs's ``embargoedUntil``, NewsML-G2's ``embargoed`` and NITF's ``date.release`` are."""
    assert item.embargo_until is not None
    el = entry.makeelement(f"{{{DCTERMS_NS}}}available")
    el.text = as_utc(item.embargo_until).isoformat()
    entry.append(el)

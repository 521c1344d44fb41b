"""The codec contract: pure ``bytes <-> NewsItem`` translation for one standard.

A codec knows nothing of storage or HTTP. It has:

- ``name``: the registry key (``ninjs``, ``newsml``, ...), used by ``--format`` and ``?format=``;
- ``label``: a human name; ``media_type`` (what it renders) and ``media_types`` (every media
  type it answers to in content negotiation); ``extension`` for files it writes;
- ``sniff(data)``: whether ``data`` looks like this format (cheap, on the first bytes);
- ``parse(data)``: every item in ``data`` (one for an item format, many for a feed), raising
  ``ParseError`` (with ``field`` when it can name one) on anything it cannot read;
- ``parse_each(data)``: the same, but an entry of a document of many (a feed, a
  newsMessage) that cannot be read is a ``Refused`` in its place, so that it does not sink
  the others;
- ``render(item)``: the bytes of one item (a feed codec renders a one-entry feed);
- ``render_feed(items, meta)`` for feed codecs: many items as one document.

A codec that cannot parse (or render) says so with ``can_parse`` / ``can_render``; calling
the missing direction raises ``UnsupportedFormat``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from newswire.errors import NewswireError, UnsupportedFormat
from newswire.model import NewsItem


@dataclass(frozen=True, slots=True)
class FeedMeta:
    """What a feed says about itself (channel title, links) as opposed to its entries."""

    title: str = "newswire"
    link: str = "http://localhost:8000/"
    description: str = "News items"
    language: str = ""
    feed_id: str = ""
    """A stable URI for the feed (Atom ``id``); defaults to ``link``."""
    item_link: str = ""
    """A template for each entry's link, ``{id}`` replaced by the item id (quoted)."""
    author: str = ""
    """Who publishes the feed (Atom's feed ``author``, which RFC 4287 4.1.2 requires when
    an entry has none: an item with no byline); empty: the items' provider, else
    ``newswire``."""
    next_link: str = ""
    """The next page's URL, for a paged feed (the pull feed): Atom's ``link rel="next"``
    (RFC 5005), JSON Feed's ``next_url``. RSS has no place for it: its ``Link`` header
    says it."""


@dataclass(frozen=True, slots=True)
class Refused:
    """An entry of a document of many items that could not be read: its id (or title,
    whatever names it there) and why."""

    name: str
    error: NewswireError


def readable(entries: Sequence[NewsItem | Refused]) -> list[NewsItem]:
    """The items of ``entries``; the first refusal among them refuses them all."""
    items: list[NewsItem] = []
    for entry in entries:
        if isinstance(entry, Refused):
            raise entry.error
        items.append(entry)
    return items


class Codec:
    name: str = ""
    label: str = ""
    media_type: str = "application/octet-stream"
    media_types: tuple[str, ...] = ()
    extension: str = ""
    can_parse: bool = True
    can_render: bool = True
    is_feed: bool = False

    @property
    def is_json(self) -> bool:
        """Whether a rendering is a JSON document: a delivery envelope carries it as JSON
        (``"item"``), the others as a string (``"content"``). Told by the media type's
        essence, without its parameters (ninjs 2's ``…+json;version=2``)."""
        return self.media_type.split(";", 1)[0].strip().endswith("json")

    def sniff(self, data: bytes) -> bool:
        return False

    def parse(self, data: bytes) -> list[NewsItem]:
        raise UnsupportedFormat(f"the {self.name} format can only be rendered, not parsed")

    def parse_each(self, data: bytes) -> list[NewsItem | Refused]:
        """Every entry of ``data``, each an item or why it could not be read (a document
        that cannot be read at all raises, as ``parse`` does)."""
        return list(self.parse(data))

    def render(self, item: NewsItem) -> bytes:
        raise UnsupportedFormat(f"the {self.name} format can only be parsed, not rendered")

    def render_feed(self, items: Sequence[NewsItem], meta: FeedMeta) -> bytes:
        raise UnsupportedFormat(f"the {self.name} format is not a feed format")

    def __repr__(self) -> str:
        return f"<codec {self.name}>"

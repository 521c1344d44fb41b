"""What the public site offers machines: RSS and Atom feeds of teasers, the Google News
sitemap and ``robots.txt``.

Feeds are ``newswire.formats.feeds`` documents of *teasers* (``teaser(item,
teaser_chars)``: never the full body), each entry linking to the item's public page.
The sitemap follows Google's News sitemap format: the items first published in the last
two days (at most 1,000), each with its publication name and language, date and title.

Pictures: an entry whose item shows one on its public page (a picture or video item's own,
a story's first picture: ``pictures.shown``) encloses its ``preview`` (RSS ``enclosure``,
Atom ``link rel="enclosure"``), and the sitemap names a picture's preview as Google's
``image:image``. Only the ``preview``, through the link the public pages use (signed for
the public, per day: ``pictures.link``), never another rendition: the caller gives the
previews (``Preview``), made from public versions only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import NamedTuple

import msgspec
from lxml import etree

from newswire.access import taxonomy
from newswire.formats import feeds
from newswire.formats.base import FeedMeta
from newswire.model import NewsItem, Rendition
from newswire.text.teaser import teaser
from newswire.web import i18n, urls
from newswire.web.public.pages import absolute, iso
from newswire.web.public.site import Site

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
IMAGE_NS = "http://www.google.com/schemas/sitemap-image/1.1"
MEDIA_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}
FEED_SIZE = 50
SITEMAP_DAYS = 2
SITEMAP_SIZE = 1000
SITEMAP_URL_MAX = 2047
"""Longest ``loc`` the sitemap protocol takes ("less than 2,048 characters"): an item with
a long id (ids may have 1,024 characters, an Arabic one six times that percent-encoded)
has no address a sitemap may name, and is left out of it (its page stays)."""



class Preview(NamedTuple):
    """The preview an entry shows: its absolute URL (signed for the public) and what
    newswire knows of the file."""

    url: str
    rendition: Rendition


NO_PREVIEWS: Mapping[str, Preview] = {}

ROBOTS_DISALLOW = ("/v1/", "/portal", "/console", "/login", "/docs", "/openapi.json", "/metrics")
ROBOTS_ALLOW = ("/v1/items/*/renditions/preview", "/v1/items/*/renditions/thumbnail")
"""The files the public pages, feeds and sitemap show (``pictures.link``: previews, a
video's ``previewPoster``, which the ``preview`` rule covers as robots rules are
prefixes, and thumbnails on home pages) live under ``/v1/``: the longer rule
wins (RFC 9309), so image crawlers may fetch them and nothing else of the API. What a
link opens is the signature's business, not robots'."""


def feed(
    site: Site,
    base: str,
    code: str,
    kind: str,
    items: list[NewsItem],
    subject: str = "",
    previews: Mapping[str, Preview] = NO_PREVIEWS,
) -> bytes:
    """An RSS (``kind="rss"``) or Atom feed of the items' teasers (``items`` dated as the
    public got them: ``visible.listing``'s), each enclosing its preview in ``previews``
    (by item id) if any."""
    page = i18n.lang(code)
    words = page.words
    title = f"{site.name} — {words['latest']}"
    if subject:
        title += f" — {taxonomy.label(subject, page.ui)}"
    # A story's picture is enclosed from ``previews`` (the public's signed links), never
    # from the files its association carries (a subscriber's links, or a provider's).
    teasers = [_unlinked(teaser(item, site.teaser_chars)) for item in items]
    meta = FeedMeta(
        title=title,
        link=absolute(base, urls.section_path(code, subject) if subject else urls.home_path(code)),
        description=words["notice"],
        language=code,
        feed_id=absolute(base, urls.feed_path(code, kind, subject)),
        author=site.name,  # the agency is the author of what its public site publishes
    )
    # The codec links entries to ``item_link`` with the whole id percent-encoded; the
    # public pages keep ``:`` readable (``urls.item_path``), so the links are set here.
    generator = feeds._generator(teasers, meta, kind)
    # RSS takes the last link as the channel's <link>: the home page (a subject's: its
    # section), after the self link.
    self_link = {"href": meta.feed_id, "rel": "self", "type": MEDIA_TYPES[kind]}
    generator.link([self_link, {"href": meta.link, "rel": "alternate"}], replace=True)
    for entry, item in zip(generator.entry(), teasers, strict=True):
        entry.link(href=absolute(base, urls.item_path(item)), rel="alternate", replace=True)
        if (shown := previews.get(item.id)) is not None:
            file = msgspec.structs.replace(shown.rendition, href=shown.url)
            if kind == "rss":
                entry.enclosure(file.href, str(file.size or 0), file.content_type)
            else:  # feedgen drops the rel of Atom links: the codec's extension writes it
                entry.newswire.enclosed = file
    if kind == "rss":
        return generator.rss_str(pretty=True)
    return generator.atom_str(pretty=True)


def sitemap(
    site: Site, base: str, items: list[NewsItem], previews: Mapping[str, Preview] = NO_PREVIEWS
) -> bytes:
    """A Google News sitemap of ``items`` (dated as the public got them: ``visible.listing``'s;
    those with no language, or an address too long for a sitemap, are left out), with
    the picture previews in ``previews`` (by item id; a video's is not a picture)."""
    root = etree.Element(
        f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS, "news": NEWS_NS, "image": IMAGE_NS}
    )
    for item in items[:SITEMAP_SIZE]:
        code = urls.lang_code(item)
        if code == urls.UNDETERMINED:
            continue
        loc = absolute(base, urls.item_path(item))
        if len(loc) > SITEMAP_URL_MAX:
            continue
        url = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = loc
        news = etree.SubElement(url, f"{{{NEWS_NS}}}news")
        publication = etree.SubElement(news, f"{{{NEWS_NS}}}publication")
        etree.SubElement(publication, f"{{{NEWS_NS}}}name").text = site.name
        etree.SubElement(publication, f"{{{NEWS_NS}}}language").text = news_language(item, code)
        etree.SubElement(news, f"{{{NEWS_NS}}}publication_date").text = iso(item.firstcreated)
        etree.SubElement(news, f"{{{NEWS_NS}}}title").text = item.headline or item.id
        shown = previews.get(item.id)
        if shown is not None and shown.rendition.content_type.startswith("image/"):
            image = etree.SubElement(url, f"{{{IMAGE_NS}}}image")
            etree.SubElement(image, f"{{{IMAGE_NS}}}loc").text = shown.url
    document: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return document


_TRADITIONAL = frozenset({"hant", "tw", "hk", "mo"})


def news_language(item: NewsItem, code: str) -> str:
    """The News sitemap's ``news:language``: the ISO 639 code (``code``), except that
    Google takes Chinese only as ``zh-cn`` (Simplified) or ``zh-tw`` (Traditional: the
    ``Hant`` script, Taiwan, Hong Kong, Macao), never ``zh``."""
    if code != "zh":
        return code
    subtags = {part.lower() for part in item.language.replace("_", "-").split("-")[1:]}
    return "zh-tw" if subtags & _TRADITIONAL and "hans" not in subtags else "zh-cn"


def sitemap_window(now: datetime) -> str:
    """The hour a sitemap is made in: items leave it by time, not only by new entries."""
    return now.strftime("%Y-%m-%dT%H")


def robots(base: str) -> bytes:
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Allow: {path}" for path in ROBOTS_ALLOW]
    lines += [f"Disallow: {path}" for path in ROBOTS_DISALLOW]
    lines += ["", f"Sitemap: {absolute(base, '/sitemap-news.xml')}", ""]
    return "\n".join(lines).encode("utf-8")


def _unlinked(item: NewsItem) -> NewsItem:
    """``item`` with no association carrying files."""
    if not any(a.renditions for a in item.associations):
        return item
    associations = [msgspec.structs.replace(a, renditions=[]) for a in item.associations]
    return msgspec.structs.replace(item, associations=associations)

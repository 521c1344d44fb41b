"""The public site's URL scheme, in one place.

- ``/{lang}/news/{id}``: an item's page. ``lang`` is the primary subtag of the item's
  language (``ar`` for ``ar-EG``); ``id`` is the item id percent-encoded as one path
  segment except for ``:`` and ``@`` (legal in a path), so the usual ids stay readable:
  ``/ar/news/urn:newsml:aa.com.tr:20250301:3471234``. The id is the item's own, the same
  for every version: the URL never changes when the item is updated. ``/news/{id}`` and a
  page asked for under another language answer 301 to this one.
- ``/{lang}/``: a language's home page; ``/`` answers the Arabic one itself (no redirect),
  with ``/ar/`` as its canonical address; ``/{lang}`` answers 301 to ``/{lang}/``.
- ``/subscribe`` (Arabic) and ``/{lang}/subscribe``: how to become a subscriber.
- ``/{lang}/subjects/{subject}``: a language's section of one IPTC Media Topic, ``subject``
  its number (``/ar/subjects/15000000``); ``medtop:15000000`` and ``15000000/`` answer 301
  to it. ``?before={seq}``: its older page, the items below that sequence number (the
  last one of the page before), a cursor, never an offset.
- ``/feeds/{lang}.rss``, ``/feeds/{lang}.atom``, ``/feeds/{lang}/{subject}.rss|.atom``.
- ``/sitemap-news.xml``, ``/robots.txt``.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request

from newswire.access import taxonomy
from newswire.model import NewsItem
from newswire.validation import unknown_language
from newswire.web.i18n import DEFAULT, primary

LANG_PATTERN = "[a-z]{2,3}"
_LANG = re.compile(LANG_PATTERN)
UNDETERMINED = "und"


class _Pattern(Convertor[str]):
    """A path segment matching ``regex``: other paths (``/v1/``, ``/portal/``) never match
    the public routes, whatever order the routers are included in."""

    regex = ""

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class _Lang(_Pattern):
    regex = LANG_PATTERN  # ar, en, ckb


class _Feed(_Pattern):
    regex = "rss|atom"


class _Topic(_Pattern):
    regex = r"(?:medtop:)?\d{8}"  # a Media Topic


register_url_convertor("nwlang", _Lang())
register_url_convertor("nwfeed", _Feed())
register_url_convertor("nwtopic", _Topic())


def is_lang(code: str) -> bool:
    return _LANG.fullmatch(code) is not None


def names_language(code: str) -> bool:
    """Whether a URL's language segment names a language ISO 639 has (``tr``, ``ckb``,
    ``und``), so that the site may have pages in it: not ``js``, ``wp`` or ``xx``, which no
    item is ever stored in (``newswire.validation.unknown_language``). Their home, feed and
    subscribe pages would be empty pages answering 200, a new address for a crawler at
    every path a scanner tries."""
    return is_lang(code) and not unknown_language(code)


def lang_code(item: NewsItem) -> str:
    code = primary(item.language)
    return code if is_lang(code) else UNDETERMINED


def item_path(item: NewsItem) -> str:
    return f"/{lang_code(item)}/news/{quote(item.id, safe=':@')}"


def home_path(code: str) -> str:
    return f"/{code}/"


def subscribe_path(ui: str) -> str:
    return "/subscribe" if ui == DEFAULT else f"/{ui}/subscribe"


def feed_path(code: str, kind: str, subject: str = "") -> str:
    return f"/feeds/{code}/{subject_slug(subject)}.{kind}" if subject else f"/feeds/{code}.{kind}"


def section_path(code: str, subject: str, before: int | None = None) -> str:
    """A language's section of Media Topic ``subject`` (``medtop:15000000`` or ``15000000``);
    with ``before``, its page of the items older than that (``visible.paged``)."""
    path = f"/{code}/subjects/{subject_slug(subject)}"
    return path if before is None else f"{path}?before={before}"


_CURSOR = re.compile(r"[1-9][0-9]{0,17}")


def cursor(value: str | None) -> int | None:
    """A list's ``?before=`` as a sequence number (None: not given, the first page).
    ValueError for anything else than the positive number a page links: no sign, no
    leading zero (one address per page), at most 18 digits (a database's bigint holds
    it: a longer one would be an error of the store, not a page the site never made)."""
    if value is None:
        return None
    if _CURSOR.fullmatch(value) is None:
        raise ValueError(f"not a list's cursor: {value!r}")
    return int(value)


def subject_slug(code: str) -> str:
    """``medtop:11000000`` -> ``11000000`` (the URL form of a Media Topic)."""
    return taxonomy.qcode(code).removeprefix("medtop:")


def request_base(request: Request) -> str:
    """The server's URL for links (the ``base_url`` setting, else the request's own),
    ending in ``/``."""
    base: str = request.app.state.settings.base_url or str(request.base_url)
    return base.rstrip("/") + "/"

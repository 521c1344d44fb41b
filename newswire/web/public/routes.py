"""The public site's route table (no login): home pages, subject sections, item pages,
feeds, sitemap.

Each answer is worked out in one of two ways:

- **known** (in the event loop, no store, no thread): while ``memo.position`` says that
  nothing has changed since an item was resolved, or a list rendered, its answer is
  remembered: 304 for a matching ``If-None-Match``, else the bytes from ``Site``'s LRUs;
- **looked up** (in a worker thread: the store is synchronous): an item page reads the
  item's versions (one indexed lookup), a list, feed or sitemap the store's last sequence
  number and, when not rendered yet, the latest items; then renders once (one thread
  renders, any others asking for the same page meanwhile wait for it).

The routes are plain Starlette ones and come first in the application's route table;
each yields once to the event loop before answering (``_fair``).

``newswire.web.public.cache`` has the validators, ``newswire.web.urls`` the URL scheme.
"""

from __future__ import annotations

import asyncio
import functools
import math
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from fastapi import Request
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response
from starlette.routing import compile_path

from newswire.access import taxonomy
from newswire.access.entitlement import public_version
from newswire.delivery.files import not_modified
from newswire.errors import NotFound
from newswire.model import NewsItem, utcnow
from newswire.store import Store
from newswire.store.base import Stored
from newswire.web import i18n, urls
from newswire.web.public import cache, memo, pages, pictures, syndication
from newswire.web.public.memo import Known
from newswire.web.public.site import Site, site_of
from newswire.web.public.visible import as_published, first_public, listing, paged
from newswire.web.routing import TEMPLATE, Router

HTML = "text/html"
HOME_ITEMS = 60
HOME_SCAN = 200
SECTION_ITEMS = 50
FEED_SCAN = 100
SUBJECT_SCAN = 500
SECTION_SCAN = 2000
SITEMAP_SCAN = 2000

Make = Callable[[Site, str], bytes]
"""Renders a list-like answer (``site``, base URL) from the store: runs in a thread;
``NOTHING`` when there is no such list (the 404 page)."""

NOTHING = b""


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _html_headers(control: str, tag: str | None, language: str) -> dict[str, str]:
    return cache.headers(
        control,
        tag,
        {"Content-Language": language, "Content-Security-Policy": cache.HTML_POLICY},
    )


def _headers(media_type: str, control: str, tag: str, language: str) -> dict[str, str]:
    if media_type == HTML:
        return _html_headers(control, tag, language)
    return cache.headers(control, tag, {"Content-Language": language} if language else {})


def _moved(path: str, query: str = "") -> Response:
    """301 to ``path``, with the query the request came with (a campaign's ``utm_``
    parameters, a section's cursor) where one is given: a permanent move of the address,
    not of what was asked of it."""
    target = f"{path}?{query}" if query else path
    return RedirectResponse(target, 301, headers=cache.headers(cache.PAGE))


def _message(request: Request, code: str, kind: str) -> Response:
    """The HTML page of a withdrawn item (410) or of nothing (404), in ``code``'s UI."""
    site = site_of(request)
    base = site.base(request)
    page = i18n.lang(code)
    body = site.lists.get_or_make(
        (kind, page.code, base), lambda: pages.message_page(site, base, page.code, kind)
    )
    status, control = (410, cache.GONE) if kind == "gone" else (404, cache.MISSING)
    return Response(body, status, media_type=HTML, headers=_html_headers(control, None, page.tag))


def _no_language(request: Request) -> Response | None:
    """The 404 page (in the default language) when the path's language segment names no
    language (``/js/``, ``/feeds/xx.rss``): no item is ever in it (``urls.names_language``)."""
    if urls.names_language(request.path_params["lang"]):
        return None
    return _message(request, i18n.DEFAULT, "missing")


# --- lists: home pages, sections, feeds, sitemap ----------------------------------------------------


class Listed:
    """A list-like answer: keyed by what it lists, the base URL and the log position;
    kept in the site's ``lists`` once made, or in its ``older`` when ``older`` (an older
    page, whose cursor the request chose: one kept for each number a client makes up
    would push the pages every reader asks for out of ``lists``)."""

    def __init__(
        self,
        key: tuple[object, ...],
        make: Make,
        media_type: str,
        control: str,
        language: str,
        older: bool = False,
    ):
        self.key, self.make, self.older = key, make, older
        self.media_type, self.control, self.language = media_type, control, language

    def _kept(self, site: Site) -> cache.LRU[bytes]:
        return site.older if self.older else site.lists

    async def answer(self, request: Request) -> Response:
        site = site_of(request)
        base = site.base(request)
        at = memo.position(request.app)
        if at is not None:
            found = self._answer(request, site, base, at, None)
            if found is not None:
                return found
        return await run_in_threadpool(self._look_up, request, site, base)

    def _look_up(self, request: Request, site: Site, base: str) -> Response:
        seq = _store(request).last_seq()
        body = self._kept(site).get_or_make((*self.key, base, seq), lambda: self.make(site, base))
        answer = self._answer(request, site, base, seq, body)
        assert answer is not None  # the body is given
        return answer

    def _answer(
        self, request: Request, site: Site, base: str, seq: int, body: bytes | None
    ) -> Response | None:
        """304 or the bytes for log position ``seq``; None when they are not rendered yet."""
        key = (*self.key, base, seq)
        tag = cache.etag(*key, site.fingerprint)
        head = _headers(self.media_type, self.control, tag, self.language)
        if body is None:
            body = self._kept(site).get(key)
        if body == NOTHING:  # before If-None-Match: a page that is not there matches no tag
            return _message(request, self.language or i18n.DEFAULT, "missing")
        asked = request.headers.get("if-none-match")
        if body is None and asked is not None and asked.strip() == "*":
            return None  # "*" matches a page that is there: made first to know
        if not_modified(tag, asked):
            return cache.not_modified(head)
        if body is None:
            return None
        return Response(body, media_type=self.media_type, headers=head)


def _home(request: Request, code: str) -> Awaitable[Response]:
    day = pictures.window()

    def make(site: Site, base: str) -> bytes:
        store = _store(request)
        items = listing(
            store, utcnow(), language=code, limit=HOME_ITEMS, scan=HOME_SCAN, firsts=site.firsts
        )
        key = pictures.secret(store, site.kept)
        return pages.home_page(site, base, code, items, key, day)

    return Listed(("home", code, day), make, HTML, cache.HOME, code).answer(request)


async def home_default(request: Request) -> Response:
    """The Arabic home page (the same page as ``/ar/``, whose address is canonical)."""
    return await _home(request, i18n.DEFAULT)


async def home(request: Request) -> Response:
    """A language's latest teasers, grouped by subject."""
    if (missing := _no_language(request)) is not None:
        return missing
    return await _home(request, request.path_params["lang"])


async def home_bare(request: Request) -> Response:
    """``/ar`` (a link typed or shortened without the slash): 301 to ``/ar/``. Starlette's
    own slash redirect is a 307, a temporary move that keeps search engines indexing the
    address without the slash, and carries no caching headers."""
    if (missing := _no_language(request)) is not None:
        return missing
    return _moved(urls.home_path(request.path_params["lang"]), request.url.query)


async def section(request: Request) -> Response:
    """A language's section of one Media Topic (``15000000``; ``medtop:15000000`` and
    ``15000000/`` move there, their query kept): the latest teasers of it and of the
    topics under it, a page at a time in the order they were stored (``?before=``, the
    cursor its older-news link gives: ``visible.paged``); a cursor above the last item,
    or below which nothing is left to show, is the 404 page."""
    if (missing := _no_language(request)) is not None:
        return missing
    lang, given = request.path_params["lang"], request.path_params["subject"]
    code = taxonomy.qcode(given)
    if not taxonomy.known(code):
        return _message(request, lang, "missing")
    # The slash: Starlette's own redirect is a 307, which search engines take for a
    # temporary move, keeping both addresses (as ``home_bare`` says of ``/ar``).
    if given != urls.subject_slug(code) or request.url.path.endswith("/"):
        return _moved(urls.section_path(lang, code), request.url.query)
    try:
        before = urls.cursor(request.query_params.get("before"))
    except ValueError:
        return _message(request, lang, "missing")
    day = pictures.window()

    def make(site: Site, base: str) -> bytes:
        store = _store(request)
        if before is not None and before > store.last_seq():
            return NOTHING  # below no number the store has given: no page ever linked it
        found = paged(
            store,
            utcnow(),
            language=lang,
            subject=code,
            limit=SECTION_ITEMS,
            scan=SUBJECT_SCAN,
            # The first page reads what it always did; an older one may read more (it is
            # asked for less often, and is not made again for every item published).
            most=SUBJECT_SCAN if before is None else SECTION_SCAN,
            before=before,
            firsts=site.firsts,
        )
        if before is not None and not found.items and found.older is None:
            return NOTHING  # an older page of nothing (withdrawn since): not a page
        key = pictures.secret(store, site.kept)
        return pages.section_page(site, base, lang, code, found, before, key, day)

    # An older page changes only when one of its items does (a new item goes on the first),
    # and not for good: kept a minute as an item page is, for a withdrawal to leave it.
    control = cache.HOME if before is None else cache.PAGE
    key = ("section", lang, code, before, day)
    return await Listed(key, make, HTML, control, lang, older=before is not None).answer(request)


def _previews(
    store: Store, site: Site, base: str, items: list[NewsItem], now: datetime, day: int
) -> dict[str, syndication.Preview]:
    """The preview each of ``items`` shows on its public page, by item id, linked as the
    pages link it (signed for the public for ``day``)."""
    found: dict[str, syndication.Preview] = {}
    key = b""
    for item in items:
        shown = pictures.shown(store, item, now)
        preview = pictures.rendition(shown, "preview") if shown is not None else None
        if shown is None or preview is None:
            continue
        key = key or pictures.secret(store, site.kept)
        url = pages.absolute(base, pictures.link(key, shown, "preview", day))
        found[item.id] = syndication.Preview(url, preview)
    return found


def _feed(request: Request, code: str, kind: str, subject: str = "") -> Awaitable[Response]:
    day = pictures.window()

    def make(site: Site, base: str) -> bytes:
        store, now = _store(request), utcnow()
        items = listing(
            store,
            now,
            language=code,
            subject=subject,
            limit=syndication.FEED_SIZE,
            scan=SUBJECT_SCAN if subject else FEED_SCAN,
            firsts=site.firsts,
        )
        previews = _previews(store, site, base, items, now, day)
        return syndication.feed(site, base, code, kind, items, subject, previews)

    media_type = syndication.MEDIA_TYPES[kind]
    key = ("feed", code, kind, subject, day)
    return Listed(key, make, media_type, cache.FEED, code).answer(request)


async def language_feed(request: Request) -> Response:
    """RSS or Atom: the latest teasers of a language, each linking to its page."""
    if (missing := _no_language(request)) is not None:
        return missing
    return await _feed(request, request.path_params["lang"], request.path_params["kind"])


async def subject_feed(request: Request) -> Response:
    """RSS or Atom of one Media Topic (``medtop:11000000`` or ``11000000``) and the topics
    under it."""
    if (missing := _no_language(request)) is not None:
        return missing
    lang, kind = request.path_params["lang"], request.path_params["kind"]
    code = taxonomy.qcode(request.path_params["subject"])
    if not taxonomy.known(code):
        return _message(request, lang, "missing")
    return await _feed(request, lang, kind, code)


async def sitemap(request: Request) -> Response:
    """Google News sitemap: the items first published in the last two days (the hour is in
    its key: items leave it with time, not only with new log entries)."""
    now, day = utcnow(), pictures.window()

    def make(site: Site, base: str) -> bytes:
        since = now - timedelta(days=syndication.SITEMAP_DAYS)
        store = _store(request)
        items = listing(
            store,
            now,
            since=since,
            limit=syndication.SITEMAP_SIZE,
            scan=SITEMAP_SCAN,
            firsts=site.firsts,
        )
        previews = _previews(store, site, base, items, now, day)
        return syndication.sitemap(site, base, items, previews)

    key = ("sitemap", syndication.sitemap_window(now), day)
    return await Listed(key, make, "application/xml", cache.SITEMAP, "").answer(request)


# --- items --------------------------------------------------------------------------------


async def news_bare(request: Request) -> Response:
    """``/ar/news`` and ``/ar/news/``, naming no item: 301 to the language's home page,
    which lists its news. Starlette's slash redirect sent ``/ar/news`` on to ``/ar/news/``,
    an item page of no item: a reader who cut an item's address short got a 404."""
    if (missing := _no_language(request)) is not None:
        return missing
    return _moved(urls.home_path(request.path_params["lang"]), request.url.query)


async def item_page(request: Request) -> Response:
    """An item's public page: its latest public version's teaser; 410 once withdrawn; 404
    when unknown or not public yet (under embargo)."""
    lang, item_id = request.path_params["lang"], request.path_params["item_id"]
    if not item_id:
        return await news_bare(request)
    site = site_of(request)
    base = site.base(request)
    at = memo.position(request.app)
    known = site.known.get(item_id)
    if known is not None and known.holds(at, time.time()):
        answer = _item_answer(request, site, base, lang, known, None)
        if answer is not None:
            return answer
    return await run_in_threadpool(_item_looked_up, request, site, base, lang, item_id, at)


def _item_looked_up(
    request: Request, site: Site, base: str, lang: str, item_id: str, at: int | None
) -> Response:
    known, found, picture, first = _resolve(request, site, item_id, at)
    body = None
    if found is not None and known.status == 200:
        item = as_published(found.item, first)
        day = _day(known)

        def make() -> bytes:
            key = pictures.secret(_store(request), site.kept) if known.links else b""
            shown = picture.item if picture is not None else None
            return pages.item_page(site, base, item, key, day, shown)

        body = site.pages.get_or_make((item.id, item.version, known.links, day, base), make)
    answer = _item_answer(request, site, base, lang, known, body)
    assert answer is not None  # a public item's page is given
    return answer


def _day(known: Known) -> int:
    """The signing window of the page's links (0: it has none, so never changes with it)."""
    return pictures.window() if known.links else 0


def _resolve(
    request: Request, site: Site, item_id: str, at: int | None
) -> tuple[Known, Stored | None, Stored | None, datetime | None]:
    """(``Known``, the public version, its picture, when the public could first read the
    item: ``first_public``, from the history read anyway) of an item, from the store;
    remembered at ``at``."""
    store = _store(request)
    try:
        history = store.versions(item_id)
    except NotFound:
        history = []
    now = utcnow()
    found = public_version(history, now)
    picture, until, links, first = None, math.inf, "", None
    if found is not None and found.item.pubstatus == "usable":
        first = first_public(history, found)
        if pictures.has_media(found.item):
            links = "self"
        else:
            picture, until = pictures.first_picture(store, found.item, now)
            if picture is not None:
                links = f"{picture.item.id}\x1f{picture.item.version}"
    known = memo.learn(found, history, now, at, links=links, until=until)
    if at is not None:
        site.known.put(item_id, known)
    return known, found, picture, first


def _item_answer(
    request: Request, site: Site, base: str, lang: str, known: Known, body: bytes | None
) -> Response | None:
    """The answer ``known`` makes; None when its page is not rendered (or no longer kept)."""
    if known.status == 404:
        return _message(request, lang, "missing")
    if known.code != lang:
        return _moved(known.path, request.url.query)
    if known.status == 410:
        return _message(request, known.code, "gone")
    day = _day(known)
    tag = cache.etag("item", known.id, known.version, known.links, day, base, site.fingerprint)
    head = _html_headers(cache.PAGE, tag, known.language or lang)
    if not_modified(tag, request.headers.get("if-none-match")):
        return cache.not_modified(head)
    body = body or site.pages.get((known.id, known.version, known.links, day, base))
    if body is None:
        return None
    return Response(body, media_type=HTML, headers=head)


async def item_permalink(request: Request) -> Response:
    """A language-free address of an item: 301 to its page."""
    site = site_of(request)
    at = memo.position(request.app)
    item_id = request.path_params["item_id"]
    cached = site.known.get(item_id)
    if cached is None or not cached.holds(at, time.time()):
        known, *_ = await run_in_threadpool(_resolve, request, site, item_id, at)
    else:
        known = cached
    if known.status == 404:
        return _message(request, i18n.DEFAULT, "missing")
    return _moved(known.path, request.url.query)


# --- fixed pages --------------------------------------------------------------------------


def _fixed(
    request: Request, key: tuple[object, ...], make: Make, media_type: str, control: str, lang: str
) -> Response:
    """A page that changes only with the site (settings, templates): no store at all."""
    site = site_of(request)
    base = site.base(request)
    tag = cache.etag(*key, base, site.fingerprint)
    head = _headers(media_type, control, tag, lang)
    if not_modified(tag, request.headers.get("if-none-match")):
        return cache.not_modified(head)
    body = site.lists.get_or_make((*key, base), lambda: make(site, base))
    return Response(body, media_type=media_type, headers=head)


def _subscribe(request: Request, code: str) -> Response:
    def make(site: Site, base: str) -> bytes:
        return pages.subscribe_page(site, base, code)

    ui = i18n.lang(code).ui
    return _fixed(request, ("subscribe", code), make, HTML, cache.PAGE, ui)


async def subscribe_default(request: Request) -> Response:
    """How to become a subscriber (Arabic)."""
    return _subscribe(request, i18n.DEFAULT)


async def subscribe(request: Request) -> Response:
    """How to become a subscriber, in the language's interface (English where it has
    none: moved to /en/subscribe)."""
    if (missing := _no_language(request)) is not None:
        return missing
    lang = request.path_params["lang"]
    ui = i18n.lang(lang).ui
    if ui != lang or ui == i18n.DEFAULT:
        # One page per interface, the one its pages link: /ar/subscribe is /subscribe, and
        # /de/subscribe (no German interface) the English page, not English marked German.
        return _moved(urls.subscribe_path(ui))
    return _subscribe(request, lang)


async def robots(request: Request) -> Response:
    """robots.txt: the public pages allowed, the API and the portals not; the sitemap."""
    return _fixed(
        request,
        ("robots",),
        lambda site, base: syndication.robots(base),
        "text/plain",
        cache.ROBOTS,
        "",
    )


async def favicon(request: Request) -> Response:
    """``/favicon.ico``, which browsers and crawlers ask for whatever a page links: the
    icon every face's pages link (``/static/favicon.svg``), not a 404 in every log."""
    return RedirectResponse("/static/favicon.svg", status_code=301, headers=cache.headers(
        cache.ROBOTS))


# --- the route table ----------------------------------------------------------------------

ROUTES: tuple[tuple[str, Callable[[Request], Awaitable[Response]]], ...] = (
    ("/", home_default),
    ("/{lang:nwlang}/", home),
    ("/{lang:nwlang}", home_bare),
    ("/{lang:nwlang}/news", news_bare),
    ("/{lang:nwlang}/news/{item_id:path}", item_page),
    ("/news/{item_id:path}", item_permalink),
    ("/subscribe", subscribe_default),
    ("/{lang:nwlang}/subscribe", subscribe),
    ("/{lang:nwlang}/subjects/{subject:nwtopic}", section),
    ("/{lang:nwlang}/subjects/{subject:nwtopic}/", section),
    ("/feeds/{lang:nwlang}.{kind:nwfeed}", language_feed),
    ("/feeds/{lang:nwlang}/{subject:nwtopic}.{kind:nwfeed}", subject_feed),
    ("/sitemap-news.xml", sitemap),
    ("/robots.txt", robots),
    ("/favicon.ico", favicon),
)
"""Plain Starlette routes (GET and HEAD), not FastAPI's: the pages take no parameters to
validate, and FastAPI's per-request dependency solving would cost a third of a page."""


def _fair(
    endpoint: Callable[[Request], Awaitable[Response]], path: str
) -> Callable[[Request], Awaitable[Response]]:
    """``endpoint``, after one turn of the event loop. Most answers are made without ever
    suspending; under load the loop then served some connections again and again before
    others (measured with wrk, 64 connections on one core: p99 90-150 ms); yielding once
    first keeps it fair (p99 16 ms, and more requests a second, not fewer). It names its
    route's template in the scope (``routing.TEMPLATE``)."""
    template = compile_path(path)[1]  # "{lang:nwlang}" as "{lang}"

    @functools.wraps(endpoint)
    async def fair(request: Request) -> Response:
        request.scope[TEMPLATE] = template
        await asyncio.sleep(0)
        return await endpoint(request)

    return fair


router = Router()
for _path, _endpoint in ROUTES:
    router.add_route(_path, _fair(_endpoint, _path), methods=["GET"], include_in_schema=False)


# Paths that answer problem JSON when there is nothing there (the API and its docs).
_API_PREFIXES = ("/v1/", "/openapi", "/docs", "/redoc", "/metrics", "/health")


def install_not_found(
    app: Starlette, api_not_found: Callable[[Request, Exception], Awaitable[Response]]
) -> None:
    """A 404 outside the API is a page (a reader followed a bad link), in the language of
    the path's first segment when it is one of the site's interface languages, else in
    the default one; the API keeps its problem JSON. Any two or three letters
    (``/js/app.js``, ``/etc/passwd``, ``/wp/…``) are not a language: such a page would
    say ``lang="js"`` and link ``/js/`` and ``/feeds/js.rss`` (``etc`` is an ISO 639
    code, whose empty pages answer 200), new addresses for crawlers each time."""

    async def not_found(request: Request, exc: Exception) -> Response:
        path = request.url.path
        if path.startswith(_API_PREFIXES):
            return await api_not_found(request, exc)
        if "text/html" in request.headers.get("accept", ""):
            first = path.strip("/").split("/", 1)[0]
            answer = _message(request, first if first in i18n.UI else i18n.DEFAULT, "missing")
        else:
            answer = await api_not_found(request, exc)
        # Chosen by Accept: a shared cache must not give a browser the JSON, or a client
        # the page (kept 10 s), as everyone's answer (RFC 9110, 12.5.5).
        answer.headers["Vary"] = "Accept"
        return answer

    app.add_exception_handler(404, not_found)

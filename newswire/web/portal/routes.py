"""The subscriber portal (``/portal``): a subscriber's people, logged in, read their wire.

Routes (server-rendered, Arabic first; JavaScript only for the live wire):

- ``/portal``: the latest entitled items, newest first, filtered by language, subject,
  urgency and a place, person or organisation they name (a GET form); ``portal.js`` follows ``/portal/stream`` and puts new items on top;
- ``/portal/stream``: Server-Sent Events for the page (``newswire.web.portal.live``);
- ``/portal/search``: the search engine with the account's products, ``<mark>``ed snippets;
- ``/portal/items/{id}``: the item as entitled (full text or teaser), its versions, a diff
  between two of them, downloads in every format the subscriber may use
  (``/portal/items/{id}/download?format=``, rendered as ``GET /v1/items/{id}`` renders),
  a story's gallery of pictures and each rendition a picture's subscriber may have
  (``/portal/items/{id}/renditions/{name}``: ``newswire.web.portal.files``);
- ``/portal/topics``: saved searches, which notify on the live wire;
- ``/portal/accounts``: the subscriber's accounts, for its portal admins and operators.

Entitlement, embargo and withdrawal are the API's own rules (``access.entitlement.visible``,
``grant_seen``, ``output_codec``, the hub); a teaser-only subscriber gets the teaser on
every page, diff and download.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from newswire.access import taxonomy
from newswire.access.accounts import Topic, new_id
from newswire.access.auth import Principal
from newswire.access.entitlement import visible
from newswire.delivery.cursor import parse_cursor
from newswire.enrich.pipeline import named_terms
from newswire.errors import BadInput, NewswireError, NotFound, Unavailable
from newswire.model import ITEM_TYPES, EntityKind, NewsItem
from newswire.search import query as q
from newswire.search.engine import SearchRequest
from newswire.store import Store
from newswire.store.base import Stored
from newswire.validation import UNNAMEABLE
from newswire.web import sessions
from newswire.web.portal import accounts, files, items, login
from newswire.web.portal.live import FLASH_URGENCY, Filters, PortalStream, entry, item_href
from newswire.web.portal.pages import Clock, PortalRoute, clock_of, error_detail, render
from newswire.web.portal.words import WORDS
from newswire.web.routing import Router
from newswire.web.sessions import LoggedIn, check_csrf, read_form, require

router = Router(prefix="/portal", include_in_schema=False, route_class=PortalRoute)

WIRE_SIZE = 50
SEARCH_PAGE = 20
MAX_TOPICS = 50
TOP_TOPICS = [f"medtop:{n:02d}000000" for n in range(1, 18)]
URGENCIES = ("1", "1-2", "1-3", "1-5")
LANGUAGES = ("ar", "en", "fr", "tr", "es", "ru", "fa", "de")


def install(app: FastAPI) -> None:
    """The portal and the shared login routes."""
    login.install(app)
    app.include_router(router)
    app.include_router(files.router)  # before items': its catch-all path would take these
    app.include_router(items.router)
    app.include_router(accounts.router)


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def filters_of(request: Request) -> Filters:
    """The wire's and search's filters of the request, checked; an ``entity`` looked up in
    the vocabulary and the gazetteer (read on first use: call it in a thread)."""
    p = request.query_params
    filters = Filters.of(
        p.get("language"), p.get("subject"), p.get("urgency"), p.get("entity"), p.get("type")
    )
    if filters.entity:  # by any of its names: the item shows one (حركة حماس for حماس)
        kinds: tuple[EntityKind, ...] = ("person", "organisation", "place")
        filters = filters._replace(named=named_terms(_store(request), filters.entity, kinds))
    return filters


def choices(request: Request, lang: str) -> dict[str, Any]:
    """The filter form's options, labelled in the interface language."""
    return {
        "languages": LANGUAGES,
        "subjects": [(c, taxonomy.label(c, lang)) for c in TOP_TOPICS if taxonomy.known(c)],
        "urgencies": URGENCIES,
        "types": ITEM_TYPES,
    }


def search_thumbnails(
    store: Store, principal: Principal, ids: list[str]
) -> dict[str, dict[str, Any] | None]:
    """Each hit's thumbnail, by the wire's rule (``files.thumbnail``): a picture's own, a
    story's first picture the principal may see."""
    out: dict[str, dict[str, Any] | None] = {}
    for item_id in ids:
        try:
            shown, g = visible(principal, store, item_id, None)
        except NotFound:
            continue
        out[item_id] = files.thumbnail(store, principal, shown, g)
    return out


def wire_entries(
    store: Store, principal: Principal, filters: Filters, clock: Clock, limit: int = WIRE_SIZE
) -> list[dict[str, Any]]:
    """The latest items the principal may see, newest first, as the filters say (their
    times as ``clock`` shows them)."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    batch = 200
    while True:
        latest = store.latest(language=filters.language or None, limit=batch)
        for stored in latest:
            if stored.item.id in seen:
                continue
            seen.add(stored.item.id)
            try:
                shown, g = visible(principal, store, stored.item.id, None)
            except NotFound:
                continue
            if not filters.admits(shown.item) and not (
                # A withdrawal is listed where the item it withdraws was: its notice
                # carries none of the subjects, places and names the filters ask for.
                shown.item.pubstatus == "canceled" and filters.admits(_withdrawn(store, shown))
            ):
                continue
            row = entry(shown, shown.item, g.access, g.embargoed, clock)
            row["thumb"] = files.thumbnail(store, principal, shown, g)
            out.append(row)
            if len(out) >= limit:
                return out
        if len(latest) < batch or batch >= 10_000:
            return out
        batch *= 5


def _withdrawn(store: Store, notice: Stored) -> NewsItem:
    """The last version a withdrawal notice withdraws (the notice itself if none)."""
    before = [v.item for v in store.versions(notice.item.id) if v.item.pubstatus != "canceled"]
    return before[-1] if before else notice.item


@router.get("")
def wire(request: Request) -> Response:
    logged = require(request)
    filters = filters_of(request)
    hub = request.app.state.hub
    after = hub.position  # read before the list: the stream resumes from here
    lang = sessions.ui_lang(request, logged.account)
    entries = wire_entries(_store(request), logged.principal, filters, clock_of(request, lang))
    query = filters.asked()
    return render(
        request,
        "portal_wire.html",
        entries=entries,
        filters=filters,
        choices=choices(request, lang),
        stream=f"/portal/stream?after={after}" + (f"&{query}" if query else ""),
    )


@router.get("/stream")
async def stream(request: Request) -> Response:
    """The live wire for the page: one event per entitled log entry (cookie-authenticated)."""
    logged = await run_in_threadpool(sessions.current, request)
    if logged is None:
        return PlainTextResponse("log in to follow the wire", 401, headers=sessions.HEADERS)
    try:
        filters = await run_in_threadpool(filters_of, request)  # may read the vocabulary
        last = request.headers.get("last-event-id")
        hub = request.app.state.hub
        if last:
            cursor = parse_cursor(last, "Last-Event-ID")
        elif request.query_params.get("after"):
            cursor = parse_cursor(request.query_params.get("after"))
        else:
            cursor = hub.position
    except NewswireError as exc:
        return PlainTextResponse(exc.detail, exc.status, headers=sessions.HEADERS)
    listener = hub.listen(logged.principal, "ninjs", cursor, "portal")
    clock = clock_of(request, sessions.ui_lang(request, logged.account))
    return PortalStream(hub, listener, logged.principal, logged.account.id, filters, clock)


# --- search ------------------------------------------------------------------------------


@router.get("/search")
async def search(
    request: Request,
    q_: Annotated[str, Query(alias="q")] = "",
    page: Annotated[int, Query(ge=1, le=500)] = 1,
) -> Response:
    logged = await run_in_threadpool(require, request)
    lang = sessions.ui_lang(request, logged.account)
    filters = await run_in_threadpool(filters_of, request)  # may read the vocabulary
    context: dict[str, Any] = {
        "q": q_, "filters": filters, "choices": choices(request, lang), "page": page
    }
    if not q_.strip() and not filters.asked():  # the form alone; a filter lists its newest
        return render(request, "portal_search.html", results=None, error="", **context)
    searching = request.app.state.searching
    if searching is None or not searching.ready:
        raise Unavailable(WORDS[lang]["search_building"])
    req = SearchRequest(
        q=q_,
        lang=filters.language or None,
        subject=filters.subject or None,
        urgency=filters.urgency or None,
        entity=filters.entity or None,
        type=filters.type or None,
        sort="relevance",
        page=page,
        limit=SEARCH_PAGE,
        facets=False,
    )
    try:
        results = await run_in_threadpool(searching.searcher.search, req, logged.principal.products)
    except BadInput as exc:
        # The engine says why in English, for the API; the reader gets the query's rules,
        # or what else cannot be used, in the page's language (``error_detail``).
        error = error_detail(exc, WORDS[lang])
        return render(
            request, "portal_search.html", 400, results=None, error=error,
            error_lang=sessions.detail_lang(lang, error, translated=error != exc.detail),
            **context,
        )
    clock = clock_of(request, lang)
    thumbs = await run_in_threadpool(
        search_thumbnails, _store(request), logged.principal, [h.id for h in results.hits]
    )
    hits = [
        {
            "href": item_href(h.id),
            # HTML from the engine: the text escaped, only <mark> added.
            "headline": Markup(h.headline) if h.headline else h.id,
            "snippet": Markup(h.snippet),
            "language": h.language,
            "time": clock.stamp(h.versioncreated),
            "urgency": h.urgency,
            "flash": h.urgency is not None and h.urgency <= FLASH_URGENCY,
            "access": h.access,
            "withdrawn": False,  # a search never finds a withdrawn or embargoed item
            "embargoed": False,
            "thumb": thumbs.get(h.id),
        }
        for h in results.hits
    ]
    more = results.total > page * SEARCH_PAGE
    return render(
        request,
        "portal_search.html",
        results={"total": results.total, "hits": hits, "more": more},
        error="",
        **context,
    )


# --- items -------------------------------------------------------------------------------


# --- topics ------------------------------------------------------------------------------


def _topics_page(
    request: Request, logged: LoggedIn, status: int = 200, **context: Any
) -> Response:
    lang = sessions.ui_lang(request, logged.account)
    topics = _store(request).topics.list(logged.account.id)
    context.setdefault("form", {})
    context.setdefault("error", "")
    context.setdefault("errors", {})
    return render(
        request,
        "portal_topics.html",
        status,
        topics=topics,
        choices=choices(request, lang),
        **context,
    )


@router.get("/topics")
def topics_page(request: Request) -> Response:
    return _topics_page(request, require(request))


def new_topic(account_id: str, form: dict[str, str], existing: int) -> Topic:
    name = form.get("name", "").strip()
    if not name or len(name) > 80 or UNNAMEABLE.search(name):
        raise BadInput(
            "a topic has a name of 1 to 80 characters, without control or direction marks",
            field="name",
        )
    query = form.get("q", "").strip()
    q.parse(query)  # QueryError (a BadInput) says why it cannot be searched for
    filters = Filters.of(form.get("language"), form.get("subject"), form.get("urgency"))
    if existing >= MAX_TOPICS:
        raise BadInput(f"an account keeps at most {MAX_TOPICS} topics", field="name")
    return Topic(
        id=new_id(),
        account=account_id,
        name=name,
        query=query,
        lang=filters.language,
        subject=filters.subject,
        urgency=filters.urgency,
    )


@router.post("/topics")
async def add_topic(request: Request) -> Response:
    form = await read_form(request)

    def run() -> Response:
        logged = require(request)
        check_csrf(request, form, logged)
        store = _store(request)
        try:
            topic = new_topic(logged.account.id, form, len(store.topics.list(logged.account.id)))
            store.topics.add(topic)
        except NewswireError as exc:
            if exc.status >= 500:
                raise
            # A query that cannot be searched for: its rules in the reader's language, as
            # the search page says them (the engine's reason is English, for the API).
            # Each reason in the reader's language, beside its field.
            words = WORDS[sessions.ui_lang(request, logged.account)]
            key = "bad_query" if exc.field == "q" else f"err_topic_{exc.field}"
            if exc.field == "name" and exc.status == 409:
                key = "err_topic_taken"
            elif exc.field == "name" and "at most" in exc.detail:
                key = "err_topic_many"
            said = words.get(key)
            errors = {exc.field or "": said.format(most=MAX_TOPICS)} if said else {}
            return _topics_page(
                request, logged, 400, form=form, errors=errors,
                error="" if errors else exc.detail,
            )
        return RedirectResponse("/portal/topics", 303, headers=sessions.HEADERS)

    return await run_in_threadpool(run)


@router.post("/topics/{topic_id}/delete")
async def delete_topic(request: Request, topic_id: str) -> Response:
    form = await read_form(request)

    def run() -> Response:
        logged = require(request)
        check_csrf(request, form, logged)
        _store(request).topics.remove(logged.account.id, topic_id)
        return RedirectResponse("/portal/topics", 303, headers=sessions.HEADERS)

    return await run_in_threadpool(run)

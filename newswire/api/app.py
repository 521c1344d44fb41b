"""``create_app(settings)``: the HTTP application, with no globals."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from time import perf_counter

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.types import Message, Receive, Scope, Send

from newswire import __version__, logs
from newswire.access.limits import RateLimiter, sweep_buckets
from newswire.access.principals import Principals
from newswire.api import (
    admin,
    feed,
    items,
    media,
    openapi,
    ops,
    problems,
    raw,
    revalidate,
    search,
    stream,
    thread,
    traffic,
    upload,
    usage,
    vocabulary,
    webhooks,
)
from newswire.api.serving import WORKER_ENV
from newswire.blobs import blobs_for
from newswire.bus import open_bus
from newswire.delivery.announce import Herald
from newswire.delivery.feed import FeedPages
from newswire.delivery.histories import Histories
from newswire.delivery.hub import Hub
from newswire.delivery.meter import Meter, Metrics
from newswire.delivery.renderer import Renderer, release
from newswire.delivery.shared_metrics import SNAPSHOT_SECONDS, SharedMetrics
from newswire.errors import NewswireError, Unavailable
from newswire.search.service import Searching, index_path
from newswire.settings import Settings
from newswire.store import Store, open_store
from newswire.web.console import media as console_media
from newswire.web.console import routes as console
from newswire.web.portal import routes as portal
from newswire.web.public import routes as public
from newswire.web.static import PublicStatic

log = logging.getLogger("newswire.api")

DESCRIPTION = """
newswire is a news agency's news flow system. Editors put items in; subscribers receive
the full text (or the teaser, as their products say) in the formats their systems read
(IPTC ninjs, NewsML-G2, NITF, RSS/Atom, JSON Feed) by pull feed, live stream (SSE,
WebSocket) or webhook.

Every `/v1` route takes `Authorization: Bearer <key>`: `read` keys belong to a subscriber,
`publish` keys to the agency's editors, `admin` keys to its operators. Errors are RFC 9457
problem details naming the field at fault.

Every path that answers `GET` answers `HEAD` too, with the same status and headers and no
body (not listed again under each operation). Every `GET` under `/v1` answers with an
`ETag` and `Cache-Control: private, no-cache`, `Vary: Authorization`: `If-None-Match`
naming the tag is a `304`. A method a path does not have is a `405`
whose `Allow` names the ones it has.
"""

USAGE_FLUSH_SECONDS = 2.0


class _Receiving:
    """``receive`` that notes when the request's body has all come."""

    __slots__ = ("receive", "received")

    def __init__(self, receive: Receive) -> None:
        self.receive = receive
        self.received = False

    async def __call__(self) -> Message:
        message = await self.receive()
        if message["type"] == "http.request" and not message.get("more_body", False):
            self.received = True
        return message


class NewswireApp(FastAPI):
    """FastAPI, with the hottest routes taken before the framework's layers: ``GET
    /v1/stream`` (``stream.serve_stream``: what a long-lived connection holds is its
    memory), ``GET /v1/feed`` (``feed.serve_feed``: polled by thousands, a page must
    cost little more than looking its bytes up) and ``GET /v1/items/{id}``
    (``items.serve_item``), see ``newswire.api.raw``. Their documented routes stay, for
    OpenAPI and for the requests the fast paths hand over."""

    access_log = False
    """Write an access line per request (the ``access_log`` setting)."""
    traffic: traffic.Traffic
    """The requests answered, by route and status (``state.traffic``)."""
    _based = False
    """The renderer's base URL is set (from the first request with a key, without
    ``base_url``)."""
    PROBES = frozenset({"/health", "/ready", "/metrics"})
    """Paths whose requests do not set that URL: the probes of load balancers, monitors
    and init scripts come first and by the node's own address (``127.0.0.1``, a private
    name), which every rendition ``href`` and signed link would then carry for the
    process's life; a subscriber's request names the server as they reach it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            # Counted by route and status (``newswire.api.traffic``) however it is answered.
            timed = logs.Timed(send)
            start = perf_counter()
            route: str | None = None
            status = 500  # the application failed before answering: the server answers 500
            receiving = _Receiving(receive)
            try:
                if self.access_log:
                    route = await logs.logged(self._http, scope, receiving, timed)
                else:
                    route = await self._http(scope, receiving, timed)
                status = 499  # it returned without answering: the client went away first
            except asyncio.CancelledError:
                # The server stopping gave up on this request (``shutdown_seconds`` over)
                # while its body was still coming (an upload): nothing of it is stored, so
                # a 503 says to send it again, where uvicorn answered a bare 500. A request
                # wholly received may be being stored by a thread that goes on (a 503
                # would have it sent twice): uvicorn's 500 stands.
                if timed.status or receiving.received:
                    raise
                stopping = Unavailable("the server is stopping; send it again", field="server")
                await problems.from_error(stopping)(scope, receive, timed)
            finally:
                if route is None:
                    route = traffic.route_of(scope)
                self.traffic.observe(
                    scope["method"], route, timed.status or status, perf_counter() - start
                )
            return
        if kind == "websocket":
            logs.begin(scope["headers"])  # for the lines it logs; its answer is not tagged
        await super().__call__(scope, receive, send)

    async def _learn_base(self, scope: Scope) -> None:
        """Without the ``base_url`` setting, the renderer's base from this request's
        address (its ``Host`` header) if it bears a key this server accepts. Anyone may
        send any ``Host``: an anonymous request (a crawler's, a scanner's) naming another
        server would have had every subscriber's rendition ``href`` and signed link point
        there for the process's life, and their systems send their keys to what those
        links name."""
        renderer = self.state.renderer
        if renderer.base:  # the base_url setting, or learnt by another request meanwhile
            self._based = True
            return
        header = raw.headers(scope).get(b"authorization")
        if header is None:
            return
        principals: Principals = self.state.principals
        try:
            if principals.cached(header) is None:
                await run_in_threadpool(principals.load, header)
        except NewswireError:  # refused (its route says why) or unreadable: not by this one
            return
        if not self._based:
            renderer.base = raw.base_of(self.state, scope).rstrip("/")
            self._based = True

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> str | None:
        """An HTTP request, under its request id: the fast paths put ``X-Request-Id`` in
        the headers they build (no wrapper on their ``send``); every other answer gets it
        from ``logs.Tagged``. The template of the route a fast path answered; None: FastAPI
        routed it (``traffic.route_of``)."""
        rid = logs.begin(scope["headers"])
        path, method = scope["path"], scope["method"]
        if not self._based and path not in self.PROBES:
            await self._learn_base(scope)
        if path == "/v1/stream" and method in ("GET", "HEAD"):
            await stream.serve_stream(self, scope, receive, send)
            return traffic.STREAM
        if path == "/v1/feed" and method == "GET" and await feed.serve_feed(
            self, scope, receive, send
        ):
            return traffic.FEED
        if path == "/v1/search" and method == "GET" and await search.serve_search(
            self, scope, receive, revalidate.Revalidated(send, scope)
        ):
            return traffic.SEARCH
        if path == "/v1/items" and method == "POST" and await items.serve_post(
            self, scope, receive, send
        ):
            return traffic.ITEMS
        if path.startswith("/v1/items/") and method in ("GET", "HEAD"):
            if "/renditions/" in path:
                if await media.serve_rendition(self, scope, receive, send):
                    return traffic.RENDITION
            elif await items.serve_item(self, scope, receive, send):
                return traffic.ITEM
        tagged: Send = logs.Tagged(send, rid)
        if method in ("GET", "HEAD") and path.startswith("/v1/"):
            tagged = revalidate.Revalidated(tagged, scope)  # an ETag where none is made
        await super().__call__(scope, receive, tagged)
        return None

    def shutting_down(self) -> None:
        """uvicorn has begun to shut down (``newswire.api.protocol.Protocol.shutdown``):
        new waits end at once, waiting long polls answer with what they have and live
        streams close with a reason (``Hub.begin_stop``), before uvicorn's graceful
        timeout cancels what is still open and runs the lifespan's shutdown."""
        state = self.state
        if state.closing:
            return
        state.closing = True
        hub = getattr(state, "hub", None)
        if hub is not None:
            hub.begin_stop()

    def answer_now(
        self, path: str, query: bytes, headers: list[tuple[bytes, bytes]]
    ) -> raw.Answer | None:
        """The answer of a bare ``GET`` that memory already holds — a kept feed page, an
        item in memory, a small file's kept bytes — made without waiting for anything,
        for ``newswire.api.protocol`` to write as soon as the request is parsed; None:
        the request goes through ``__call__`` (always, with the access log on)."""
        if self.access_log or not self._based:
            return None
        if path == "/v1/feed":
            return feed.feed_now(self.state, query, raw.headers_of(headers))
        if path.startswith("/v1/items/"):
            if "/renditions/" in path:
                return media.rendition_now(self.state, path, query, headers)
            return items.item_now(self.state, path, query, raw.headers_of(headers))
        return None


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    settings = settings or Settings()
    store = store or open_store(settings.db)
    bus = open_bus(settings.bus)
    metrics, meter = Metrics(), Meter()
    renderer = Renderer(teaser_chars=settings.teaser_chars, base=settings.base_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hub = Hub(
            store,
            bus,
            renderer,
            metrics=metrics,
            meter=meter,
            max_pending=settings.stream_buffer,
            heartbeat=float(settings.heartbeat),
            tail_size=settings.feed_tail,
        )
        app.state.hub = hub
        app.state.feed = FeedPages(hub, renderer)
        hub.on_changes.append(histories.forget_changes)
        hub.on_access.append(principals.refresh)
        hub.on_confirm.append(principals.confirm)
        hub.on_unknown.append(principals.distrust)
        searching = Searching(
            store,
            path=index_path(settings.search_index, store),
            teaser_chars=settings.teaser_chars,
        )
        app.state.searching = searching
        hub.on_changes.append(searching.kick)
        hub.start()
        app.state.herald = herald = Herald(bus)
        herald.start()
        await searching.start()
        await run_in_threadpool(release)  # read once, not by the first request's ETag
        for start in app.state.on_start:
            await start(app)
        flusher = asyncio.create_task(_flush_usage(meter, principals, store, metrics))
        sweeper = asyncio.create_task(sweep_buckets(store.coordination))
        shared = app.state.shared_metrics
        snapshots = asyncio.create_task(_snapshots(shared, hub)) if shared is not None else None
        try:
            yield
        finally:
            app.state.closing = True
            if snapshots is not None:
                snapshots.cancel()
            for stop in app.state.on_stop:
                with contextlib.suppress(Exception):
                    await stop(app)
            for task in (flusher, sweeper):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await herald.stop()
            await hub.stop()
            await searching.stop()
            with contextlib.suppress(Exception):
                await run_in_threadpool(_flush, meter, principals, store)
            await bus.close()
            app.state.blobs.close()
            store.close()
            if shared is not None:
                with contextlib.suppress(Exception):
                    shared.write()

    app = NewswireApp(
        title="newswire",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.access_log = settings.access_log
    state = app.state
    state.settings, state.store, state.bus = settings, store, bus
    state.metrics, state.meter, state.renderer = metrics, meter, renderer
    state.traffic = app.traffic = traffic.Traffic()
    metrics.registry.register(app.traffic)
    principals = state.principals = Principals(store)
    state.identifying = {}  # header -> its principal being read (``auth.identify_again``)
    histories = state.histories = Histories(store)
    state.limiter = RateLimiter(store.coordination, refused=metrics.rate_limited.inc)
    state.shared_metrics = (
        SharedMetrics(settings.metrics_dir, metrics.registry)
        if settings.metrics_dir and os.environ.get(WORKER_ENV)
        else None
    )
    state.blobs = blobs_for(settings.db, settings.blobs)
    state.heartbeat = float(settings.heartbeat)
    state.closing = False
    state.searching = None
    state.on_start, state.on_stop = [], []
    problems.install(app)
    openapi.install(app)
    # The public site first: its paths match nothing else, and its pages are the hottest.
    app.include_router(public.router)
    public.install_not_found(app, problems.http_error)
    app.include_router(media.router)  # before items: its paths are under an item's
    app.include_router(thread.router)  # likewise
    app.include_router(items.router)
    app.include_router(feed.router)
    app.include_router(stream.router)
    app.include_router(ops.router)
    app.include_router(admin.router)
    app.include_router(vocabulary.router)
    app.include_router(usage.router)
    app.include_router(webhooks.router)
    app.include_router(search.router)
    app.mount("/static", PublicStatic(), name="static")
    portal.install(app)  # the subscriber portal and /login, /logout (newswire.web.portal)
    # the editors' console (newswire.web.console); its media routes first: the item page
    # takes every path under /console/items/
    app.include_router(console_media.router)
    app.include_router(console.router)
    webhooks.install(app)
    upload.install(app)
    return app


def _flush(meter: Meter, principals: Principals, store: Store) -> None:
    meter.flush(store)
    principals.flush()


async def _snapshots(shared: SharedMetrics, hub: Hub) -> None:
    """Leave this process's metrics for the others' ``/metrics`` (``serve --workers N``)."""
    while True:
        hub.settle()  # counted deliveries into the registry (in the loop: listeners are)
        try:
            await run_in_threadpool(shared.write)
        except Exception:
            log.exception("writing this process's metrics for the others failed")
        await asyncio.sleep(SNAPSHOT_SECONDS)


async def _flush_usage(
    meter: Meter, principals: Principals, store: Store, metrics: Metrics
) -> None:
    """Write the usage counts and keys' last uses gathered in memory, every
    ``USAGE_FLUSH_SECONDS`` (and once more on shutdown): a crash loses at most that.

    A failure is logged once, when the first round fails, and the end of it once, when a
    round succeeds again: a full disk or a database another process holds locked fails
    every round, and a traceback from each process every two seconds would bury the one
    line that says what is wrong. A transient failure (``Unavailable``) needs no
    traceback: its message says it all."""
    failing = False
    while True:
        await asyncio.sleep(USAGE_FLUSH_SECONDS)
        try:
            await run_in_threadpool(_flush, meter, principals, store)
        except Exception as exc:
            metrics.usage_flush_failures.inc()
            if not failing:
                failing = True
                if isinstance(exc, Unavailable):
                    if not exc.logged:
                        log.warning("writing usage counts failed: %s; kept for the next try", exc)
                else:
                    log.exception("writing usage counts failed; kept for the next try")
            continue
        if failing:
            failing = False
            log.warning("usage counts written again")

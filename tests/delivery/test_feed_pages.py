"""Feed pages from memory answer exactly what the store says.

- ``GET /v1/feed`` and ``GET /v1/items/{id}`` are answered ahead of FastAPI (a raw ASGI
  path) and by the documented routes: the same status, body and headers, kept or built;
- a page assembled from the hub's tail holds the same entries as one read from the store;
- ``newswire_feed_pages`` says where each page came from (kept, tail, store).
"""

from __future__ import annotations

import asyncio
import json
import threading
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newswire.access.auth import (
    Principal,
    access_of,
    removed_reason,
    revoked_reason,
    status_reason,
)
from newswire.access.keys import ApiKey, new_key
from newswire.access.products import Product, validate_product
from newswire.access.subscribers import Subscriber, check_subscriber
from newswire.api.app import create_app
from newswire.bus import open_bus
from newswire.delivery.feed import Decisions, FeedPages
from newswire.delivery.hub import Hub
from newswire.delivery.meter import Meter, Metrics
from newswire.delivery.renderer import Renderer
from newswire.demo import corpus_items, corpus_records, corpus_sample_path
from newswire.model import NewsItem
from newswire.settings import Settings
from newswire.store import open_store
from tests.delivery.wire import ARABIC, ninjs_doc
from tests.helpers import examples, index_setting, retry_until

TAIL = 120
ROUTE = "x-test-route"
"""A request with this header goes to the documented FastAPI route, not the fast path."""
HEADERS = ("etag", "x-newswire-next", "link", "cache-control", "vary", "content-type",
           "x-newswire-clamped")
PRODUCTS = {
    "ar-full": Product(name="ar-full", access="full", languages=["ar"]),
    "en-teaser": Product(name="en-teaser", access="teaser", languages=["en"]),
    "all-teaser": Product(name="all-teaser", access="teaser"),
}


def english(n: int) -> NewsItem:
    return NewsItem(
        id=f"urn:test:pages:en:{n}",
        language="en",
        headline=f"Markets item {n}",
        body=[f"First paragraph of item {n}.", "A second paragraph subscribers get in full."],
    )


class World:
    def __init__(self, url: str):
        store = open_store(url)
        arabic = list(corpus_items(corpus_records(corpus_sample_path())))[:260]
        mixed: list[NewsItem] = []
        for n, item in enumerate(arabic):
            mixed.append(item)
            if n % 4 == 0:
                mixed.append(english(n))
        store.append_many(mixed)
        self.keys: dict[str, str] = {}
        for product in PRODUCTS.values():
            store.products.add(validate_product(product))
            store.subscribers.add(
                check_subscriber(Subscriber(name=f"s-{product.name}", products=[product.name]))
            )
            key, key_id, key_hash = new_key()
            store.keys.add(
                ApiKey(id=key_id, scope="read", name="t", subscriber=f"s-{product.name}"), key_hash
            )
            self.keys[product.name] = key
        key, key_id, key_hash = new_key()
        store.keys.add(ApiKey(id=key_id, scope="publish", name="desk"), key_hash)
        self.keys["desk"] = key
        self.ids = [item.id for item in mixed]
        self.last = store.last_seq()
        store.close()
        self.app = create_app(Settings(db=url, feed_tail=TAIL, search_index=index_setting(url)))

        async def either(scope, receive, send):
            if scope["type"] == "http" and any(k == ROUTE.encode() for k, _ in scope["headers"]):
                await FastAPI.__call__(self.app, scope, receive, send)
            else:
                await self.app(scope, receive, send)

        # The application runs in an event loop of its own thread, its lifespan started
        # (the hub, the tail), and is called in-process over ASGI.
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.lifespan = self.app.router.lifespan_context(self.app)
        self.call(self.lifespan.__aenter__())
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=either), base_url="http://testserver"
        )

    def call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(60)

    def close(self) -> None:
        self.call(self.http.aclose())
        self.call(self.lifespan.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def get(self, path: str, who: str | None, route: bool = False, **headers):
        headers = {"Authorization": f"Bearer {self.keys[who]}", **headers} if who else headers
        if route:
            headers[ROUTE] = "1"
        return self.call(self.http.get(path, headers=headers))

    def metric(self, source: str, name: str = "newswire_feed_pages_total") -> float:
        label = f'{{source="{source}"}}' if source else ""
        for line in self.get("/metrics", None).text.splitlines():
            if line.startswith(f"{name}{label} "):
                return float(line.rsplit(" ", 1)[1])
        return 0.0


@pytest.fixture(scope="module")
def world(module_store_url):
    world = World(module_store_url)
    yield world
    world.close()


def alike(a, b) -> None:
    assert a.status_code == b.status_code, (a.text, b.text)
    assert a.content == b.content
    for name in HEADERS:
        assert a.headers.get(name) == b.headers.get(name), name


@pytest.mark.parametrize("who", list(PRODUCTS))
@pytest.mark.parametrize("fmt", [None, "nitf", "rss", "jsonfeed"])
def test_the_fast_path_and_the_route_answer_alike(world, who, fmt):
    for after in (0, 37, world.last - TAIL - 5, world.last - 40, world.last - 1, world.last):
        for limit in (1, 7, 50, 900):
            query = f"/v1/feed?after={after}&limit={limit}" + (f"&format={fmt}" if fmt else "")
            # Built by one, then kept: each answers the other's page the same.
            fast = world.get(query, who, route=False)
            routed = world.get(query, who, route=True)
            alike(fast, routed)
            assert fast.status_code == 200
            etag = fast.headers["etag"]
            for route in (False, True):
                again = world.get(query, who, route=route, **{"If-None-Match": etag})
                assert again.status_code == 304
                assert again.content == b""
                assert again.headers["etag"] == etag


def test_items_fast_path_and_route_answer_alike(world):
    for item_id in world.ids[:: len(world.ids) // 12]:
        path = f"/v1/items/{quote(item_id, safe='')}"
        for who in PRODUCTS:
            for suffix in ("", "?format=newsml", "?version=1", "?version=2"):
                alike(world.get(path + suffix, who, False), world.get(path + suffix, who, True))


@settings(
    max_examples=examples(80),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    data=st.data(),
    limit=st.integers(min_value=1, max_value=60),
    names=st.sets(st.sampled_from(sorted(PRODUCTS)), min_size=1),
)
def test_a_page_from_the_tail_holds_what_the_store_holds(world, data, limit, names):
    feed = world.app.state.feed
    tail = world.app.state.hub.tail
    assert tail.floor < world.last and tail.end == world.last
    after = data.draw(st.integers(min_value=tail.floor, max_value=world.last))
    products = [PRODUCTS[n] for n in sorted(names)]
    from_tail, reached_tail, position = feed.scan(Decisions(products), after, limit)
    assert position == world.last  # it was the tail's to answer
    from_store, reached_store, _ = feed._scan_store(Decisions(products), after, limit)
    assert [(c.seq, g) for c, g in from_tail] == [(c.seq, g) for c, g in from_store]
    assert reached_tail == reached_store


def test_the_metric_says_where_pages_came_from(world):
    before = {s: world.metric(s) for s in ("kept", "tail", "store")}
    world.get("/v1/feed?after=3&limit=11", "ar-full", route=False)  # deep: the store
    world.get(f"/v1/feed?after={world.last - 3}&limit=11", "ar-full", route=False)  # the tail
    world.get(f"/v1/feed?after={world.last - 3}&limit=11", "ar-full", route=False)  # kept
    after = {s: world.metric(s) for s in ("kept", "tail", "store")}
    assert after["store"] == before["store"] + 1
    assert after["tail"] == before["tail"] + 1
    assert after["kept"] == before["kept"] + 1


def test_a_cursor_past_the_tail_goes_on_from_there(store):
    """This process's own writes, stored but not yet read by its hub, come from the store,
    and move the cursor past the tail's end: the next page goes on from that cursor (not
    from the tail's end, which gave the same entries again: a subscriber saw a whole
    publish twice), and a cursor is never handed back smaller than it came."""
    renderer = Renderer(teaser_chars=300)
    # A hub not started: its tail stays where it began, as while a round is pending.
    hub = Hub(store, open_bus("memory://"), renderer, metrics=Metrics(), meter=Meter(),
              tail_size=TAIL)
    feed = FeedPages(hub, renderer)
    start = hub.tail.end
    stored = store.append_many([english(n) for n in range(5)])
    hub.kick(stored[-1].seq)  # what a publish through this process does
    teasers = [PRODUCTS["en-teaser"]]
    first, reached, _ = feed.scan(Decisions(teasers), start, 100)
    assert [c.seq for c, _ in first] == [r.seq for r in stored]
    assert reached == stored[-1].seq
    assert feed.scan(Decisions(teasers), reached, 100)[:2] == ([], reached)
    # A cursor from another process, past all this one knows of: kept as it is.
    assert feed.scan(Decisions(teasers), reached + 10, 100)[:2] == ([], reached + 10)


def test_long_polls_woken_by_one_entry_share_one_page_build(store_url):
    world = World(store_url)
    try:
        polls = 40
        auth = {"Authorization": f"Bearer {world.keys['ar-full']}"}
        path = f"/v1/feed?after={world.last}&limit=50&wait=30"

        async def poll_all():
            return await asyncio.gather(*(world.http.get(path, headers=auth) for _ in range(polls)))

        waiting = asyncio.run_coroutine_threadsafe(poll_all(), world.loop)
        retry_until(
            lambda: world.metric("", "newswire_feed_waits_total") >= polls, "every poll waiting"
        )
        feed = world.app.state.feed
        built = feed.built
        uri = "urn:test:pages:woken"
        published = world.call(
            world.http.post(
                "/v1/items",
                content=json.dumps(ninjs_doc(uri, "خبر عاجل", ARABIC, "ar")).encode(),
                headers={"Authorization": f"Bearer {world.keys['desk']}",
                         "Content-Type": "application/ninjs+json"},
            )
        )
        assert published.status_code == 201, published.text
        answers = waiting.result(60)
        bodies = {a.content for a in answers}
        assert len(bodies) == 1  # the same page for all
        page = answers[0].json()
        assert [e["item"]["uri"] for e in page["items"]] == [uri]
        assert feed.built - built == 1  # built once, for the forty
    finally:
        world.close()


def test_an_admin_action_counts_the_streams_it_ended_however_they_were_closed(store):
    """Suspending a subscriber (revoking a key) ends its streams. The hub's own reading of
    the access generation may close them for that reason between the store's write and the
    action's own closing (on PostgreSQL it is told at once): they still count, since the
    action ended them. One whose client had gone away does not."""
    hub = Hub(store, open_bus("memory://"), Renderer(teaser_chars=300), metrics=Metrics(),
              meter=Meter(), tail_size=TAIL)

    def stream(key_id: str, name: str = "closing"):
        key = ApiKey(id=key_id, scope="read", subscriber=name)
        return hub.listen(Principal(key, Subscriber(name=name), []), "ninjs", hub.position, "sse")

    first, second, gone, other = stream("k1"), stream("k2"), stream("k3"), stream("k4", "other")
    before = hub.streams_of(subscriber="closing")
    assert set(before) == {first, second, gone}
    reason = "subscriber closing is suspended"
    first.close(reason)  # the hub's re-check came first
    gone.close("the client went away")
    hub.leave(first)
    hub.leave(gone)
    assert hub.close_streams(before + hub.streams_of(subscriber="closing"), reason) == 2
    assert second.reason == reason and gone.reason == "the client went away"
    assert other.reason is None
    assert hub.streams_of(key_id="k4") == [other]
    assert hub.close_streams(hub.streams_of(key_id="k4"), "API key k4 was revoked") == 1


def test_the_hubs_check_ends_a_stream_for_the_reason_the_admin_action_counts_it_by(store):
    """The hub's own check and the admin action must give a stream the same reason, or
    the action does not count a stream the check closed first. Removing a subscriber also
    revokes its keys (which then name no subscriber): the reason is the removal (the check
    said "revoked", and ``DELETE /v1/admin/subscribers/{name}`` answered
    ``streams_closed: 0`` on PostgreSQL, where the check is told at once)."""
    hub = Hub(store, open_bus("memory://"), Renderer(teaser_chars=300), metrics=Metrics(),
              meter=Meter(), tail_size=TAIL)
    streams = {}
    for name in ("paused", "gone", ""):
        if name:
            store.subscribers.add(Subscriber(name=name))
        _, key_id, key_hash = new_key()
        store.keys.add(ApiKey(id=key_id, scope="read", subscriber=name or None), key_hash)
        principal = access_of(store, key_id)
        assert isinstance(principal, Principal)
        streams[name] = hub.listen(principal, "ninjs", hub.position, "sse")
    assert hub._check_keys(list(streams.values())) == {}

    store.subscribers.set_status("paused", "suspended")
    assert store.subscribers.remove("gone") == 1
    loose = streams[""].key_id
    store.keys.revoke(loose)
    assert hub._check_keys(list(streams.values())) == {
        streams["paused"]: status_reason("paused", "suspended"),
        streams["gone"]: removed_reason("gone"),
        streams[""]: revoked_reason(loose),
    }

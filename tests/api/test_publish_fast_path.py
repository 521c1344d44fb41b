"""``POST /v1/items`` is answered ahead of FastAPI (``items.serve_post``) for a body in a
text format, and by the documented route otherwise: both answer the same.

Two servers on two fresh stores, the same keys in each, take the same requests in the
same order: one as ``NewswireApp`` takes them (the fast path where it applies), the
other through the documented route only. Every answer (status, body, headers: Location,
problem bodies naming the field) and what each store holds afterwards must be the same;
and the requests the fast path is for must have been answered by it.
"""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import datetime

import httpx
import msgspec
import pytest
from fastapi import FastAPI

from newswire import logs
from newswire.access.keys import ApiKey, new_key
from newswire.api.app import create_app
from newswire.settings import Settings
from newswire.store import open_store
from tests.bad_inputs import BAD_INPUTS
from tests.conftest import SEED
from tests.helpers import index_setting

LIMIT = 64 * 1024
"""The servers' ``max_item_bytes``: small, so that a body over it is cheap to send."""
NINJS = "application/ninjs+json"
WHEN = "2026-12-01T10:00:00Z"


def ninjs(uri: str, headline: str = "رئيس الاستخبارات التركي يلتقي وفدا من حماس", **fields) -> bytes:
    doc = {
        "uri": uri,
        "type": "text",
        "language": "ar",
        "versioncreated": WHEN,
        "firstcreated": WHEN,
        "headlines": [{"role": "main", "value": headline}],
        "bodies": [
            {
                "role": "main",
                "contentType": "text/plain",
                "value": "أنقرة/ الأناضول\nالتقى رئيس جهاز الاستخبارات التركي وفدا من حماس.",
            }
        ],
        **fields,
    }
    return json.dumps(doc, ensure_ascii=False).encode()


class Node:
    """An app on a fresh store, in an event loop of its own thread, called over ASGI;
    ``routed``: whether each request reached FastAPI's router (the documented route)."""

    def __init__(self, url: str, keys: list[tuple[ApiKey, str]], *, fast: bool):
        store = open_store(url)
        for key, key_hash in keys:
            store.keys.add(key, key_hash)
        store.close()
        self.url = url
        self.app = create_app(
            Settings(db=url, search_index=index_setting(url), max_item_bytes=LIMIT)
        )
        self.routed: list[bool] = []

        async def call(scope, receive, send):
            if scope["type"] != "http":
                await self.app(scope, receive, send)
                return
            if fast:
                await self.app(scope, receive, send)
            else:  # the request id as NewswireApp takes it, then FastAPI only
                rid = logs.begin(scope["headers"])
                await FastAPI.__call__(self.app, scope, receive, logs.Tagged(send, rid))
            # Starlette's router notes the endpoint it chose in the scope.
            self.routed.append("endpoint" in scope)

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.lifespan = self.app.router.lifespan_context(self.app)
        self.run(self.lifespan.__aenter__())
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=call), base_url="http://testserver"
        )

    def run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(60)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return self.run(self.http.post(path, content=body, headers=headers))

    def stored(self) -> list[dict]:
        """Every log entry, as stored (the time of storing left out, and the item's times
        when they are the clock's: a source that gives none is stamped as it is taken in,
        and the two nodes' posts of it may fall on either side of a second)."""
        store = open_store(self.url)
        try:
            entries = []
            for c in store.changes(0, 1000):
                item = msgspec.to_builtins(c.item)
                # A time the source gave stays; one the clock stamped (an RSS entry gives
                # its pubDate as firstcreated, and no versioncreated) is left out.
                for key in ("versioncreated", "firstcreated"):
                    if _near_now(c.stored_at, item.get(key)):
                        item.pop(key, None)
                entries.append({"seq": c.seq, "kind": c.kind, "item": item})
            return entries
        finally:
            store.close()

    def close(self) -> None:
        self.run(self.http.aclose())
        self.run(self.lifespan.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def _near_now(stored_at, stamped: str | None) -> bool:
    """A time of the item within two seconds of its storing (the clock's)."""
    if not stamped:
        return False
    when = datetime.fromisoformat(stamped.replace("Z", "+00:00"))
    return abs((when - stored_at).total_seconds()) <= 2


@pytest.fixture(scope="module")
def nodes(make_module_store_url):
    keys, secrets = [], {}
    for scope in ("publish", "read"):
        secret, key_id, key_hash = new_key()
        keys.append((ApiKey(id=key_id, scope=scope, name=scope), key_hash))
        secrets[scope] = secret
    fast = Node(make_module_store_url(), keys, fast=True)
    routed = Node(make_module_store_url(), keys, fast=False)
    yield fast, routed, secrets
    fast.close()
    routed.close()


JSON_FEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "desk",
        "items": [
            {
                "id": "urn:test:fast:feed:1",
                "title": "Markets rise",
                "content_text": "Shares rose on Monday.",
                "date_published": WHEN,
            },
            {"id": "urn:test:fast:feed:2", "date_published": "not a date"},
        ],
    }
).encode()

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>desk</title><link>https://example.org/</link>
<description>d</description>
<item><guid>urn:test:fast:rss:1</guid><title>Markets rise</title>
<description>Shares rose on Monday in Istanbul.</description>
<pubDate>Tue, 01 Dec 2026 10:00:00 GMT</pubDate></item>
<item><guid>urn:test:fast:rss:2</guid></item>
</channel></rss>"""

# (what, Content-Type (None: none), body, the fast path answers it)
REQUESTS: list[tuple[str, str | None, bytes, bool]] = [
    ("new item", NINJS, ninjs("urn:test:fast:1"), True),
    ("the same again: 200", NINJS, ninjs("urn:test:fast:1"), True),
    ("a new version", NINJS, ninjs("urn:test:fast:1", headline="عنوان جديد"), True),
    ("plain JSON type", "application/json; charset=utf-8", ninjs("urn:test:fast:2"), True),
    ("type in capitals", "Application/NINJS+JSON", ninjs("urn:test:fast:3"), True),
    ("a correction", NINJS, ninjs("urn:test:fast:2", signal=[{"name": "correction"}]), True),
    ("text", "text/plain; charset=utf-8", SEED.read_bytes(), True),
    ("a feed with a bad entry", "application/rss+xml", RSS, True),
    ("a format read only by detection", "application/feed+json", JSON_FEED, False),
    ("empty", NINJS, b"", True),
    ("not JSON", NINJS, b"{not json", True),
    ("a list", NINJS, b"[1, 2]", True),
    ("no uri", NINJS, b'{"type": "text", "headlines": [{"role": "main", "value": "h"}]}', True),
    ("bad urgency", NINJS, ninjs("urn:test:fast:4", urgency=99), True),
    ("bad date", NINJS, ninjs("urn:test:fast:5", versioncreated="yesterday"), True),
    ("a null character", NINJS, ninjs("urn:test:fast:6", headline="a\u0000b"), True),
    *((f"bad {name} as ninjs", NINJS, data, True) for name, data, _ in BAD_INPUTS),
    *((f"bad {name}, no type", None, data, False) for name, data, _ in BAD_INPUTS),
    ("over the limit", NINJS, b" " * (LIMIT + 1), False),
    ("no type", None, ninjs("urn:test:fast:7"), False),
    ("a form's type", "application/x-www-form-urlencoded", ninjs("urn:test:fast:8"), False),
    ("a form upload", "multipart/form-data; boundary=x", b"--x--", False),
    ("an unknown type", "application/msword", b"doc", False),
    ("a picture that is not", "image/jpeg", b"not a picture", False),
]


def same(fast: httpx.Response, routed: httpx.Response, what: str) -> None:
    assert (fast.status_code, fast.content) == (routed.status_code, routed.content), what
    assert sorted(fast.headers.items()) == sorted(routed.headers.items()), what


def test_the_fast_path_answers_and_stores_as_the_documented_route(nodes):
    fast, routed, keys = nodes
    publisher = f"Bearer {keys['publish']}"
    for n, (what, kind, body, fast_path) in enumerate(REQUESTS):
        headers = {"Authorization": publisher, "X-Request-Id": f"post-{n}"}
        if kind is not None:
            headers["Content-Type"] = kind
        a = fast.post("/v1/items", body, headers)
        b = routed.post("/v1/items", body, headers)
        same(a, b, what)
        assert a.headers["x-request-id"] == f"post-{n}", what
        assert fast.routed[-1] is not fast_path, what
        assert routed.routed[-1], what
    assert fast.stored() == routed.stored()
    assert len(fast.stored()) >= 6


def test_the_answers_name_the_field_and_where_the_item_is(nodes):
    fast, routed, keys = nodes
    headers = {
        "Authorization": f"Bearer {keys['publish']}",
        "Content-Type": NINJS,
        "X-Request-Id": "located",
    }
    body = ninjs("urn:test:fast:located")
    created = fast.post("/v1/items", body, headers)
    same(created, routed.post("/v1/items", body, headers), "located")
    assert created.status_code == 201, created.text
    got = created.json()
    assert got["id"] == "urn:test:fast:located" and got["created"] is True
    assert created.headers["location"] == got["href"] == (
        f"/v1/items/urn%3Atest%3Afast%3Alocated?version={got['version']}"
    )
    assert created.headers["content-type"] == "application/json"
    body = ninjs("urn:test:fast:9", urgency=99)
    refused = fast.post("/v1/items", body, headers)
    assert not fast.routed[-1]
    same(refused, routed.post("/v1/items", body, headers), "refused")
    assert refused.status_code in (400, 422)
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["field"] == "urgency"


@pytest.mark.parametrize("who", ["none", "unknown", "read"])
def test_refused_keys_get_the_same_problem(nodes, who):
    fast, routed, keys = nodes
    authorization = {
        "none": {},
        "unknown": {"Authorization": "Bearer nw_abcdefghij_nothing"},
        "read": {"Authorization": f"Bearer {keys['read']}"},
    }[who]
    headers = {**authorization, "Content-Type": NINJS, "X-Request-Id": f"key-{who}"}
    body = ninjs(f"urn:test:fast:key:{who}")
    a = fast.post("/v1/items", body, headers)
    b = routed.post("/v1/items", body, headers)
    same(a, b, who)
    assert a.status_code == (403 if who == "read" else 401)
    assert not fast.routed[-1]


@pytest.mark.any_store
def test_query_parameters_go_to_the_documented_route(nodes):
    fast, routed, keys = nodes
    headers = {"Authorization": f"Bearer {keys['publish']}", "Content-Type": NINJS}
    for n, query in enumerate(("?format=ninjs", "?format=docx", "?name=x.jpg", "?type=x")):
        body = ninjs(f"urn:test:fast:query:{n}")
        a = fast.post("/v1/items" + query, body, {**headers, "X-Request-Id": f"query-{n}"})
        b = routed.post("/v1/items" + query, body, {**headers, "X-Request-Id": f"query-{n}"})
        same(a, b, query)
        assert fast.routed[-1], query
    assert fast.stored() == routed.stored()

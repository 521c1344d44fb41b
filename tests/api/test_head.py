"""``HEAD`` is answered wherever ``GET`` is, over real HTTP: the same status and headers
(``Content-Length``, ``ETag``, ``Content-Type``), no body; a method a path does not have
is still a 405 whose ``Allow`` names ``HEAD`` beside ``GET``; and a ``HEAD`` is no
delivery (``newswire.web.routing``)."""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest
from PIL import Image

from newswire.api.app import create_app
from newswire.api.problems import _every_route
from newswire.settings import Settings
from newswire.store import open_store
from tests.conftest import SEED
from tests.helpers import Server, make_key, metric, newswire, retry_until

# What is checked here does not depend on the store: SQLite alone (tests/conftest.py).
pytestmark = pytest.mark.any_store

VOLATILE = frozenset({"date", "x-request-id", "set-cookie"})
"""Headers that differ from one answer to the next (a login form's token is new each
time, in its cookie and its field alike)."""


@pytest.fixture(scope="module")
def world(module_store_url):
    db = module_store_url
    for args in (
        ("product", "add", "everything", "--access", "full"),
        ("subscriber", "add", "daily", "--product", "everything"),
    ):
        done = newswire(*args, db=db)
        assert done.returncode == 0, done.stderr.decode()
    keys = {
        "read": make_key(db, "--subscriber", "daily"),
        "desk": make_key(db, "--scope", "publish", "--name", "DESK"),
        "admin": make_key(db, "--scope", "admin", "--name", "OPS"),
    }
    server = Server(db)
    with server.client(keys["desk"]) as desk:
        text = desk.post("/v1/items", content=SEED.read_bytes(),
                         headers={"Content-Type": "text/plain; charset=utf-8"})
        assert text.status_code == 201, text.text
        out = io.BytesIO()
        Image.new("RGB", (800, 600), (120, 40, 90)).save(out, "JPEG", quality=80)
        picture = desk.post("/v1/items", content=out.getvalue(),
                            headers={"Content-Type": "image/jpeg"}, params={"lang": "ar"})
        assert picture.status_code == 201, picture.text
    yield server, keys, text.json()["id"], picture.json()["id"]
    server.close()


def item_path(item_id: str) -> str:
    return f"/v1/items/{quote(item_id, safe='')}"


def test_every_route_that_takes_get_takes_head_and_the_openapi_lists_get_only(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'routes.db'}")
    try:
        app = create_app(Settings(db=f"sqlite:///{tmp_path / 'routes.db'}"), store)
        methods: dict[str, set[str]] = {}
        for route in _every_route(app.router.routes):
            methods.setdefault(route.path, set()).update(getattr(route, "methods", None) or ())
        without = sorted(path for path, taken in methods.items() if "GET" in taken and "HEAD" not in taken)
        assert without == []
        assert "/v1/items/{item_id}/versions" in app.openapi()["paths"]
        listed = {m for operations in app.openapi()["paths"].values() for m in operations}
        assert "head" not in listed and "get" in listed
    finally:
        store.close()


def test_head_answers_as_get_does_without_the_body(world):
    server, keys, text_id, picture_id = world
    version = f"{item_path(picture_id)}/versions/1/renditions/thumbnail"
    asked = [
        ("read", "/v1/feed"),
        ("read", "/v1/feed?limit=1&format=atom"),
        ("read", item_path(text_id)),
        ("read", f"{item_path(text_id)}?format=nitf"),
        ("read", f"{item_path(text_id)}/versions"),
        ("read", f"{item_path(text_id)}/versions?format=newsml"),
        ("read", f"{item_path(text_id)}/thread"),
        ("read", f"{item_path(picture_id)}/thread"),
        ("read", f"{item_path('urn:none')}/thread"),  # a 404
        ("read", f"{item_path(picture_id)}/renditions/thumbnail"),
        ("read", version),
        ("read", f"{item_path(picture_id)}/renditions/thumbnail/link"),
        ("read", "/v1/formats"),
        ("read", "/v1/usage"),
        ("read", "/v1/webhooks"),
        ("read", "/v1/feed?after=nonsense"),  # a 400, as a GET's
        ("read", f"{item_path('urn:none')}/versions"),  # a 404
        (None, "/v1/feed"),  # a 401
        ("desk", "/v1/admin/keys"),  # a 403
        ("admin", "/v1/admin/products"),
        (None, "/health"),
        (None, "/ready"),
        (None, "/openapi.json"),
        (None, "/docs"),
        (None, "/"),
        (None, "/ar/"),
        (None, "/en/"),
        (None, f"/ar/news/{quote(text_id, safe=':@')}"),
        (None, "/subscribe"),
        (None, "/ar/subjects/15000000"),
        (None, "/feeds/ar.rss"),
        (None, "/sitemap-news.xml"),
        (None, "/robots.txt"),
        (None, "/login"),
        (None, "/portal"),  # to the login page
        (None, "/console"),
    ]
    for who, path in asked:
        with server.client(keys[who] if who else None) as client:
            got = client.get(path)
            head = client.head(path)
        assert head.status_code == got.status_code, (path, head.status_code, got.status_code)
        assert head.content == b"", path
        want = {k: v for k, v in got.headers.items() if k not in VOLATILE}
        have = {k: v for k, v in head.headers.items() if k not in VOLATILE}
        assert have == want, path
        if got.status_code == 200:
            assert "content-type" in have and "content-length" in have, path


def test_head_revalidates_as_get_does(world):
    server, keys, text_id, _ = world
    with server.client(keys["read"]) as client:
        for path in (
            item_path(text_id), f"{item_path(text_id)}/versions", f"{item_path(text_id)}/thread",
            "/v1/feed",
        ):
            etag = client.get(path).headers["etag"]
            head = client.head(path, headers={"If-None-Match": etag})
            assert head.status_code == 304 and head.headers["etag"] == etag, path


def test_a_public_page_is_405_to_other_methods_and_allow_names_head(world):
    # The API's 405s and their Allow: tests/api/test_ops.py.
    server, _, _, _ = world
    with server.client() as client:
        answer = client.post("/")
    assert answer.status_code == 405
    assert {m.strip() for m in answer.headers["allow"].split(",")} == {"GET", "HEAD"}


def test_a_head_delivers_nothing(world):
    server, keys, text_id, _ = world

    def delivered() -> dict[str, int]:
        with server.client(keys["read"]) as client:
            usage = client.get("/v1/usage")
        assert usage.status_code == 200, usage.text
        return usage.json()["totals"]["channels"]

    before = delivered()
    with server.client(keys["read"]) as client:
        assert client.head("/v1/feed").status_code == 200
        assert client.head(item_path(text_id)).status_code == 200
        assert delivered() == before
        page = client.get("/v1/feed")
        item = client.get(item_path(text_id))
    assert page.status_code == item.status_code == 200
    after = delivered()
    assert after["feed"] == before.get("feed", 0) + len(json.loads(page.content)["items"])
    assert after["item"] == before.get("item", 0) + 1


def test_head_of_a_long_poll_waits_and_answers_the_headers_of_its_page(world):
    server, keys, _, _ = world
    with server.client(keys["desk"]) as desk:
        head = desk.get("/ready").json()["last_seq"]
        waits = metric(server.url, "newswire_feed_waits_total")
        with ThreadPoolExecutor(1) as pool, server.client(keys["read"]) as client:
            poll = pool.submit(client.head, "/v1/feed", params={"after": head, "wait": 30})
            retry_until(lambda: metric(server.url, "newswire_feed_waits_total") > waits,
                        "the HEAD long poll waiting")
            doc = {"uri": "urn:test:head:poll", "type": "text", "language": "en",
                   "headlines": [{"role": "main", "value": "A HEAD long poll"}],
                   "bodies": [{"role": "main", "contentType": "text/plain", "value": "Text."}]}
            published = desk.post("/v1/items", json=doc,
                                  headers={"Content-Type": "application/ninjs+json"})
            assert published.status_code == 201, published.text
            answer = poll.result(30)
            got = client.get("/v1/feed", params={"after": head})
    assert answer.status_code == 200 and answer.content == b""
    assert answer.headers["x-newswire-next"] == str(published.json()["sequence"])
    assert answer.headers["etag"] == got.headers["etag"]
    assert answer.headers["content-length"] == got.headers["content-length"]

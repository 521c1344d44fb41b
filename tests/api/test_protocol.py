"""Requests answered as soon as they are parsed (``newswire.api.protocol``), over real sockets.

``newswire serve`` runs uvicorn with newswire's protocol: a bare GET whose answer memory
holds (a kept feed page, an item, a small file) is written before any of the ASGI
application runs. These tests hold it to what uvicorn's own protocol answers for the same
requests on the same store (the same status, headers and bytes), to HTTP's rules about
keep-alive, pipelining and ``Connection: close``, and to newswire's about keys, rate
limits and counting; ``newswire_http_answered_at_parse_total`` shows that the path was
taken, so that none of this passes by quietly going the other way.
"""

from __future__ import annotations

import http.client
import io
import json
import socket

import httpx
import pytest

from newswire.api.serving import server_options
from newswire.blobs import blobs_for
from newswire.delivery.renderer import rendition_path
from newswire.model import NewsItem, Rendition
from newswire.settings import BY_NAME, Settings
from newswire.store import open_store
from tests.api.test_media_api import jpeg
from tests.delivery.wire import ARABIC, NINJS, ninjs_doc
from tests.helpers import Server, make_key, metric, newswire, retry_until

# What is checked here does not depend on the store: SQLite alone (tests/conftest.py).
pytestmark = pytest.mark.any_store

TEXT = "urn:test:protocol:text"
PICTURE = "urn:test:protocol:picture"
COUNTER = "newswire_http_answered_at_parse_total"
IGNORED = {"date", "x-request-id"}
"""Headers that differ from one answer to the next by design."""


@pytest.fixture(scope="module")
def wire(module_store_url):
    db = module_store_url
    for args in (
        ("product", "add", "ar-full", "--access", "full", "--lang", "ar"),
        ("product", "add", "ar-teaser", "--access", "teaser", "--lang", "ar"),
        # Tokens are leased a second's worth at a time: the request that leases goes the
        # application's way (it reads the store), the others are answered from memory.
        ("subscriber", "add", "full", "--product", "ar-full", "--rate-limit", "1000000"),
        ("subscriber", "add", "teaser", "--product", "ar-teaser", "--rate-limit", "1000000"),
        ("subscriber", "add", "few", "--product", "ar-full", "--rate-limit", "6"),
    ):
        done = newswire(*args, db=db)
        assert done.returncode == 0, done.stderr.decode()
    keys = {name: make_key(db, "--subscriber", name) for name in ("full", "teaser", "few")}
    keys["revoked"] = make_key(db, "--subscriber", "full")
    keys["desk"] = make_key(db, "--scope", "publish", "--name", "DESK")
    store, blobs = open_store(db), blobs_for(db)
    try:
        store.append(NewsItem(
            id=TEXT, language="ar", headline="عنوان الخبر", body=["نص الخبر الكامل، فقرة بعد فقرة."] * 40,
        ))
        thumbnail = jpeg(200, 150, 120)
        store.append(NewsItem(
            id=PICTURE, type="picture", language="ar", headline="صورة",
            renditions=[Rendition(
                name="thumbnail", content_type="image/jpeg", width=200, height=150,
                size=len(thumbnail), blob=blobs.put(thumbnail),
            )],
        ))
    finally:
        blobs.close()
        store.close()
    # One base URL for both, as the nodes behind one address have: links to files start
    # with it, and so the bytes and the ETags that name them are the same.
    env = {"NEWSWIRE_BASE_URL": "http://newswire.example"}
    ours, theirs = Server(db, env=env), Server(db, http="httptools", env=env)
    ours.db = db
    yield ours, theirs, keys, thumbnail
    ours.close()
    theirs.close()


def answers(server: Server) -> float:
    return metric(server.url, COUNTER)


def fetch(server: Server, key: str, path: str, **headers: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", path, headers={"Authorization": f"Bearer {key}", **headers})
    response = connection.getresponse()
    # Links to files name the server they came from: the same but for the port.
    response.body = response.read().replace(server.url.encode(), b"BASE")  # type: ignore[attr-defined]
    connection.close()
    return response


def own_headers(response: http.client.HTTPResponse) -> list[tuple[str, str]]:
    """Its headers but ``IGNORED``, in a set order (the documented routes may send them
    in another)."""
    return sorted((k.lower(), v) for k, v in response.getheaders() if k.lower() not in IGNORED)


REQUESTS = [
    ("/v1/feed", {}),
    ("/v1/feed?limit=1", {}),
    ("/v1/feed?after=1&limit=5", {}),
    (f"/v1/items/{TEXT}", {}),
    (f"/v1/items/{TEXT.replace(':', '%3A')}", {}),
    (f"/v1/items/{TEXT}?format=nitf", {}),
    (f"/v1/items/{TEXT}", {"Accept": "application/vnd.iptc.g2.newsitem+xml"}),
    (rendition_path(PICTURE, 1, "thumbnail"), {}),
]


@pytest.mark.parametrize("who", ["full", "teaser"])
def test_the_same_answers_as_uvicorns_own_protocol(wire, who):
    ours, theirs, keys, thumbnail = wire
    key = keys[who]
    for path, headers in REQUESTS:
        for _ in range(2):  # the first reads the item, the second a file's bytes: now kept
            fetch(ours, key, path, **headers)
        before = answers(ours)
        mine, other = fetch(ours, key, path, **headers), fetch(theirs, key, path, **headers)
        assert answers(ours) == before + 1, f"{path} was not answered at parse"
        assert (mine.status, own_headers(mine), mine.body) == (
            other.status, own_headers(other), other.body
        ), path
        assert mine.getheader("date") and mine.getheader("x-request-id")
        if mine.status == 200 and mine.getheader("etag"):
            before = answers(ours)
            etag = mine.getheader("etag")
            again = fetch(ours, key, path, **headers, **{"If-None-Match": etag})
            other = fetch(theirs, key, path, **headers, **{"If-None-Match": etag})
            assert answers(ours) == before + 1
            assert (again.status, again.body) == (304, b"")
            assert own_headers(again) == own_headers(other), path
    if who == "full":
        assert fetch(ours, key, rendition_path(PICTURE, 1, "thumbnail")).body == thumbnail
    else:
        assert fetch(ours, key, f"/v1/items/{TEXT}").getheader("x-newswire-access") == "teaser"


def test_if_none_match_star_is_a_304_on_every_path_of_the_feed(wire):
    """RFC 9110: ``*`` matches any current representation, and a feed always has a page:
    304, whether the page is built for it, kept and answered at parse, answered ahead of
    FastAPI (uvicorn's own protocol) or by the documented route (a repeated parameter)."""
    ours, theirs, keys, _ = wire
    key, star = keys["full"], {"If-None-Match": "*"}
    built = fetch(ours, key, "/v1/feed?limit=3", **star)  # no page kept: built for it
    assert (built.status, built.body) == (304, b"") and built.getheader("etag")
    page = fetch(ours, key, "/v1/feed?limit=3")  # now kept
    assert page.status == 200 and int(page.getheader("x-newswire-next")) > 0
    # A 304's headers are the page's (a cache updates what it kept from them): its next
    # cursor too, not the request's own, whether the page was built for it or kept.
    for name in ("x-newswire-next", "link", "etag"):
        assert built.getheader(name) == page.getheader(name), name
    before = answers(ours)
    at_parse = fetch(ours, key, "/v1/feed?limit=3", **star)
    assert answers(ours) == before + 1, "not answered at parse"
    assert (at_parse.status, at_parse.body) == (304, b"")
    assert at_parse.getheader("etag") == built.getheader("etag")
    assert at_parse.getheader("x-newswire-next") == page.getheader("x-newswire-next")
    for server, path in (
        (theirs, "/v1/feed?limit=3"),
        (ours, "/v1/feed?limit=3&limit=3"),
        (theirs, "/v1/feed?limit=3&limit=3"),
        (ours, "/v1/feed?limit=3&format=jsonfeed"),
    ):
        answer = fetch(server, key, path, **star)
        assert (answer.status, answer.body) == (304, b""), path
    assert fetch(ours, key, "/v1/feed?limit=3&limit=3").status == 200  # the route's 200


def test_refusals_are_answered_the_documented_way(wire):
    """What memory cannot answer goes through the application, which says why."""
    ours, theirs, keys, _ = wire
    for path, key in (
        ("/v1/feed?after=nonsense", keys["full"]),
        ("/v1/feed?limit=0", keys["full"]),
        ("/v1/feed?format=docx", keys["full"]),
        ("/v1/items/urn:test:protocol:none", keys["full"]),
        ("/v1/feed", "nw_notakey_atall"),
    ):
        mine, other = fetch(ours, key, path), fetch(theirs, key, path)
        assert mine.status == other.status and mine.status in (400, 401, 404), path
        assert mine.getheader("content-type") == "application/problem+json"
        assert mine.body == other.body


class Source:
    """What ``http.client.HTTPResponse`` reads a response from: one stream of a socket,
    for several responses in turn (it closes what it is given after each)."""

    def __init__(self, stream: io.BufferedReader):
        self.stream = stream

    def makefile(self, *_: object) -> Source:
        return self

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)

    def close(self) -> None:
        pass


def raw_exchange(server: Server, data: bytes, count: int) -> list[http.client.HTTPResponse]:
    """``data`` (whole requests, pipelined) written at once; ``count`` answers read in order."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(data)
        stream = sock.makefile("rb")
        out = []
        for _ in range(count):
            response = http.client.HTTPResponse(Source(stream))  # type: ignore[arg-type]
            response.begin()
            response.body = response.read()  # type: ignore[attr-defined]
            out.append(response)
        # Whether the server then closed the connection, read only when the last answer
        # says it will: a connection kept alive stays open (``keepalive_seconds``).
        last = out[-1]
        last.closed_after = last.will_close and stream.read() == b""  # type: ignore[attr-defined]
        return out


def request(path: str, key: str, *extra: str, version: str = "1.1") -> bytes:
    lines = [f"GET {path} HTTP/{version}", "Host: 127.0.0.1", f"Authorization: Bearer {key}", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_pipelined_requests_are_answered_in_order(wire):
    ours, _, keys, _ = wire
    key = keys["full"]
    fetch(ours, key, "/v1/feed?limit=2")
    fetch(ours, key, f"/v1/items/{TEXT}")
    before = answers(ours)
    sent = [
        request("/v1/feed?limit=2", key, "X-Request-Id: first"),
        request("/health", key, "X-Request-Id: second"),  # the application's, behind it
        request(f"/v1/items/{TEXT}", key, "X-Request-Id: third"),
        request("/v1/feed?limit=2", key, "X-Request-Id: fourth", "Connection: close"),
    ]
    got = raw_exchange(ours, b"".join(sent), 4)
    assert [r.getheader("x-request-id") for r in got] == ["first", "second", "third", "fourth"]
    assert [r.status for r in got] == [200, 200, 200, 200]
    assert b'"items"' in got[0].body and b'"status"' in got[1].body and TEXT.encode() in got[2].body
    assert got[0].body == got[3].body
    assert got[3].getheader("connection") == "close" and got[3].closed_after  # type: ignore[attr-defined]
    assert answers(ours) >= before + 1  # at least the first, before the connection was busy


def test_keep_alive_and_close(wire):
    ours, _, keys, _ = wire
    key = keys["full"]
    fetch(ours, key, "/v1/feed?limit=3")
    before = answers(ours)
    # Three on one connection, one after the other: each answered at parse, still open.
    with socket.create_connection(("127.0.0.1", ours.port), timeout=30) as sock:
        stream = sock.makefile("rb")
        for n in range(3):
            sock.sendall(request("/v1/feed?limit=3", key))
            response = http.client.HTTPResponse(Source(stream))  # type: ignore[arg-type]
            response.begin()
            assert response.status == 200 and response.getheader("connection") is None, n
            response.read()
    assert answers(ours) == before + 3
    # HTTP/1.0 without keep-alive: answered, then closed.
    [answer] = raw_exchange(ours, request("/v1/feed?limit=3", key, version="1.0"), 1)
    assert answer.status == 200 and answer.closed_after  # type: ignore[attr-defined]
    assert answers(ours) == before + 4


@pytest.mark.any_store
def test_an_idle_connection_stays_open_as_long_as_the_setting_says(module_store_url):
    """The server closes a connection idle for ``keepalive_seconds``: by default longer
    than a client keeps one idle itself (httpx's pool), so that a client polling every
    few seconds does not send on a connection the server is closing at that moment."""
    assert int(BY_NAME["keepalive_seconds"].default) > 2 * httpx.Limits().keepalive_expiry
    options = server_options(Settings(keepalive_seconds=9), "127.0.0.1", 8080)
    assert options["timeout_keep_alive"] == 9
    server = Server(module_store_url, env={"NEWSWIRE_KEEPALIVE_SECONDS": "1"})
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            stream = sock.makefile("rb")
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            response = http.client.HTTPResponse(Source(stream))  # type: ignore[arg-type]
            response.begin()
            response.read()
            assert response.status == 200 and not response.will_close
            assert stream.read() == b""  # closed by the server once idle, not by the timeout
    finally:
        server.close()


def test_a_request_with_a_body_goes_the_documented_way(wire):
    ours, _, keys, _ = wire
    key = keys["full"]
    fetch(ours, key, "/v1/feed?limit=4")
    before = answers(ours)
    got = raw_exchange(ours, request("/v1/feed?limit=4", key, "Content-Length: 2") + b"{}", 1)
    assert got[0].status == 200
    assert answers(ours) == before


def test_a_revoked_key_is_refused_at_once(wire):
    ours, _, keys, _ = wire
    key = keys["revoked"]
    fetch(ours, key, "/v1/feed?limit=5")
    before = answers(ours)
    assert fetch(ours, key, "/v1/feed?limit=5").status == 200
    assert answers(ours) == before + 1  # known to this process, answered from memory
    done = newswire("key", "revoke", key.split("_")[1], db=ours_db(ours))
    assert done.returncode == 0, done.stderr.decode()
    retry_until(lambda: fetch(ours, key, "/v1/feed?limit=5").status == 401, "the key refused")


def ours_db(server: Server) -> str:
    return server.db  # type: ignore[attr-defined, no-any-return]


def test_rate_limits_and_counting_hold(wire):
    ours, _, keys, _ = wire
    key = keys["few"]
    delivered = metric(ours.url, "newswire_deliveries_total", channel="feed")
    statuses = [fetch(ours, key, "/v1/feed?limit=1").status for _ in range(10)]
    assert statuses.count(200) == 6 and statuses.count(429) == 4, statuses
    assert statuses[:6] == [200] * 6
    # Each page answered counted its one entry, whichever way it went.
    assert metric(ours.url, "newswire_deliveries_total", channel="feed") == delivered + 6


def raw_get(server: Server, key: str, target: bytes) -> tuple[int, bytes]:
    """A GET whose request target goes out byte for byte, as curl sends ``?q=غزة``."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     b"Authorization: Bearer " + key.encode() + b"\r\n\r\n")
        with sock.makefile("rb") as answer:
            response = http.client.HTTPResponse(sock)
            response.fp = answer
            response.begin()
            return response.status, response.read()


def test_a_request_line_in_raw_utf8_reads_as_its_percent_encoding(wire):
    """curl does not encode what is typed after ``?``: httptools refused such a request
    line with a bare "Invalid HTTP request received."; it is read as a browser's."""
    ours, _, keys, _ = wire
    key = keys["full"]
    query = "q=الكامل&lang=ar"
    encoded = "/v1/search?" + query.replace("الكامل", "%D8%A7%D9%84%D9%83%D8%A7%D9%85%D9%84")

    def found() -> bytes | None:
        status, body = raw_get(ours, key, encoded.encode())
        return body if status == 200 and TEXT.encode() in body else None

    expected = retry_until(found, "the search index to take the item in")
    assert raw_get(ours, key, ("/v1/search?" + query).encode()) == (200, expected)
    # A path in raw UTF-8 is decoded as its encoding is: a public page not found (404),
    # not a refused request.
    status, _ = raw_get(ours, key, "/ar/غير-موجود".encode())
    status_encoded, _ = raw_get(ours, key, b"/ar/%D8%BA%D9%8A%D8%B1-%D9%85%D9%88%D8%AC%D9%88%D8%AF")
    assert status == status_encoded == 404


def requests(server: Server, method: str, route: str, status: int) -> float:
    return metric(server.url, "newswire_http_requests_total", method=method, route=route,
                  status=str(status))


def test_requests_are_counted_by_route_template_and_status_however_answered(wire):
    """``newswire_http_requests_total`` and the durations: a request answered at parse
    (a 304), by a fast path ahead of FastAPI (a POST), by a documented route (a page, a
    404 of it), by a public page (a plain route) and by no route (``other``) each count
    once, under its route's template."""
    ours, _, keys, _ = wire
    kinds = [
        ("GET", "/v1/feed", 304), ("POST", "/v1/items", 201), ("GET", "/v1/formats", 200),
        ("GET", "other", 404), ("GET", "/v1/items/{item_id}", 404),
        ("GET", "/v1/items/{item_id}/versions", 200), ("GET", "/{lang}/", 200),
    ]
    before = {kind: requests(ours, *kind) for kind in kinds}
    timed_before = metric(ours.url, "newswire_http_request_duration_seconds_count",
                          method="GET", route="/v1/feed")
    page = fetch(ours, keys["full"], "/v1/feed?limit=1")
    etag, asked = page.getheader("etag"), 0

    def at_parse_304() -> bool:  # once the key and the page are in memory
        nonlocal asked
        counted = answers(ours)
        assert fetch(ours, keys["full"], "/v1/feed?limit=1", **{"If-None-Match": etag}).status == 304
        asked += 1
        return answers(ours) > counted

    retry_until(at_parse_304, "a 304 answered as the request was parsed")
    with ours.client(keys["desk"]) as desk:
        doc = ninjs_doc("urn:test:protocol:counted", "خبر", ARABIC, "ar")
        assert desk.post("/v1/items", content=json.dumps(doc), headers=NINJS).status_code == 201
    assert fetch(ours, keys["full"], "/v1/formats").status == 200
    assert fetch(ours, keys["full"], "/no/such/path").status == 404
    assert fetch(ours, keys["full"], "/v1/items/urn:test:protocol:none").status == 404
    assert fetch(ours, keys["full"], f"/v1/items/{TEXT}/versions").status == 200
    assert fetch(ours, keys["full"], "/ar/").status == 200  # a public page: a plain route
    moved = {kind: requests(ours, *kind) - before[kind] for kind in kinds}
    assert moved == {kind: asked if kind[2] == 304 else 1 for kind in kinds}
    timed = metric(ours.url, "newswire_http_request_duration_seconds_count",
                   method="GET", route="/v1/feed")
    assert timed - timed_before == 1 + asked
    # No label grows with the items or the paths asked: only routes' templates.
    routes = {line.split('route="')[1].split('"')[0]
              for line in _metrics_text(ours).splitlines()
              if line.startswith("newswire_http_requests_total{")}
    assert "other" in routes and not [r for r in routes if "urn:" in r or "/no/" in r], routes


def _metrics_text(server: Server) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", "/metrics")
    text = connection.getresponse().read().decode()
    connection.close()
    return text

"""The media front as shipped (the media parts of deploy/nginx/newswire.conf, taken from
the file as they are by bench/front.py) run by the real nginx, with its Lua module, in
front of a real node: what a client gets through it is what the node would answer, the
bytes sent by nginx from the blob folder.

The node's side of the question is tests/api/test_media_front.py; nginx and its Lua
module are installed by scripts/services.sh (``front``) when missing."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bench.common import Nginx
from bench.front import front_config
from newswire.blobs import blobs_for
from newswire.store import open_store
from tests.api.test_media_api import GONE, PICTURE, path, picture, problem
from tests.api.test_media_front import full_and_teaser, place_of
from tests.helpers import Server, retry_until, services

SECRET = "front-secret-51d0"
HEADERS = ("content-type", "etag", "cache-control", "content-disposition", "vary",
           "x-content-type-options")
"""The node's headers a download through the front carries as the node sends them."""


@dataclass
class Front:
    nginx: Nginx
    node: Server
    keys: dict[str, str]
    files: dict[str, bytes]
    db: str

    def get(self, where: str, key: str | None = None, *, node: bool = False,
            **headers: str) -> httpx.Response:
        """``GET where`` through nginx (or from the node itself) with ``key``."""
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        port = self.node.port if node else self.nginx.port
        return httpx.get(f"http://127.0.0.1:{port}{where}", headers=headers, timeout=30)


@pytest.fixture(scope="module")
def front() -> Iterator[Front]:
    """A node on an SQLite store whose blobs are files (the folder nginx sends from), with
    the front's secret, and nginx running the shipped front before it."""
    services("front")
    # Not pytest's own temporary folders: nginx's workers (nobody, when the tests run as
    # root) must get into the blob folder, and pytest's base folder lets only its owner in.
    with tempfile.TemporaryDirectory(prefix="newswire-front-") as tmp:
        work = Path(tmp)
        db = f"sqlite:///{work / 'front.db'}"
        keys = full_and_teaser(db)
        store, blobs = open_store(db), blobs_for(db)
        try:
            item, files = picture(PICTURE, blobs)
            store.append(item)
            store.append(picture(GONE, blobs)[0])
            root = blobs.root
        finally:
            blobs.close()
            store.close()
        node = Server(db, env={"NEWSWIRE_MEDIA_FRONT": SECRET})
        try:
            config = front_config(work / "nginx", root, node.port, SECRET)
            nginx = Nginx(root, work / "nginx", core=None, config=config)
            try:
                yield Front(nginx, node, keys, files, db)
            finally:
                nginx.close()
        finally:
            node.close()


def answered_by_the_node(front: Front) -> int:
    """How many requests the node has answered, but its /metrics (``newswire_http_requests``)."""
    text = httpx.get(f"{front.node.url}/metrics", timeout=30).text
    return int(sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "newswire_http_requests_total" and "metrics" not in sample.labels["route"]
    ))


def sent_as_the_node_sends(front: Front, where: str, key: str, **headers: str) -> httpx.Response:
    """The download through the front, checked against the node's own answer to it."""
    got = front.get(where, key, **headers)
    theirs = front.get(where, key, node=True, **headers)
    assert got.status_code == theirs.status_code, got.text
    assert got.content == theirs.content
    for header in (*HEADERS, "content-range"):
        assert got.headers.get(header) == theirs.headers.get(header), header
    assert "last-modified" not in got.headers and "x-newswire-file" not in got.headers
    assert got.headers["x-request-id"]
    return got


def test_a_full_key_gets_every_file_with_the_nodes_headers(front):
    for name in ("original", "web", "preview", "thumbnail"):
        for _ in range(2):  # asked, then from nginx's memory of the yes
            got = sent_as_the_node_sends(front, path(name), front.keys["full"])
            assert got.status_code == 200 and got.content == front.files[name]
            assert got.headers["etag"] == f'"{place_of(front.files[name]).rsplit("/", 1)[1]}"'
            assert got.headers["vary"] == "Authorization"
    # The latest version's address, and HEAD: the headers alone.
    latest = f"/v1/items/{PICTURE}/renditions/preview"
    assert front.get(latest, front.keys["full"]).content == front.files["preview"]
    head = httpx.head(f"http://127.0.0.1:{front.nginx.port}{path('web')}",
                      headers={"Authorization": f"Bearer {front.keys['full']}"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(front.files["web"]))


def test_nginx_sends_the_files_a_node_said_yes_to(front):
    """A yes is kept: of downloads made one after the other, only those after it expires
    (1 s) are asked of the node again, so the node answers fewer than were made; they
    went to a node each, when the Lua could not read the file's place."""
    for name in ("thumbnail", "web"):
        before = answered_by_the_node(front)
        for _ in range(10):
            assert front.get(path(name), front.keys["full"]).content == front.files[name]
        assert answered_by_the_node(front) - before < 10


def test_downloads_arriving_together_ask_the_node_once(front):
    """The first downloads of a request line and key wait for one question to the node
    (a range not asked before: a key no yes is kept under)."""
    many, ready = 16, threading.Barrier(16)
    got: list[httpx.Response] = []

    def download() -> None:
        ready.wait(10)
        got.append(front.get(path("web"), front.keys["full"], Range="bytes=7-1006"))

    before = answered_by_the_node(front)
    threads = [threading.Thread(target=download) for _ in range(many)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [r.status_code for r in got] == [206] * many
    assert all(r.content == front.files["web"][7:1007] for r in got)
    assert answered_by_the_node(front) - before == 1


def test_refusals_are_the_nodes_with_its_problem_body(front):
    for _ in range(2):  # a refusal is never kept: the node answers each
        problem(front.get(path("original"), front.keys["teaser"]), 403, "name")
        problem(front.get(path("original")), 401, "Authorization")
        problem(front.get(path("original"), "nw_nobody12345_" + "x" * 43), 401, "Authorization")
    refused = front.get(path("original"))
    assert refused.headers["www-authenticate"] == front.get(path("original"), node=True).headers["www-authenticate"]
    assert front.get(path("preview"), front.keys["teaser"]).content == front.files["preview"]
    problem(front.get(path("original", "urn:test:front:none"), front.keys["full"]), 404, "id")


def test_a_range_is_sent_by_nginx_and_one_past_the_end_refused_by_the_node(front):
    data = front.files["web"]
    got = sent_as_the_node_sends(front, path("web"), front.keys["full"], Range="bytes=100-199")
    assert got.status_code == 206 and got.content == data[100:200]
    assert got.headers["content-range"] == f"bytes 100-199/{len(data)}"
    tail = sent_as_the_node_sends(front, path("web"), front.keys["full"], Range="bytes=-10")
    assert tail.status_code == 206 and tail.content == data[-10:]
    past = front.get(path("web"), front.keys["full"], Range=f"bytes={len(data) + 5}-")
    assert past.status_code == 416 and past.headers["content-type"] == "application/problem+json"
    assert past.headers["content-range"] == f"bytes */{len(data)}"


def test_a_conditional_download_or_another_method_is_the_nodes_to_answer(front):
    etag = front.get(path("preview"), front.keys["full"]).headers["etag"]
    same = front.get(path("preview"), front.keys["full"], **{"If-None-Match": etag})
    assert same.status_code == 304 and same.headers["etag"] == etag
    other = front.get(path("preview"), front.keys["full"], **{"If-None-Match": '"another"'})
    assert other.status_code == 200 and other.content == front.files["preview"]
    auth = {"Authorization": f"Bearer {front.keys['full']}"}
    posted, theirs = (
        httpx.post(f"http://127.0.0.1:{port}{path('preview')}", headers=auth, content=b"x")
        for port in (front.nginx.port, front.node.port)
    )
    assert posted.status_code == theirs.status_code == 405
    assert posted.headers["content-type"] == theirs.headers["content-type"]
    assert posted.content == theirs.content


def test_a_clients_front_and_file_headers_are_not_honoured_nor_leaked(front):
    asks = {"X-Newswire-Front": SECRET}
    # Passed to a node (a conditional download), a client's secret would turn the download
    # into the decision, an empty 200 naming the file: the front drops it.
    got = front.get(path("web"), front.keys["full"], **asks, **{"If-None-Match": '"x"'})
    assert got.status_code == 200 and got.content == front.files["web"]
    assert "x-newswire-file" not in got.headers
    problem(front.get(path("original"), front.keys["teaser"], **asks), 403, "name")
    # A file named by the client is not the one sent: the teaser key's preview is.
    named = {"X-Newswire-File": place_of(front.files["original"])}
    for _ in range(2):
        got = front.get(path("preview"), front.keys["teaser"], **named)
        assert got.content == front.files["preview"] and "x-newswire-file" not in got.headers
        problem(front.get(path("original"), front.keys["teaser"], **named), 403, "name")


def test_a_withdrawn_items_files_are_refused_once_the_yes_kept_expires(front):
    where = path("web", GONE)
    got = front.get(where, front.keys["full"])
    assert got.status_code == 200 and got.content == front.files["web"]
    store = open_store(front.db)
    try:
        store.withdraw(GONE, "the wrong picture")
    finally:
        store.close()

    def refused() -> httpx.Response | None:
        got = front.get(where, front.keys["full"])
        return got if got.status_code == 404 else None

    # The yes nginx keeps lasts 1 s; then the node is asked again, and refuses.
    problem(retry_until(refused, "the front to refuse the withdrawn item's file", timeout=15), 404, "id")
    problem(front.get(where, front.keys["full"]), 404, "id")

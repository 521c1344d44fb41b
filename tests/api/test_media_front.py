"""The nginx front's question about a rendition download (``newswire.api.front``), asked as
nginx asks it (``X-Newswire-Front`` with the ``media_front`` secret), over real HTTP, on
each store backend: the answer names the file nginx may send, or refuses as the download
would; nothing a client sends picks the file, and without the setting nothing changes.

nginx itself is not needed here: bench/media_http.py runs the shipped front and checks it
before measuring it."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta

import httpx
import pytest

from newswire.access import signing
from newswire.blobs import blobs_for
from newswire.model import utcnow
from newswire.store import open_store
from tests.api.test_media_api import GONE, PICTURE, get, jpeg, path, picture, problem
from tests.helpers import Server, make_key, set_up

SECRET = "front-secret-7c1e"
HELD = "urn:test:front:held"
ASK = {"X-Newswire-Front": SECRET}


def full_and_teaser(db: str) -> dict[str, str]:
    """A subscriber with full access to Arabic items and one with teaser access, and a
    key of each (by the subscriber's name)."""
    set_up(
        db,
        ("product", "add", "ar-full", "--access", "full", "--lang", "ar"),
        ("product", "add", "ar-teaser", "--access", "teaser", "--lang", "ar"),
        ("subscriber", "add", "full", "--product", "ar-full"),
        ("subscriber", "add", "teaser", "--product", "ar-teaser"),
    )
    return {name: make_key(db, "--subscriber", name) for name in ("full", "teaser")}


@pytest.fixture(scope="module")
def front(module_store_url, module_backend):
    """(a node with ``media_front`` set, one without, keys, the picture's files, the
    link secret, the backend's name)."""
    db = module_store_url
    keys = full_and_teaser(db)
    store, blobs = open_store(db), blobs_for(db)
    try:
        item, files = picture(PICTURE, blobs)
        store.append(item)
        store.append(picture(HELD, blobs, embargo_until=utcnow() + timedelta(days=1))[0])
        store.append(picture(GONE, blobs)[0])
        store.withdraw(GONE, "the wrong picture")
        secret = store.coordination.secret(signing.SECRET_NAME)
    finally:
        blobs.close()
        store.close()
    fronted = Server(db, env={"NEWSWIRE_MEDIA_FRONT": SECRET})
    plain = Server(db)
    try:
        yield fronted, plain, keys, files, secret, module_backend
    finally:
        fronted.close()
        plain.close()


def place_of(data: bytes) -> str:
    """Where a file store keeps these bytes (``newswire.blobs.files``), worked out here."""
    key = hashlib.sha256(data).hexdigest()
    return f"{key[:2]}/{key[2:4]}/{key}"


def allowed(answer: httpx.Response, data: bytes, backend: str) -> None:
    """The front's yes for the file ``data``: no body, the file's place when blobs are files."""
    assert answer.status_code == 200, answer.text
    assert answer.content == b""
    assert answer.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    if backend == "sqlite":
        assert answer.headers["x-newswire-file"] == place_of(data)
    else:  # large objects: no file for nginx to send, the node sends it
        assert "x-newswire-file" not in answer.headers


def test_a_full_key_is_told_the_originals_place_and_the_downloads_headers(front):
    fronted, _, keys, files, _, backend = front
    for where in (path("original"), f"/v1/items/{PICTURE}/renditions/original"):
        download = get(fronted, where, keys["full"])
        for _ in range(2):  # the second time from the memory of the fast path
            assert get(fronted, where, keys["full"]).content == files["original"]
        answer = get(fronted, where, keys["full"], **ASK)
        allowed(answer, files["original"], backend)
        for header in ("etag", "cache-control", "content-type", "content-disposition",
                       "x-content-type-options", "vary"):
            assert answer.headers[header] == download.headers[header], header


@pytest.mark.any_store  # only a file store has files to name (PostgreSQL's: ``allowed``)
def test_the_place_named_is_the_file_of_the_rendition(front, module_store_url):
    fronted, _, keys, files, _, backend = front
    assert backend == "sqlite"
    root = blobs_for(module_store_url)
    try:
        for name in ("original", "preview"):
            told = get(fronted, path(name), keys["full"], **ASK).headers["x-newswire-file"]
            assert (root.root / told).read_bytes() == files[name]
    finally:
        root.close()


def test_refusals_are_the_downloads_refusals(front):
    fronted, _, keys, files, _, backend = front
    problem(get(fronted, path("original"), keys["teaser"], **ASK), 403, "name")
    allowed(get(fronted, path("preview"), keys["teaser"], **ASK), files["preview"], backend)
    problem(get(fronted, path("original"), **ASK), 401, "Authorization")
    problem(get(fronted, path("original"), "nw_nobody12345_" + "x" * 43, **ASK), 401, "Authorization")
    for item_id in (HELD, GONE):
        problem(get(fronted, path("original", item_id), keys["full"], **ASK), 404, "id")
        latest = f"/v1/items/{item_id}/renditions/preview"
        problem(get(fronted, latest, keys["full"], **ASK), 404, "id")


def test_a_signed_link_is_decided_as_it_is_opened(front):
    fronted, _, keys, files, secret, backend = front
    key_id = keys["full"].split("_")[1]
    fresh = signing.sign(secret, path("original"), key_id, ttl=60)
    allowed(get(fronted, f"{path('original')}?{fresh}", **ASK), files["original"], backend)
    expired = signing.sign(secret, path("original"), key_id, ttl=60, now=time.time() - 120)
    problem(get(fronted, f"{path('original')}?{expired}", **ASK), 403, "expires")
    public = signing.sign(secret, path("original"), signing.PUBLIC, ttl=60)
    problem(get(fronted, f"{path('original')}?{public}", **ASK), 403, "name")


def test_a_client_sent_file_header_does_not_choose_the_file(front):
    fronted, _, keys, files, _, backend = front
    other = {"X-Newswire-File": place_of(files["original"])}
    preview = get(fronted, path("preview"), keys["teaser"], **ASK, **other)
    allowed(preview, files["preview"], backend)  # the preview's place, not the one sent
    problem(get(fronted, path("original"), keys["teaser"], **ASK, **other), 403, "name")
    # Sent without the front's secret, the header is nothing: the preview's bytes.
    sent = get(fronted, path("preview"), keys["teaser"], **other)
    assert sent.content == files["preview"] and "x-newswire-file" not in sent.headers


def test_without_the_setting_or_its_secret_a_download_is_a_download(front):
    fronted, plain, keys, files, _, _ = front
    for server, asked in ((plain, ASK), (fronted, {"X-Newswire-Front": "a-guess"}),
                          (fronted, {"X-Newswire-Front": ""})):
        for _ in range(2):
            got = get(server, path("web"), keys["full"], **asked)
            assert got.status_code == 200 and got.content == files["web"]
            assert "x-newswire-file" not in got.headers


def test_a_file_missing_from_the_store_is_not_named(front, module_store_url):
    """A stored item naming a blob that is gone (a restore that lost files): a 404 as the
    download would get, never a place for nginx to look in."""
    fronted, _, keys, _, _, backend = front
    store, blobs = open_store(module_store_url), blobs_for(module_store_url)
    try:
        item, _ = picture("urn:test:front:lost", blobs)
        lost = next(r for r in item.renditions if r.name == "original")
        lost.blob = hashlib.sha256(jpeg(3, 3, 1)).hexdigest()  # never put
        store.append(item)
    finally:
        blobs.close()
        store.close()
    got = get(fronted, path("original", "urn:test:front:lost"), keys["full"], **ASK)
    assert "x-newswire-file" not in got.headers
    if backend == "sqlite":
        problem(got, 404, "blob")
    else:  # no place is named for large objects: nginx asks the node for the download
        assert got.status_code == 200


def test_a_range_past_the_end_is_refused_as_the_download_would_be(front):
    """nginx passes the download's ``Range`` on: one past the end gets the node's 416
    problem, never nginx's own page; one inside the file is a yes like any other."""
    fronted, _, keys, files, _, backend = front
    size = len(files["original"])
    for asked in (ASK, {}):
        past = get(fronted, path("original"), keys["full"], Range=f"bytes={size}-", **asked)
        problem(past, 416, "Range")
        assert past.headers["content-range"] == f"bytes */{size}"
    allowed(get(fronted, path("original"), keys["full"], Range="bytes=10-", **ASK),
            files["original"], backend)

"""The blob store contract (``newswire.blobs.Blobs``), on every backend: files beside the
SQLite database, large objects in the PostgreSQL one."""

from __future__ import annotations

import hashlib
import os
import threading

import pytest

from newswire.blobs import CHUNK, open_blobs
from newswire.errors import BadInput, NotFound
from tests.conftest import fresh_database
from tests.helpers import query

BIG = os.urandom(2 * CHUNK + 12345)
"""More than two pieces: puts and reads cross the boundaries of ``CHUNK``."""


@pytest.fixture
def blobs(store_url):
    b = open_blobs(store_url)
    yield b
    b.close()


def test_put_returns_the_sha256_of_the_bytes_and_stores_them_once(blobs):
    key = blobs.put(b"hello")
    assert key == hashlib.sha256(b"hello").hexdigest()
    assert blobs.put(b"hello") == key
    assert blobs.exists(key)
    assert blobs.size(key) == 5
    assert blobs.read(key) == b"hello"


def test_a_file_is_read_in_pieces_and_keyed_by_its_content(blobs, tmp_path):
    source = tmp_path / "video.bin"
    source.write_bytes(BIG)
    key = blobs.put(source)
    assert key == hashlib.sha256(BIG).hexdigest()
    assert blobs.put(BIG) == key  # the same bytes, given as bytes
    assert blobs.size(key) == len(BIG)
    assert blobs.read(key) == BIG
    pieces = list(blobs.chunks(key))
    assert b"".join(pieces) == BIG
    assert max(len(p) for p in pieces) <= CHUNK


def test_an_empty_blob_is_a_blob(blobs):
    key = blobs.put(b"")
    assert key == hashlib.sha256(b"").hexdigest()
    assert blobs.size(key) == 0
    assert blobs.read(key) == b""


@pytest.mark.parametrize(
    ("start", "end"),
    [(0, 10), (5, None), (CHUNK - 3, CHUNK + 3), (len(BIG) - 1, len(BIG)),
     (len(BIG) - 5, len(BIG) + 100), (len(BIG) + 10, None), (7, 7), (10, 3)],
)
def test_a_range_is_read_as_a_slice_of_the_blob(blobs, start, end):
    key = blobs.put(BIG)
    assert blobs.read(key, start, end) == BIG[start:end]
    assert b"".join(blobs.chunks(key, start, end)) == BIG[start:end]


def test_a_negative_range_is_bad_input(blobs):
    key = blobs.put(b"abc")
    with pytest.raises(BadInput) as refused:
        blobs.read(key, -1)
    assert refused.value.field == "range"


@pytest.mark.parametrize(
    "key", [hashlib.sha256(b"never put").hexdigest(), "../../etc/passwd", "ABCDEF", ""]
)
def test_a_key_that_names_nothing_stored_is_not_found(blobs, key):
    assert not blobs.exists(key)
    for call in (blobs.size, blobs.read, blobs.path, lambda k: list(blobs.chunks(k))):
        with pytest.raises(NotFound) as missing:
            call(key)
        assert missing.value.field == "blob"


def test_what_one_opener_puts_another_reads(store_url):
    first, second = open_blobs(store_url), open_blobs(store_url)
    try:
        key = first.put(b"shared between nodes")
        assert second.read(key) == b"shared between nodes"
    finally:
        first.close()
        second.close()


def test_putting_the_same_bytes_at_once_stores_them_once(blobs, store_url):
    keys: list[str] = []
    others = [open_blobs(store_url) for _ in range(4)]
    try:
        threads = [threading.Thread(target=lambda b=b: keys.append(b.put(BIG))) for b in others]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for b in others:
            b.close()
    assert len(set(keys)) == 1 and len(keys) == 4
    assert blobs.read(keys[0]) == BIG


def test_files_sit_beside_the_database_and_nothing_half_written_is_left(tmp_path):
    blobs = open_blobs(f"sqlite:///{tmp_path / 'test.db'}")
    key = blobs.put(BIG)
    path = blobs.path(key)
    assert path == tmp_path / "test.db.blobs" / key[:2] / key[2:4] / key
    assert path.read_bytes() == BIG
    assert list((tmp_path / "test.db.blobs" / "tmp").iterdir()) == []


def test_large_objects_are_in_the_stores_database_with_no_local_path(postgres_server, tmp_path):
    with fresh_database("postgres", tmp_path) as url:
        blobs = open_blobs(url)
        try:
            key = blobs.put(b"x")
            assert blobs.path(key) is None
            assert query(url, "SELECT size FROM blobs WHERE key = ?", (key,)) == [(1,)]
        finally:
            blobs.close()


def test_a_folder_url_keeps_blobs_there(tmp_path):
    blobs = open_blobs(f"file://{tmp_path / 'shared'}")
    key = blobs.put(b"abc")
    assert (tmp_path / "shared" / key[:2] / key[2:4] / key).read_bytes() == b"abc"


@pytest.mark.parametrize("url", ["sqlite:///:memory:", "s3://bucket", "nothing"])
def test_a_url_without_a_place_for_blobs_is_bad_input(url):
    with pytest.raises(BadInput) as refused:
        open_blobs(url)
    assert refused.value.field == "blobs"

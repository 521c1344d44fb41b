"""The blob store contract (``newswire.blobs.Blobs``), on every backend: files beside the
SQLite database, large objects in the PostgreSQL one."""

from __future__ import annotations

import hashlib
import os
import threading
from datetime import UTC, datetime, timedelta

import pytest

from newswire.blobs import CHUNK, open_blobs
from newswire.errors import BadInput, NotFound
from tests.conftest import fresh_database
from tests.helpers import newswire_here, query

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


@pytest.mark.parametrize("url", ["file://srv/newswire/blobs", "file://blobs"])
def test_a_file_url_with_two_slashes_names_a_host_and_is_refused(url, tmp_path):
    """``file://srv/newswire/blobs`` is the host ``srv`` and the folder ``/newswire/blobs``:
    the blobs went there, a folder made at the root, and the server started all the
    same. Refused, with the URL that names the folder meant; ``newswire settings`` says
    so too, before the server starts."""
    with pytest.raises(BadInput) as refused:
        open_blobs(url)
    assert refused.value.field == "blobs"
    assert "file:///" + url.removeprefix("file://") in refused.value.detail
    result = newswire_here("settings", env={"NEWSWIRE_BLOBS": url})
    assert result.returncode == 2 and b"three slashes" in result.stderr, result.stderr
    blobs = open_blobs(f"file://localhost{tmp_path / 'here'}")  # RFC 8089's own host
    assert blobs.path(blobs.put(b"abc")).is_relative_to(tmp_path / "here")


@pytest.mark.parametrize("url", ["sqlite:///:memory:", "s3://bucket", "nothing"])
def test_a_url_without_a_place_for_blobs_is_bad_input(url):
    with pytest.raises(BadInput) as refused:
        open_blobs(url)
    assert refused.value.field == "blobs"


def age(blobs, store_url: str, key: str, days: float = 2) -> None:
    """Make the blob ``key`` look last put ``days`` ago (as the backend keeps its time)."""
    then = datetime.now(UTC) - timedelta(days=days)
    if blobs.path(key) is not None:
        os.utime(blobs.path(key), (then.timestamp(), then.timestamp()))
    else:
        import psycopg

        with psycopg.connect(store_url) as conn:
            conn.execute(
                "UPDATE blobs SET created_at = %s WHERE key = %s", (then.isoformat(), key)
            )


def test_pieces_are_a_blob_like_the_bytes_they_make(blobs):
    pieces = [BIG[:CHUNK], BIG[CHUNK : CHUNK + 7], BIG[CHUNK + 7 :]]
    key = blobs.put(iter(pieces))
    assert key == hashlib.sha256(BIG).hexdigest()
    assert blobs.read(key) == BIG
    assert blobs.put(iter(pieces)) == key  # stored once


def test_keys_lists_every_blob_and_before_only_those_last_put_before(blobs, store_url):
    old, new = blobs.put(b"old"), blobs.put(b"new")
    age(blobs, store_url, old)
    now = datetime.now(UTC)
    assert set(blobs.keys()) == {old, new}
    assert set(blobs.keys(now + timedelta(days=1))) == {old, new}
    assert set(blobs.keys(now - timedelta(days=1))) == {old}
    assert set(blobs.keys(now - timedelta(days=3))) == set()


def test_a_deleted_blob_is_gone_and_deleting_it_again_says_so(blobs, store_url):
    key, other = blobs.put(b"to go"), blobs.put(b"to stay")
    assert blobs.delete(key)
    assert not blobs.exists(key)
    with pytest.raises(NotFound):
        blobs.read(key)
    assert not blobs.delete(key)
    assert set(blobs.keys()) == {other} and blobs.read(other) == b"to stay"
    assert blobs.put(b"to go") == key and blobs.read(key) == b"to go"  # put again: back
    empty = blobs.put(b"")
    assert blobs.delete(empty) and not blobs.exists(empty)
    with pytest.raises(NotFound) as bad:
        blobs.delete("../../etc/passwd")
    assert bad.value.field == "blob"


def test_a_delete_before_a_time_spares_a_blob_put_again_since(blobs, store_url):
    """The sweep's guard: a file ingested again renews its blob, which the sweep then
    keeps however old it first was."""
    key = blobs.put(BIG)
    age(blobs, store_url, key)
    limit = datetime.now(UTC) - timedelta(days=1)
    assert key in set(blobs.keys(limit))
    assert blobs.put(BIG) == key  # put again: its time is now
    assert key not in set(blobs.keys(limit))
    assert not blobs.delete(key, limit)
    assert blobs.read(key) == BIG
    age(blobs, store_url, key)
    assert blobs.delete(key, limit)
    assert not blobs.exists(key)

"""A put racing a delete of the same blob, the interleaving forced: the delete (the
sweep's, of a blob last put before its limit) is stopped at the step that removes the
blob, and a put of the same bytes runs to its end right there, on another opener (another
node). Whatever the order, a put that returned leaves its blob stored; a delete that
checks a blob's time and then removes it, with room for a put in between, loses it, which
the test shows it would catch. On every backend."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from newswire.blobs import Blobs, open_blobs
from tests.blobs.test_contract import BIG, age
from tests.helpers import retry_until

FILE_STEPS = ("rename", "replace", "unlink", "remove")
"""What a files delete may remove a blob's name with (``Path``'s methods call these)."""


@pytest.fixture
def blobs(store_url):
    b = open_blobs(store_url)
    yield b
    b.close()


def _locked_out(store_url: str) -> bool:
    """Whether a session of the store's database waits for a lock (a put waiting for the
    row a delete holds). A files store has no such lock: False."""
    if not store_url.startswith("postgres"):
        return False
    with psycopg.connect(store_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return bool(row and row[0])


@contextmanager
def paused_at_removal(
    monkeypatch: pytest.MonkeyPatch, key: str, moment: str, meanwhile: Callable[[], None]
) -> Iterator[list[str]]:
    """In this thread, the first step that removes the blob ``key`` (a files backend's
    rename, unlink or replace of its file; a PostgreSQL ``DELETE`` or ``lo_unlink``) runs
    ``meanwhile()`` just ``before`` it, or just ``after`` it. Yields the steps seen."""
    deleter = threading.current_thread()
    seen: list[str] = []

    def at(step: str, run: Callable[[], Any]) -> Any:
        if threading.current_thread() is not deleter or seen:
            return run()
        seen.append(step)
        if moment == "before":
            meanwhile()
            return run()
        done = run()
        meanwhile()
        return done

    for name in FILE_STEPS:
        real = getattr(os, name)

        def wrapped(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            if key not in str(args[0]):
                return _real(*args, **kwargs)
            return at(f"os.{_name}", lambda: _real(*args, **kwargs))

        monkeypatch.setattr(os, name, wrapped)

    execute = psycopg.Connection.execute

    def wrapped_execute(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        text = str(query).strip().upper()
        if not (text.startswith("DELETE") or "LO_UNLINK" in text):
            return execute(self, query, *args, **kwargs)
        return at(text.split()[0], lambda: execute(self, query, *args, **kwargs))

    monkeypatch.setattr(psycopg.Connection, "execute", wrapped_execute)
    yield seen


def race(
    blobs: Blobs, store_url: str, monkeypatch: pytest.MonkeyPatch, moment: str,
    delete: Callable[[str, datetime], bool],
) -> tuple[bool, str]:
    """A blob put two days ago, deleted as a sweep with a day's grace would, while another
    node puts the same bytes at ``moment`` of the delete's removal. The delete's answer
    and the key the put returned."""
    key = blobs.put(BIG)
    age(blobs, store_url, key)
    limit = datetime.now(UTC) - timedelta(days=1)
    other = open_blobs(store_url)
    put: list[str] = []
    putter = threading.Thread(target=lambda: put.append(other.put(BIG)))

    def put_meanwhile() -> None:
        putter.start()
        # The put runs to its end, or until it waits for a lock the delete holds (then it
        # ends once the delete's transaction does).
        retry_until(lambda: not putter.is_alive() or _locked_out(store_url),
                    "the put to end or to wait for the delete")

    try:
        with paused_at_removal(monkeypatch, key, moment, put_meanwhile) as seen:
            deleted = delete(key, limit)
        assert seen, "the delete removed nothing: the race was not run"
        putter.join()
    finally:
        other.close()
    assert put == [key]
    return deleted, key


@pytest.mark.parametrize("moment", ["before", "after"])
def test_a_put_racing_a_delete_keeps_its_blob(blobs, store_url, monkeypatch, moment):
    """Put just before the removal: the put renewed the blob, which the delete keeps (or
    puts back). Put just after it: the put found nothing and stored the bytes again."""
    deleted, key = race(blobs, store_url, monkeypatch, moment, blobs.delete)
    assert blobs.exists(key) and blobs.read(key) == BIG
    assert set(blobs.keys()) == {key}
    if moment == "before":
        assert not deleted  # put again after the limit: not removed
    # A later sweep still sees the blob young: it was put within the grace.
    assert key not in set(blobs.keys(datetime.now(UTC) - timedelta(days=1)))


def racy_delete(blobs: Blobs, store_url: str) -> Callable[[str, datetime], bool]:
    """A delete that reads the blob's time, then removes it: what the contract forbids."""
    if not store_url.startswith("postgres"):

        def delete_file(key: str, before: datetime) -> bool:
            file = blobs.path(key)
            assert file is not None
            if file.stat().st_mtime >= before.timestamp():
                return False
            file.unlink()
            return True

        return delete_file

    def delete_row(key: str, before: datetime) -> bool:
        with psycopg.connect(store_url) as conn, conn.transaction():
            row = conn.execute(
                "SELECT oid FROM blobs WHERE key = %s AND created_at < %s",
                (key, before.isoformat()),
            ).fetchone()
            if row is None:
                return False
            conn.execute("DELETE FROM blobs WHERE key = %s", (key,))
            conn.execute("SELECT lo_unlink(%s)", (row[0],))
        return True

    return delete_row


def test_the_race_is_real_a_check_then_remove_delete_loses_the_blob(
    blobs, store_url, monkeypatch
):
    """The same interleaving against a delete with room between its check and its
    removal: the put returns its key and the blob is gone. (What the test above would
    catch.)"""
    deleted, key = race(blobs, store_url, monkeypatch, "before", racy_delete(blobs, store_url))
    assert deleted and not blobs.exists(key)


def test_a_touch_landing_after_a_delete_read_the_time_stores_the_bytes_again(
    tmp_path, monkeypatch
):
    """Files: a put of stored bytes touches the file by its name; the touch may find the
    file, then land on it after a delete has moved it away, read its (old) time and
    removed it. The put must not return on that touch alone."""
    blobs = open_blobs(f"sqlite:///{tmp_path / 'test.db'}")
    key = blobs.put(BIG)
    age(blobs, f"sqlite:///{tmp_path / 'test.db'}", key)
    limit = datetime.now(UTC) - timedelta(days=1)
    putter = threading.current_thread()
    real_utime = os.utime
    deleted: list[bool] = []

    def utime(path: Any, *args: Any, **kwargs: Any) -> None:
        if threading.current_thread() is not putter or key not in str(path) or deleted:
            return real_utime(path, *args, **kwargs)
        fd = os.open(path, os.O_RDONLY)  # the touch has found the file...
        try:
            deleter = threading.Thread(target=lambda: deleted.append(blobs.delete(key, limit)))
            deleter.start()
            deleter.join()  # ...a whole delete runs...
            return real_utime(fd)  # ...and the touch lands on the file it found
        finally:
            os.close(fd)

    monkeypatch.setattr(os, "utime", utime)
    assert blobs.put(BIG) == key
    assert deleted == [True]
    assert blobs.read(key) == BIG

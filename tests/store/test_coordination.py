"""What processes sharing a store coordinate through: the watch, the access generation,
shared token buckets. Several connections to one file stand for several
processes (and one test uses real processes)."""

from __future__ import annotations

import contextlib
import multiprocessing
import sqlite3

import psycopg
import pytest

from newswire.access.accounts import LoginLimiter
from newswire.model import NewsItem
from newswire.store import open_store
from newswire.store.migrations import SQLITE_MIGRATIONS
from newswire.store.migrations import migrate as migrate_sqlite
from newswire.store.postgres.migrations import POSTGRES_MIGRATIONS
from newswire.store.postgres.migrations import migrate as migrate_postgres
from tests.helpers import query, retry_until


def simple_item(item_id: str) -> NewsItem:
    return NewsItem(id=item_id, language="ar", headline="خبر", body=["فقرة."])


@pytest.fixture
def other(store, store_url):
    """A second connection to the same store: another process, as far as SQLite knows."""
    s = open_store(store_url)
    yield s
    s.close()


def test_the_watch_sees_what_other_connections_commit(store, other):
    watch = store.watch()
    try:
        assert not watch.changed()
        other.append(simple_item("urn:test:watch:1"))
        # A server's notification reaches the watch a moment after the commit returns.
        retry_until(watch.changed, "the watch to see another connection's commit")
        assert not watch.changed()  # told once
        store.append(simple_item("urn:test:watch:2"))  # its own store's writes too
        retry_until(watch.changed, "the watch to see its own store's commit")
    finally:
        watch.close()


def test_tokens_are_never_given_twice_and_refill_with_time(store, other):
    a, b = store.coordination, other.coordination
    now = 1_000_000.0
    got = [a.take_tokens("s", 6, 4, now).granted, b.take_tokens("s", 6, 4, now).granted]
    assert got == [4, 2]
    refused = a.take_tokens("s", 6, 1, now)
    assert refused.granted == 0 and refused.wait == pytest.approx(10.0)  # 6 a minute
    assert b.take_tokens("s", 6, 1, now + 10).granted == 1
    assert b.take_tokens("s", 6, 100, now + 3600).granted == 6  # never more than a minute's
    assert a.take_tokens("other", 6, 2, now).granted == 2  # buckets are per name


def _take_all(url: str, rounds: int, queue) -> None:
    store = open_store(url)
    granted = sum(store.coordination.take_tokens("shared", 50, 3).granted for _ in range(rounds))
    store.close()
    queue.put(granted)


def test_processes_taking_at_once_share_one_bucket(store_url, store):
    """Three processes race for a bucket of 50: together they get exactly 50."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_take_all, args=(store_url, 40, queue)) for _ in range(3)]
    for p in procs:
        p.start()
    totals = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(60)
    # 50 in the bucket, a token per 1.2 s refilled while they ran: at least 50, and only
    # what the clock added beyond it.
    assert 50 <= sum(totals) <= 50 + 5


def test_asking_writes_nothing_and_buckets_full_again_are_removed(store, other, store_url):
    """A bucket not found is a full one: asking (no token wanted) makes no row and
    changes none, and the rows of buckets full again are removed, by batches, while a
    bucket still short of tokens stays and still refuses."""
    a, b = store.coordination, other.coordination
    now = 1_000_000.0
    assert a.take_tokens("asked", 6, 0, now).wait <= 0
    assert query(store_url, "SELECT who FROM rate_buckets") == []
    for n in range(5):
        b.take_tokens(f"once {n}", 6, 1, now)  # full again at now + 10 (6 a minute)
    b.take_tokens("hourly", 6, 1, now, period=3600)  # 6 an hour: full again at now + 600
    a.take_tokens("emptied", 6, 6, now + 9)  # full again at now + 69
    assert a.take_tokens("emptied", 6, 0, now + 14).wait == pytest.approx(5.0)
    assert query(store_url, "SELECT at FROM rate_buckets WHERE who = 'emptied'") == [(now + 9,)]
    assert a.forget_full_buckets(now + 9.5) == 0
    assert [b.forget_full_buckets(now + 10, limit=2) for _ in range(4)] == [2, 2, 1, 0]
    assert a.take_tokens("emptied", 6, 1, now + 14) == (0, pytest.approx(5.0))  # kept
    assert a.forget_full_buckets(now + 68) == 0
    assert a.forget_full_buckets(now + 599) == 1
    assert query(store_url, "SELECT who FROM rate_buckets") == [("hourly",)]
    assert b.forget_full_buckets(now + 600) == 1
    assert query(store_url, "SELECT who FROM rate_buckets") == []


def _older_buckets(url: str, rows: list[tuple[str, float, float]]) -> None:
    """A store of the schema before buckets' ``full_at``, holding buckets ``rows``."""
    insert = "INSERT INTO rate_buckets (who, tokens, at) VALUES (?, ?, ?)"
    if url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as db:
            migrate_sqlite(db, SQLITE_MIGRATIONS, upto=15)
            with db:
                db.executemany(insert, rows)
        return
    with psycopg.connect(url, autocommit=True) as conn:
        migrate_postgres(conn, POSTGRES_MIGRATIONS, upto=13)
        conn.cursor().executemany(insert.replace("?", "%s"), rows)


def test_buckets_of_an_older_release_are_kept_and_removed_once_full(store_url):
    """The buckets written before ``full_at`` are brought to it: an API bucket is full
    within a minute of its last write, a login bucket within its 15 minutes, whose clock,
    15 times slower then, is the wall clock now: a lockout running at the upgrade goes on."""
    now = 1_800_000_000.0
    bucket = LoginLimiter(None)._bucket  # the name of a key's bucket, as the limiter writes it
    rows = [("subscriber", 0.0, now), (bucket("locked"), 0.0, now / 15), (bucket("old"), 5.0, 1.0)]
    _older_buckets(store_url, rows)
    store = open_store(store_url)
    try:
        limiter = LoginLimiter(store.coordination)
        assert limiter.wait(["locked"], now) == 91  # 10 in 15 minutes: one every 90 s
        assert store.coordination.forget_full_buckets(now + 59) == 1  # the old one
        assert store.coordination.forget_full_buckets(now + 60) == 1  # the API's
        assert limiter.wait(["locked"], now + 89) > 0
        assert limiter.wait(["locked"], now + 90) == 0
        assert store.coordination.forget_full_buckets(now + 899) == 0
        assert store.coordination.forget_full_buckets(now + 900) == 1
    finally:
        store.close()

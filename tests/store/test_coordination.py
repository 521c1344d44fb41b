"""What processes sharing a store coordinate through: the watch, the access generation,
shared token buckets. Several connections to one file stand for several
processes (and one test uses real processes)."""

from __future__ import annotations

import multiprocessing

import pytest

from newswire.model import NewsItem
from newswire.store import open_store
from tests.helpers import retry_until


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

"""The postgres store's sequence is commit-ordered: a reader following ``changes(cursor)``
never sees N+1 before N, and never skips an N that committed late.

Writers on PostgreSQL run at once (several threads, processes, nodes), unlike SQLite's one
writer at a time. Each takes its numbers from the one-row ``log_sequence`` last in its
transaction and holds the row until it commits, so the next writer is numbered only once
the previous one is visible. These tests hold a writer open between its numbering and its
commit, and race many writers and two lifters against a follower.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import psycopg
import pytest

from newswire.model import NewsItem, utcnow
from newswire.store import open_store
from tests.helpers import retry_until


@pytest.fixture
def store_backend(postgres_server) -> str:
    """Postgres alone: these are its specifics."""
    return "postgres"

NOW = utcnow().replace(microsecond=0)


def item(uri: str, headline: str = "خبر", **fields) -> NewsItem:
    return NewsItem(id=uri, language="ar", headline=headline, body=["فقرة."], **fields)


class Follower(threading.Thread):
    """Follows the log as a subscriber does: ``changes(cursor)``, the cursor moved to the
    last entry read. What it saw is what a subscriber would have received: an entry
    committed behind its cursor would be missed for ever."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.store = open_store(url)
        self.seen: list[tuple[int, str, str]] = []  # (seq, kind, item id)
        self.done = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        cursor = 0
        try:
            while True:
                finished = self.done.is_set()  # before the read: then one last full read
                page = self.store.changes(cursor, 500)
                self.seen += [(c.seq, c.kind, c.item.id) for c in page]
                cursor = page[-1].seq if page else cursor
                if finished and not page:
                    return
        except BaseException as exc:
            self.error = exc
        finally:
            self.store.close()

    def finish(self) -> list[tuple[int, str, str]]:
        self.done.set()
        self.join(60)
        assert not self.is_alive() and self.error is None, self.error
        return self.seen


def waiting_for_a_lock(url: str) -> int:
    """How many sessions of this database wait for a lock another one holds."""
    with psycopg.connect(url, autocommit=True) as conn:
        (n,) = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return n


def test_a_writer_numbered_later_commits_after_the_earlier_one(store, store_url):
    """A is numbered and holds its transaction open; B, appending meanwhile, waits for A:
    B cannot be numbered, let alone committed, before A. A reader sees neither until A
    commits, then A, then B: never B alone, which would move its cursor past A."""
    follower = Follower(store_url)
    follower.start()
    first, second = open_store(store_url), open_store(store_url)
    numbered, release = threading.Event(), threading.Event()

    def hold(receipts) -> None:
        numbered.set()
        assert release.wait(60)

    first._before_commit = hold
    receipts: dict[str, object] = {}
    a = threading.Thread(target=lambda: receipts.update(a=first.append(item("urn:seq:a"))))
    b = threading.Thread(target=lambda: receipts.update(b=second.append(item("urn:seq:b"))))
    try:
        a.start()
        assert numbered.wait(60)  # A has its number and its row, not yet committed
        b.start()
        retry_until(lambda: waiting_for_a_lock(store_url) == 1, "B to wait for A's counter")
        assert b.is_alive() and "b" not in receipts
        assert store.changes(0, 10) == [] and store.last_seq() == 0
        release.set()
        a.join(60)
        b.join(60)
        assert receipts["a"].seq == 1 and receipts["b"].seq == 2
        assert [(c.seq, c.item.id) for c in store.changes(0, 10)] == [
            (1, "urn:seq:a"),
            (2, "urn:seq:b"),
        ]
    finally:
        release.set()
        first.close()
        second.close()
    assert [seq for seq, _, _ in follower.finish()] == [1, 2]


def test_a_writer_that_rolls_back_gives_its_numbers_back(store, store_url):
    """A writer that fails after taking its numbers leaves no gap: the next one gets them."""
    failing = open_store(store_url)

    def fail(receipts) -> None:
        raise RuntimeError("the writer fails after numbering")

    failing._before_commit = fail
    try:
        with pytest.raises(RuntimeError):
            failing.append(item("urn:seq:lost"))
        assert store.last_seq() == 0
        assert store.append(item("urn:seq:kept")).seq == 1
        # The failed writer's connection was rolled back, not left inside its transaction:
        # the same store writes again, and what it writes is seen.
        failing._before_commit = None
        assert failing.append(item("urn:seq:again")).seq == 2
        assert [s.item.id for s in store.since(0)] == ["urn:seq:kept", "urn:seq:again"]
    finally:
        failing.close()


def test_many_writers_and_two_lifters_never_make_a_follower_miss_an_entry(store, store_url):
    """Eight writer threads on two stores (two nodes), appending new items, batches, the
    same item concurrently (duplicates), versions of one shared item, and items under
    embargo, while two lifters (two nodes) lift embargoes and a follower reads the log.
    The follower sees every entry once, in sequence order, with no gap."""
    nodes = [open_store(store_url), open_store(store_url)]
    lifter_stores = [open_store(store_url), open_store(store_url)]
    follower = Follower(store_url)
    follower.start()
    barrier = threading.Barrier(8 + 2)
    writers_done = threading.Event()
    receipts: list = []
    lifted: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def writer(k: int) -> None:
        node = nodes[k % 2]
        mine = []
        try:
            barrier.wait(60)
            for n in range(12):
                mine.append(node.append(item(f"urn:many:{k}:{n}")))
                mine.append(node.append(item(f"urn:same:{n}")))  # every writer: one stored
                mine.append(node.append(item("urn:shared", headline=f"{k}-{n}")))
                if n % 3 == 0:
                    mine += node.append_many(
                        [item(f"urn:batch:{k}:{n}:{m}") for m in range(4)]
                        + [item(f"urn:batch:{k}:{n}:0")]  # a duplicate inside the batch
                    )
                if n % 4 == 0:
                    held = item(f"urn:held:{k}:{n}", embargo_until=NOW + timedelta(hours=1))
                    mine.append(node.append(held))
        except BaseException as exc:
            errors.append(exc)
        with lock:
            receipts.extend(mine)

    def lifter(store) -> None:
        try:
            barrier.wait(60)
            while True:
                finished = writers_done.is_set()
                lifts = store.lift_due(NOW + timedelta(hours=2))
                with lock:
                    lifted.extend(c.seq for c in lifts)
                if finished:
                    return
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    lifters = [threading.Thread(target=lifter, args=(s,)) for s in lifter_stores]
    try:
        for t in threads + lifters:
            t.start()
        for t in threads:
            t.join(300)
        writers_done.set()
        for t in lifters:
            t.join(300)
    finally:
        for s in nodes + lifter_stores:
            s.close()
    assert errors == []
    seen = follower.finish()
    created = sorted(r.seq for r in receipts if r.created)
    everything = sorted(created + lifted)
    # Every entry once, in order, no gap: exactly what was stored and lifted.
    assert [seq for seq, _, _ in seen] == list(range(1, len(seen) + 1)) == everything
    assert store.last_seq() == len(seen)
    # The duplicate rule held across writers: each same item stored once, all told so.
    for n in range(12):
        same = [r for r in receipts if r.id == f"urn:same:{n}"]
        assert len(same) == 8 and sum(r.created for r in same) == 1
        assert {(r.version, r.seq) for r in same} == {(1, same[0].seq)}
    # Concurrent versions of one item: numbered 1..96, each replacing the one before.
    shared = store.versions("urn:shared")
    assert [v.item.version for v in shared] == list(range(1, 8 * 12 + 1))
    assert [v.item.replaces for v in shared] == [None, *range(1, 8 * 12)]
    # Each embargo lifted once, by one lifter or the other, after its version.
    lifts = [(seq, uri) for seq, kind, uri in seen if kind == "embargo-lift"]
    held = {r.id: r.seq for r in receipts if r.id.startswith("urn:held:")}
    assert sorted(uri for _, uri in lifts) == sorted(held)
    assert all(seq > held[uri] for seq, uri in lifts)

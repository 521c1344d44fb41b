"""Each noun of the store's contract (``store.products``, ``store.keys`` ...), on every
backend: what tests/store/test_access.py and test_coordination.py hold the stores to, and
the rest of each noun's contract."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import msgspec
import psycopg
import pytest

from newswire.access.accounts import Account, Session, Topic, hash_token, new_session
from newswire.access.keys import ApiKey, hash_key, new_key
from newswire.access.products import Product
from newswire.access.subscribers import Subscriber
from newswire.errors import Conflict, NotFound
from newswire.model import NewsItem, utcnow
from newswire.store import open_store
from newswire.store.base import ACCESS, LOG, SECRET_BYTES
from newswire.store.migrations import SQLITE_MIGRATIONS
from newswire.store.migrations import migrate as migrate_sqlite
from newswire.store.postgres.migrations import POSTGRES_MIGRATIONS
from newswire.store.postgres.migrations import migrate as migrate_postgres
from newswire.store.webhooks import Advance, Outgoing, now, stamp
from tests.helpers import everything_stored, retry_until

T0 = datetime(2030, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def other(store, store_url):
    """A second store on the same database: another process or node."""
    s = open_store(store_url)
    yield s
    s.close()


@pytest.fixture
def daily(store):
    """A product ``p`` and its subscriber ``daily``."""
    store.products.add(Product(name="p", access="full"))
    return store.subscribers.add(Subscriber(name="daily", products=["p"]))


def item(uri: str) -> NewsItem:
    return NewsItem(id=uri, language="ar", headline="خبر", body=["فقرة."])


# --- products, subscribers, keys ------------------------------------------------------


def test_products_add_list_get_remove(store):
    store.products.add(Product(name="arabic-full", access="full", languages=["ar"]))
    store.products.add(Product(name="Sport", access="teaser", subjects=["medtop:15000000"]))
    store.products.add(Product(name="arabic", access="full"))
    # Names in code point order, whatever the server's locale (as SQLite lists them).
    assert [p.name for p in store.products.list()] == ["Sport", "arabic", "arabic-full"]
    assert store.products.get("Sport").subjects == ["medtop:15000000"]
    with pytest.raises(Conflict):
        store.products.add(Product(name="Sport", access="full"))
    store.products.remove("Sport")
    with pytest.raises(NotFound):
        store.products.get("Sport")
    with pytest.raises(NotFound):
        store.products.remove("Sport")


def test_a_product_in_use_cannot_be_removed(store, daily):
    with pytest.raises(Conflict, match="daily"):
        store.products.remove("p")
    assert store.products.get("p").name == "p"


def test_subscribers_need_existing_products_and_unique_names(store):
    store.products.add(Product(name="p", access="full"))
    with pytest.raises(NotFound, match="nothing"):
        store.subscribers.add(Subscriber(name="daily", products=["p", "nothing"]))
    assert store.subscribers.list() == []
    added = store.subscribers.add(Subscriber(name="daily", products=["p", "p"]))
    assert added.created_at is not None
    with pytest.raises(Conflict):
        store.subscribers.add(Subscriber(name="daily", products=["p"]))
    assert store.subscribers.get("daily").products == ["p", "p"]


def test_a_product_and_a_subscriber_s_products_are_changed_in_place(store, daily):
    _, key_id, key_hash = new_key()
    store.keys.add(ApiKey(id=key_id, scope="read", subscriber="daily"), key_hash)
    store.subscribers.set_status("daily", "suspended")
    store.products.replace(Product(name="p", access="teaser", languages=["ar"]))
    assert store.products.get("p") == Product(name="p", access="teaser", languages=["ar"])
    with pytest.raises(NotFound, match="nothing"):
        store.products.replace(Product(name="nothing", access="full"))
    assert [p.name for p in store.products.list()] == ["p"]

    store.products.add(Product(name="q", access="full"))
    with pytest.raises(NotFound, match="ghost"):
        store.subscribers.change(Subscriber(name="daily", products=["q", "ghost"]))
    assert store.subscribers.get("daily").products == ["p"]  # nothing of it stored
    changed = store.subscribers.change(
        Subscriber(name="daily", products=["q"], formats=["ninjs"], rate_limit=50)
    )
    assert changed == store.subscribers.get("daily")
    assert changed.products == ["q"] and changed.formats == ["ninjs"] and changed.rate_limit == 50
    assert changed.status == "suspended" and changed.created_at == daily.created_at
    assert store.keys.get(key_id).active  # its keys stay
    store.products.remove("p")  # no longer in use
    with pytest.raises(Conflict, match="daily"):
        store.products.remove("q")
    with pytest.raises(NotFound, match="nobody"):
        store.subscribers.change(Subscriber(name="nobody", products=["q"]))


def test_suspend_and_activate(store, daily):
    assert store.subscribers.set_status("daily", "suspended").status == "suspended"
    assert store.subscribers.get("daily").status == "suspended"
    assert store.subscribers.set_status("daily", "active").status == "active"
    with pytest.raises(NotFound):
        store.subscribers.set_status("nobody", "active")


def test_keys_are_found_by_hash_only_and_revocable(store, daily):
    key, key_id, key_hash = new_key()
    store.keys.add(ApiKey(id=key_id, scope="read", subscriber="daily"), key_hash)
    found = store.keys.by_hash(hash_key(key))
    assert found is not None and found.id == key_id and found.active
    assert store.keys.by_hash(hash_key(key + "x")) is None
    assert [k.id for k in store.keys.list(subscriber="daily")] == [key_id]
    revoked = store.keys.revoke(key_id).revoked_at
    assert revoked is not None
    assert store.keys.revoke(key_id).revoked_at == revoked  # revoked once
    assert not store.keys.by_hash(key_hash).active
    with pytest.raises(NotFound):
        store.keys.add(ApiKey(id="x", scope="read", subscriber="nobody"), "h")


def test_the_secret_is_never_stored(store, store_url):
    key, key_id, key_hash = new_key()
    store.keys.add(ApiKey(id=key_id, scope="publish", name="desk"), key_hash)
    secret = key.split("_", 2)[2]
    dump = everything_stored(store_url)
    assert secret not in dump and key_hash in dump


def test_a_key_s_last_use_is_recorded(store):
    ids = []
    for name in ("a", "b"):
        _, key_id, key_hash = new_key()
        store.keys.add(ApiKey(id=key_id, scope="publish", name=name), key_hash)
        ids.append(key_id)
    store.keys.touch(ids[0], T0)
    assert store.keys.get(ids[0]).last_used_at == T0
    store.keys.touch_many([(ids[0], T0 + timedelta(minutes=1)), (ids[1], T0)])
    assert [store.keys.get(i).last_used_at for i in ids] == [T0 + timedelta(minutes=1), T0]
    assert {k.id for k in store.keys.list()} == set(ids)


def test_removing_a_subscriber_revokes_its_keys(store, daily):
    _, key_id, key_hash = new_key()
    store.keys.add(ApiKey(id=key_id, scope="read", subscriber="daily"), key_hash)
    assert store.subscribers.remove("daily") == 1
    assert store.keys.get(key_id).revoked_at is not None
    with pytest.raises(NotFound):
        store.subscribers.get("daily")


# --- usage ----------------------------------------------------------------------------


def test_usage_adds_up_and_is_reported_by_subscriber_and_days(store):
    store.usage.add([("2030-03-01", "daily", "feed", "p", 3), ("2030-03-02", "daily", "feed", "p", 1)])
    store.usage.add([("2030-03-01", "daily", "feed", "p", 2), ("2030-03-01", "other", "ws", "", 7)])
    store.usage.add([])
    assert store.usage.report() == [
        ("2030-03-01", "daily", "feed", "p", 5),
        ("2030-03-01", "other", "ws", "", 7),
        ("2030-03-02", "daily", "feed", "p", 1),
    ]
    assert store.usage.report(subscriber="daily", since="2030-03-02") == [
        ("2030-03-02", "daily", "feed", "p", 1)
    ]
    assert store.usage.report(until="2030-03-01", subscriber="other") == [
        ("2030-03-01", "other", "ws", "", 7)
    ]


# --- accounts, sessions, topics ---------------------------------------------------------


def reader(store, n: int = 1) -> Account:
    return store.accounts.add(
        Account(id=f"acc{n}", email=f"r{n}@daily.example", subscriber="daily", portal_admin=True),
        f"hash{n}",
    )


def test_accounts_add_get_list_remove(store, daily):
    added = reader(store)
    editor = store.accounts.add(Account(id="ed", email="e@agency.example", scope="publish"), "h")
    assert added.created_at is not None
    assert store.accounts.get("acc1").portal_admin is True
    account, password = store.accounts.by_email("r1@daily.example")
    assert (account.id, password) == ("acc1", "hash1")
    assert store.accounts.by_email("nobody@daily.example") is None
    assert [a.id for a in store.accounts.list()] == ["ed", "acc1"]  # by email
    assert [a.id for a in store.accounts.list(subscriber="daily")] == ["acc1"]
    assert editor.subscriber == "" and store.accounts.get("ed").subscriber == ""
    with pytest.raises(Conflict):
        store.accounts.add(Account(id="other", email="r1@daily.example", subscriber="daily"), "h")
    with pytest.raises(NotFound):
        store.accounts.add(Account(id="x", email="x@x.example", subscriber="nobody"), "h")
    store.accounts.remove("acc1")
    with pytest.raises(NotFound):
        store.accounts.get("acc1")


def test_sessions_are_found_by_hash_or_id_and_end_with_their_account(store, daily):
    reader(store)
    token, session = new_session("acc1", T0)
    store.sessions.add(session, hash_token(token))
    found, account = store.sessions.by_hash(hash_token(token))
    assert found == session and account.id == "acc1"
    assert account.last_login_at == T0
    assert store.sessions.by_id(session.id)[0] == session
    store.sessions.touch(session.id, T0 + timedelta(hours=1))
    assert store.sessions.by_id(session.id)[0].last_seen_at == T0 + timedelta(hours=1)
    # A new password ends the account's sessions.
    assert store.accounts.set_password("acc1", "new hash") == 1
    assert store.sessions.by_hash(hash_token(token)) is None
    assert store.accounts.by_email("r1@daily.example")[1] == "new hash"
    token, session = new_session("acc1", T0)
    store.sessions.add(session, hash_token(token))
    store.sessions.remove(session.id)
    assert store.sessions.by_id(session.id) is None


def test_a_new_session_drops_the_expired_ones(store, daily):
    reader(store)
    old = Session(
        id="old", account="acc1", csrf="c", created_at=T0 - timedelta(days=8),
        last_seen_at=T0 - timedelta(hours=1), expires_at=T0 - timedelta(seconds=1),
    )
    idle = Session(
        id="idle", account="acc1", csrf="c", created_at=T0 - timedelta(days=1),
        last_seen_at=T0 - timedelta(hours=13), expires_at=T0 + timedelta(days=6),
    )
    for s in (old, idle):
        store.sessions.add(s, f"hash-{s.id}")
    token, fresh = new_session("acc1", T0)
    store.sessions.add(fresh, hash_token(token))
    assert store.sessions.by_id("old") is None and store.sessions.by_id("idle") is None
    assert store.sessions.by_id(fresh.id) is not None


def test_topics_belong_to_their_account(store, daily):
    reader(store, 1)
    reader(store, 2)
    store.topics.add(Topic(id="t2", account="acc1", name="sport", query="كرة"))
    added = store.topics.add(Topic(id="t1", account="acc1", name="economy", query="نفط", lang="ar"))
    assert added.created_at is not None
    assert [t.id for t in store.topics.list("acc1")] == ["t1", "t2"]  # by name
    assert store.topics.list("acc1")[0].lang == "ar"
    with pytest.raises(Conflict):
        store.topics.add(Topic(id="t3", account="acc1", name="sport", query="x"))
    with pytest.raises(NotFound):
        store.topics.remove("acc2", "t1")  # not its topic
    store.topics.remove("acc1", "t1")
    assert [t.id for t in store.topics.list("acc1")] == ["t2"]
    store.accounts.remove("acc1")
    assert store.topics.list("acc1") == []


# --- search documents -------------------------------------------------------------------


def test_search_documents_are_kept_by_recipe_and_forgotten(store):
    store.search_documents.keep("r1", [(1, b"one"), (2, b"two")])
    store.search_documents.keep("r2", [(1, b"other")])
    store.search_documents.keep("r1", [(2, b"two again")])
    store.search_documents.keep("r1", [])
    assert store.search_documents.get([1, 2, 3], "r1") == {1: b"one", 2: b"two again"}
    assert store.search_documents.get([], "r1") == {}
    assert store.search_documents.kept("r1") == {1, 2}
    store.search_documents.forget([1])
    assert store.search_documents.kept("r1") == {2} and store.search_documents.kept("r2") == set()


# --- coordination ------------------------------------------------------------------------


def test_a_secret_is_made_once_and_the_same_for_every_process(store, store_url):
    """Every opener asking at once gets the one value the first made, and keeps getting
    it; another name is another secret."""
    openers = [open_store(store_url) for _ in range(4)]
    try:
        got: list[bytes] = []
        start = threading.Barrier(len(openers))

        def ask(s) -> None:
            start.wait()
            got.append(s.coordination.secret("signed-urls"))

        threads = [threading.Thread(target=ask, args=(s,)) for s in openers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(got) == 4 and len(set(got)) == 1
        assert len(got[0]) == SECRET_BYTES
        assert store.coordination.secret("signed-urls") == got[0]
        assert store.coordination.secret("other") not in (got[0], b"")
    finally:
        for s in openers:
            s.close()
    reopened = open_store(store_url)
    try:
        assert reopened.coordination.secret("signed-urls") == got[0]
    finally:
        reopened.close()


def test_the_access_generation_moves_on_every_change_of_who_may_do_what(store, other):
    seen = [store.coordination.generation()]

    def moved() -> bool:
        now = store.coordination.generation()
        changed = now != seen[-1]
        seen.append(now)
        return changed

    other.products.add(Product(name="p", access="full"))
    assert moved()
    other.subscribers.add(Subscriber(name="daily", products=["p"]))
    assert moved()
    _, key_id, key_hash = new_key()
    other.keys.add(ApiKey(id=key_id, scope="read", subscriber="daily"), key_hash)
    assert moved()
    # Bookkeeping is not a change of access: a key's last use, usage counts, items, a
    # new session and its touch, an account's last login.
    other.keys.touch(key_id, utcnow())
    other.keys.touch_many([(key_id, utcnow() + timedelta(minutes=1))])
    other.usage.add([("2026-12-04", "daily", "feed", "p", 3)])
    other.append(item("urn:test:generation"))
    other.accounts.add(Account(id="a", email="a@daily.example", subscriber="daily"), "h")
    token, session = new_session("a")
    other.sessions.add(session, hash_token(token))
    other.sessions.touch(session.id, utcnow())
    assert not moved()
    other.products.replace(Product(name="p", access="teaser"))
    assert moved()
    other.subscribers.change(Subscriber(name="daily", products=["p"], rate_limit=5))
    assert moved()
    other.subscribers.set_status("daily", "suspended")
    assert moved()
    other.subscribers.set_status("daily", "active")
    assert moved()
    other.keys.revoke(key_id)
    assert moved()
    other.sessions.remove(session.id)
    assert moved()
    other.accounts.set_password("a", "h2")
    assert moved()
    other.accounts.remove("a")
    assert moved()
    other.subscribers.remove("daily")
    assert moved()
    other.products.remove("p")
    assert moved()
    assert seen == sorted(seen)  # never back


def test_the_watch_sees_log_entries_and_access_changes_not_bookkeeping(store, other):
    watch = store.watch()
    try:
        assert not watch.changed()
        other.products.add(Product(name="p", access="full"))
        assert ACCESS in retry_until(watch.changed, "the watch to see the access generation move")
        other.append(item("urn:test:watch"))
        assert LOG in retry_until(watch.changed, "the watch to see a log entry")
        other.lift_due()  # nothing to lift: nothing written
        other.usage.add([("2026-12-04", "daily", "feed", "p", 3)])
        # Announced only by its absence: a sentinel commit after the bookkeeping is told
        # alone, so the bookkeeping before it announced nothing.
        other.append(item("urn:test:sentinel"))
        retry_until(watch.changed, "the sentinel")
        assert not watch.changed()
    finally:
        watch.close()


def test_tokens_taken_at_once_by_many_threads_are_never_given_twice(store, other):
    barrier = threading.Barrier(8)
    granted: list[int] = []
    now = 1_000_000.0

    def take(coordination) -> None:
        barrier.wait(30)
        got = sum(coordination.take_tokens("s", 60, 1, now).granted for _ in range(10))
        granted.append(got)

    threads = [
        threading.Thread(target=take, args=((store, other)[k % 2].coordination,))
        for k in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(granted) == 60  # the bucket's 60, to the token, across both "processes"


# --- webhooks ----------------------------------------------------------------------------


def outgoing(seq: int, priority: int = 1) -> Outgoing:
    return Outgoing(seq, f"urn:w:{seq}", 1, "item", "full", "p", priority)


@pytest.fixture
def hook(store, daily):
    store.append(item("urn:before"))  # before the endpoint: not for it
    return store.webhooks.add("daily", "https://receiver.example/hook", "secret", "ninjs")


def test_an_endpoint_starts_at_the_end_of_the_log(store, hook):
    assert hook.cursor == store.last_seq() == 1
    assert hook.id.startswith("wh_") and hook.created_at is not None
    assert store.webhooks.get(hook.id) == hook
    assert store.webhooks.list() == store.webhooks.list("daily") == store.webhooks.active()
    assert store.webhooks.list("nobody") == []
    with pytest.raises(NotFound):
        store.webhooks.add("nobody", "https://x.example", "s", "ninjs")
    store.webhooks.remove(hook.id)
    with pytest.raises(NotFound):
        store.webhooks.remove(hook.id)
    with pytest.raises(NotFound):
        store.webhooks.get(hook.id)


def test_two_nodes_advancing_one_endpoint_enqueue_once(store, other, hook):
    move = Advance(hook.id, 1, 3, [outgoing(2), outgoing(3, priority=0)])
    assert store.webhooks.advance([move]) == {hook.id: 2}
    assert other.webhooks.advance([move]) == {}  # the cursor moved: left alone
    assert store.webhooks.get(hook.id).cursor == 3
    # Even a cursor moved back by hand enqueues nothing twice (one delivery per entry).
    assert other.webhooks.advance([Advance(hook.id, 3, 3, [outgoing(3)])]) == {hook.id: 1}
    assert len(store.webhooks.deliveries(webhook=hook.id)) == 2
    assert store.webhooks.due(now()) == {hook.id}
    assert store.webhooks.due(datetime(2000, 1, 1, tzinfo=UTC)) == set()


def test_the_backlog_counts_pending_deliveries_and_the_first_due(store, hook):
    assert store.webhooks.backlog() == (0, None)
    store.webhooks.advance([Advance(hook.id, 1, 3, [outgoing(2), outgoing(3)])])
    count, first = store.webhooks.backlog()
    assert count == 2 and first is not None and first <= now()
    head = store.webhooks.head(hook.id).delivery
    assert store.webhooks.claim(head, now(), now())
    assert store.webhooks.succeeded(head.id, 1, 200, now())
    assert store.webhooks.backlog()[0] == 1  # delivered: no longer waiting


def test_a_gone_endpoint_is_disabled_keeps_its_delivery_and_is_enabled_again(
    store, other, hook
):
    """A 410 disables the endpoint with the attempt recorded and the delivery still
    pending: nothing is sent (``head``, ``claim``), enqueued or moved (``advance``,
    ``active``) until it is enabled; then the delivery is first, with a fresh window."""
    assert hook.active and hook.disabled_at is None and hook.disabled_reason is None
    store.webhooks.advance([Advance(hook.id, 1, 3, [outgoing(2), outgoing(3)])])
    head = store.webhooks.head(hook.id).delivery
    lease = now() + timedelta(seconds=30)
    assert store.webhooks.claim(head, now(), lease)
    at = now()
    assert store.webhooks.disable(hook.id, head.id, 1, 410, "HTTP 410: " + "gone " * 100, at)
    assert not other.webhooks.disable(hook.id, head.id, 1, 410, "HTTP 410: again", now())
    gone = store.webhooks.get(hook.id)
    assert (gone.active, gone.disabled_status) == (False, 410)
    assert gone.disabled_at is not None and stamp(gone.disabled_at) == stamp(at)
    assert gone.disabled_reason is not None and gone.disabled_reason.startswith("HTTP 410: gone")
    assert len(gone.disabled_reason) == 200  # what the receiver said, cut short
    kept = store.webhooks.delivery(head.id)
    assert (kept.status, kept.attempts, kept.last_status) == ("pending", 1, 410)
    assert kept.first_attempt_at is None and kept.next_attempt_at <= now()
    assert store.webhooks.active() == [] and store.webhooks.list() == [gone]
    assert store.webhooks.head(hook.id) is None
    assert not other.webhooks.claim(kept, now(), lease)  # another node's sender: nothing
    assert store.webhooks.advance([Advance(hook.id, 3, 5, [outgoing(4), outgoing(5)])]) == {}
    assert store.webhooks.get(hook.id).cursor == 3
    # Its deliveries wait for it, and are not overdue while nobody is to send them,
    # nor due for a sender's poll.
    assert store.webhooks.backlog() == (2, None)
    assert store.webhooks.due(now()) == set()

    again = other.webhooks.enable(hook.id)
    assert again == store.webhooks.get(hook.id)
    assert (again.active, again.disabled_at, again.disabled_status) == (True, None, None)
    assert again.disabled_reason is None and again.cursor == 3
    assert store.webhooks.active() == [again]
    assert store.webhooks.enable(hook.id) == again  # active already: as it was
    due = min(d.next_attempt_at for d in store.webhooks.deliveries(webhook=hook.id))
    assert store.webhooks.backlog() == (2, due)
    assert store.webhooks.due(now()) == {hook.id}
    first = store.webhooks.head(hook.id).delivery
    assert first.id == head.id and store.webhooks.claim(first, now(), lease)
    assert store.webhooks.delivery(head.id).first_attempt_at is not None  # a new window
    assert store.webhooks.advance([Advance(hook.id, 3, 4, [outgoing(4)])]) == {hook.id: 1}
    with pytest.raises(NotFound):
        store.webhooks.enable("wh_nothing")


def test_an_endpoint_of_an_older_release_is_active_and_can_be_disabled(make_store_url):
    """The migration that keeps when and why an endpoint was disabled (SQLite 20,
    PostgreSQL 17) keeps the endpoints there were, active and sent to."""
    url = make_store_url()
    rows = [
        ("INSERT INTO subscribers (name, status, data) VALUES (?, 'active', ?)",
         ("daily", msgspec.json.encode(Subscriber(name="daily", products=[])))),
        ("INSERT INTO webhooks (id, subscriber, url, secret, format, cursor, created_at)"
         " VALUES ('wh_0123456789abcdef', 'daily', 'https://x.example/in', 's', 'ninjs', 7,"
         " '2026-01-01T00:00:00.000Z')", ()),
    ]  # fmt: skip
    if url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as db:
            migrate_sqlite(db, SQLITE_MIGRATIONS, upto=19)
            with db:
                for sql, args in rows:
                    db.execute(sql, args)
    else:
        with psycopg.connect(url, autocommit=True) as conn:
            migrate_postgres(conn, POSTGRES_MIGRATIONS, upto=16)
            for sql, args in rows:
                conn.execute(sql.replace("?", "%s"), args)
    store = open_store(url)
    try:
        (old,) = store.webhooks.active()
        assert (old.id, old.cursor, old.active) == ("wh_0123456789abcdef", 7, True)
        assert (old.disabled_at, old.disabled_status, old.disabled_reason) == (None, None, None)
        assert store.webhooks.disable(old.id, "dl_none", 1, 410, "HTTP 410", now())
        assert store.webhooks.get(old.id).disabled_reason == "HTTP 410"
    finally:
        store.close()


def test_two_nodes_advancing_at_once_enqueue_once(store, other, hook):
    barrier = threading.Barrier(2)
    results: list[dict] = []
    move = Advance(hook.id, 1, 2, [outgoing(2)])

    def advance(s) -> None:
        barrier.wait(30)
        results.append(s.webhooks.advance([move]))

    threads = [threading.Thread(target=advance, args=(s,)) for s in (store, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(map(len, results)) == [0, 1]
    assert len(store.webhooks.deliveries(webhook=hook.id)) == 1


def test_a_delivery_is_claimed_by_one_node_and_its_outcome_written_once(store, other, hook):
    store.webhooks.advance([Advance(hook.id, 1, 3, [outgoing(2), outgoing(3, priority=0)])])
    head = store.webhooks.head(hook.id)
    assert head.delivery.seq == 3  # flash first among the waiting
    assert (head.url, head.secret, head.format) == (hook.url, "secret", "ninjs")
    at = utcnow()
    lease = at + timedelta(seconds=30)
    assert store.webhooks.claim(head.delivery, at, lease) is True
    assert other.webhooks.claim(head.delivery, at, lease) is False  # taken
    claimed = store.webhooks.delivery(head.delivery.id)
    assert claimed.attempts == 1 and claimed.first_attempt_at is not None
    # An attempt that failed blocks the endpoint: it comes first, before the other.
    retry = at + timedelta(seconds=5)
    assert store.webhooks.failed(claimed.id, 1, 500, "boom", retry) is True
    assert store.webhooks.failed(claimed.id, 2, 500, "not this attempt", retry) is False
    again = store.webhooks.head(hook.id).delivery
    assert again.id == claimed.id and again.last_error == "boom" and again.last_status == 500
    assert other.webhooks.claim(again, retry, retry + timedelta(seconds=30)) is True
    assert store.webhooks.succeeded(again.id, 2, 200, retry) is True
    assert store.webhooks.succeeded(again.id, 2, 200, retry) is False  # once
    done = store.webhooks.delivery(again.id)
    assert (done.status, done.delivered_at, done.last_error) == ("delivered", retry, None)
    assert store.webhooks.head(hook.id).delivery.seq == 2


def test_a_released_claim_and_a_dead_letter_redelivered(store, hook):
    store.webhooks.advance([Advance(hook.id, 1, 2, [outgoing(2)])])
    head = store.webhooks.head(hook.id).delivery
    assert store.webhooks.claim(head, utcnow(), utcnow() + timedelta(seconds=30))
    store.webhooks.release(head.id, 1)
    released = store.webhooks.delivery(head.id)
    assert (released.attempts, released.first_attempt_at) == (0, None)
    assert store.webhooks.claim(released, utcnow(), utcnow() + timedelta(seconds=30))
    assert store.webhooks.failed(head.id, 1, None, "refused", None) is True  # dead letter
    assert store.webhooks.head(hook.id) is None
    [dead] = store.webhooks.deliveries(subscriber="daily", status="failed")
    assert dead.id == head.id and dead.subscriber == "daily"
    redelivered = store.webhooks.redeliver(head.id)
    assert (redelivered.status, redelivered.attempts) == ("pending", 0)
    assert store.webhooks.head(hook.id).delivery.id == head.id
    with pytest.raises(NotFound):
        store.webhooks.redeliver("dl_nothing")
    with pytest.raises(NotFound):
        store.webhooks.delivery("dl_nothing")


def test_an_item_s_deliveries_go_in_order_and_an_older_one_is_superseded(store, other, hook):
    """A flash version waits for the item's earlier one; a version older than one the
    endpoint got is never claimed: it is superseded, redelivered before or after."""
    v1, v2 = (Outgoing(seq, "urn:w:x", seq - 1, "update", "full", "p", 3 - seq) for seq in (2, 3))
    store.webhooks.advance([Advance(hook.id, 1, 4, [v1, v2, outgoing(4, priority=0)])])
    lease = timedelta(seconds=30)
    by_seq = {d.seq: d for d in store.webhooks.deliveries(webhook=hook.id)}
    # v2 is a flash: first among the waiting, were it not for v1 of its item.
    assert other.webhooks.claim(by_seq[3], utcnow(), utcnow() + lease) is False
    for seq in (4, 2):
        head = store.webhooks.head(hook.id).delivery
        assert head.seq == seq
        assert store.webhooks.claim(head, utcnow(), utcnow() + lease)
        assert store.webhooks.succeeded(head.id, 1, 200, utcnow())
    head = store.webhooks.head(hook.id).delivery
    assert head.seq == 3 and store.webhooks.claim(head, utcnow(), utcnow() + lease)
    # v1 redelivered while v2 is being sent (the receiver lost it, says its operator),
    # then v2 delivered: v1 would now overwrite it.
    assert store.webhooks.redeliver(by_seq[2].id).status == "pending"
    assert store.webhooks.succeeded(head.id, 1, 200, utcnow())
    stale = store.webhooks.head(hook.id).delivery
    assert stale.id == by_seq[2].id
    assert other.webhooks.claim(stale, utcnow(), utcnow() + lease) is False
    assert store.webhooks.delivery(stale.id).status == "superseded"
    assert store.webhooks.head(hook.id) is None
    assert [d.id for d in store.webhooks.deliveries(status="superseded")] == [stale.id]
    # Redelivered now, it is superseded at once; v2 and the other item may go again.
    assert store.webhooks.redeliver(stale.id).status == "superseded"
    assert store.webhooks.redeliver(by_seq[4].id).status == "pending"
    assert store.webhooks.redeliver(head.id).status == "pending"


def test_a_purge_removes_finished_deliveries_past_their_age_and_nothing_else(store, hook):
    store.webhooks.advance([Advance(hook.id, 1, 6, [outgoing(s) for s in range(2, 7)])])
    old, young = now() - timedelta(days=40), now() - timedelta(days=2)
    by_seq = {d.seq: d for d in store.webhooks.deliveries(webhook=hook.id)}

    def finish(seq: int, when: datetime, delivered: bool) -> None:
        d = by_seq[seq]
        assert store.webhooks.claim(d, when, when + timedelta(seconds=10))
        if delivered:
            assert store.webhooks.succeeded(d.id, 1, 200, when)
        else:
            assert store.webhooks.failed(d.id, 1, 500, "down", None)  # a dead letter

    finish(2, old, True)
    finish(3, old, False)
    finish(4, young, True)
    finish(5, young, False)
    # 6 stays pending, its first attempt long ago: it is still owed, whatever its age.
    assert store.webhooks.claim(by_seq[6], old, old + timedelta(seconds=10))
    archive = store.count()
    assert store.webhooks.purge(now() - timedelta(days=30)) == 2
    kept = {d.seq: d.status for d in store.webhooks.deliveries(webhook=hook.id)}
    assert kept == {4: "delivered", 5: "failed", 6: "pending"}
    assert store.webhooks.purge(now() - timedelta(days=30)) == 0
    assert store.count() == archive == (1, 1)  # the items and versions are untouched
    assert store.get("urn:before").item.id == "urn:before"

"""``newswire migrate``: a whole deployment into another store, table by table, as it is.

The target is every backend under test (``store_url``); the source is the demo deployment
on SQLite, with what the demo does not make added (an embargo lift, a webhook and its
outbox, usage, a topic)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from newswire.enrich.vocabulary import Vocabulary
from newswire.model import NewsItem, utcnow
from newswire.store import open_store
from newswire.store.threads import Remembered
from newswire.store.transfer import TABLES, copy
from tests import helpers
from tests.helpers import Server, retry_until
from tests.helpers import newswire_here as newswire

SIGNATURE = b"\1" * 256
BASE = "http://newswire.example"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[str, list[str]]:
    """The demo deployment on SQLite, grown by what the demo leaves empty; its keys."""
    url = f"sqlite:///{tmp_path_factory.mktemp('source') / 'demo.db'}"
    made = newswire("demo", "--no-serve", db=url)
    assert made.returncode == 0, made.stderr.decode()
    keys = re.findall(r"nw_[A-Za-z0-9_-]+", (made.stdout + made.stderr).decode())
    assert keys
    store = open_store(url)
    try:
        soon = utcnow() + timedelta(seconds=1)
        store.append(
            NewsItem(
                id="urn:test:held", language="ar", headline="held", body=["نص."], embargo_until=soon
            )
        )
        assert store.lift_due(soon + timedelta(seconds=1))
        store.withdraw("urn:test:held", "wrong")
    finally:
        store.close()
    private = {"NEWSWIRE_WEBHOOK_ALLOW_PRIVATE": "1"}
    added = newswire("webhook", "add", "demo-daily", "http://127.0.0.1:9/hook", db=url, env=private)
    assert added.returncode == 0, added.stderr.decode()
    # A server run makes the outbox (a delivery to a receiver that is down) and usage.
    index = tmp_path_factory.mktemp("index") / "demo.search"
    server = Server(url, env={**private, "NEWSWIRE_SEARCH_INDEX": str(index)})
    try:
        for key in keys:
            with server.client(key) as client:
                client.get("/v1/feed?limit=5")
        store = open_store(url)
        try:
            store.append(NewsItem(id="urn:test:hooked", language="ar", headline="h", body=["نص."]))
            store.threads.remember_many([Remembered("urn:test:hooked", SIGNATURE, [7, 8])])
            store.coordination.secret("signed-urls")
            Vocabulary(store).remove("nwv:hamas")  # an editor's change to the vocabulary
            deliveries = next(t for t in TABLES if t.name == "deliveries")
            retry_until(lambda: store.transfer.count(deliveries) > 0, "a webhook delivery")
        finally:
            store.close()
    finally:
        server.close()  # flushes usage
    return url, keys


@pytest.mark.parametrize("store_backend", ["postgres"], indirect=True)  # SQLite's has none
def test_migrate_prints_no_password(demo, store_url):
    """Its last line named both stores by their URLs, the target's password with it."""
    source_url, _ = demo
    with_password = store_url.replace("postgresql://postgres@", "postgresql://postgres:pw-1234@")
    moved = newswire("migrate", source_url, with_password)
    said = moved.stderr.decode()
    assert moved.returncode == 0, said
    assert "pw-1234" not in said + moved.stdout.decode()
    assert f"to {store_url.replace('postgres@', 'postgres:***@')}\n" in said, said


def rows(store, table) -> list[tuple]:
    return store.transfer.rows(table, None, 1_000_000)


def test_migrate_copies_every_table_as_it_is_and_counts_both_sides(demo, store_url):
    source_url, _ = demo
    moved = newswire("migrate", source_url, store_url)
    assert moved.returncode == 0, moved.stderr.decode()
    source, target = open_store(source_url, create=False), open_store(store_url)
    try:
        empty = {t.name for t in TABLES if not source.transfer.count(t)}
        # the source has something of each but these
        assert empty <= {"sessions", "topics"}, empty
        for table in TABLES:
            assert rows(target, table) == rows(source, table), table.name
        printed = moved.stdout.decode()
        for table in TABLES:
            n = source.transfer.count(table)
            assert re.search(rf"^{table.name}\s+{n}\s+{n}\s+{n}\s*$", printed, re.M), printed
        assert target.changes(0, 10_000) == source.changes(0, 10_000)
        # The copy goes on where the source stopped: the next version gets a new number.
        receipt = target.append(
            NewsItem(id="urn:test:after", language="ar", headline="after", body=["نص."])
        )
        assert receipt.seq == source.last_seq() + 1
        # A signature remembered on the copy gets a number after those copied.
        target.threads.remember_many([Remembered("urn:test:after", SIGNATURE, [8, 9])])
        found = target.threads.candidates([8], exclude="")
        assert sorted(c.id for c in found) == ["urn:test:after", "urn:test:hooked"]
    finally:
        source.close()
        target.close()


def test_every_table_of_the_schema_is_copied_or_said_not_to_be(store_url):
    """A table added to the schema and forgotten in ``TABLES`` would be lost by a move."""
    not_copied = {
        "schema_migrations", "generations", "rate_buckets",
        "counts",  # kept by triggers as the copy writes items and versions
        "embargoes",  # kept by triggers as the copy writes items and lifts
        "sqlite_sequence", "log_sequence",  # each backend's counter, set by the copy
        "blobs",  # PostgreSQL's index of its large objects: blobs move with their store
        # SQLite's first levels of the band rows, read with ``thread_bands`` (through the
        # view of the three) and written into it, and their counts.
        "thread_bands_0", "thread_bands_1", "thread_band_levels",
    }
    store = open_store(store_url)
    store.close()
    if store_url.startswith("sqlite"):
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        query = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    names = {row[0] for row in helpers.query(store_url, query)}
    assert names - not_copied == {t.name for t in TABLES}


def test_an_interrupted_migration_completes_when_run_again_with_no_duplicates(demo, store_url):
    source_url, _ = demo
    source, target = open_store(source_url, create=False), open_store(store_url)
    try:
        seen = {"versions": 0}

        def stop_midway(table, n: int) -> None:
            if table.name == "versions":
                seen["versions"] += n
                if seen["versions"] >= 100:
                    raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            copy(source.transfer, target.transfer, on_rows=stop_midway, batch=50)
        versions = next(t for t in TABLES if t.name == "versions")
        assert 0 < target.transfer.count(versions) < source.transfer.count(versions)
    finally:
        source.close()
        target.close()
    again = newswire("migrate", source_url, store_url)
    assert again.returncode == 0, again.stderr.decode()
    source, target = open_store(source_url, create=False), open_store(store_url)
    try:
        for table in TABLES:
            assert rows(target, table) == rows(source, table), table.name
    finally:
        source.close()
        target.close()


def test_a_target_holding_other_items_is_refused_and_left_alone(demo, store_url):
    source_url, _ = demo
    target = open_store(store_url)
    try:
        target.append(NewsItem(id="urn:test:other", language="ar", headline="other", body=["نص."]))
        before = target.changes(0, 100)
    finally:
        target.close()
    refused = newswire("migrate", source_url, store_url)
    assert refused.returncode == 1
    assert b"already holds other items" in refused.stderr
    # Refused before copying anything: running it again would not complete anything.
    assert b"nothing was copied" in refused.stderr and b"running the command again" not in refused.stderr
    target = open_store(store_url)
    try:
        assert target.changes(0, 100) == before
    finally:
        target.close()


def test_bad_urls_are_usage_errors(demo, tmp_path):
    source_url, _ = demo
    missing = newswire("migrate", f"sqlite:///{tmp_path / 'none.db'}", source_url)
    assert missing.returncode == 2 and b"no database" in missing.stderr
    same = newswire("migrate", source_url, source_url)
    assert same.returncode == 2 and b"same store" in same.stderr
    unknown = newswire("migrate", source_url, "mysql://127.0.0.1/x")
    assert unknown.returncode == 2 and b"unsupported database URL" in unknown.stderr


def test_a_node_serving_the_copy_answers_every_feed_with_the_same_items_and_cursors(
    demo, store_url, tmp_path
):
    source_url, keys = demo
    moved = newswire("migrate", source_url, store_url)
    assert moved.returncode == 0, moved.stderr.decode()
    answers = []
    for url, index in ((source_url, "source.search"), (store_url, "target.search")):
        # One public address for both, as nodes have (docs/deployment.md): links to files
        # start with it, and so the bytes and the ETags naming them are the same.
        env = {"NEWSWIRE_SEARCH_INDEX": str(tmp_path / index), "NEWSWIRE_BASE_URL": BASE}
        server = Server(url, env=env)
        try:
            pages = {}
            for key in keys:
                with server.client(key) as client:
                    for query in ("limit=500", "after=100&limit=50", "format=newsml&limit=20"):
                        r = client.get(f"/v1/feed?{query}")
                        pages[key, query] = (r.status_code, r.headers.get("etag"), r.content)
            answers.append(pages)
        finally:
            server.close()
    assert answers[0] == answers[1]
    assert any(status == 200 for status, _, _ in answers[0].values())


def test_band_rows_in_two_sqlite_levels_are_counted_once(tmp_path):
    """A band row an SQLite source holds in two of its levels (a node of a release before
    them wrote it again during an upgrade: ``newswire.store.sqlite.threads``) is one row,
    copied once and counted once: ``newswire migrate`` fails when the target holds fewer
    rows than the source."""
    source = open_store(f"sqlite:///{tmp_path / 'source.db'}")
    target = open_store(f"sqlite:///{tmp_path / 'target.db'}")
    try:
        source.append(NewsItem(id="urn:test:x", language="ar", headline="x", body=["نص."]))
        source.threads.remember_many([Remembered("urn:test:x", SIGNATURE, [7, 8])])
        source.threads._db.execute("INSERT INTO thread_bands VALUES (7, 1)")
        counts = {c.table: c for c in copy(source.transfer, target.transfer)}
        assert counts["thread_bands"][1:3] == (2, 2)
        bands = next(t for t in TABLES if t.name == "thread_bands")
        assert rows(target, bands) == [(7, 1), (8, 1)]
    finally:
        source.close()
        target.close()

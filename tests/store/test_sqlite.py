"""SQLite specifics: WAL, append-only enforced in the database, migrations."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from newswire.errors import BadInput, Unavailable
from newswire.model import NewsItem
from newswire.store import open_store
from newswire.store.migrations import SQLITE_MIGRATIONS, migrate


def test_wal_mode(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    store.close()
    db = sqlite3.connect(tmp_path / "a.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_versions_cannot_be_updated_or_deleted(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    store.append(NewsItem(id="urn:x:1", headline="h", body=["b"]))
    store.close()
    db = sqlite3.connect(tmp_path / "a.db")
    for sql in ("UPDATE versions SET headline = 'x'", "DELETE FROM versions"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(sql)


def test_a_full_disk_is_a_503_that_says_so_and_writes_nothing(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    store.append(NewsItem(id="urn:x:1", headline="h", body=["b"]))
    db = store._db  # type: ignore[attr-defined]
    # The file may grow no more: SQLite's own "database or disk is full", as on a full disk.
    db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
    with pytest.raises(Unavailable, match="disk holding the database is full"):
        store.append(NewsItem(id="urn:x:2", headline="h", body=["b" * 200_000]))
    assert store.count() == (1, 1)
    store.close()


def test_a_database_of_an_older_schema_opens_and_keeps_its_items(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    assert migrate(db, SQLITE_MIGRATIONS, upto=1) == [1]
    # a version written by the schema-1 release (which had no items table)
    data = (
        b'{"id":"urn:old:1","headline":"old","body":["b"],"versioncreated":"2024-01-01T00:00:00Z"}'
    )
    db.execute(
        "INSERT INTO versions (id, version, fingerprint, stored_at, data)"
        " VALUES ('urn:old:1', 1, 'f', '2024-01-01T00:00:00Z', ?)",
        (data,),
    )
    db.close()
    store = open_store(f"sqlite:///{path}")
    assert store.get("urn:old:1").item.headline == "old"
    assert [s.item.id for s in store.latest()] == ["urn:old:1"]
    receipt = store.append(NewsItem(id="urn:old:1", headline="new", body=["b"]))
    assert (receipt.version, receipt.seq) == (2, 2)
    store.close()
    names = [r[0] for r in sqlite3.connect(path).execute("SELECT number FROM schema_migrations")]
    assert names == [m.number for m in SQLITE_MIGRATIONS]


def test_a_database_of_a_newer_release_is_refused(tmp_path):
    path = tmp_path / "new.db"
    open_store(f"sqlite:///{path}").close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'x')")
    db.commit()
    db.close()
    with pytest.raises(BadInput, match="newer newswire"):
        open_store(f"sqlite:///{path}")


@pytest.mark.parametrize("url", ["postgres-ish://x", "nothing", "sqlite://relative.db"])
def test_bad_database_urls(url):
    with pytest.raises(BadInput):
        open_store(url)


def test_missing_folder(tmp_path):
    with pytest.raises(BadInput, match="does not exist"):
        open_store(f"sqlite:///{tmp_path / 'nope' / 'a.db'}")


def test_a_derived_index_lives_beside_the_database_file(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'news.db'}")
    assert store.index_hint() == tmp_path / "news.db.search"
    store.close()
    memory = open_store("sqlite:///:memory:")
    assert memory.index_hint() is None  # nothing derived outlives an in-memory store
    memory.close()


def test_the_latest_of_a_language_reads_the_index_not_the_archive(tmp_path):
    """A language with few items (the English home page of an Arabic agency) is listed by
    bounded reads of the index, never by a walk down every item until enough turn up."""
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    store.append(NewsItem(id="urn:en:1", language="en", headline="h", body=["b"]))
    store.append(NewsItem(id="urn:en:2", language="en-GB", headline="h", body=["b"]))
    store.append_many(
        NewsItem(id=f"urn:ar:{n}", language="ar", headline="h", body=["b"]) for n in range(50)
    )
    db = store._db  # type: ignore[attr-defined]
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    try:
        assert [s.item.id for s in store.latest(language="EN", limit=5)] == [
            "urn:en:2",
            "urn:en:1",
        ]
    finally:
        db.set_trace_callback(None)
    plans = [
        detail
        for sql in statements
        if sql.lstrip().upper().startswith(("SELECT", "WITH"))
        for *_, detail in db.execute(f"EXPLAIN QUERY PLAN {sql}")
    ]
    assert plans
    scans = [d for d in plans if d.startswith("SCAN") and "tags" not in d]
    assert scans == [], plans
    store.close()


def test_the_counts_of_items_and_versions_are_kept_not_counted(tmp_path):
    """``count()`` (what /ready answers) reads kept numbers, not every item and version,
    and they stay right through new items, new versions, unchanged ones and a restore."""
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    store.append(NewsItem(id="urn:x:1", headline="h", body=["b"]))
    store.append(NewsItem(id="urn:x:1", headline="h2", body=["b"]))
    store.append(NewsItem(id="urn:x:1", headline="h2", body=["b"]))  # unchanged: no version
    store.append_many(NewsItem(id=f"urn:y:{n}", headline="h", body=["b"]) for n in range(3))
    store.withdraw("urn:y:0", "wrong")
    db = store._db  # type: ignore[attr-defined]
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    try:
        assert store.count() == (4, 6)
    finally:
        db.set_trace_callback(None)
    plans = [d for sql in statements for *_, d in db.execute(f"EXPLAIN QUERY PLAN {sql}")]
    assert plans and not [d for d in plans if "items" in d or "versions" in d], plans
    other = open_store(f"sqlite:///{tmp_path / 'b.db'}")
    other.restore(store.export())
    assert other.count() == (4, 6)
    other.close()
    store.close()


def test_buckets_full_again_are_found_by_their_index(tmp_path):
    """Removing the rate buckets full again reads an index, not the whole table: a
    table a flood of made-up logins made big costs the sweep no more than a small one."""
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    for n in range(20):
        store.coordination.take_tokens(f"who {n}", 6, 1, 1_000_000.0 + n)
    db = store._db  # type: ignore[attr-defined]
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    try:
        assert store.coordination.forget_full_buckets(1_000_015.0) == 6
    finally:
        db.set_trace_callback(None)
    sweeping = [sql for sql in statements if "rate_buckets" in sql]
    plans = [d for sql in sweeping for *_, d in db.execute(f"EXPLAIN QUERY PLAN {sql}")]
    assert len(sweeping) == 2 and plans, statements
    assert [d for d in plans if d.startswith("SCAN")] == [], plans
    assert any("rate_buckets_full_at" in d for d in plans), plans
    store.close()


def test_the_next_embargo_reads_the_embargoes_waiting_not_every_one_ever_set(tmp_path):
    """The hub asks for the next embargo twice a second in every process: the store reads
    the small table of embargoes waiting (migration 18), never the index of every embargo
    ever set (``versions_embargo``), which lifted ones stay in for good."""
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    now = datetime.now(UTC)
    store.append_many(
        NewsItem(id=f"urn:e:{n}", headline="h", body=["b"], embargo_until=now + timedelta(hours=1))
        for n in range(20)
    )
    store.lift_due(now + timedelta(hours=2))
    store.append(NewsItem(id="urn:e:w", headline="h", body=["b"], embargo_until=now + timedelta(hours=3)))
    db = store._db  # type: ignore[attr-defined]
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    try:
        assert store.next_embargo() is not None
        assert store.embargoes_waiting()[0] == 1
        assert store.lift_due(now + timedelta(hours=2)) == []
    finally:
        db.set_trace_callback(None)
    reads = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    plans = [d for sql in reads for *_, d in db.execute(f"EXPLAIN QUERY PLAN {sql}")]
    assert len(reads) == 3 and plans, statements
    assert all("embargoes" in sql and "versions" not in sql for sql in reads), reads
    # Counting them reads every embargo waiting: that is the small table, whole.
    assert not [d for d in plans if "versions" in d or "items" in d or "lifts" in d], plans
    assert [d for d in plans if d.startswith("SCAN")] == ["SCAN embargoes"], plans
    assert any("embargoes_until" in d for d in plans), plans
    store.close()

"""``Store.linking``: which items' latest versions associate to an item (the reverse of
their associations, what the portal's story thread lists under an original), run against
every backend, kept right as versions are written whichever way, and made for the items
a database held before it (SQLite migration 21, PostgreSQL 18)."""

from __future__ import annotations

import contextlib
import sqlite3

import msgspec
import psycopg

from newswire.model import MACHINE, Association, NewsItem, as_uri
from newswire.store import open_store
from newswire.store.migrations import SQLITE_MIGRATIONS
from newswire.store.migrations import migrate as migrate_sqlite
from newswire.store.postgres.migrations import POSTGRES_MIGRATIONS
from newswire.store.postgres.migrations import migrate as migrate_postgres
from newswire.store.transfer import TABLES

ORIGINAL = "urn:test:story:original"
SAME = "nwrel:sameStory"


def story(n: int | str, *links: Association, **changes) -> NewsItem:
    base = NewsItem(
        id=f"urn:test:story:{n}",
        language="ar",
        headline=f"تطور {n}",
        body=["نص."],
        associations=list(links),
    )
    return msgspec.structs.replace(base, **changes)


def to(target: str = ORIGINAL, rel: str = "seeAlso", **fields) -> Association:
    return Association(id=target, type="text", rel=rel, **fields)


def linking(store, item_id: str = ORIGINAL, **asked) -> list[tuple[str, str, str]]:
    found = store.linking(item_id, **asked)
    return [(link.id.rsplit(":", 1)[1], link.type, link.rel) for link in found]


def test_the_items_linking_to_one_newest_first_by_type_and_page(store):
    store.append(story("original"))
    copy = store.append(story(1, to(rel=SAME, creator=MACHINE)))
    store.append(story(2, to(), to("urn:test:story:1")))
    store.append(story(3, Association(id=ORIGINAL, name="photo")))  # a picture's type
    store.append(story(4, to(ORIGINAL, rel=SAME), to(ORIGINAL)))  # twice: the first
    store.append(story("original", to(), headline="linking itself"))  # never listed
    assert linking(store) == [
        ("4", "text", SAME),
        ("3", "picture", "seeAlso"),
        ("2", "text", "seeAlso"),
        ("1", "text", SAME),
    ]
    assert linking(store, type="text") == [
        ("4", "text", SAME),
        ("2", "text", "seeAlso"),
        ("1", "text", SAME),
    ]
    first = store.linking(ORIGINAL, type="text", limit=2)
    assert [link.id for link in first] == ["urn:test:story:4", "urn:test:story:2"]
    assert linking(store, type="text", limit=2, before=first[-1].seq) == [("1", "text", SAME)]
    assert store.linking(ORIGINAL, before=copy.seq) == []
    assert linking(store, "urn:test:story:1") == [("2", "text", "seeAlso")]
    assert store.linking("urn:test:story:4") == [] and store.linking("urn:test:nothing") == []


def test_an_id_that_is_no_uri_is_found_as_a_format_writes_it_too(store):
    """A provider's bare id (NITF's ``doc-id``) is written as a ``urn:newswire:id:`` URI
    where a format needs one, and an association read from such a format names that."""
    store.append(NewsItem(id="NTB-1_00", language="ar", headline="h", body=["نص."]))
    store.append(story(1, to("NTB-1_00")))
    store.append(story(2, to(as_uri("NTB-1_00"))))
    for asked in ("NTB-1_00", as_uri("NTB-1_00")):
        assert linking(store, asked) == [("2", "text", "seeAlso"), ("1", "text", "seeAlso")]


def test_the_latest_version_says_what_links(store):
    """A later version that drops a link, or changes it, is listed as it says from the
    moment it is stored; in a batch, an item's last version is what counts."""
    store.append_many([story(1, to()), story(2, to()), story(3, to())])
    store.append(story(1, headline="تحديث بلا رابط"))
    store.append(story(2, to(rel=SAME), headline="تحديث"))
    store.append_many([story(4), story(4, to(), headline="ثانية"), story(5, to()), story(5)])
    assert linking(store) == [
        ("4", "text", "seeAlso"),
        ("2", "text", SAME),
        ("3", "text", "seeAlso"),
    ]
    store.append(story(1, to(), headline="الرابط من جديد"))
    assert [link[0] for link in linking(store)] == ["1", "4", "2", "3"]


def test_a_withdrawn_item_stays_listed_as_its_withdrawal_says(store):
    """The store's withdrawal keeps the item's associations (the portal lists the story,
    marked withdrawn); a withdrawal notice from a source that names none drops them."""
    store.append_many([story(1, to()), story(2, to())])
    store.withdraw("urn:test:story:1", "خطأ")
    assert [link[0] for link in linking(store)] == ["1", "2"]
    store.append(story(2, pubstatus="canceled"))
    assert [link[0] for link in linking(store)] == ["1"]


def test_an_import_links_as_the_latest_versions_say_in_any_order(store, make_store_url):
    store.append_many([story(1, to()), story(2, to()), story(3)])
    store.append_many([story(1), story(3, to(), headline="ثانية")])
    exported = list(store.export())
    for records in (exported, list(reversed(exported))):
        other = open_store(make_store_url())
        try:
            other.restore(records)
            assert {link[0] for link in linking(other)} == {"2", "3"}
        finally:
            other.close()


def test_the_links_of_items_stored_before_are_made_by_the_migration(make_store_url, store_backend):
    """A database of the release before (SQLite migration 19, PostgreSQL 16): opened, the
    items it held are found by what their latest versions link to, not what an earlier
    version did; a new version then replaces its item's links as any other."""
    url = make_store_url()
    encode = msgspec.json.Encoder().encode
    versions = [
        story(1, to(rel=SAME, creator=MACHINE), to("urn:test:story:9"), Association(id="urn:p:1")),
        story(2, to()),
        story(2, headline="بلا رابط", version=2),
        story(3, to()),
        story(4, to("urn:test:story:4")),
    ]
    rows = [
        (seq, s.id, s.version, "f", "2025-01-01T00:00:00Z", encode(s))
        for seq, s in enumerate(versions, start=1)
    ]
    latest = {
        s.id: (s.id, s.version, seq, "2025-01-01T00:00:00Z")
        for seq, s in enumerate(versions, start=1)
    }
    insert_version = (
        "INSERT INTO versions (seq, id, version, fingerprint, stored_at, data) VALUES (?,?,?,?,?,?)"
    )
    insert_item = (
        "INSERT INTO items (id, latest_version, latest_seq, updated_at) VALUES (?,?,?,?)"
    )
    if store_backend == "sqlite":
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as db:
            migrate_sqlite(db, SQLITE_MIGRATIONS, upto=19)
            with db:
                db.executemany(insert_version, rows)
                db.executemany(insert_item, list(latest.values()))
    else:
        with psycopg.connect(url, autocommit=True) as conn:
            migrate_postgres(conn, POSTGRES_MIGRATIONS, upto=16)
            conn.cursor().executemany(insert_version.replace("?", "%s"), rows)
            conn.cursor().executemany(insert_item.replace("?", "%s"), list(latest.values()))
            conn.execute("UPDATE log_sequence SET value = %s", (len(rows),))
    store = open_store(url)
    try:
        assert linking(store) == [("3", "text", "seeAlso"), ("1", "text", SAME)]
        assert linking(store, "urn:test:story:9") == [("1", "text", "seeAlso")]
        assert linking(store, "urn:p:1") == [("1", "picture", "seeAlso")]
        assert store.linking("urn:test:story:4") == []  # itself
        store.append(story(1, to("urn:test:story:9"), headline="تحديث"))
        assert linking(store) == [("3", "text", "seeAlso")]
        assert linking(store, "urn:test:story:9") == [("1", "text", "seeAlso")]
    finally:
        store.close()


def test_the_migration_makes_the_rows_the_store_writes(store, store_url, store_backend):
    """The rows made from the stored items by the migration's SQL are those the store
    writes as it stores them (``base.links_of``): defaults left out of the JSON, an id
    named twice, the item itself, a bare id's URI form, another kind of item."""
    store.append_many(
        [
            story(1, to(rel=SAME, creator=MACHINE, headline="عنوان"), to(), to("urn:test:story:1")),
            story(2, to()),
            story(3, to(as_uri("bare id"))),
            story(4),
            story(2, Association(id=ORIGINAL), Association(id="urn:p", type="video", rel="x")),
        ]
    )
    links = next(t for t in TABLES if t.name == "item_links")
    written = store.transfer.rows(links, None, 100)
    assert len(written) == 4
    if store_backend == "sqlite":
        undo = [
            "DROP TABLE item_links",
            "DROP TRIGGER items_update_links",
            "DROP TRIGGER items_delete_links",
            "DELETE FROM schema_migrations WHERE number = 21",
        ]
    else:
        undo = [
            "DROP TABLE item_links",
            "DROP FUNCTION item_links_items_moved() CASCADE",
            "DROP FUNCTION item_links_items_removed() CASCADE",
            "DELETE FROM schema_migrations WHERE number = 18",
        ]
    store.close()
    if store_backend == "sqlite":
        path = store_url.removeprefix("sqlite:///")
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
            for statement in undo:
                db.execute(statement)
    else:
        with psycopg.connect(store_url, autocommit=True) as conn:
            for statement in undo:
                conn.execute(statement)
    again = open_store(store_url)
    try:
        assert again.transfer.rows(links, None, 100) == written
    finally:
        again.close()


def test_the_items_linking_to_one_are_read_from_the_index_not_the_archive(tmp_path):
    """An item page asks on every view: SQLite reads a range of the links' primary key
    for each form of the id, never a scan nor the items' versions."""
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    store.append_many(story(n, to()) for n in range(50))
    db = store._db  # type: ignore[attr-defined]
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    try:
        assert len(store.linking("ORIGINAL-1", limit=5)) == 0
        assert len(store.linking(ORIGINAL, type="text", limit=5)) == 5
    finally:
        db.set_trace_callback(None)
    reads = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    plans = [d for sql in reads for *_, d in db.execute(f"EXPLAIN QUERY PLAN {sql}")]
    assert len(reads) == 3 and plans, statements  # a bare id's two forms, a URI's one
    assert all("item_links" in sql and "versions" not in sql for sql in reads), reads
    assert [d for d in plans if d.startswith("SCAN") or "TEMP B-TREE" in d] == [], plans
    assert all("PRIMARY KEY" in d for d in plans), plans
    store.close()

"""Versioned schema migrations.

A small table of numbered steps instead of Alembic: the embedded store speaks raw
``sqlite3`` (no SQLAlchemy metadata to autogenerate from), and the steps are plain SQL.
Each database records the steps it has run in ``schema_migrations``; opening a database
runs the missing ones in order, each in its own transaction, so a file made by an older
release opens in a newer one. A database from a *newer* release is refused rather than
guessed at.
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from newswire.errors import BadInput
from newswire.model import utcnow


class Migration(NamedTuple):
    number: int
    name: str
    sql: str


ACCESS_CHANGES = (
    *(
        (table, event)
        for table in ("products", "subscribers", "subscriber_products")
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
    ("api_keys", "INSERT"),
    ("api_keys", "DELETE"),
    ("api_keys", "UPDATE OF hash, scope, subscriber, revoked_at"),
    ("accounts", "DELETE"),
    ("accounts", "UPDATE OF scope, subscriber, portal_admin, password"),
    ("sessions", "DELETE"),
)
"""The changes that may change what a caller may do (migration 10 moves the ``access``
generation on each): not bookkeeping such as a key's last use or a session's touch."""

SQLITE_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "versions: append-only item versions with a global sequence number",
        """
        CREATE TABLE versions (
            seq            INTEGER PRIMARY KEY AUTOINCREMENT,
            id             TEXT NOT NULL,
            version        INTEGER NOT NULL,
            language       TEXT NOT NULL DEFAULT '',
            headline       TEXT NOT NULL DEFAULT '',
            pubstatus      TEXT NOT NULL DEFAULT 'usable',
            versioncreated TEXT,
            embargo_until  TEXT,
            fingerprint    TEXT NOT NULL,
            stored_at      TEXT NOT NULL,
            data           BLOB NOT NULL,
            UNIQUE (id, version)
        );
        CREATE TRIGGER versions_append_only_update BEFORE UPDATE ON versions
        BEGIN SELECT RAISE(ABORT, 'item versions are append-only'); END;
        CREATE TRIGGER versions_append_only_delete BEFORE DELETE ON versions
        BEGIN SELECT RAISE(ABORT, 'item versions are append-only'); END;
        """,
    ),
    Migration(
        2,
        "items: a pointer to each item's latest version, for listing and lookups",
        """
        CREATE TABLE items (
            id             TEXT PRIMARY KEY,
            latest_version INTEGER NOT NULL,
            latest_seq     INTEGER NOT NULL REFERENCES versions (seq),
            language       TEXT NOT NULL DEFAULT '',
            updated_at     TEXT NOT NULL
        );
        INSERT INTO items (id, latest_version, latest_seq, language, updated_at)
            SELECT v.id, v.version, v.seq, v.language, v.stored_at FROM versions v
            WHERE v.version = (SELECT max(version) FROM versions w WHERE w.id = v.id);
        CREATE INDEX items_language_seq ON items (language, latest_seq);
        CREATE INDEX items_latest_seq ON items (latest_seq);
        """,
    ),
    Migration(
        3,
        "access: products, subscribers and hashed API keys",
        """
        CREATE TABLE products (
            name TEXT PRIMARY KEY,
            data BLOB NOT NULL
        );
        CREATE TABLE subscribers (
            name   TEXT PRIMARY KEY,
            status TEXT NOT NULL DEFAULT 'active',
            data   BLOB NOT NULL
        );
        CREATE TABLE subscriber_products (
            subscriber TEXT NOT NULL REFERENCES subscribers (name) ON DELETE CASCADE,
            product    TEXT NOT NULL REFERENCES products (name),
            PRIMARY KEY (subscriber, product)
        );
        CREATE TABLE api_keys (
            id           TEXT PRIMARY KEY,
            hash         TEXT NOT NULL UNIQUE,
            scope        TEXT NOT NULL,
            name         TEXT NOT NULL DEFAULT '',
            subscriber   TEXT REFERENCES subscribers (name) ON DELETE SET NULL,
            created_at   TEXT NOT NULL,
            last_used_at TEXT,
            revoked_at   TEXT
        );
        CREATE INDEX api_keys_subscriber ON api_keys (subscriber);
        """,
    ),
    Migration(
        4,
        "lifts: an embargo lift is an event of its own, with a sequence number of its own",
        """
        CREATE TABLE lifts (
            seq         INTEGER PRIMARY KEY,
            version_seq INTEGER NOT NULL UNIQUE REFERENCES versions (seq),
            lifted_at   TEXT NOT NULL
        );
        CREATE INDEX versions_embargo ON versions (embargo_until)
            WHERE embargo_until IS NOT NULL;
        CREATE TRIGGER lifts_append_only_update BEFORE UPDATE ON lifts
        BEGIN SELECT RAISE(ABORT, 'lifts are append-only'); END;
        CREATE TRIGGER lifts_append_only_delete BEFORE DELETE ON lifts
        BEGIN SELECT RAISE(ABORT, 'lifts are append-only'); END;
        """,
    ),
    Migration(
        5,
        "webhooks: subscribers' endpoints and the outbox of deliveries to them",
        """
        CREATE TABLE webhooks (
            id         TEXT PRIMARY KEY,
            subscriber TEXT NOT NULL REFERENCES subscribers (name) ON DELETE CASCADE,
            url        TEXT NOT NULL,
            secret     TEXT NOT NULL,
            format     TEXT NOT NULL,
            cursor     INTEGER NOT NULL DEFAULT 0,
            active     INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        );
        CREATE INDEX webhooks_subscriber ON webhooks (subscriber);
        CREATE TABLE deliveries (
            id              TEXT PRIMARY KEY,
            webhook         TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
            seq             INTEGER NOT NULL,
            item_id         TEXT NOT NULL,
            version         INTEGER NOT NULL,
            kind            TEXT NOT NULL,
            access          TEXT NOT NULL,
            product         TEXT NOT NULL DEFAULT '',
            priority        INTEGER NOT NULL DEFAULT 1,
            status          TEXT NOT NULL DEFAULT 'pending',
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_status     INTEGER,
            last_error      TEXT,
            created_at      TEXT NOT NULL,
            delivered_at    TEXT,
            UNIQUE (webhook, seq)
        );
        CREATE INDEX deliveries_queue ON deliveries (webhook, status, priority, seq);
        CREATE INDEX deliveries_status ON deliveries (status, next_attempt_at);
        """,
    ),
    Migration(
        6,
        "usage: deliveries to each subscriber, counted by day, channel and product",
        """
        CREATE TABLE usage (
            day        TEXT NOT NULL,
            subscriber TEXT NOT NULL,
            channel    TEXT NOT NULL,
            product    TEXT NOT NULL DEFAULT '',
            count      INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (day, subscriber, channel, product)
        );
        """,
    ),
    Migration(
        7,
        "deliveries: when a webhook delivery was first attempted, for its retry window",
        """
        ALTER TABLE deliveries ADD COLUMN first_attempt_at TEXT;
        """,
    ),
    Migration(
        8,
        "accounts: people who log in (portal, console), their sessions and saved searches",
        """
        CREATE TABLE accounts (
            id            TEXT PRIMARY KEY,
            email         TEXT NOT NULL UNIQUE,
            password      TEXT NOT NULL,
            scope         TEXT NOT NULL,
            subscriber    TEXT REFERENCES subscribers (name) ON DELETE CASCADE,
            portal_admin  INTEGER NOT NULL DEFAULT 0,
            lang          TEXT NOT NULL DEFAULT 'ar',
            created_at    TEXT NOT NULL,
            last_login_at TEXT
        );
        CREATE INDEX accounts_subscriber ON accounts (subscriber);
        CREATE TABLE sessions (
            id           TEXT PRIMARY KEY,
            hash         TEXT NOT NULL UNIQUE,
            account      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            csrf         TEXT NOT NULL,
            created_at   TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            expires_at   TEXT NOT NULL
        );
        CREATE INDEX sessions_account ON sessions (account);
        CREATE TABLE topics (
            id         TEXT PRIMARY KEY,
            account    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            name       TEXT NOT NULL,
            query      TEXT NOT NULL,
            lang       TEXT NOT NULL DEFAULT '',
            subject    TEXT NOT NULL DEFAULT '',
            urgency    TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            UNIQUE (account, name)
        );
        """,
    ),
    Migration(
        9,
        "search_documents: each version as the search index takes it, analysed once",
        """
        CREATE TABLE search_documents (
            seq    INTEGER NOT NULL,
            recipe TEXT NOT NULL,
            fields BLOB NOT NULL,
            PRIMARY KEY (seq, recipe)
        );
        """,
    ),
    Migration(
        10,
        "coordination: what the processes of a deployment share to act as one",
        """
        CREATE TABLE generations (
            name TEXT PRIMARY KEY,
            n    INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO generations (name, n) VALUES ('access', 0);
        """
        + "".join(
            f"CREATE TRIGGER {table}_{event.split()[0].lower()}_access AFTER {event} ON {table}"
            " BEGIN UPDATE generations SET n = n + 1 WHERE name = 'access'; END;\n"
            for table, event in ACCESS_CHANGES
        )
        + """
        CREATE TABLE rate_buckets (
            who    TEXT PRIMARY KEY,
            tokens REAL NOT NULL,
            at     REAL NOT NULL
        );
        """,
    ),
    Migration(
        11,
        "secrets: what the deployment signs with, made once",
        """
        CREATE TABLE secrets (
            name       TEXT PRIMARY KEY,
            value      BLOB NOT NULL,
            created_at TEXT NOT NULL
        );
        """,
    ),
    Migration(
        12,
        "vocabulary: the editors' changes to the authority file, over the shipped one",
        """
        CREATE TABLE vocabulary (
            id          TEXT PRIMARY KEY,
            status      TEXT NOT NULL CHECK (status IN ('term', 'removed', 'merged')),
            merged_into TEXT NOT NULL DEFAULT '',
            data        BLOB,
            changed_at  TEXT NOT NULL
        );
        INSERT INTO generations (name, n) VALUES ('vocabulary', 0)
            ON CONFLICT (name) DO NOTHING;
        """
        + "".join(
            f"CREATE TRIGGER vocabulary_{event.lower()}_moved AFTER {event} ON vocabulary"
            " BEGIN UPDATE generations SET n = n + 1 WHERE name = 'vocabulary'; END;\n"
            for event in ("INSERT", "UPDATE", "DELETE")
        ),
    ),
    Migration(
        13,
        "threads: each item's MinHash signature and LSH band keys, to find its story",
        """
        CREATE TABLE thread_signatures (
            item_id   TEXT PRIMARY KEY,
            type      TEXT NOT NULL,
            signature BLOB NOT NULL
        );
        CREATE TABLE thread_bands (
            band    INTEGER NOT NULL,
            item_id TEXT NOT NULL,
            PRIMARY KEY (band, item_id)
        ) WITHOUT ROWID;
        CREATE INDEX thread_bands_item ON thread_bands (item_id);
        """,
    ),
    Migration(
        14,
        "threads: band keys point at a signature's number, not its item's id",
        # Each item writes 32 band rows, each into a random page of the band index (the
        # keys are hashes): with the item's id in every row and a second index by item,
        # that index grew 4 KB an item and its writes with the archive (0.16 ms an item
        # at 5,000 items, 1 ms at 40,000). A signature's number makes a row 3-4 times
        # smaller, and the index by it is appended to in order instead of written at
        # random (docs/enrichment-threads.md).
        """
        CREATE TABLE thread_signatures_next (
            key       INTEGER PRIMARY KEY,
            item_id   TEXT NOT NULL UNIQUE,
            type      TEXT NOT NULL,
            signature BLOB NOT NULL
        );
        CREATE TABLE thread_bands_next (
            band INTEGER NOT NULL,
            key  INTEGER NOT NULL,
            PRIMARY KEY (band, key)
        ) WITHOUT ROWID;
        INSERT INTO thread_signatures_next (item_id, type, signature)
            SELECT item_id, type, signature FROM thread_signatures ORDER BY rowid;
        INSERT INTO thread_bands_next (band, key)
            SELECT b.band, s.key FROM thread_bands AS b
            JOIN thread_signatures_next AS s ON s.item_id = b.item_id;
        DROP TABLE thread_bands;
        DROP TABLE thread_signatures;
        ALTER TABLE thread_signatures_next RENAME TO thread_signatures;
        ALTER TABLE thread_bands_next RENAME TO thread_bands;
        CREATE INDEX thread_bands_key ON thread_bands (key);
        """,
    ),
    Migration(
        15,
        "counts: the numbers of items and versions, kept as rows are written",
        # count(*) reads a whole index: /ready (a load balancer's probe, every few
        # seconds) took 0.2-0.3 s on a million items, growing with the archive. Counted
        # once here, then kept by the triggers in the writing transaction.
        """
        CREATE TABLE counts (
            name TEXT PRIMARY KEY,
            n    INTEGER NOT NULL
        );
        INSERT INTO counts (name, n) SELECT 'items', count(*) FROM items;
        INSERT INTO counts (name, n) SELECT 'versions', count(*) FROM versions;
        CREATE TRIGGER items_insert_counted AFTER INSERT ON items
            BEGIN UPDATE counts SET n = n + 1 WHERE name = 'items'; END;
        CREATE TRIGGER items_delete_counted AFTER DELETE ON items
            BEGIN UPDATE counts SET n = n - 1 WHERE name = 'items'; END;
        CREATE TRIGGER versions_insert_counted AFTER INSERT ON versions
            BEGIN UPDATE counts SET n = n + 1 WHERE name = 'versions'; END;
        """,
    ),
    Migration(
        16,
        "rate buckets: when each is full again, so that full ones are removed",
        # Every login attempt left a bucket for the email typed and one for the client
        # address, and nothing removed them: made-up emails grew the table for ever. A
        # bucket full again decides nothing (one not found is full): ``full_at`` says
        # when, on the wall clock, and its index finds those to remove however many rows
        # there are. Login buckets kept ``at`` on a clock 15 times slower (their 15
        # minutes' window, ``LoginLimiter``); it is the wall clock now, as for every
        # bucket, and those rows are brought to it. A bucket refills within its window
        # (a minute for the API's): when its row was written and a window are enough.
        """
        ALTER TABLE rate_buckets ADD COLUMN full_at REAL NOT NULL DEFAULT 0;
        UPDATE rate_buckets SET at = at * 15, full_at = at * 15 + 900 WHERE who LIKE 'login:%';
        UPDATE rate_buckets SET full_at = at + 60 WHERE who NOT LIKE 'login:%';
        CREATE INDEX rate_buckets_full_at ON rate_buckets (full_at);
        """,
    ),
    Migration(
        17,
        "deliveries: an item's deliveries to an endpoint, so that they go out in order",
        # A flash correction overtook the version it corrected (the queue put flash first,
        # item by item), and a receiver kept the older text. A delivery now waits while
        # an earlier one of its item to the endpoint is pending, and is superseded when a
        # later one was delivered: both looked up for every delivery sent.
        """
        CREATE INDEX deliveries_item ON deliveries (webhook, item_id, status, seq);
        """,
    ),
    Migration(
        18,
        "embargoes: the latest versions waiting for their lift, kept as rows are written",
        # The next embargo to lift (asked by every server process twice a second) and the
        # lifts due were found in the index of every embargo ever set, each checked
        # against items and lifts: 50 ms at 200,000 versions a fifth embargoed, growing
        # with the archive (docs/benchmarks.md). The rows that search found are kept
        # here instead, exactly: those of an item's latest version, stored under its
        # embargo, not withdrawn, not lifted. A version never changes once stored, so
        # only a change of ``items`` (a new latest version, made by an append, an import
        # or a copy from another store alike) or a lift changes the answer, and each
        # has its trigger, in the writing transaction. What remains is what waits: the
        # table is as small as the embargoes still to come.
        """
        CREATE TABLE embargoes (
            version_seq   INTEGER PRIMARY KEY REFERENCES versions (seq),
            embargo_until TEXT NOT NULL
        );
        CREATE INDEX embargoes_until ON embargoes (embargo_until, version_seq);
        INSERT INTO embargoes (version_seq, embargo_until)
            SELECT v.seq, v.embargo_until FROM items i JOIN versions v ON v.seq = i.latest_seq
            WHERE v.embargo_until > v.stored_at AND v.pubstatus != 'canceled'
            AND NOT EXISTS (SELECT 1 FROM lifts l WHERE l.version_seq = v.seq);
        CREATE TRIGGER items_insert_embargo AFTER INSERT ON items
        BEGIN
            INSERT OR IGNORE INTO embargoes (version_seq, embargo_until)
                SELECT v.seq, v.embargo_until FROM versions v WHERE v.seq = new.latest_seq
                AND v.embargo_until > v.stored_at AND v.pubstatus != 'canceled'
                AND NOT EXISTS (SELECT 1 FROM lifts l WHERE l.version_seq = v.seq);
        END;
        CREATE TRIGGER items_update_embargo AFTER UPDATE OF latest_seq ON items
            WHEN new.latest_seq != old.latest_seq
        BEGIN
            DELETE FROM embargoes WHERE version_seq = old.latest_seq;
            INSERT OR IGNORE INTO embargoes (version_seq, embargo_until)
                SELECT v.seq, v.embargo_until FROM versions v WHERE v.seq = new.latest_seq
                AND v.embargo_until > v.stored_at AND v.pubstatus != 'canceled'
                AND NOT EXISTS (SELECT 1 FROM lifts l WHERE l.version_seq = v.seq);
        END;
        CREATE TRIGGER items_delete_embargo AFTER DELETE ON items
        BEGIN DELETE FROM embargoes WHERE version_seq = old.latest_seq; END;
        CREATE TRIGGER lifts_insert_embargo AFTER INSERT ON lifts
        BEGIN DELETE FROM embargoes WHERE version_seq = new.version_seq; END;
        """,
    ),
    Migration(
        19,
        "threads: band rows without an index by signature number",
        # The index served one thing: deleting an item's old band rows when its text
        # changed. Its band keys are a function of its old signature, kept in
        # ``thread_signatures``, so the rows are found by their primary key instead, and
        # each band row (32 an item) is written into one B-tree, not two: bulk ingest's
        # storing process spent 0.4-0.5 s of CPU on the index for 10,000 items.
        """
        DROP INDEX IF EXISTS thread_bands_key;
        """,
    ),
    Migration(
        20,
        "webhooks: when and why an endpoint was disabled",
        # An endpoint whose receiver answers 410 Gone is disabled (``active``, there since
        # migration 5, set at last) rather than retried for a day per delivery for ever;
        # its operator and its subscriber see since when and why, and enable it again.
        """
        ALTER TABLE webhooks ADD COLUMN disabled_at TEXT;
        ALTER TABLE webhooks ADD COLUMN disabled_status INTEGER;
        ALTER TABLE webhooks ADD COLUMN disabled_reason TEXT;
        """,
    ),
    Migration(
        21,
        "item_links: which items' latest versions associate to an item",
        # The portal's story thread showed only the links an item makes (to earlier
        # items): the first story's page never showed its later developments, which link
        # to it, and finding those in the items themselves reads every latest version.
        # This table holds each item's latest version's associations, by the id they
        # name (``Store.linking``). The store writes an item's rows with each new latest
        # version (``base.latest_links``: its bytes are in hand then, and only those that
        # name associations are decoded; a trigger reading each version back to parse it
        # in SQLite took a batch from 24 to 40 µs an item, the store's rows take it to 27:
        # bench/item_links.py); the triggers here drop the rows of a version no longer
        # the latest, whoever writes ``items`` (an import, a node of an earlier release),
        # so a link a later version drops is never listed. The rows of the items already
        # stored are made from their latest versions once.
        """
        CREATE TABLE item_links (
            target     TEXT NOT NULL,
            source_seq INTEGER NOT NULL,
            source     TEXT NOT NULL,
            type       TEXT NOT NULL,
            rel        TEXT NOT NULL,
            PRIMARY KEY (target, source_seq)
        ) WITHOUT ROWID;
        CREATE INDEX item_links_source ON item_links (source_seq);
        INSERT OR IGNORE INTO item_links (target, source_seq, source, type, rel)
            SELECT json_extract(a.value, '$.id'), v.seq, v.id,
                coalesce(json_extract(a.value, '$.type'), 'picture'),
                coalesce(json_extract(a.value, '$.rel'), 'seeAlso')
            FROM items i JOIN versions v ON v.seq = i.latest_seq,
                json_each(CAST(v.data AS TEXT), '$.associations') AS a
            WHERE instr(v.data, CAST('"associations":' AS BLOB))
            AND json_extract(a.value, '$.id') != v.id;
        CREATE TRIGGER items_update_links AFTER UPDATE OF latest_seq ON items
            WHEN new.latest_seq != old.latest_seq
        BEGIN DELETE FROM item_links WHERE source_seq = old.latest_seq; END;
        CREATE TRIGGER items_delete_links AFTER DELETE ON items
        BEGIN DELETE FROM item_links WHERE source_seq = old.latest_seq; END;
        """,
    ),
    Migration(
        22,
        "threads: band rows written into small levels first, moved on in sorted slices",
        # A batch's band rows (32 an item, their band keys random) landed on as many
        # distinct pages of the one band index as there were rows once the index was
        # much larger than the batch: the write an item grew with the archive (0.039 ms
        # at 20,000 items, 0.285 ms at 160,000: bench/threads_store.py). New rows go
        # into ``thread_bands_0``, a level small enough to stay in the page cache, and
        # move on to ``thread_bands_1``, then to ``thread_bands`` (the rows written
        # before this migration stay there), a slice in band key order at a time once a
        # level holds more than its share (``newswire.store.sqlite.threads``): each page
        # of the next level is written once for many rows. ``thread_band_levels`` keeps
        # each small level's row count and where its next slice starts.
        """
        CREATE TABLE thread_bands_0 (
            band INTEGER NOT NULL,
            key  INTEGER NOT NULL,
            PRIMARY KEY (band, key)
        ) WITHOUT ROWID;
        CREATE TABLE thread_bands_1 (
            band INTEGER NOT NULL,
            key  INTEGER NOT NULL,
            PRIMARY KEY (band, key)
        ) WITHOUT ROWID;
        CREATE TABLE thread_band_levels (
            level INTEGER PRIMARY KEY,
            rows  INTEGER NOT NULL,
            band  INTEGER,
            key   INTEGER
        );
        INSERT INTO thread_band_levels (level, rows) VALUES (0, 0), (1, 0);
        CREATE VIEW thread_bands_every (band, key) AS
            SELECT band, key FROM thread_bands_0
            UNION ALL SELECT band, key FROM thread_bands_1
            UNION ALL SELECT band, key FROM thread_bands;
        """,
    ),
)


def applied(db: sqlite3.Connection) -> set[int]:
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations"
        " (number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    return {row[0] for row in db.execute("SELECT number FROM schema_migrations")}


def missing(
    migrations: tuple[Migration, ...], done: set[int], upto: int | None = None
) -> list[Migration]:
    """The steps a database that ran ``done`` still has to run (up to ``upto``), in order;
    ``BadInput`` when it ran steps this release does not know (a newer release made it)."""
    known = {m.number for m in migrations}
    if done - known:
        raise BadInput(
            f"the database was made by a newer newswire (schema {max(done)}; this release"
            f" knows up to {max(known)}): upgrade newswire to open it",
            field="db",
        )
    return [
        m
        for m in sorted(migrations)
        if m.number not in done and (upto is None or m.number <= upto)
    ]


def migrate(
    db: sqlite3.Connection, migrations: tuple[Migration, ...], *, upto: int | None = None
) -> list[int]:
    """Run the missing migrations (up to ``upto``, for tests of old schemas); return them."""
    ran = []
    for m in missing(migrations, applied(db), upto):
        db.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have run it while we waited for the write lock.
            if not db.execute(
                "SELECT 1 FROM schema_migrations WHERE number = ?", (m.number,)
            ).fetchone():
                for statement in _statements(m.sql):
                    db.execute(statement)
                db.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (m.number, m.name, utcnow().isoformat()),
                )
                ran.append(m.number)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # SQLite has already rolled back after some errors
                db.execute("ROLLBACK")  # (a full disk): its own error is the one to tell
            raise
    return ran


def _statements(script: str) -> list[str]:
    """Split a script into statements (``executescript`` would commit our transaction)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out

"""Versioned schema migrations of the PostgreSQL store.

The same scheme as the SQLite store's: numbered steps of plain SQL, the ones a database
has run recorded in ``schema_migrations``, the missing ones run at open, a database of a
newer release refused. The steps are this backend's own (it started with the schema the
SQLite store reached in ten steps), so their numbers are not the SQLite ones.

Every opener runs ``migrate``; several processes or nodes may open the store at once, so
the whole check-and-run is one transaction under ``pg_advisory_xact_lock``: the second
opener waits, then finds the steps done. PostgreSQL's DDL is transactional, so a step that
fails leaves nothing half made.

Times are kept as ISO 8601 text, exactly as the SQLite store keeps them (``iso``,
``stamp``): the layers above compare them as text, and both backends return equal values.
Text columns collate as ``"C"`` (by code point, as SQLite's BINARY does), whatever the
database's locale: names list in the same order, and times compare as time.
"""

from __future__ import annotations

import psycopg

from newswire.model import utcnow

# The steps' type, the changes that move the ``access`` generation (the SQLite store's
# list) and which steps a database still has to run are the same for both backends.
from newswire.store.migrations import ACCESS_CHANGES, Migration, missing

LOCK = 0x6E657773  # "news": the advisory lock key migrations take
CHANNEL = "newswire"
"""The NOTIFY channel: ``log`` when log entries commit, ``access`` when the access
generation moves (``PostgresWatch``)."""

POSTGRES_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "the log: append-only item versions and embargo lifts, one commit-ordered sequence",
        f"""
        CREATE TABLE log_sequence (
            one   boolean PRIMARY KEY DEFAULT true CHECK (one),
            value bigint NOT NULL
        );
        INSERT INTO log_sequence (value) VALUES (0);
        COMMENT ON TABLE log_sequence IS 'The last sequence number given to a log entry.'
            ' Writers take numbers from it last in their transaction and hold its row lock'
            ' until they commit, so entries commit in sequence order (docs/postgres.md).';
        CREATE TABLE versions (
            seq            bigint PRIMARY KEY,
            id             text COLLATE "C" NOT NULL,
            version        integer NOT NULL,
            language       text COLLATE "C" NOT NULL DEFAULT '',
            headline       text COLLATE "C" NOT NULL DEFAULT '',
            pubstatus      text COLLATE "C" NOT NULL DEFAULT 'usable',
            versioncreated text COLLATE "C",
            embargo_until  text COLLATE "C",
            fingerprint    text COLLATE "C" NOT NULL,
            stored_at      text COLLATE "C" NOT NULL,
            data           bytea NOT NULL,
            UNIQUE (id, version)
        );
        CREATE INDEX versions_id_fingerprint ON versions (id, fingerprint);
        CREATE INDEX versions_embargo ON versions (embargo_until)
            WHERE embargo_until IS NOT NULL;
        CREATE TABLE items (
            id             text COLLATE "C" PRIMARY KEY,
            latest_version integer NOT NULL,
            latest_seq     bigint NOT NULL REFERENCES versions (seq),
            language       text COLLATE "C" NOT NULL DEFAULT '',
            updated_at     text COLLATE "C" NOT NULL
        );
        CREATE INDEX items_latest_seq ON items (latest_seq);
        CREATE TABLE lifts (
            seq         bigint PRIMARY KEY,
            version_seq bigint NOT NULL UNIQUE REFERENCES versions (seq),
            lifted_at   text COLLATE "C" NOT NULL
        );
        CREATE FUNCTION newswire_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% are append-only', TG_ARGV[0]
                USING ERRCODE = 'integrity_constraint_violation';
        END $$;
        CREATE TRIGGER versions_append_only BEFORE UPDATE OR DELETE ON versions
            FOR EACH ROW EXECUTE FUNCTION newswire_append_only('item versions');
        CREATE TRIGGER versions_append_only_truncate BEFORE TRUNCATE ON versions
            FOR EACH STATEMENT EXECUTE FUNCTION newswire_append_only('item versions');
        CREATE TRIGGER lifts_append_only BEFORE UPDATE OR DELETE ON lifts
            FOR EACH ROW EXECUTE FUNCTION newswire_append_only('lifts');
        CREATE TRIGGER lifts_append_only_truncate BEFORE TRUNCATE ON lifts
            FOR EACH STATEMENT EXECUTE FUNCTION newswire_append_only('lifts');
        CREATE FUNCTION newswire_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', TG_ARGV[0]);
            RETURN NULL;
        END $$;
        CREATE TRIGGER versions_notify AFTER INSERT ON versions
            FOR EACH STATEMENT EXECUTE FUNCTION newswire_notify('log');
        CREATE TRIGGER lifts_notify AFTER INSERT ON lifts
            FOR EACH STATEMENT EXECUTE FUNCTION newswire_notify('log');
        """,
    ),
    Migration(
        2,
        "access: products, subscribers and hashed API keys",
        """
        CREATE TABLE products (
            name text COLLATE "C" PRIMARY KEY,
            data bytea NOT NULL
        );
        CREATE TABLE subscribers (
            name   text COLLATE "C" PRIMARY KEY,
            status text COLLATE "C" NOT NULL DEFAULT 'active',
            data   bytea NOT NULL
        );
        CREATE TABLE subscriber_products (
            subscriber text COLLATE "C" NOT NULL REFERENCES subscribers (name) ON DELETE CASCADE,
            product    text COLLATE "C" NOT NULL REFERENCES products (name),
            PRIMARY KEY (subscriber, product)
        );
        CREATE INDEX subscriber_products_product ON subscriber_products (product);
        CREATE TABLE api_keys (
            id           text COLLATE "C" PRIMARY KEY,
            hash         text COLLATE "C" NOT NULL UNIQUE,
            scope        text COLLATE "C" NOT NULL,
            name         text COLLATE "C" NOT NULL DEFAULT '',
            subscriber   text COLLATE "C" REFERENCES subscribers (name) ON DELETE SET NULL,
            created_at   text COLLATE "C" NOT NULL,
            last_used_at text COLLATE "C",
            revoked_at   text COLLATE "C"
        );
        CREATE INDEX api_keys_subscriber ON api_keys (subscriber);
        """,
    ),
    Migration(
        3,
        "usage: deliveries to each subscriber, counted by day, channel and product",
        """
        CREATE TABLE usage (
            day        text COLLATE "C" NOT NULL,
            subscriber text COLLATE "C" NOT NULL,
            channel    text COLLATE "C" NOT NULL,
            product    text COLLATE "C" NOT NULL DEFAULT '',
            count      bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (day, subscriber, channel, product)
        );
        """,
    ),
    Migration(
        4,
        "accounts: people who log in (portal, console), their sessions and saved searches",
        """
        CREATE TABLE accounts (
            id            text COLLATE "C" PRIMARY KEY,
            email         text COLLATE "C" NOT NULL UNIQUE,
            password      text COLLATE "C" NOT NULL,
            scope         text COLLATE "C" NOT NULL,
            subscriber    text COLLATE "C" REFERENCES subscribers (name) ON DELETE CASCADE,
            portal_admin  boolean NOT NULL DEFAULT false,
            lang          text COLLATE "C" NOT NULL DEFAULT 'ar',
            created_at    text COLLATE "C" NOT NULL,
            last_login_at text COLLATE "C"
        );
        CREATE INDEX accounts_subscriber ON accounts (subscriber);
        CREATE TABLE sessions (
            id           text COLLATE "C" PRIMARY KEY,
            hash         text COLLATE "C" NOT NULL UNIQUE,
            account      text COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            csrf         text COLLATE "C" NOT NULL,
            created_at   text COLLATE "C" NOT NULL,
            last_seen_at text COLLATE "C" NOT NULL,
            expires_at   text COLLATE "C" NOT NULL
        );
        CREATE INDEX sessions_account ON sessions (account);
        CREATE TABLE topics (
            id         text COLLATE "C" PRIMARY KEY,
            account    text COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            name       text COLLATE "C" NOT NULL,
            query      text COLLATE "C" NOT NULL,
            lang       text COLLATE "C" NOT NULL DEFAULT '',
            subject    text COLLATE "C" NOT NULL DEFAULT '',
            urgency    text COLLATE "C" NOT NULL DEFAULT '',
            created_at text COLLATE "C" NOT NULL,
            UNIQUE (account, name)
        );
        """,
    ),
    Migration(
        5,
        "webhooks: subscribers' endpoints and the outbox of deliveries to them",
        """
        CREATE TABLE webhooks (
            id         text COLLATE "C" PRIMARY KEY,
            subscriber text COLLATE "C" NOT NULL REFERENCES subscribers (name) ON DELETE CASCADE,
            url        text COLLATE "C" NOT NULL,
            secret     text COLLATE "C" NOT NULL,
            format     text COLLATE "C" NOT NULL,
            cursor     bigint NOT NULL DEFAULT 0,
            active     boolean NOT NULL DEFAULT true,
            created_at text COLLATE "C" NOT NULL
        );
        CREATE INDEX webhooks_subscriber ON webhooks (subscriber);
        CREATE TABLE deliveries (
            id               text COLLATE "C" PRIMARY KEY,
            webhook          text COLLATE "C" NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
            seq              bigint NOT NULL,
            item_id          text COLLATE "C" NOT NULL,
            version          integer NOT NULL,
            kind             text COLLATE "C" NOT NULL,
            access           text COLLATE "C" NOT NULL,
            product          text COLLATE "C" NOT NULL DEFAULT '',
            priority         integer NOT NULL DEFAULT 1,
            status           text COLLATE "C" NOT NULL DEFAULT 'pending',
            attempts         integer NOT NULL DEFAULT 0,
            next_attempt_at  text COLLATE "C" NOT NULL,
            first_attempt_at text COLLATE "C",
            last_status      integer,
            last_error       text COLLATE "C",
            created_at       text COLLATE "C" NOT NULL,
            delivered_at     text COLLATE "C",
            UNIQUE (webhook, seq)
        );
        CREATE INDEX deliveries_queue ON deliveries (webhook, status, priority, seq);
        CREATE INDEX deliveries_status ON deliveries (status, next_attempt_at);
        """,
    ),
    Migration(
        6,
        "search_documents: each version as the search index takes it, analysed once",
        """
        CREATE TABLE search_documents (
            seq    bigint NOT NULL,
            recipe text COLLATE "C" NOT NULL,
            fields bytea NOT NULL,
            PRIMARY KEY (seq, recipe)
        );
        CREATE INDEX search_documents_recipe ON search_documents (recipe);
        """,
    ),
    Migration(
        7,
        "coordination: what the processes and nodes of a deployment share to act as one",
        """
        CREATE TABLE generations (
            name text COLLATE "C" PRIMARY KEY,
            n    bigint NOT NULL DEFAULT 0
        );
        INSERT INTO generations (name, n) VALUES ('access', 0);
        CREATE FUNCTION newswire_access_moved() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE generations SET n = n + 1 WHERE name = 'access';
            RETURN NULL;
        END $$;
        CREATE TRIGGER generations_notify AFTER UPDATE ON generations
            FOR EACH STATEMENT EXECUTE FUNCTION newswire_notify('access');
        """
        + "".join(
            f"CREATE TRIGGER {table}_{event.split()[0].lower()}_access AFTER {event} ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION newswire_access_moved();\n"
            for table, event in ACCESS_CHANGES
        )
        + """
        CREATE TABLE rate_buckets (
            who    text COLLATE "C" PRIMARY KEY,
            tokens double precision NOT NULL,
            at     double precision NOT NULL
        );
        """,
    ),
    Migration(
        8,
        "secrets: what the deployment signs with, made once",
        """
        CREATE TABLE secrets (
            name       text COLLATE "C" PRIMARY KEY,
            value      bytea NOT NULL,
            created_at text NOT NULL
        );
        """,
    ),
    Migration(
        9,
        "blobs: pictures, video and renditions as large objects, by the SHA-256 of their bytes",
        """
        CREATE TABLE blobs (
            key        text COLLATE "C" PRIMARY KEY,
            oid        oid NOT NULL UNIQUE,
            size       bigint NOT NULL,
            created_at text COLLATE "C" NOT NULL
        );
        COMMENT ON TABLE blobs IS 'Content-addressed blobs (newswire.blobs.postgres): the'
            ' large object oid holds the bytes whose SHA-256 is key.';
        """,
    ),
    Migration(
        10,
        "vocabulary: the editors' changes to the authority file, over the shipped one",
        """
        CREATE TABLE vocabulary (
            id          text COLLATE "C" PRIMARY KEY,
            status      text COLLATE "C" NOT NULL
                        CHECK (status IN ('term', 'removed', 'merged')),
            merged_into text COLLATE "C" NOT NULL DEFAULT '',
            data        bytea,
            changed_at  text COLLATE "C" NOT NULL
        );
        INSERT INTO generations (name, n) VALUES ('vocabulary', 0)
            ON CONFLICT (name) DO NOTHING;
        CREATE FUNCTION newswire_vocabulary_moved() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE generations SET n = n + 1 WHERE name = 'vocabulary';
            RETURN NULL;
        END $$;
        CREATE TRIGGER vocabulary_moved AFTER INSERT OR UPDATE OR DELETE ON vocabulary
            FOR EACH STATEMENT EXECUTE FUNCTION newswire_vocabulary_moved();
        """,
    ),
    Migration(
        11,
        "threads: each item's MinHash signature and LSH band keys, to find its story",
        """
        CREATE TABLE thread_signatures (
            item_id   text COLLATE "C" PRIMARY KEY,
            type      text COLLATE "C" NOT NULL,
            signature bytea NOT NULL
        );
        CREATE TABLE thread_bands (
            band    bigint NOT NULL,
            item_id text COLLATE "C" NOT NULL,
            PRIMARY KEY (band, item_id)
        );
        CREATE INDEX thread_bands_item ON thread_bands (item_id);
        COMMENT ON TABLE thread_signatures IS 'Story threads (newswire.enrich.threads): the'
            ' MinHash signature of each item, to estimate its similarity to a new one.';
        COMMENT ON TABLE thread_bands IS 'Story threads: the LSH band keys of each item;'
            ' items sharing one are candidates of the same story.';
        """,
    ),
    Migration(
        12,
        "threads: band keys point at a signature's number, not its item's id",
        # As SQLite's migration 14: a band row a quarter of the size, and the index by
        # signature appended to in order instead of written at random.
        """
        CREATE TABLE thread_signatures_next (
            key       bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            item_id   text COLLATE "C" NOT NULL UNIQUE,
            type      text COLLATE "C" NOT NULL,
            signature bytea NOT NULL
        );
        CREATE TABLE thread_bands_next (
            band bigint NOT NULL,
            key  bigint NOT NULL,
            PRIMARY KEY (band, key)
        );
        INSERT INTO thread_signatures_next (item_id, type, signature)
            SELECT item_id, type, signature FROM thread_signatures ORDER BY item_id;
        INSERT INTO thread_bands_next (band, key)
            SELECT b.band, s.key FROM thread_bands AS b
            JOIN thread_signatures_next AS s ON s.item_id = b.item_id;
        DROP TABLE thread_bands;
        DROP TABLE thread_signatures;
        ALTER TABLE thread_signatures_next RENAME TO thread_signatures;
        ALTER TABLE thread_bands_next RENAME TO thread_bands;
        CREATE INDEX thread_bands_key ON thread_bands (key);
        COMMENT ON TABLE thread_signatures IS 'Story threads (newswire.enrich.threads): the'
            ' MinHash signature of each item, numbered, to estimate its similarity to a'
            ' new one.';
        COMMENT ON TABLE thread_bands IS 'Story threads: the LSH band keys of each'
            ' signature (by its number); items sharing one are candidates of one story.';
        """,
    ),
    Migration(
        13,
        "counts of items and versions kept as rows are written; items by language",
        # As SQLite's migration 15: count(*) reads a whole table, and /ready (a load
        # balancer's probe, every few seconds) grew with the archive. Counted once here,
        # then kept by a statement's triggers (one row update a statement, however many
        # rows a COPY writes; writers already take turns on log_sequence). And the index
        # SQLite has had from the start: the latest items of a language, read per stored
        # language tag, newest first (``Items.latest``), not by a walk down every item.
        """
        CREATE TABLE counts (
            name text COLLATE "C" PRIMARY KEY,
            n    bigint NOT NULL
        );
        INSERT INTO counts (name, n) SELECT 'items', count(*) FROM items;
        INSERT INTO counts (name, n) SELECT 'versions', count(*) FROM versions;
        CREATE FUNCTION counts_added() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE counts SET n = n + (SELECT count(*) FROM added) WHERE name = TG_TABLE_NAME;
            RETURN NULL;
        END $$;
        CREATE FUNCTION counts_removed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE counts SET n = n - (SELECT count(*) FROM removed) WHERE name = TG_TABLE_NAME;
            RETURN NULL;
        END $$;
        CREATE TRIGGER items_added AFTER INSERT ON items REFERENCING NEW TABLE AS added
            FOR EACH STATEMENT EXECUTE FUNCTION counts_added();
        CREATE TRIGGER items_removed AFTER DELETE ON items REFERENCING OLD TABLE AS removed
            FOR EACH STATEMENT EXECUTE FUNCTION counts_removed();
        CREATE TRIGGER versions_added AFTER INSERT ON versions REFERENCING NEW TABLE AS added
            FOR EACH STATEMENT EXECUTE FUNCTION counts_added();
        CREATE TRIGGER versions_removed AFTER DELETE ON versions
            REFERENCING OLD TABLE AS removed
            FOR EACH STATEMENT EXECUTE FUNCTION counts_removed();
        COMMENT ON TABLE counts IS 'The numbers of rows of items and versions, kept by'
            ' triggers (what /ready answers).';
        CREATE INDEX items_language_seq ON items (language, latest_seq);
        """,
    ),
    Migration(
        14,
        "rate buckets: when each is full again, so that full ones are removed",
        # As SQLite's migration 16: a bucket full again decides nothing, and nothing
        # removed them (made-up emails at a login form grew the table for ever); login
        # buckets' ``at`` goes from their clock 15 times slower to the wall clock.
        """
        ALTER TABLE rate_buckets ADD COLUMN full_at double precision NOT NULL DEFAULT 0;
        UPDATE rate_buckets SET at = at * 15, full_at = at * 15 + 900 WHERE who LIKE 'login:%';
        UPDATE rate_buckets SET full_at = at + 60 WHERE who NOT LIKE 'login:%';
        CREATE INDEX rate_buckets_full_at ON rate_buckets (full_at);
        COMMENT ON COLUMN rate_buckets.full_at IS 'When the bucket is full again (seconds'
            ' since 1970): from then on its row decides nothing and is removed.';
        """,
    ),
    Migration(
        15,
        "deliveries: an item's deliveries to an endpoint, so that they go out in order",
        # As SQLite's migration 17: a delivery waits while an earlier one of its item to
        # the endpoint is pending, and is superseded when a later one was delivered.
        """
        CREATE INDEX deliveries_item ON deliveries (webhook, item_id, status, seq);
        """,
    ),
    Migration(
        16,
        "embargoes: the latest versions waiting for their lift, kept as rows are written",
        # As SQLite's migration 18: the next embargo to lift was found in the index of
        # every embargo ever set (90 ms at 200,000 versions a fifth embargoed, growing
        # with the archive, asked twice a second by every process). The rows that search
        # found are kept here: an item's latest version stored under embargo, not
        # withdrawn, not lifted. Versions never change, so the triggers of ``items`` (a
        # new latest version, whoever writes it: an append's INSERT of arrays or COPY's
        # upsert, an import, ``newswire migrate``) and of ``lifts`` keep it exact, one
        # statement at a time as ``counts`` is kept.
        """
        CREATE TABLE embargoes (
            version_seq   bigint PRIMARY KEY REFERENCES versions (seq),
            embargo_until text COLLATE "C" NOT NULL
        );
        CREATE INDEX embargoes_until ON embargoes (embargo_until, version_seq);
        INSERT INTO embargoes (version_seq, embargo_until)
            SELECT v.seq, v.embargo_until FROM items i JOIN versions v ON v.seq = i.latest_seq
            WHERE v.embargo_until > v.stored_at AND v.pubstatus != 'canceled'
            AND NOT EXISTS (SELECT 1 FROM lifts l WHERE l.version_seq = v.seq);
        CREATE FUNCTION embargoes_items_added() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO embargoes (version_seq, embargo_until)
                SELECT v.seq, v.embargo_until FROM added a JOIN versions v ON v.seq = a.latest_seq
                WHERE v.embargo_until > v.stored_at AND v.pubstatus != 'canceled'
                AND NOT EXISTS (SELECT 1 FROM lifts l WHERE l.version_seq = v.seq)
                ON CONFLICT DO NOTHING;
            RETURN NULL;
        END $$;
        CREATE FUNCTION embargoes_items_moved() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM embargoes e USING moved_from f JOIN moved_to t ON t.id = f.id
                WHERE e.version_seq = f.latest_seq AND t.latest_seq != f.latest_seq;
            INSERT INTO embargoes (version_seq, embargo_until)
                SELECT v.seq, v.embargo_until FROM moved_to t JOIN versions v ON v.seq = t.latest_seq
                WHERE v.embargo_until > v.stored_at AND v.pubstatus != 'canceled'
                AND NOT EXISTS (SELECT 1 FROM lifts l WHERE l.version_seq = v.seq)
                ON CONFLICT DO NOTHING;
            RETURN NULL;
        END $$;
        CREATE FUNCTION embargoes_items_removed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM embargoes e USING removed r WHERE e.version_seq = r.latest_seq;
            RETURN NULL;
        END $$;
        CREATE FUNCTION embargoes_lifted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM embargoes e USING added a WHERE e.version_seq = a.version_seq;
            RETURN NULL;
        END $$;
        CREATE TRIGGER items_embargoes_added AFTER INSERT ON items
            REFERENCING NEW TABLE AS added
            FOR EACH STATEMENT EXECUTE FUNCTION embargoes_items_added();
        CREATE TRIGGER items_embargoes_moved AFTER UPDATE ON items
            REFERENCING OLD TABLE AS moved_from NEW TABLE AS moved_to
            FOR EACH STATEMENT EXECUTE FUNCTION embargoes_items_moved();
        CREATE TRIGGER items_embargoes_removed AFTER DELETE ON items
            REFERENCING OLD TABLE AS removed
            FOR EACH STATEMENT EXECUTE FUNCTION embargoes_items_removed();
        CREATE TRIGGER lifts_embargoes AFTER INSERT ON lifts
            REFERENCING NEW TABLE AS added
            FOR EACH STATEMENT EXECUTE FUNCTION embargoes_lifted();
        COMMENT ON TABLE embargoes IS 'The latest versions stored under an embargo, not'
            ' withdrawn and not lifted yet: what the embargo lifter reads (derived, kept'
            ' by triggers on items and lifts).';
        """,
    ),
    Migration(
        17,
        "webhooks: when and why an endpoint was disabled",
        # As SQLite's migration 20: an endpoint whose receiver answers 410 Gone is
        # disabled (``active``), and says since when and why until it is enabled again.
        """
        ALTER TABLE webhooks
            ADD COLUMN disabled_at text COLLATE "C",
            ADD COLUMN disabled_status integer,
            ADD COLUMN disabled_reason text COLLATE "C";
        COMMENT ON COLUMN webhooks.disabled_at IS 'When the endpoint was disabled (its'
            ' receiver answered 410 Gone); NULL while it is active.';
        """,
    ),
    Migration(
        18,
        "item_links: which items' latest versions associate to an item",
        # As SQLite's migration 21: each item's latest version's associations, by the id
        # they name, written by the store with each new latest version; the triggers of
        # ``items`` drop the rows of a version no longer the latest (one statement at a
        # time, as ``embargoes`` is kept), whoever writes it. The rows of the items
        # already stored are made once from their latest versions (the JSON parsed only
        # where the bytes name associations).
        """
        CREATE TABLE item_links (
            target     text COLLATE "C" NOT NULL,
            source_seq bigint NOT NULL,
            source     text COLLATE "C" NOT NULL,
            type       text COLLATE "C" NOT NULL,
            rel        text COLLATE "C" NOT NULL,
            PRIMARY KEY (target, source_seq)
        );
        CREATE INDEX item_links_source ON item_links (source_seq);
        INSERT INTO item_links (target, source_seq, source, type, rel)
            SELECT a ->> 'id', v.seq, v.id, coalesce(a ->> 'type', 'picture'),
                coalesce(a ->> 'rel', 'seeAlso')
            FROM items i JOIN versions v ON v.seq = i.latest_seq
            CROSS JOIN LATERAL json_array_elements(
                convert_from(v.data, 'UTF8')::json -> 'associations') AS a
            WHERE position('"associations":'::bytea IN v.data) > 0 AND a ->> 'id' != v.id
            ON CONFLICT DO NOTHING;
        CREATE FUNCTION item_links_items_moved() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM item_links l USING moved_from f JOIN moved_to t ON t.id = f.id
                WHERE l.source_seq = f.latest_seq AND t.latest_seq != f.latest_seq;
            RETURN NULL;
        END $$;
        CREATE FUNCTION item_links_items_removed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM item_links l USING removed r WHERE l.source_seq = r.latest_seq;
            RETURN NULL;
        END $$;
        CREATE TRIGGER items_links_moved AFTER UPDATE ON items
            REFERENCING OLD TABLE AS moved_from NEW TABLE AS moved_to
            FOR EACH STATEMENT EXECUTE FUNCTION item_links_items_moved();
        CREATE TRIGGER items_links_removed AFTER DELETE ON items
            REFERENCING OLD TABLE AS removed
            FOR EACH STATEMENT EXECUTE FUNCTION item_links_items_removed();
        COMMENT ON TABLE item_links IS 'Each item''s latest version''s associations, by the'
            ' id they name (target): which items link to an item (derived: written with'
            ' each latest version, dropped by triggers on items when it is no longer).';
        """,
    ),
)


def migrate(
    conn: psycopg.Connection, migrations: tuple[Migration, ...], *, upto: int | None = None
) -> list[int]:
    """Run the missing migrations (up to ``upto``, for tests of old schemas); return them.

    One transaction under an advisory lock: concurrent openers run each step once."""
    ran = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations"
            " (number integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)"
        )
        done = {row[0] for row in conn.execute("SELECT number FROM schema_migrations")}
        for m in missing(migrations, done, upto):
            conn.execute(m.sql)
            conn.execute(
                "INSERT INTO schema_migrations VALUES (%s, %s, %s)",
                (m.number, m.name, utcnow().isoformat()),
            )
            ran.append(m.number)
    return ran


def has_schema(conn: psycopg.Connection) -> bool:
    """Has a newswire store ever been made in this database?"""
    row = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    return bool(row and row[0])

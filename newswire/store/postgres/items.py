"""Item versions, the event log and embargo lifts in PostgreSQL: the store's own methods.

The rules are the SQLite store's (``newswire.store.base``: duplicates store nothing, the
version numbering, the receipts, the lifts); what differs is how concurrent writers are
ordered. SQLite has one writer at a time. Here writers run at once, and the **sequence
number** is what orders them: it comes from the one-row table ``log_sequence``, taken
last in the writing transaction (``UPDATE ... RETURNING``). The row stays locked until
the writer commits, so the next writer gets its numbers only once the previous one has
committed: entries become visible in sequence order, and a reader that follows
``seq > cursor`` never sees N+1 before N, nor skips an N that committed late
(docs/postgres.md says why not a ``bigserial``).

Every writer of the log (append, restore, lift) takes the counter before writing
``versions``, ``items`` or ``lifts``, so whoever holds it is the only one changing them;
what a writer read before it took the counter it checks again after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

import psycopg

from newswire.errors import Conflict, NotFound
from newswire.model import NewsItem, from_uri, utcnow
from newswire.store.base import (
    NO_END,
    Args,
    BatchPlan,
    Change,
    Heading,
    Linking,
    Prepared,
    Receipt,
    RestoreReport,
    Row,
    Stored,
    iso,
    latest_links,
    link_names,
    links_of,
    plan_batch,
    prepare,
    time_of,
    withdrawal,
)
from newswire.store.postgres.database import Database, present
from newswire.store.rows import STORED_COLUMNS, change_of, stored_of

_INSERT = (
    "INSERT INTO versions (seq, id, version, language, headline, pubstatus, versioncreated,"
    " embargo_until, fingerprint, stored_at, data)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
# A batch's versions go in by binary COPY (7x ``executemany``'s rows a second, which sends a
# statement per row), its items' pointers in one statement with the columns as arrays.
_COPY = (
    "COPY versions (seq, id, version, language, headline, pubstatus, versioncreated,"
    " embargo_until, fingerprint, stored_at, data) FROM STDIN (FORMAT BINARY)"
)
_FEW = 32
"""Batches of at most this many versions go in by one INSERT of arrays, in a pipeline;
larger ones by COPY."""
_INSERT_ROWS = (
    "INSERT INTO versions (seq, id, version, language, headline, pubstatus, versioncreated,"
    " embargo_until, fingerprint, stored_at, data)"
    " SELECT * FROM unnest(%s::bigint[], %s::text[], %s::integer[], %s::text[], %s::text[],"
    " %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::bytea[])"
)
_COPY_TYPES = ["int8", "text", "int4", "text", "text", "text", "text", "text", "text", "text", "bytea"]
_UPSERT_ITEMS = (
    "INSERT INTO items AS i (id, latest_version, latest_seq, language, updated_at)"
    " SELECT * FROM unnest(%s::text[], %s::integer[], %s::bigint[], %s::text[], %s::text[])"
    " ON CONFLICT (id) DO UPDATE SET"
    " latest_version = excluded.latest_version, latest_seq = excluded.latest_seq,"
    " language = excluded.language, updated_at = excluded.updated_at"
    " WHERE excluded.latest_version >= i.latest_version"
)
_UPSERT_ITEM = (
    "INSERT INTO items AS i (id, latest_version, latest_seq, language, updated_at)"
    " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET"
    " latest_version = excluded.latest_version, latest_seq = excluded.latest_seq,"
    " language = excluded.language, updated_at = excluded.updated_at"
    " WHERE excluded.latest_version >= i.latest_version"
)
_INSERT_LINKS = (
    "INSERT INTO item_links (target, source_seq, source, type, rel)"
    " SELECT * FROM unnest(%s::text[], %s::bigint[], %s::text[], %s::text[], %s::text[])"
    " ON CONFLICT DO NOTHING"
)
_TAKE = "UPDATE log_sequence SET value = value + %s RETURNING value"
_DUE = (
    # The embargoes waiting (migration 16), not every one ever set; a lift takes its
    # version out of them (a trigger on ``lifts``).
    "SELECT version_seq FROM embargoes WHERE embargo_until <= %s"
    " ORDER BY embargo_until, version_seq"
)


_LATEST_OF_LANGUAGE = """
WITH RECURSIVE tags(tag) AS (
    SELECT min(language) FROM items
    UNION ALL
    SELECT (SELECT min(language) FROM items WHERE language > tag) FROM tags
    WHERE tag IS NOT NULL
)
SELECT seq FROM (
    SELECT newest.seq FROM tags CROSS JOIN LATERAL (
        SELECT latest_seq AS seq FROM items
        WHERE language = tags.tag AND latest_seq < %(before)s
        ORDER BY latest_seq DESC LIMIT %(limit)s
    ) AS newest
    WHERE lower(tags.tag) = lower(%(language)s) OR tags.tag ILIKE %(prefix)s ESCAPE '\\'
) AS found ORDER BY seq DESC LIMIT %(limit)s
"""
"""The sequence numbers of the latest versions of ``language``'s newest items: the stored
language tags found by seeking the index from one to the next (a read a tag, not one an
item), those the language takes in each read newest first with ``LIMIT``."""


class Items:
    """The item and log methods of ``PostgresStore`` (``newswire.store.base.Store``)."""

    _db: Database
    _before_commit: Callable[[list[Receipt]], None] | None = None
    """Called inside an append's transaction once its numbers are taken and its rows
    written, before it commits: tests/store/test_postgres_sequence.py holds a writer there
    to show that the next one waits for it."""

    # --- writing ---------------------------------------------------------------------

    def append(self, item: NewsItem) -> Receipt:
        return self.append_many([item])[0]

    def append_many(self, items: Iterable[NewsItem | Prepared]) -> list[Receipt]:
        items = list(items)

        def prepared(now: datetime) -> list[Prepared]:
            return [it if isinstance(it, Prepared) else prepare(it, now) for it in items]

        # A few versions (an editor's POST) go in a pipeline, a bulk ingest by COPY.
        writing = self._db.pipeline() if len(items) <= _FEW else self._db.writing()
        with writing as conn:
            receipts = _append_batch(conn, prepared, utcnow())
            if self._before_commit is not None:
                self._before_commit(receipts)
            return receipts

    def restore(self, records: Iterable[Stored]) -> RestoreReport:
        report = RestoreReport()
        with self._db.transaction() as cur:
            # An import checks each record against the stored versions before adding it:
            # it takes the counter first, so that no writer adds a version between a check
            # and its insert (an import is rare and bulk; appends wait for it to commit).
            (last,) = present(cur.execute("SELECT value FROM log_sequence FOR UPDATE").fetchone())
            for record in records:
                p = prepare(record.item)  # exported versions have their times: kept
                row = cur.execute(
                    "SELECT data FROM versions WHERE id = %s AND version = %s",
                    (p.id, p.version),
                ).fetchone()
                if row is None:
                    last += 1
                    at = iso(record.stored_at)
                    cur.execute(_INSERT, (last, *p[:8], at, p.data))
                    cur.execute(_UPSERT_ITEM, (p.id, p.version, last, p.language, at))
                    links = links_of(last, p.data) if cur.rowcount else []
                    if links:  # the item's latest version now (not an older one)
                        cur.execute(_INSERT_LINKS, _columns(links))
                    report.added += 1
                elif row[0] == p.data:
                    report.skipped += 1
                else:
                    report.conflicts.append(f"{p.id}@{p.version}")
            cur.execute("UPDATE log_sequence SET value = %s", (last,))
        return report

    def lift_due(self, now: datetime | None = None) -> list[Change]:
        now_text = iso(now or utcnow())
        with self._db.transaction() as cur:
            if not cur.execute(_DUE, (now_text,)).fetchone():
                return []
            (last,) = present(cur.execute("SELECT value FROM log_sequence FOR UPDATE").fetchone())
            # Again, holding the counter: another node may have lifted them meanwhile.
            due = cur.execute(_DUE, (now_text,)).fetchall()
            if not due:
                return []
            first = last + 1
            rows = [(first + n, version_seq, now_text) for n, (version_seq,) in enumerate(due)]
            cur.executemany(
                "INSERT INTO lifts (seq, version_seq, lifted_at) VALUES (%s, %s, %s)", rows
            )
            cur.execute("UPDATE log_sequence SET value = %s", (rows[-1][0],))
        return self.changes(first - 1, len(rows))

    def withdraw(self, item_id: str, reason: str) -> Receipt:
        history = self.versions(item_id)
        if history[-1].item.pubstatus == "canceled":
            raise Conflict(f"item {item_id!r} is already withdrawn", field="id")
        return self.append(withdrawal(history, reason, utcnow()))

    # --- reading ---------------------------------------------------------------------

    def _stored(self, sql: str, args: Args = ()) -> list[Stored]:
        return [stored_of(r) for r in self._db.rows(sql, args)]

    def get(self, item_id: str, version: int | None = None) -> Stored:
        item_id = from_uri(item_id)
        if not _may_be_stored(item_id):
            rows = []
        elif version is None:
            rows = self._stored(
                f"SELECT {STORED_COLUMNS} FROM versions WHERE seq ="
                " (SELECT latest_seq FROM items WHERE id = %s)",
                (item_id,),
            )
        else:
            rows = self._stored(
                f"SELECT {STORED_COLUMNS} FROM versions WHERE id = %s AND version = %s",
                (item_id, version),
            )
        if not rows:
            what = f"version {version} of item" if version is not None else "item"
            raise NotFound(f"no {what} {item_id!r}", field="version" if version else "id")
        return rows[0]

    def get_many(self, item_ids: Iterable[str]) -> dict[str, Stored]:
        asked: dict[str, list[str]] = {}  # the id as stored -> the ids asked for it
        for item_id in item_ids:
            if _may_be_stored(bare := from_uri(item_id)):
                asked.setdefault(bare, []).append(item_id)
        if not asked:
            return {}
        out: dict[str, Stored] = {}
        for item_id, *row in self._db.rows(
            "SELECT i.id, v.seq, v.stored_at, v.data FROM items i"
            " JOIN versions v ON v.seq = i.latest_seq WHERE i.id = ANY(%s)",
            (list(asked),),
        ):
            stored = stored_of(tuple(row))
            for each in asked[item_id]:
                out[each] = stored
        return out

    def versions(self, item_id: str) -> list[Stored]:
        item_id = from_uri(item_id)
        rows = (
            self._stored(
                f"SELECT {STORED_COLUMNS} FROM versions WHERE id = %s ORDER BY version",
                (item_id,),
            )
            if _may_be_stored(item_id)
            else []
        )
        if not rows:
            raise NotFound(f"no item {item_id!r}", field="id")
        return rows

    def since(self, after: int = 0, limit: int = 100) -> list[Stored]:
        return self._stored(
            f"SELECT {STORED_COLUMNS} FROM versions WHERE seq > %s ORDER BY seq LIMIT %s",
            (after, limit),
        )

    def changes(self, after: int = 0, limit: int = 100) -> list[Change]:
        # One statement, so one snapshot: versions and lifts as of the same moment. Each
        # part is limited on its own, so that a page sorts at most twice its size, never
        # the whole log after the cursor.
        rows = self._db.rows(
            "(SELECT seq, stored_at, data, false FROM versions WHERE seq > %s"
            " ORDER BY seq LIMIT %s)"
            " UNION ALL (SELECT l.seq, l.lifted_at, v.data, true FROM lifts l"
            " JOIN versions v ON v.seq = l.version_seq WHERE l.seq > %s ORDER BY l.seq LIMIT %s)"
            " ORDER BY 1 LIMIT %s",
            (after, limit, after, limit, limit),
        )
        return [change_of(r) for r in rows]

    def next_embargo(self) -> datetime | None:
        row = self._db.one("SELECT min(embargo_until) FROM embargoes")
        return time_of(row[0]) if row and row[0] else None

    def embargoes_waiting(self) -> tuple[int, datetime | None]:
        count, first = present(
            self._db.one("SELECT count(*), min(embargo_until) FROM embargoes")
        )
        return count, time_of(first) if first else None

    def linking(
        self,
        item_id: str,
        *,
        type: str | None = None,
        before: int | None = None,
        limit: int = 20,
    ) -> list[Linking]:
        # As the SQLite store: a bounded range of the primary key (target, source_seq)
        # for each form of the id an association may name, newest first (the forms
        # side by side, each read with its LIMIT, never every row of both sorted).
        bare = from_uri(item_id)
        if not _may_be_stored(bare):
            return []
        rows = self._db.rows(
            "SELECT found.* FROM unnest(%(targets)s::text[]) AS t(target)"
            " CROSS JOIN LATERAL (SELECT source, source_seq, type, rel FROM item_links l"
            " WHERE l.target = t.target AND l.source_seq < %(before)s AND l.source != %(bare)s"
            " AND (%(type)s::text IS NULL OR l.type = %(type)s)"
            " ORDER BY l.source_seq DESC LIMIT %(limit)s) AS found",
            {
                "targets": link_names(bare),
                "before": NO_END if before is None else before,
                "bare": bare,
                "type": type,
                "limit": limit,
            },
        )
        found: dict[str, Linking] = {}
        for row in sorted(rows, key=lambda r: r[1], reverse=True):
            found.setdefault(row[0], Linking(*row))
        return list(found.values())[:limit]

    def latest(
        self, *, language: str | None = None, limit: int = 20, before: int | None = None
    ) -> list[Stored]:
        below = NO_END if before is None else before
        if not language:
            return self._stored(
                "SELECT v.seq, v.stored_at, v.data FROM items i JOIN versions v"
                " ON v.seq = i.latest_seq WHERE i.latest_seq < %s"
                " ORDER BY i.latest_seq DESC LIMIT %s",
                (below, limit),
            )
        # As the SQLite store: ``ar`` also lists ``ar-EG`` (a tag's subtags narrow it,
        # never change it), and the language's stored tags are each read newest first
        # from the index (language, latest_seq), not found by a walk down every item.
        prefix = language.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        seqs = [
            seq
            for (seq,) in self._db.rows(
                _LATEST_OF_LANGUAGE,
                {"language": language, "prefix": f"{prefix}-%", "limit": limit, "before": below},
            )
        ]
        return list(reversed(self.by_seq(seqs)))

    def export(self) -> Iterator[Stored]:
        last = 0
        while page := self.since(last, 1000):
            yield from page
            last = page[-1].seq

    def catalogue(self, *, by_item: bool = False) -> Iterator[Heading]:
        if by_item:
            # Pages of the index UNIQUE (id, version), each from where the last one ended.
            after: tuple[str, int] = ("", 0)
            while rows := self._db.rows(
                "SELECT seq, id, version, pubstatus, embargo_until, stored_at FROM versions"
                " WHERE (id, version) > (%s, %s) ORDER BY id, version LIMIT 5000",
                after,
            ):
                yield from (Heading(*row) for row in rows)
                after = (rows[-1][1], rows[-1][2])
            return
        last = 0
        while rows := self._db.rows(
            "SELECT seq, id, version, pubstatus, embargo_until, stored_at FROM versions"
            " WHERE seq > %s ORDER BY seq LIMIT 5000",
            (last,),
        ):
            yield from (Heading(*row) for row in rows)
            last = rows[-1][0]

    def by_seq(self, seqs: list[int]) -> list[Stored]:
        if not seqs:
            return []
        return self._stored(
            f"SELECT {STORED_COLUMNS} FROM versions WHERE seq = ANY(%s) ORDER BY seq", (list(seqs),)
        )

    def count(self) -> tuple[int, int]:
        items: int
        versions: int
        # Kept by triggers (migration 13), not counted: a count(*) reads the whole archive.
        items, versions = present(
            self._db.one(
                "SELECT (SELECT n FROM counts WHERE name = 'items'),"
                " (SELECT n FROM counts WHERE name = 'versions')"
            )
        )
        return items, versions

    def last_seq(self) -> int:
        # The committed value of the counter: numbers are taken only by writers that
        # store an entry with each, and a rolled back writer gives its numbers back.
        value: int
        (value,) = present(self._db.one("SELECT value FROM log_sequence"))
        return value


def _may_be_stored(item_id: str) -> bool:
    """Whether an item can have ``item_id``: not when it holds a NUL, which no id stored
    does (``validation.check_item`` refuses it) and PostgreSQL cannot even compare a
    text with (psycopg refuses to send it, and ``Database.connection`` makes that the 422
    of a value that cannot be stored). Such an id is looked up as any other not there:
    not found, as the SQLite store finds it, whatever route or command asked."""
    return "\x00" not in item_id


def _append_batch(
    conn: psycopg.Connection, prepared: Callable[[datetime], list[Prepared]], now: datetime
) -> list[Receipt]:
    """Versions for a batch, inside a transaction: a lookup of the latest versions, the
    plan, then the numbers.

    The plan (decoding, comparing, stamping) is made before the counter is taken, so that
    other writers wait for this one only while it inserts. If another writer stored a
    version of one of these items between the lookup and the counter, the plan is made
    again, as if this append had begun once that writer committed (items are stamped with
    the time again, not to be taken for older than the version stored meanwhile): holding
    the counter, nobody else can change them any more.

    On a connection in pipeline mode (``Database.pipeline``) a one-item append costs three
    round trips: BEGIN with the lookup; the counter with the second lookup (the server runs
    that one once the first holds the lock, with a snapshot of its own, so it sees what
    was committed before); the rows with the COMMIT. More than ``_FEW`` rows go in by
    COPY, which cannot run in a pipeline.
    """
    batch = prepared(now)
    ids = list({p.id for p in batch})
    latest = _latest_of(conn, ids)
    seen = {item_id: row[0] for item_id, row in latest.items()}
    plan = _plan(conn, batch, latest, now)
    if not plan.rows:
        return plan.receipts
    with conn.cursor() as take, conn.cursor() as check:
        take.execute(_TAKE, (len(plan.rows),))
        check.execute("SELECT id, latest_seq FROM items WHERE id = ANY(%s)", (ids,))
        (last,) = present(take.fetchone())
        changed = dict(check.fetchall()) != seen
    first = last - len(plan.rows) + 1
    if changed:
        now = utcnow()
        plan = _plan(conn, prepared(now), _latest_of(conn, ids), now)
        conn.execute("UPDATE log_sequence SET value = %s", (first + len(plan.rows) - 1,))
    rows, items, receipts = plan.numbered(first)
    if not rows:
        return receipts
    if len(rows) <= _FEW:
        conn.execute(_INSERT_ROWS, _columns(rows))
    else:
        with conn.cursor() as cur, cur.copy(_COPY) as copy:
            copy.set_types(_COPY_TYPES)
            for row in rows:
                copy.write_row(row)
    conn.execute(_UPSERT_ITEMS, _columns(items))
    # After the pointers: their trigger drops the rows of the versions replaced.
    links = latest_links(rows, items)
    if links:
        conn.execute(_INSERT_LINKS, _columns(links))
    return receipts


def _columns(rows: list[Row]) -> list[list[object]]:
    """Rows as one list a column, for a statement that takes its columns as arrays."""
    return [list(column) for column in zip(*rows, strict=True)]


def _plan(
    conn: psycopg.Connection, batch: list[Prepared], latest: dict[str, Row], now: datetime
) -> BatchPlan:
    """The batch's plan (``plan_batch``), numbering from 0."""

    def same(item_id: str, fingerprint: str) -> Row | None:
        return conn.execute(
            "SELECT seq, version FROM versions WHERE id = %s AND fingerprint = %s"
            " ORDER BY seq DESC LIMIT 1",
            (item_id, fingerprint),
        ).fetchone()

    return plan_batch(batch, latest, now, same)


def _latest_of(conn: psycopg.Connection, ids: list[str]) -> dict[str, Row]:
    """id -> (seq, version, fingerprint, data) of the latest stored version."""
    rows = conn.execute(
        "SELECT i.id, v.seq, v.version, v.fingerprint, v.data FROM items i"
        " JOIN versions v ON v.seq = i.latest_seq WHERE i.id = ANY(%s)",
        (ids,),
    ).fetchall()
    return {item_id: tuple(rest) for item_id, *rest in rows}

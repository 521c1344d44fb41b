"""Item versions and the event log in the embedded SQLite store.

Tables:

- ``versions``: one row per stored version, append-only (triggers refuse UPDATE and
  DELETE). ``seq INTEGER PRIMARY KEY AUTOINCREMENT`` is the global sequence number:
  SQLite's AUTOINCREMENT never reuses a value, so cursors stay valid forever.
- ``items``: one row per item, pointing at its latest version (derived; rebuilt by
  migrations if needed).
- ``lifts``: the log entries of embargo lifts, numbered from the same sequence.
- ``embargoes``: the latest versions waiting for their embargo's lift, kept by triggers on
  ``items`` and ``lifts`` (derived; migration 18 says why), so that finding the next one
  reads what waits, not every embargo ever set.
- ``counts``: the numbers of rows of ``items`` and ``versions``, kept by triggers.
- ``item_links``: the associations of each item's latest version, by the id they name,
  for ``linking`` (derived; migration 21): written with each new latest version, those of
  the version it replaces dropped by triggers on ``items``.
- ``schema_migrations``: which migrations have run (see ``newswire.store.migrations``).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from datetime import datetime

from newswire.errors import Conflict, NotFound
from newswire.model import NewsItem, from_uri, utcnow
from newswire.store.base import (
    NO_END,
    Args,
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
from newswire.store.rows import STORED_COLUMNS, change_of, stored_of
from newswire.store.sqlite.connection import write_transaction

_INSERT = (
    "INSERT INTO versions (seq, id, version, language, headline, pubstatus, versioncreated,"
    " embargo_until, fingerprint, stored_at, data) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
)
_UPSERT_ITEM = (
    "INSERT INTO items (id, latest_version, latest_seq, language, updated_at)"
    " VALUES (?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET"
    " latest_version=excluded.latest_version, latest_seq=excluded.latest_seq,"
    " language=excluded.language, updated_at=excluded.updated_at"
    " WHERE excluded.latest_version >= items.latest_version"
)
_INSERT_LINKS = (
    "INSERT OR IGNORE INTO item_links (target, source_seq, source, type, rel) VALUES (?,?,?,?,?)"
)


class Items:
    """The item versions and the event log: the ``Store`` methods of ``SQLiteStore``, on
    its connection (``_db``) and lock (``_lock``)."""

    _db: sqlite3.Connection
    _lock: threading.RLock

    # --- writing ---------------------------------------------------------------------

    def append(self, item: NewsItem) -> Receipt:
        return self.append_many([item])[0]

    def append_many(self, items: Iterable[NewsItem | Prepared]) -> list[Receipt]:
        now = utcnow()
        batch = [it if isinstance(it, Prepared) else prepare(it, now) for it in items]
        with write_transaction(self._db, self._lock) as cur:
            return self._append_batch(cur, batch, now)

    def _append_batch(
        self, cur: sqlite3.Cursor, batch: list[Prepared], now: datetime
    ) -> list[Receipt]:
        """Versions for a batch (``plan_batch``): one lookup of the latest versions, two
        ``executemany``.

        Sequence numbers are allocated here, inside the write transaction (no other
        writer can interleave), continuing from the highest ever allocated.
        """
        latest = self._latest_of(cur, {p.id for p in batch})

        def same(item_id: str, fingerprint: str) -> Row | None:
            row: Row | None = cur.execute(
                "SELECT seq, version FROM versions WHERE id = ? AND fingerprint = ?"
                " ORDER BY seq DESC LIMIT 1",
                (item_id, fingerprint),
            ).fetchone()
            return row

        plan = plan_batch(batch, latest, now, same, first=_next_seq(cur))
        if plan.rows:
            cur.executemany(_INSERT, plan.rows)
            items = list(plan.items.values())
            cur.executemany(_UPSERT_ITEM, items)
            # After the pointers: their trigger drops the rows of the versions replaced.
            cur.executemany(_INSERT_LINKS, latest_links(plan.rows, items))
        return plan.receipts

    def _latest_of(self, cur: sqlite3.Cursor, ids: set[str]) -> dict[str, Row]:
        """id -> (seq, version, fingerprint, data) of the latest stored version."""
        found: dict[str, Row] = {}
        ids_list = list(ids)
        for start in range(0, len(ids_list), 500):
            chunk = ids_list[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for item_id, *rest in cur.execute(
                "SELECT i.id, v.seq, v.version, v.fingerprint, v.data FROM items i"
                f" JOIN versions v ON v.seq = i.latest_seq WHERE i.id IN ({marks})",
                chunk,
            ):
                found[item_id] = tuple(rest)
        return found

    def restore(self, records: Iterable[Stored]) -> RestoreReport:
        report = RestoreReport()
        with write_transaction(self._db, self._lock) as cur:
            for record in records:
                p = prepare(record.item)  # exported versions have their times: kept
                row = cur.execute(
                    "SELECT data FROM versions WHERE id = ? AND version = ?",
                    (p.id, p.version),
                ).fetchone()
                if row is None:
                    seq = _next_seq(cur)
                    at = iso(record.stored_at)
                    cur.execute(_INSERT, (seq, *p[:8], at, p.data))
                    cur.execute(_UPSERT_ITEM, (p.id, p.version, seq, p.language, at))
                    if cur.rowcount:  # the item's latest version now (not an older one)
                        cur.executemany(_INSERT_LINKS, links_of(seq, p.data))
                    report.added += 1
                elif row[0] == p.data:
                    report.skipped += 1
                else:
                    report.conflicts.append(f"{p.id}@{p.version}")
        return report

    # --- reading ---------------------------------------------------------------------

    def _rows(self, sql: str, args: Args = ()) -> list[Stored]:
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [stored_of(r) for r in rows]

    def get(self, item_id: str, version: int | None = None) -> Stored:
        item_id = from_uri(item_id)
        if version is None:
            sql = (
                f"SELECT {STORED_COLUMNS} FROM versions WHERE seq ="
                " (SELECT latest_seq FROM items WHERE id = ?)"
            )
            rows = self._rows(sql, (item_id,))
        else:
            sql = f"SELECT {STORED_COLUMNS} FROM versions WHERE id = ? AND version = ?"
            rows = self._rows(sql, (item_id, version))
        if not rows:
            what = f"version {version} of item" if version is not None else "item"
            raise NotFound(f"no {what} {item_id!r}", field="version" if version else "id")
        return rows[0]

    def get_many(self, item_ids: Iterable[str]) -> dict[str, Stored]:
        asked: dict[str, list[str]] = {}  # the id as stored -> the ids asked for it
        for item_id in item_ids:
            asked.setdefault(from_uri(item_id), []).append(item_id)
        ids = list(asked)
        out: dict[str, Stored] = {}
        for start in range(0, len(ids), 500):  # under SQLite's limit of parameters
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            with self._lock:
                rows = self._db.execute(
                    "SELECT i.id, v.seq, v.stored_at, v.data FROM items i"
                    f" JOIN versions v ON v.seq = i.latest_seq WHERE i.id IN ({marks})",
                    chunk,
                ).fetchall()
            for item_id, *row in rows:
                stored = stored_of(tuple(row))
                for each in asked[item_id]:
                    out[each] = stored
        return out

    def versions(self, item_id: str) -> list[Stored]:
        item_id = from_uri(item_id)
        rows = self._rows(
            f"SELECT {STORED_COLUMNS} FROM versions WHERE id = ? ORDER BY version", (item_id,)
        )
        if not rows:
            raise NotFound(f"no item {item_id!r}", field="id")
        return rows

    def since(self, after: int = 0, limit: int = 100) -> list[Stored]:
        return self._rows(
            f"SELECT {STORED_COLUMNS} FROM versions WHERE seq > ? ORDER BY seq LIMIT ?",
            (after, limit),
        )

    def changes(self, after: int = 0, limit: int = 100) -> list[Change]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, stored_at, data, 0 FROM versions WHERE seq > ?"
                " UNION ALL SELECT l.seq, l.lifted_at, v.data, 1 FROM lifts l"
                " JOIN versions v ON v.seq = l.version_seq WHERE l.seq > ?"
                " ORDER BY 1 LIMIT ?",
                (after, after, limit),
            ).fetchall()
        return [change_of(r) for r in rows]

    def lift_due(self, now: datetime | None = None) -> list[Change]:
        now_text = iso(now or utcnow())
        with write_transaction(self._db, self._lock) as cur:
            # The embargoes waiting (migration 18), not every one ever set; a lift takes
            # its version out of them (a trigger on ``lifts``).
            due = cur.execute(
                "SELECT version_seq FROM embargoes WHERE embargo_until <= ?"
                " ORDER BY embargo_until, version_seq",
                (now_text,),
            ).fetchall()
            if not due:
                return []
            first = _next_seq(cur)
            rows = [(first + n, version_seq, now_text) for n, (version_seq,) in enumerate(due)]
            cur.executemany("INSERT INTO lifts (seq, version_seq, lifted_at) VALUES (?,?,?)", rows)
            # Keep AUTOINCREMENT above the lifts' numbers too: sequence numbers are shared.
            cur.execute(
                "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'versions'",
                (rows[-1][0],),
            )
        return self.changes(first - 1, len(rows))

    def next_embargo(self) -> datetime | None:
        with self._lock:
            row = self._db.execute("SELECT min(embargo_until) FROM embargoes").fetchone()
        return time_of(row[0]) if row and row[0] else None

    def embargoes_waiting(self) -> tuple[int, datetime | None]:
        with self._lock:
            row = self._db.execute(
                "SELECT count(*), min(embargo_until) FROM embargoes"
            ).fetchone()
        return row[0], time_of(row[1]) if row[1] else None

    def withdraw(self, item_id: str, reason: str) -> Receipt:
        history = self.versions(item_id)
        if history[-1].item.pubstatus == "canceled":
            raise Conflict(f"item {item_id!r} is already withdrawn", field="id")
        return self.append(withdrawal(history, reason, utcnow()))

    def linking(
        self,
        item_id: str,
        *,
        type: str | None = None,
        before: int | None = None,
        limit: int = 20,
    ) -> list[Linking]:
        # A bounded range of the primary key (target, source_seq) for each form of the
        # id an association may name, newest first, merged here: an OR of the two forms
        # would sort every row of both.
        bare = from_uri(item_id)
        found: dict[str, Linking] = {}
        with self._lock:
            for target in link_names(bare):
                for row in self._db.execute(
                    "SELECT source, source_seq, type, rel FROM item_links"
                    " WHERE target = ? AND source_seq < ? AND source != ?"
                    " AND (? IS NULL OR type = ?) ORDER BY source_seq DESC LIMIT ?",
                    (target, NO_END if before is None else before, bare, type, type, limit),
                ):
                    found.setdefault(row[0], Linking(*row))
        return sorted(found.values(), key=lambda link: link.seq, reverse=True)[:limit]

    def latest(
        self, *, language: str | None = None, limit: int = 20, before: int | None = None
    ) -> list[Stored]:
        below = NO_END if before is None else before
        if not language:
            return self._rows(
                "SELECT v.seq, v.stored_at, v.data FROM items i JOIN versions v"
                " ON v.seq = i.latest_seq WHERE i.latest_seq < ?"
                " ORDER BY i.latest_seq DESC LIMIT ?",
                (below, limit),
            )
        # One bounded read of the index (language, latest_seq) per stored tag the language
        # takes in, not a walk down the whole archive until ``limit`` items of it turn up:
        # the public home page of a language the agency seldom writes in read every item.
        with self._lock:
            seqs = [
                seq
                for tag in self._tags_of(language)
                for (seq,) in self._db.execute(
                    "SELECT latest_seq FROM items WHERE language = ? AND latest_seq < ?"
                    " ORDER BY latest_seq DESC LIMIT ?",
                    (tag, below, limit),
                )
            ]
        newest = sorted(seqs, reverse=True)[:limit]
        return sorted(self.by_seq(newest), key=lambda s: s.seq, reverse=True)

    def _tags_of(self, language: str) -> list[str]:
        """The language tags stored that ``language`` takes in: itself in any case and its
        regional variants (``ar`` takes ``ar-EG``, not ``arn``). The distinct tags are found
        by seeking the index from one to the next, a read per tag, not one per item."""
        prefix = language.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._db.execute(
            "WITH RECURSIVE tags(tag) AS (SELECT min(language) FROM items UNION ALL"
            " SELECT (SELECT min(language) FROM items WHERE language > tag) FROM tags"
            " WHERE tag IS NOT NULL)"
            " SELECT tag FROM tags WHERE tag = ? COLLATE NOCASE OR tag LIKE ? ESCAPE '\\'",
            (language, f"{prefix}-%"),
        ).fetchall()
        return [tag for (tag,) in rows]

    def export(self) -> Iterator[Stored]:
        last = 0
        while page := self.since(last, 1000):
            yield from page
            last = page[-1].seq

    def catalogue(self, *, by_item: bool = False) -> Iterator[Heading]:
        if by_item:
            yield from self._catalogue_by_item()
            return
        last = 0
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT seq, id, version, pubstatus, embargo_until, stored_at FROM versions"
                    " WHERE seq > ? ORDER BY seq LIMIT 5000",
                    (last,),
                ).fetchall()
            if not rows:
                return
            yield from (Heading(*row) for row in rows)
            last = rows[-1][0]

    def _catalogue_by_item(self) -> Iterator[Heading]:
        # Pages of the index UNIQUE (id, version), each from where the last one ended.
        sql = (
            "SELECT seq, id, version, pubstatus, embargo_until, stored_at FROM versions"
            " WHERE (id, version) > (?, ?) ORDER BY id, version LIMIT 5000"
        )
        last: tuple[str, int] = ("", 0)
        while True:
            with self._lock:
                rows = self._db.execute(sql, last).fetchall()
            if not rows:
                return
            yield from (Heading(*row) for row in rows)
            last = (rows[-1][1], rows[-1][2])

    def by_seq(self, seqs: list[int]) -> list[Stored]:
        out: list[Stored] = []
        for start in range(0, len(seqs), 500):
            chunk = seqs[start : start + 500]
            marks = ",".join("?" * len(chunk))
            out += self._rows(
                f"SELECT {STORED_COLUMNS} FROM versions WHERE seq IN ({marks}) ORDER BY seq",
                tuple(chunk),
            )
        return out

    def count(self) -> tuple[int, int]:
        # Kept by triggers (migration 15), not counted: a count(*) reads the whole archive.
        with self._lock:
            kept = dict(self._db.execute("SELECT name, n FROM counts").fetchall())
        return kept["items"], kept["versions"]

    def last_seq(self) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT max(coalesce((SELECT max(seq) FROM versions), 0),"
                " coalesce((SELECT max(seq) FROM lifts), 0))"
            ).fetchone()
        return row[0] or 0


def _next_seq(cur: sqlite3.Cursor) -> int:
    """The next sequence number: above any ever allocated (AUTOINCREMENT's own rule)."""
    row = cur.execute(
        "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'versions'), 0),"
        " coalesce((SELECT max(seq) FROM versions), 0),"
        " coalesce((SELECT max(seq) FROM lifts), 0))"
    ).fetchone()
    highest: int = row[0]
    return highest + 1

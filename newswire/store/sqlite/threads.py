"""Story threads' signatures and band keys in the embedded SQLite store (tables
``thread_signatures`` and ``thread_bands``, migrations 13, 14 and 19, and the levels of
migration 22).

The band rows are kept in three tables, ``LEVELS``, a row in exactly one of them: new rows
go into the first, small enough to stay in the page cache, and a level holding more than
its ``LIMITS`` share has a slice of its rows (``SLICE``, in band key order, from where the
last slice ended) moved into the next in the same transaction as the write that found it
full. A batch's rows, their band keys random, land on as many distinct pages of an index
as there are rows once the index is much larger than the batch: written into one index,
the write an item grew with the archive (0.039 ms at 20,000 items, 0.285 ms at 160,000,
``bench/threads_store.py``). A slice's rows are in one range of band keys, so each page
of the next level in that range is written once for many rows. A query reads the levels
that hold rows (``_BAND``), which the page cache holds but for the last's leaves.
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from itertools import chain

from newswire.model import utcnow
from newswire.store.base import Stored, iso
from newswire.store.rows import STORED_COLUMNS, stored_of
from newswire.store.sqlite.connection import Tables, write_transaction
from newswire.store.threads import CANDIDATES, PER_BAND, Candidate, Remembered, as_out

# Two steps, the second only when the first finds something (most items share no band
# key with any other). First the rows sharing a band key: of each band key, the last
# ``PER_BAND`` remembered before this item, when it is (one bounded range of the primary
# key's index a key), counted by signature here, the most shared kept. Then those of them
# whose items the store holds, as their latest version stands: a row remembered for an
# item that was never stored has no ``items`` row and drops out of the join. An item
# whose latest version is under embargo is read again, its versions by id (``_HISTORY``),
# to find the version out (``as_out``): rare, so not a cost of every query. Only items
# first stored before this one (when it is stored already): a story links back to what
# came before it, so taking in the same item again finds what it found the first time.
# One statement did both (the rows grouped, ordered and joined in SQL): its temporary
# tables cost about a third more a query, every query, found or not.
_SHARED = """
WITH mine(key) AS (
    SELECT coalesce(
        (SELECT key FROM thread_signatures WHERE item_id = ?), 9223372036854775807)
)
{per_band}
"""
LEVELS = ("thread_bands_0", "thread_bands_1", "thread_bands")
"""The band rows' tables, newest first (see the module's docstring)."""
LIMITS = (1 << 18, 1 << 22)
"""The rows each level but the last holds before slices of it move into the next: about
8,000 and 130,000 items' (about 4.5 MB and 70 MB of pages)."""
SLICE = 1 << 16
"""The rows a slice moves at most, in one transaction."""
_HELD = " UNION ALL ".join(
    f"SELECT {n} WHERE EXISTS (SELECT 1 FROM {level})" for n, level in enumerate(LEVELS)
)
"""The levels that hold rows: whether each has a first row (its count in
``thread_band_levels`` only decides when a slice moves on)."""

_BAND = (
    "SELECT band, key FROM (SELECT band, key FROM {level} WHERE band = ?"
    " AND key < (SELECT key FROM mine) ORDER BY key DESC LIMIT ?)"
)
"""One band key's rows in one level, in ``_SHARED``: SQLite applies a ``LIMIT`` in a
compound select to the whole, so each is in a subquery of its own. Only the levels that
hold rows are read (``_HELD``, in the same read transaction: a slice moved meanwhile by
another process is seen where it was or where it went, never nowhere), and a band key's
rows of two or three levels are cut to its last ``PER_BAND`` in ``candidates``: one
compound select ordering the three at once took a query from 0.04 to 0.11 ms on a store
whose levels but the first were empty, each level's 32 subqueries 0.03 ms."""
_STORED = """
SELECT s.key, s.item_id, s.type, v.headline, s.signature, v.embargo_until
FROM thread_signatures AS s
JOIN items AS i ON i.id = s.item_id
JOIN versions AS v ON v.seq = i.latest_seq
WHERE s.key IN ({marks})
AND v.pubstatus <> 'canceled'
AND (SELECT min(seq) FROM versions WHERE id = s.item_id)
    < coalesce((SELECT min(seq) FROM versions WHERE id = ?), 9223372036854775807)
"""

_HISTORY = f"SELECT id, {STORED_COLUMNS} FROM versions WHERE id IN ({{marks}}) ORDER BY id, version"
"""The versions of the candidates whose latest is under embargo (``UNIQUE (id, version)``'s
index)."""


@functools.cache
def _shared_sql(bands: int, levels: tuple[int, ...]) -> str:
    read = [_BAND.format(level=LEVELS[n]) for n in levels]
    return _SHARED.format(per_band=" UNION ALL ".join(read * bands))


_MARKS = 500
"""Ids a query at most (SQLite before 3.32 takes 999 parameters)."""


def _keys(cur: sqlite3.Cursor, ids: list[str]) -> dict[str, int]:
    """The numbers of the signatures of ``ids``, ``_MARKS`` ids a query."""
    keys: dict[str, int] = {}
    for at in range(0, len(ids), _MARKS):
        part = ids[at : at + _MARKS]
        sql = f"SELECT item_id, key FROM thread_signatures WHERE item_id IN ({','.join('?' * len(part))})"
        keys.update(cur.execute(sql, part).fetchall())
    return keys


_BIGGEST = 2**63 - 1
"""The largest signature number (SQLite's largest rowid)."""


def _insert_new(cur: sqlite3.Cursor, entries: list[Remembered]) -> dict[str, int]:
    """The signatures of ``entries`` (items with none) inserted; their numbers."""
    if not entries:
        return {}
    # Numbered here as SQLite numbers a row given none (no AUTOINCREMENT): the largest
    # number so far plus one, an insert after another. The numbers asked back by item id
    # (``_keys``) cost a lookup an item, 0.01 s of CPU for 10,000; ``executemany`` gives
    # back no rows of a RETURNING clause.
    (top,) = cur.execute("SELECT max(key) FROM thread_signatures").fetchone()
    first = 1 if top is None else top + 1
    if first + len(entries) - 1 > _BIGGEST:  # past it, SQLite draws numbers at random
        cur.executemany(
            "INSERT INTO thread_signatures (item_id, type, signature) VALUES (?, ?, ?)",
            [(e.item_id, e.type, e.signature) for e in entries],
        )
        return _keys(cur, [e.item_id for e in entries])
    numbers = {e.item_id: n for n, e in enumerate(entries, first)}
    cur.executemany(
        "INSERT INTO thread_signatures (key, item_id, type, signature) VALUES (?, ?, ?, ?)",
        [(numbers[e.item_id], e.item_id, e.type, e.signature) for e in entries],
    )
    return numbers


_ROWS = 1024
"""Band rows a statement at most (``insert_bands``): fewer when the SQLite at hand binds
fewer than twice as many values."""


@functools.cache
def _rows_statement(rows: int) -> str:
    return f"INSERT OR IGNORE INTO {LEVELS[0]} (band, key) VALUES " + ",".join(["(?,?)"] * rows)


def insert_bands(cur: sqlite3.Cursor, rows: Sequence[tuple[int, Sequence[int]]]) -> int:
    """The band rows of ``rows`` (a signature's number, its band keys) written into the
    first level, ``LEVELS[0]``; how many it did not hold already. In band key order,
    ``_ROWS`` rows a statement: their values bound from one flat list, no Python tuple a
    row. 10,000 items' 320,000 rows: 0.21-0.25 s of CPU, against 0.26-0.33 s as
    one JSON object read by ``json_each`` (its text made, parsed, and each band key cast
    from the object's key) and 0.36 s bound a row at a time (``executemany``, a tuple a
    row). The order makes fewer pages of the level written at random than the items'
    (unsorted, 0.1 s more)."""
    # Imported here: numpy's import only in a process that writes signatures (one that
    # has made them has it already).
    import numpy as np

    counts = [len(bands) for _, bands in rows]
    total = sum(counts)
    if not total:
        return 0
    band = np.fromiter(chain.from_iterable(bands for _, bands in rows), np.int64, total)
    key = np.repeat(np.fromiter((key for key, _ in rows), np.int64, len(rows)), counts)
    # One sort a batch, of the band keys alone: rows of one band key (two items of the
    # batch sharing it, or one item naming it twice) in any order are the same rows.
    order = np.argsort(band)
    flat = np.empty(2 * total, dtype=np.int64)
    flat[0::2], flat[1::2] = band[order], key[order]
    values = flat.tolist()
    limit = cur.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    step = 2 * max(1, min(_ROWS, limit // 2))
    whole = len(values) - len(values) % step
    if whole:
        cur.executemany(
            _rows_statement(step // 2), [values[at : at + step] for at in range(0, whole, step)]
        )
    # The rest in statements of the powers of two its rows add up to (at most ten): each
    # is prepared once a connection and stays in its statement cache. A statement of the
    # rest's own count, another nearly every batch, was prepared each time (0.5 ms for
    # 1,000 rows) and filled that cache's 128 places with about 0.25 MB each.
    at, left = whole, (len(values) - whole) // 2
    added = cur.rowcount if whole else 0
    while left:
        count = 1 << (left.bit_length() - 1)
        cur.execute(_rows_statement(count), values[at : at + 2 * count])
        added += cur.rowcount
        at, left = at + 2 * count, left - count
    return added


def _bands_of(signature: bytes) -> list[int] | None:
    """The band keys a stored signature was remembered with (``Remembered.bands``), None
    when this release cannot read it."""
    # Imported here: numpy's import only in a process that replaces a signature.
    from newswire.enrich.threads import band_keys, from_bytes

    values = from_bytes(signature)
    return None if values is None else band_keys(values)


@contextlib.contextmanager
def _read_transaction(db: sqlite3.Connection) -> Iterator[None]:
    """The block's statements read one state of the database (a transaction of its own,
    unless the connection is in one already)."""
    if db.in_transaction:
        yield
        return
    db.execute("BEGIN")
    try:
        yield
    finally:
        if db.in_transaction:  # not when SQLite ended it on an error of its own
            db.execute("COMMIT")


def _last_per_band(rows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``rows`` (band key, signature number), each band key's cut to the ``PER_BAND``
    largest numbers (the last remembered): the levels' rows of one band key together."""
    by_band: dict[int, list[int]] = {}
    for band, key in rows:
        by_band.setdefault(band, []).append(key)
    if all(len(found) <= PER_BAND for found in by_band.values()):
        return rows
    return [
        (band, key)
        for band, found in by_band.items()
        for key in (found if len(found) <= PER_BAND else heapq.nlargest(PER_BAND, found))
    ]


def _settle_levels(cur: sqlite3.Cursor, added: int, dropped: list[int]) -> None:
    """The small levels' counts moved by a write (``added`` rows into the first,
    ``dropped`` rows out of each), then slices of each level past its ``LIMITS`` share
    moved into the next until it is within it (see the module's docstring): one slice
    for the writes of bulk ingest's batches or of one item, as many as it takes for a
    larger one, so that no level grows past its share whatever a write adds."""
    held = dict(cur.execute("SELECT level, rows FROM thread_band_levels").fetchall())
    rows = [held[0] + added - dropped[0], *(held[n] - dropped[n] for n in range(1, len(LIMITS)))]
    for n, limit in enumerate(LIMITS):
        while rows[n] > limit:
            moved, taken = _slice(cur, n)
            if not moved:  # the count says more than the level holds: nothing to move
                break
            rows[n] -= moved
            if n + 1 < len(LIMITS):
                rows[n + 1] += taken
    cur.executemany(
        "UPDATE thread_band_levels SET rows = ? WHERE level = ?",
        [(count, n) for n, count in enumerate(rows) if count != held[n]],
    )


def _slice(cur: sqlite3.Cursor, n: int) -> tuple[int, int]:
    """Up to ``SLICE`` rows of level ``n`` moved into the next, in band key order from
    where its last slice ended (from the first row once the last reached its end): how
    many left level ``n`` and how many the next did not hold already."""
    level, after = LEVELS[n], LEVELS[n + 1]
    stored = cur.execute("SELECT band, key FROM thread_band_levels WHERE level = ?", (n,))
    start = stored.fetchone()
    from_cursor = start[0] is not None
    if not from_cursor:
        start = (_LOWEST, _LOWEST)
    # The slice's last row; none when fewer than a slice are left: then to the level's
    # end, and the next slice from its first row.
    last = cur.execute(
        f"SELECT band, key FROM {level} WHERE (band, key) > (?, ?)"
        " ORDER BY band, key LIMIT 1 OFFSET ?",
        (*start, SLICE - 1),
    ).fetchone()
    where, bounds = "(band, key) > (?, ?)", tuple(start)
    if last is not None:
        where, bounds = f"{where} AND (band, key) <= (?, ?)", (*start, *last)
    cur.execute(
        f"INSERT OR IGNORE INTO {after} (band, key)"
        f" SELECT band, key FROM {level} WHERE {where} ORDER BY band, key",
        bounds,
    )
    taken = cur.rowcount
    cur.execute(f"DELETE FROM {level} WHERE {where}", bounds)
    moved = cur.rowcount
    cur.execute(
        "UPDATE thread_band_levels SET band = ?, key = ? WHERE level = ?",
        (*(last or (None, None)), n),
    )
    if not moved and from_cursor:  # nothing after where the last slice ended
        return _slice(cur, n)
    return moved, taken


_LOWEST = -(1 << 63)
"""Below every band key and signature number: where the first slice of a level starts."""


class SQLiteThreads(Tables):
    """``newswire.store.threads.Threads``."""

    def candidates(
        self, bands: Sequence[int], exclude: str, limit: int = CANDIDATES
    ) -> list[Candidate]:
        if not bands:
            return []
        keys = list(dict.fromkeys(bands))
        with self._lock, _read_transaction(self._db):
            levels = tuple(sorted(n for (n,) in self._db.execute(_HELD)))
            if not levels:
                return []
            args: list[object] = [exclude]
            for band in keys:
                args += (band, PER_BAND) * len(levels)
            rows = self._db.execute(_shared_sql(len(keys), levels), args).fetchall()
            if not rows:
                return []
            if len(levels) > 1:
                # A row in two levels is one row: a node of a release before the levels,
                # during an upgrade, writes into the last one the rows of an item it
                # remembers again that the first may hold already (the band keys its
                # old text and new share), and deletes them from the last one alone.
                rows = list(dict.fromkeys(rows))
            shared = Counter(key for _, key in _last_per_band(rows))
            chosen = list(shared)
            if len(chosen) > limit:
                # The ``limit`` sharing the most, ties by item id, of those with a
                # signature (the rows of one key are its signature's, and never the
                # asking item's: theirs are older than it).
                ids = self._ids(chosen, exclude)
                chosen = sorted(ids, key=lambda key: (-shared[key], ids[key]))[:limit]
            rows = self._db.execute(
                _STORED.format(marks=",".join("?" * len(chosen))), [*chosen, exclude]
            ).fetchall()
            now = utcnow()
            cut = iso(now)
            found = [
                (Candidate(i, t, h, sig, shared[key]), embargo is not None and embargo > cut)
                for key, i, t, h, sig, embargo in rows
            ]
            held = [c.id for c, under in found if under]
            if held:
                history: dict[str, list[Stored]] = {i: [] for i in held}
                for i, *row in self._db.execute(
                    _HISTORY.format(marks=",".join("?" * len(held))), held
                ):
                    history[i].append(stored_of(tuple(row)))
        hits = [c if not under else as_out(c, history[c.id], now) for c, under in found]
        return sorted((c for c in hits if c), key=lambda c: (-c.shared, c.id))

    def _ids(self, keys: list[int], exclude: str) -> dict[int, str]:
        """The item id of each of ``keys`` that has a signature, but ``exclude``."""
        ids: dict[int, str] = {}
        for at in range(0, len(keys), _MARKS):
            part = keys[at : at + _MARKS]
            sql = f"SELECT key, item_id FROM thread_signatures WHERE key IN ({','.join('?' * len(part))})"
            ids.update((k, i) for k, i in self._db.execute(sql, part) if i != exclude)
        return ids

    def remember_many(self, entries: Sequence[Remembered]) -> None:
        latest = {e.item_id: e for e in entries}  # an item twice: the last one stands
        if not latest:
            return
        ids = list(latest)
        with write_transaction(self._db, self._lock) as cur:
            kept: dict[str, tuple[str, bytes]] = {}
            keys: dict[str, int] = {}  # the signatures' numbers
            for at in range(0, len(ids), _MARKS):
                part = ids[at : at + _MARKS]
                marks = ",".join("?" * len(part))
                sql = f"SELECT item_id, key, type, signature FROM thread_signatures WHERE item_id IN ({marks})"
                for i, key, t, sig in cur.execute(sql, part):
                    kept[i] = (t, sig)
                    keys[i] = key
            # Remembered again as it is (``enrich --all``, a version with the same text):
            # nothing to write. Otherwise the signature replaced under its number, and its
            # band keys replaced: the old ones found through the index by number.
            changed = [e for e in latest.values() if kept.get(e.item_id) != (e.type, e.signature)]
            cur.executemany(
                "UPDATE thread_signatures SET type = ?, signature = ? WHERE key = ?",
                [(e.type, e.signature, keys[e.item_id]) for e in changed if e.item_id in kept],
            )
            keys.update(_insert_new(cur, [e for e in changed if e.item_id not in kept]))
            # An item's old band rows, by their primary key: its old signature's band keys
            # and its number. No index by number alone (migration 19): every band row
            # written into a second B-tree cost bulk ingest's storing process 0.4-0.5 s
            # of CPU for 10,000 items, for a delete only an item's new text needs.
            old: list[tuple[int, int]] = []
            lost: list[int] = []
            for e in changed:
                if e.item_id in kept:
                    key = keys[e.item_id]
                    bands = _bands_of(kept[e.item_id][1])
                    if bands is None:
                        lost.append(key)
                    else:
                        old += [(band, key) for band in bands]
            dropped = [0] * len(LEVELS)
            for n, level in enumerate(LEVELS):
                if old:
                    cur.executemany(f"DELETE FROM {level} WHERE band = ? AND key = ?", old)
                    dropped[n] += cur.rowcount
                # A signature of another length (another number of permutations) has no
                # band keys to compute: its rows are found by reading the whole table,
                # once for ``_MARKS`` such items of a batch (``enrich --all`` after such a
                # change).
                for at in range(0, len(lost), _MARKS):
                    gone = lost[at : at + _MARKS]
                    marks = ",".join("?" * len(gone))
                    cur.execute(f"DELETE FROM {level} WHERE key IN ({marks})", gone)
                    dropped[n] += cur.rowcount
            # Each band row by value: its signature's number read once an item, not once
            # a band key by a subquery (32 lookups of the item's id an item).
            added = insert_bands(cur, [(keys[e.item_id], e.bands) for e in changed])
            _settle_levels(cur, added, dropped)

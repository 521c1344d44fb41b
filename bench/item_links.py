"""What the items' links (``item_links``, ``Store.linking``) cost an append, and the
migration that makes them for an archive (SQLite).

    .venv/bin/python bench/item_links.py [--items N] [--runs R]

N items (default 20,000) of six paragraphs of Arabic words, one in three with three
links to earlier items (what the threads step gives a story that has some), prepared
first, then stored ``append_many`` 1,000 at a time into a fresh SQLite store, three ways,
interleaved, R runs each (default 3), the best kept:

- ``without``: no rows written (``latest_links`` made to return none): the store before;
- ``store``: the rows as the store writes them (``base.latest_links``), what ships;
- ``trigger``: no rows from the store, a trigger on ``items`` that reads each new latest
  version back and parses its JSON in SQLite instead (the design not taken).

Then the rows are made again from the stored items by migration 20 (its SQL, timed), and
compared with those the store wrote.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import wait_quiet  # noqa: E402
from newswire.model import MACHINE, Association, NewsItem  # noqa: E402
from newswire.store import base, open_store  # noqa: E402
from newswire.store.migrations import SQLITE_MIGRATIONS, migrate  # noqa: E402
from newswire.store.sqlite import items as sqlite_items  # noqa: E402

WORDS = "قال المسؤول إن الوفد سيصل غدا إلى المدينة لبحث المساعدات والتعاون".split()
TRIGGER = """
CREATE TRIGGER bench_items_insert_links AFTER INSERT ON items
BEGIN
    INSERT OR IGNORE INTO item_links (target, source_seq, source, type, rel)
    SELECT json_extract(a.value, '$.id'), v.seq, v.id,
        coalesce(json_extract(a.value, '$.type'), 'picture'),
        coalesce(json_extract(a.value, '$.rel'), 'seeAlso')
    FROM versions v, json_each(CAST(v.data AS TEXT), '$.associations') AS a
    WHERE v.seq = new.latest_seq AND instr(v.data, CAST('"associations":' AS BLOB))
    AND json_extract(a.value, '$.id') != v.id;
END
"""


def workload(n: int) -> list[base.Prepared]:
    rng = random.Random(1)
    out = []
    for k in range(n):
        body = [" ".join(rng.choice(WORDS) for _ in range(60)) for _ in range(6)]
        links = [
            Association(id=f"urn:bench:{rng.randrange(k)}", type="text", creator=MACHINE)
            for _ in range(3)
        ] if k and k % 3 == 0 else []
        item = NewsItem(
            id=f"urn:bench:{k}", language="ar", headline="عنوان", body=body, associations=links
        )
        out.append(base.prepare(item))
    return out


def store_all(folder: str, way: str, items: list[base.Prepared]) -> tuple[float, str]:
    path = f"{folder}/{way}.db"
    for end in ("", "-wal", "-shm"):
        Path(path + end).unlink(missing_ok=True)
    store = open_store(f"sqlite:///{path}")
    written = sqlite_items.latest_links
    if way != "store":
        sqlite_items.latest_links = lambda rows, items: []  # type: ignore[assignment]
    if way == "trigger":
        store._db.execute(TRIGGER)  # type: ignore[attr-defined]
    try:
        start = time.perf_counter()
        for k in range(0, len(items), 1000):
            store.append_many(items[k : k + 1000])
        took = time.perf_counter() - start
    finally:
        sqlite_items.latest_links = written
        store.close()
    return took, path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    items = workload(args.items)
    wait_quiet(120)
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="item-links-") as folder:
        for _ in range(args.runs):
            for way in ("without", "store", "trigger"):
                took, path = store_all(folder, way, items)
                best[way] = min(best.get(way, took), took)
        print("| rows written by | s for the batches | µs an item |")
        print("|---|---:|---:|")
        for way, took in best.items():
            print(f"| {way} | {took:.2f} | {took / args.items * 1e6:.0f} |")
        _, path = store_all(folder, "store", items)
        db = sqlite3.connect(path, isolation_level=None)
        written = db.execute("SELECT * FROM item_links ORDER BY 1, 2").fetchall()
        for statement in (
            "DROP TABLE item_links",
            "DROP TRIGGER items_update_links",
            "DROP TRIGGER items_delete_links",
            "DELETE FROM schema_migrations WHERE number = 20",
        ):
            db.execute(statement)
        start = time.perf_counter()
        migrate(db, SQLITE_MIGRATIONS)
        took = time.perf_counter() - start
        made = db.execute("SELECT * FROM item_links ORDER BY 1, 2").fetchall()
        db.close()
        print(
            f"\nmigration 20 over {args.items:,} items: {took:.2f} s, {len(made):,} rows,"
            f" {'the same as' if made == written else 'NOT the same as'} the store wrote"
        )


if __name__ == "__main__":
    main()

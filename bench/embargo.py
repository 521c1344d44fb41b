"""What finding the next embargo costs as the archive grows: ``Store.next_embargo`` and
``Store.lift_due`` (the hub asks the first every poll, half a second, in every server
process) against a bare indexed SELECT of the same answer.

    .venv/bin/python bench/embargo.py [--versions N] [--share S] [--db URL]

N versions (default 200,000), a share S of them (default 0.2) stored under an embargo
and all of them lifted since, go into a fresh SQLite store in a temporary folder (or the
empty store at ``--db``: a PostgreSQL database); then one more item waits under an
embargo an hour away. Printed: the median milliseconds of a call of each (nothing is
due for ``lift_due``: what the hub pays when it looks), and of the peer, the smallest
embargo from now on read from the range of the index on ``embargo_until``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newswire.model import NewsItem, utcnow  # noqa: E402
from newswire.store import open_store  # noqa: E402
from newswire.store.base import iso, prepare  # noqa: E402

PEER = "SELECT min(embargo_until) FROM versions WHERE embargo_until >= {mark}"


def timed(call: Callable[[], object], rounds: int = 200) -> float:
    """The median milliseconds of a call."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def fill(url: str, versions: int, share: float) -> Callable[[], object]:
    store = open_store(url)
    now = utcnow()
    every = max(1, round(1 / share)) if share else 0
    chunk = 5_000
    for start in range(0, versions, chunk):
        batch = []
        for n in range(start, min(start + chunk, versions)):
            until = now + timedelta(minutes=1) if every and n % every == 0 else None
            item = NewsItem(
                id=f"urn:newsml:bench:{n}", language="ar", headline=f"خبر {n}",
                body=["نص الخبر."], embargo_until=until,
            )  # fmt: skip
            batch.append(prepare(item, now))
        store.append_many(batch)
    store.lift_due(now + timedelta(minutes=2))  # every embargo so far: lifted
    waiting = NewsItem(
        id="urn:newsml:bench:waiting", language="ar", headline="ينتظر", body=["نص."],
        embargo_until=utcnow() + timedelta(hours=1),
    )  # fmt: skip
    store.append(waiting)
    nothing_due = now + timedelta(minutes=10)  # after every lifted one, before the waiting
    print(f"| store | {url.split(':', 1)[0]}, {versions:,} versions, {share:.0%} embargoed |")
    print("|---|---:|")
    print(f"| `next_embargo()` | {timed(store.next_embargo):.3f} ms |")
    print(f"| `lift_due(now)`, nothing due | {timed(lambda: store.lift_due(nothing_due)):.3f} ms |")
    store.close()
    return peer(url, iso(nothing_due))


def peer(url: str, since: str) -> Callable[[], object]:
    if url.startswith("sqlite"):
        import sqlite3

        db = sqlite3.connect(url.split("///", 1)[1])
        return lambda: db.execute(PEER.format(mark="?"), (since,)).fetchone()
    import psycopg

    conn = psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True)
    return lambda: conn.execute(PEER.format(mark="%s"), (since,)).fetchone()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--versions", type=int, default=200_000)
    parser.add_argument("--share", type=float, default=0.2)
    parser.add_argument("--db", default=None, help="an empty store's URL (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="embargo-") as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'e.db'}"
        bare = fill(url, args.versions, args.share)
        print(f"| peer: `{PEER.format(mark='?')}` | {timed(bare):.3f} ms |")


if __name__ == "__main__":
    main()

"""One digest of what a bulk ingest with every enrichment step stores, to tell that a cost
round changed nothing: the checkouts to compare print the same line.

    .venv/bin/python bench/enrich_digest.py FOLDER

Ingests FOLDER (``bench/enrich.py`` writes the corpus's articles as ninjs files; any
folder ``newswire ingest`` takes) with the real ``newswire ingest`` and ``NEWSWIRE_ENRICH=
all`` into an empty SQLite store, then prints how many versions it stored and one SHA-256
over each version's JSON (by id and version), each item's thread signature and its band
rows (by item id). Ingest is deterministic: the same code and files print the same line.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def digest(db: Path) -> tuple[int, str]:
    """(versions stored, the SHA-256 of what was stored) of the SQLite store at ``db``."""
    connection = sqlite3.connect(db)
    try:
        found = hashlib.sha256()
        for (data,) in connection.execute("SELECT data FROM versions ORDER BY id, version"):
            found.update(json.dumps(json.loads(data), sort_keys=True).encode())
        signatures = "SELECT item_id, type, hex(signature) FROM thread_signatures ORDER BY item_id"
        bands = (
            "SELECT s.item_id, b.band FROM thread_bands_every b"
            " JOIN thread_signatures s ON s.key = b.key ORDER BY 1, 2"
        )
        for sql in (signatures, bands):
            for row in connection.execute(sql):
                found.update(repr(row).encode())
        (count,) = connection.execute("SELECT count(*) FROM versions").fetchone()
        return count, found.hexdigest()
    finally:
        connection.close()


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with tempfile.TemporaryDirectory(prefix="enrich-digest-") as work:
        db = Path(work) / "digest.db"
        env = {**os.environ, "NEWSWIRE_DB": f"sqlite:///{db}", "NEWSWIRE_ENRICH": "all"}
        done = subprocess.run(
            [sys.executable, "-m", "newswire.cli", "ingest", sys.argv[1]],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        )
        if done.returncode:
            sys.exit(f"newswire ingest failed ({done.returncode}):\n{done.stderr}")
        count, value = digest(db)
    print(f"{count} versions {value}")


if __name__ == "__main__":
    main()

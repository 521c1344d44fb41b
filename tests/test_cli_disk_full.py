"""Commands that write when the disk will take no more: a message, a non-zero exit and
nothing half-written left behind.

The operating system's limit on the size of a file a process may write (``RLIMIT_FSIZE``,
with ``SIGXFSZ`` ignored so that a write past it fails as one to a full disk does) stands
for the full disk: the commands meet a real refusal from the kernel, mid-write."""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from newswire.store import open_store
from tests.conftest import CORPUS_SAMPLE
from tests.helpers import ROOT, newswire

pytestmark = pytest.mark.any_store


def newswire_with_room(room: int, *args: str) -> subprocess.CompletedProcess:
    """``newswire ARGS`` allowed to write files of up to ``room`` bytes."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (room, room))

    return subprocess.run(
        [sys.executable, "-m", "newswire.cli", *args],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        preexec_fn=limit,
    )


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('source') / 'demo.db'}"
    made = newswire("demo", "--no-serve", db=url)
    assert made.returncode == 0, made.stderr.decode()
    return url


def versions(url: str) -> int:
    store = open_store(url, create=False)
    try:
        return store.count()[1]
    finally:
        store.close()


def test_a_migration_into_a_full_disk_says_so_and_completes_when_run_again(source, tmp_path):
    target = f"sqlite:///{tmp_path / 'target.db'}"
    # Room for the schema (its migrations, in the WAL) but not for the demo's items.
    stopped = newswire_with_room(900_000, "migrate", source, target)
    said = stopped.stderr.decode()
    assert stopped.returncode == 1, said
    assert "Traceback" not in said
    assert f"copying into {target} stopped" in said and "running the command again" in said
    assert versions(target) < versions(source)
    again = newswire("migrate", source, target)
    assert again.returncode == 0, again.stderr.decode()
    assert versions(target) == versions(source)


def test_an_export_that_fills_the_disk_leaves_no_truncated_file(source, tmp_path):
    file = tmp_path / "export.jsonl"
    file.write_text("an earlier export\n")
    failed = newswire_with_room(100_000, "export", str(file), "--db", source)
    assert failed.returncode == 1 and b"File too large" in failed.stderr, failed.stderr
    assert file.read_text() == "an earlier export\n"  # neither cut short nor replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.jsonl"]
    whole = newswire("export", str(file), "--db", source)
    assert whole.returncode == 0, whole.stderr.decode()
    assert len(file.read_text().splitlines()) == 1 + versions(source)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.jsonl"]


def test_a_database_the_disk_has_no_room_to_make_is_not_left_behind(tmp_path):
    db = tmp_path / "new.db"
    failed = newswire_with_room(8_192, "demo", "--no-serve", "--db", f"sqlite:///{db}")
    assert failed.returncode == 2, failed.stderr.decode()
    assert b"cannot open the database" in failed.stderr
    assert list(tmp_path.iterdir()) == [], "an empty or half-made database was left"
    assert not Path(f"{db}-wal").exists()


def stories(folder: Path, count: int = 300) -> Path:
    """``count`` of the demo corpus's articles, each a file in the agency's text layout."""
    folder.mkdir()
    for n, line in enumerate(CORPUS_SAMPLE.read_text(encoding="utf-8").splitlines()[:count]):
        story = json.loads(line)
        (folder / f"{n:03}.txt").write_text(
            f"{story['headline']}\n\nأنقرة/ الأناضول\n{story['body']}\n", encoding="utf-8"
        )
    return folder


def test_a_write_the_system_refuses_is_said_in_one_line_not_a_traceback(tmp_path):
    """A write refused otherwise than as a full disk (here a file grown past the size
    limit, EFBIG; a failing disk alike) is SQLite's "disk I/O error": every command that
    met it ended in a traceback."""
    folder = stories(tmp_path / "stories")
    db = f"sqlite:///{tmp_path / 'limited.db'}"
    stopped = newswire_with_room(1_500_000, "ingest", str(folder), "--db", db)
    said = stopped.stderr.decode()
    assert stopped.returncode == 1, said
    assert "Traceback" not in said and "\n" not in said.strip(), said
    assert "the database's file could not be written (a disk I/O error" in said, said
    assert versions(db) == len(stopped.stdout.split())  # what it printed, and no more


def test_an_ingest_a_refused_write_stops_says_what_it_stored_before(tmp_path):
    """A refused write (a full disk) ended the ingest with the store's "... nothing was
    written" alone: the versions stored before it, their ids printed, stayed unsaid, and
    the line read as if the run had stored nothing. One line says how many, and that they
    stay; the same files ingested again store the rest."""
    folder = stories(tmp_path / "stories")
    db = f"sqlite:///{tmp_path / 'limited.db'}"
    stopped = newswire_with_room(1_500_000, "ingest", str(folder), "--db", db)
    said = stopped.stderr.decode()
    assert stopped.returncode == 1, said
    printed = stopped.stdout.split()
    assert 0 < len(printed) < 300, said
    assert said.startswith(
        f"newswire: stopped after storing {len(printed)} new versions (0 items unchanged),"
        " which stay; the next write failed: the database's file could not be written"
    ), said
    assert "\n" not in said.strip(), said
    assert versions(db) == len(printed)
    again = newswire("ingest", str(folder), db=db)
    assert again.returncode == 0, again.stderr.decode()
    assert versions(db) == 300

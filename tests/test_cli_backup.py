"""``newswire backup``: a consistent copy of a live SQLite database, and its refusals."""

from __future__ import annotations

import secrets
import sqlite3
import threading

import pytest

from newswire.model import NewsItem
from newswire.store import open_store
from newswire.store.migrations import SQLITE_MIGRATIONS, migrate
from tests.conftest import _admin
from tests.helpers import newswire, retry_until


def item(n: int, version: int = 1) -> NewsItem:
    return NewsItem(
        id=f"urn:test:backup:{n}",
        language="ar",
        headline=f"خبر {n}",
        body=[f"الفقرة {version}."],
    )


class Writer(threading.Thread):
    """Appends items (each a first version, every third then updated) on a store handle
    of its own, as a busy server would, until ``stop`` is set."""

    def __init__(self, db: str):
        super().__init__(daemon=True)
        self.db, self.stop, self.error = db, threading.Event(), None

    def run(self) -> None:
        store = open_store(self.db)
        try:
            n = 0
            while not self.stop.is_set():
                store.append(item(n))
                if n % 3 == 0:
                    store.append(item(n, version=2))
                n += 1
        except BaseException as exc:  # the test asserts there was none
            self.error = exc
        finally:
            store.close()


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'live.db'}"


def test_a_backup_taken_while_items_are_appended_is_a_consistent_database(db, tmp_path):
    original = open_store(db)
    writer = Writer(db)
    writer.start()
    try:
        retry_until(lambda: original.count()[1] >= 50, "the writer to store 50 versions")
        before = original.count()[1]
        done = newswire("backup", str(tmp_path / "copy.db"), db=db)
        after = original.count()[1]
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None, writer.error
    assert done.returncode == 0, done.stderr.decode()
    assert b"backed up to" in done.stderr
    assert after > before  # the writer went on while the backup was taken

    copy = open_store(f"sqlite:///{tmp_path / 'copy.db'}", create=False)
    try:
        items, versions = copy.count()
        assert before <= versions <= after
        # One moment of the log: the copy holds exactly the first versions the original
        # stored, each identical (item, version, sequence number, time stored).
        copied = list(copy.export())
        assert len(copied) == versions
        assert copied == list(original.export())[:versions]
        assert items == len({s.item.id for s in copied})
        for stored in copied:
            assert copy.get(stored.item.id, stored.item.version) == original.get(
                stored.item.id, stored.item.version
            )
        assert copy.last_seq() == copied[-1].seq
        # It is a database newswire keeps writing to: the next version follows on.
        receipt = copy.append(item(10**6))
        assert receipt.created and receipt.seq > copied[-1].seq
    finally:
        copy.close()
        original.close()
    check = sqlite3.connect(tmp_path / "copy.db")
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    check.close()
    assert not list(tmp_path.glob(".copy.db.partial*"))  # nothing half-written left behind


def test_a_backup_refuses_to_overwrite_unless_forced(db, tmp_path):
    store = open_store(db)
    store.append(item(1))
    target = tmp_path / "copy.db"
    target.write_bytes(b"something precious")
    refused = newswire("backup", str(target), db=db)
    assert refused.returncode == 2
    assert b"exists" in refused.stderr and b"--force" in refused.stderr
    assert target.read_bytes() == b"something precious"
    forced = newswire("backup", str(target), "--force", db=db)
    assert forced.returncode == 0, forced.stderr.decode()
    copy = open_store(f"sqlite:///{target}", create=False)
    assert copy.get("urn:test:backup:1") == store.get("urn:test:backup:1")
    copy.close()
    store.close()


def test_a_backup_names_what_is_wrong_with_its_target(db, tmp_path):
    open_store(db).close()
    missing = newswire("backup", str(tmp_path / "no" / "such" / "copy.db"), db=db)
    assert missing.returncode == 2 and b"does not exist" in missing.stderr
    folder = newswire("backup", str(tmp_path), "--force", db=db)
    assert folder.returncode == 2 and b"is a folder" in folder.stderr
    itself = newswire("backup", str(tmp_path / "live.db"), "--force", db=db)
    assert itself.returncode == 1 and b"is the database itself" in itself.stderr
    nothing = newswire("backup", str(tmp_path / "copy.db"), db=f"sqlite:///{tmp_path / 'x.db'}")
    assert nothing.returncode == 2 and b"no database" in nothing.stderr
    assert not (tmp_path / "copy.db").exists() and not (tmp_path / "x.db").exists()


def test_a_postgres_database_is_sent_to_pg_dump(postgres_server, tmp_path):
    name = f"newswire_test_{secrets.token_hex(6)}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        url = f"{postgres_server}/{name}"
        open_store(url).close()
        refused = newswire("backup", str(tmp_path / "copy.db"), db=url)
        assert refused.returncode == 1 and b"pg_dump" in refused.stderr
        assert not (tmp_path / "copy.db").exists()
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_database_of_an_older_release_is_left_as_it_is(tmp_path):
    # Upgrading: the operator takes the backup the docs ask for with the new release
    # installed. It migrated the live database first, and the copy (of the new schema)
    # was refused by the old release when restored to go back.
    path = tmp_path / "old.db"
    old = sqlite3.connect(path, isolation_level=None)
    migrate(old, SQLITE_MIGRATIONS, upto=9)
    old.close()
    before = path.read_bytes()
    target = tmp_path / "copy.db"
    refused = newswire("backup", str(target), db=f"sqlite:///{path}")
    assert refused.returncode == 2, refused.stderr.decode()
    said = refused.stderr.decode()
    assert "older newswire (schema 9" in said and "before upgrading" in said, said
    assert path.read_bytes() == before and not target.exists()
    check = sqlite3.connect(path)
    assert check.execute("SELECT max(number) FROM schema_migrations").fetchone() == (9,)
    check.close()

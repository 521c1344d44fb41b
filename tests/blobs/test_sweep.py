"""``newswire blobs sweep``: the blobs no stored version names go, once old enough; on
every backend (files beside SQLite, large objects in PostgreSQL)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from newswire.blobs import blobs_for, upkeep
from newswire.blobs.files import FileBlobs
from newswire.model import NewsItem, Rendition
from newswire.store import open_store
from tests.blobs.test_contract import age
from tests.helpers import newswire_here as newswire


def picture(item_id: str, keys: dict[str, str]) -> NewsItem:
    return NewsItem(
        id=item_id, type="picture", language="en", headline="a picture",
        renditions=[Rendition(name=name, content_type="image/jpeg", blob=key)
                    for name, key in keys.items()],
    )


@pytest.fixture
def deployment(store, store_url):
    """A picture of two versions (the first's original replaced in the second), a story,
    an old blob nothing names and a young one nothing names yet; the keys by role."""
    blobs = blobs_for(store_url)
    try:
        keys = {name: blobs.put(name.encode() * 100) for name in (
            "first", "shared", "second", "orphan", "young")}
        store.append(picture("urn:test:pic", {"original": keys["first"], "preview": keys["shared"]}))
        store.append(picture("urn:test:pic", {"original": keys["second"], "preview": keys["shared"]}))
        store.append(NewsItem(id="urn:test:story", language="en", headline="story", body=["t"]))
        for name in ("first", "shared", "second", "orphan"):
            age(blobs, store_url, keys[name])
        # An hour old: young for the default grace of a day, old for --grace 0 even if
        # the clock is set back a little meanwhile (this machine's clock is corrected in
        # steps).
        age(blobs, store_url, keys["young"], days=1 / 24)
    finally:
        blobs.close()
    return keys


def stored(store_url: str) -> set[str]:
    blobs = blobs_for(store_url)
    try:
        return set(blobs.keys())
    finally:
        blobs.close()


def test_every_version_counts_as_referenced(store, deployment):
    assert upkeep.referenced(store.transfer) == {
        deployment[n] for n in ("first", "shared", "second")}


def test_a_sweep_removes_old_unreferenced_blobs_only(store_url, deployment):
    everything = set(deployment.values())
    dry = newswire("blobs", "sweep", "--dry-run", db=store_url)
    assert dry.returncode == 0, dry.stderr.decode()
    assert re.search(r"5 blobs, 3 referenced: would remove 1 \(0\.0 MB\); kept 1 unreferenced",
                     dry.stderr.decode()), dry.stderr.decode()
    assert stored(store_url) == everything

    swept = newswire("blobs", "sweep", db=store_url)
    assert swept.returncode == 0, swept.stderr.decode()
    assert "removed 1 " in swept.stderr.decode()
    assert stored(store_url) == everything - {deployment["orphan"]}

    # Without a grace the young one goes too; what any version names never does.
    now = newswire("blobs", "sweep", "--grace", "0", db=store_url)
    assert now.returncode == 0, now.stderr.decode()
    assert "removed 1 " in now.stderr.decode()
    assert stored(store_url) == {deployment[n] for n in ("first", "shared", "second")}


def test_a_sweep_names_the_files_items_refer_to_that_the_blob_store_has_not_got(
    store, store_url, deployment
):
    """A file a version names and the blob store lacks (a command that put it in another
    store than the servers', a file lost from a shared folder) is answered 404 to every
    subscriber: the sweep, which reads both lists, says so, naming it, and exits 1, as
    ``backup`` and ``migrate`` do; removing what nothing names goes on as before."""
    absent = "ab" * 32
    store.append(picture("urn:test:elsewhere", {"original": absent}))
    for args in (("--dry-run",), ()):
        swept = newswire("blobs", "sweep", *args, db=store_url)
        said = swept.stderr.decode()
        assert swept.returncode == 1, said
        assert "1 referenced blob missing from the blob store" in said and absent in said, said
        assert re.search(r"5 blobs, 4 referenced: (would remove|removed) 1 ", said), said
    assert deployment["orphan"] not in stored(store_url)


def test_a_sweep_of_a_missing_database_is_a_usage_error(absent_store_url):
    missing = newswire("blobs", "sweep", db=absent_store_url)
    assert missing.returncode == 2 and b"no database" in missing.stderr


def test_a_sweep_removes_what_killed_puts_left_once_old_and_nothing_in_progress(tmp_path):
    """Files: a put writes a temporary file in tmp/ and renames it; a process killed in
    between leaves the file. A sweep removes such files older than the grace (counted,
    or only counted with --dry-run), never a young one nor one a put still holds."""
    url = f"sqlite:///{tmp_path / 'test.db'}"
    open_store(url).close()
    blobs = blobs_for(url)
    assert isinstance(blobs, FileBlobs)
    tmp = blobs.root / "tmp"
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).timestamp()
    stale = {tmp / "put-killed": b"k" * 1_500_000, tmp / f"delete-{'a' * 64}-1-ff": b"d"}
    for path, data in stale.items():
        path.write_bytes(data)
        os.utime(path, (two_days_ago, two_days_ago))
    young = tmp / "put-an-hour-ago"
    young.write_bytes(b"y")
    # An hour old: young for the default grace of a day, old for --grace 0 even if the
    # clock is set back a little meanwhile (this machine's clock is corrected in steps).
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).timestamp()
    os.utime(young, (an_hour_ago, an_hour_ago))
    kept = blobs.put(b"a blob")
    age(blobs, url, kept)
    in_progress: list[str] = []

    def pieces() -> Iterator[bytes]:
        yield b"half of "
        # The put is between two pieces: its file looks two days old, and sweeps run.
        [held] = set(tmp.glob("put-*")) - set(stale) - {young}
        os.utime(held, (two_days_ago, two_days_ago))
        for args in (("--dry-run",), (), ("--grace", "0")):
            swept = newswire("blobs", "sweep", *args, db=url)
            assert swept.returncode == 0, swept.stderr.decode()
            in_progress.append(swept.stderr.decode())
            assert held.exists()
        yield b"a video"

    try:
        assert blobs.read(blobs.put(pieces())) == b"half of a video"
    finally:
        blobs.close()
    dry, swept, at_once = in_progress
    verb = re.escape("would remove 2 unfinished files of interrupted writes (1.5 MB)")
    assert re.search(verb, dry), dry
    assert re.search(r"; removed 2 unfinished files of interrupted writes \(1\.5 MB\)", swept)
    assert "1 blobs, 0 referenced: removed 1 " in swept  # the old blob nothing names
    assert re.search(r"; removed 1 unfinished files", at_once), at_once  # the young one
    assert not any(p.exists() for p in stale) and not young.exists()
    assert list(tmp.iterdir()) == []


def test_a_delete_in_progress_keeps_its_moved_file_from_a_sweep(tmp_path, monkeypatch):
    """Files: a delete moves the blob into tmp/ before it reads its time; the moved file
    is as old as the blob, and a sweep of what killed writes left passes it by while the
    delete holds it."""
    blobs = blobs_for(f"sqlite:///{tmp_path / 'test.db'}")
    assert isinstance(blobs, FileBlobs)
    key = blobs.put(b"old")
    age(blobs, f"sqlite:///{tmp_path / 'test.db'}", key)
    rename = os.rename
    seen: list[tuple[int, int]] = []

    def moved_then_swept(source: Any, target: Any) -> None:
        rename(source, target)
        if key in str(target) and not seen:
            seen.append(blobs.leftovers(datetime.now(UTC) + timedelta(days=1)))

    monkeypatch.setattr(os, "rename", moved_then_swept)
    try:
        assert blobs.delete(key, datetime.now(UTC) - timedelta(days=1))
        assert seen == [(0, 0)]
        assert blobs.leftovers(datetime.now(UTC) + timedelta(days=1)) == (0, 0)
        assert list((blobs.root / "tmp").iterdir()) == []
    finally:
        blobs.close()

"""``newswire migrate`` moves a deployment's pictures with it: every blob its versions
name goes from the source's blob store to the target's, and a server on the target
serves the renditions. Source on SQLite (files beside it), target on every backend."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from pathlib import Path

import pytest

from newswire.blobs import blobs_for, upkeep
from newswire.delivery.renderer import rendition_path
from newswire.store import open_store
from tests.helpers import Server, make_key
from tests.helpers import newswire_here as newswire
from tests.media.ingest import blob_keys, desk_photo


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> tuple[str, str, str, set[str]]:
    """An SQLite deployment with one picture ingested and a full-access key: its URL, the
    key, the picture's id and the keys of its blobs."""
    folder = tmp_path_factory.mktemp("source")
    url = f"sqlite:///{folder / 'source.db'}"
    for args in (("product", "add", "full", "--access", "full"),
                 ("subscriber", "add", "paper", "--product", "full")):
        done = newswire(*args, db=url)
        assert done.returncode == 0, done.stderr.decode()
    key = make_key(url, "--subscriber", "paper")
    done = newswire("ingest", str(desk_photo(folder / "ankara.jpg", 1000, 700)), db=url)
    assert done.returncode == 0, done.stderr.decode()
    picture = done.stdout.decode().split()[0]
    keys = blob_keys(url)
    assert len(keys) == 4  # original, web, preview, thumbnail
    return url, key, picture, keys


def test_a_migrated_picture_is_served_by_the_target(source, store_url, tmp_path):
    url, key, picture, keys = source
    moved = newswire("migrate", url, store_url)
    assert moved.returncode == 0, moved.stderr.decode()
    megabytes = sum(f.stat().st_size for f in Path(url[10:] + ".blobs").glob("??/??/*")) / 1e6
    said = moved.stderr.decode()
    assert (f"blobs: 4 referenced, 4 copied ({megabytes:.1f} MB), 0 already in the target,"
            " 0 missing from the source") in said, said
    assert keys <= blob_keys(store_url)

    again = newswire("migrate", url, store_url)
    assert again.returncode == 0, again.stderr.decode()
    assert "blobs: 4 referenced, 0 copied (0.0 MB), 4 already in the target" in (
        again.stderr.decode())

    store = open_store(url, create=False)
    try:
        preview = store.get(picture).item.renditions
    finally:
        store.close()
    wanted = next(r for r in preview if r.name == "preview")
    source_blobs = blobs_for(url)
    try:
        expected = source_blobs.read(wanted.blob)
    finally:
        source_blobs.close()
    server = Server(store_url, env={"NEWSWIRE_SEARCH_INDEX": str(tmp_path / "target.search")})
    try:
        with server.client(key) as client:
            got = client.get(rendition_path(picture, 1, "preview"))
    finally:
        server.close()
    assert got.status_code == 200, got.text
    assert got.content == expected and got.headers["content-type"] == "image/jpeg"


def test_an_interrupted_copy_of_blobs_completes_when_run_again(source, store_url):
    url, _, _, keys = source
    store = open_store(url, create=False)
    from_, to = blobs_for(url), blobs_for(store_url)
    try:
        seen: list[str] = []

        def stop_after_two(key: str) -> None:
            seen.append(key)
            if len(seen) == 2:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            upkeep.copy(upkeep.referenced(store.transfer), from_, to, on_blob=stop_after_two)
        assert set(to.keys()) == set(seen)
    finally:
        store.close()
        from_.close()
        to.close()
    moved = newswire("migrate", url, store_url)
    assert moved.returncode == 0, moved.stderr.decode()
    assert "blobs: 4 referenced, 2 copied" in moved.stderr.decode()
    assert "2 already in the target" in moved.stderr.decode()
    assert keys <= blob_keys(store_url)


def test_blobs_missing_from_the_source_fail_the_migration_by_name(source, store_url, tmp_path):
    url, _, _, keys = source
    empty = f"file://{tmp_path / 'elsewhere'}"
    moved = newswire("migrate", url, store_url, "--source-blobs", empty)
    assert moved.returncode == 1
    said = moved.stderr.decode()
    assert "4 blobs the items refer to are not in the source's blob store" in said
    assert "--source-blobs" in said and min(keys) in said


def test_a_backup_takes_the_pictures_files_beside_it(source, tmp_path):
    """``newswire backup FILE`` copies the files its items refer to into FILE.blobs, so
    the copy is a whole deployment: its picture's preview reads from there, byte for byte;
    made again, it copies nothing it has."""
    url, _key, picture, keys = source
    copy = tmp_path / "copy.db"
    done = newswire("backup", str(copy), db=url)
    assert done.returncode == 0, done.stderr.decode()
    assert "files: 4 referenced, 4 copied" in done.stderr.decode()
    copy_url = f"sqlite:///{copy}"
    assert blob_keys(copy_url) == keys
    store = open_store(copy_url, create=False)
    try:
        [preview] = [r for r in store.get(picture).item.renditions if r.name == "preview"]
    finally:
        store.close()
    originals, copies = blobs_for(url), blobs_for(copy_url)
    try:
        assert copies.read(preview.blob) == originals.read(preview.blob)
    finally:
        originals.close()
        copies.close()
    again = newswire("backup", str(copy), "--force", db=url)
    assert again.returncode == 0, again.stderr.decode()
    assert "files: 4 referenced, 0 copied (0.0 MB), 0 linked, 4 already there" in (
        again.stderr.decode())


def test_a_backup_whose_files_are_elsewhere_says_which_are_missing(source, tmp_path):
    url = source[0]
    done = newswire(
        "backup", str(tmp_path / "copy.db"), "--blobs", (tmp_path / "empty").as_uri(), db=url
    )
    assert done.returncode == 1
    assert "4 files the items refer to are not in the blob store" in done.stderr.decode()


def blob_files(copy: Path) -> dict[str, Path]:
    """The files of a backup's folder (``FILE.blobs``), by key."""
    return {f.name: f for f in Path(f"{copy}.blobs").glob("??/??/*")}


def test_a_second_backup_links_the_files_of_the_first_and_outlives_it(source, tmp_path):
    """A daily backup beside an earlier one hard-links the files that one has rather than
    copying them: none copied, every one the same file on disk. Removing the earlier
    backup leaves the later one whole, byte for byte."""
    url, _key, _picture, keys = source
    first, second = tmp_path / "day-1.db", tmp_path / "day-2.db"
    done = newswire("backup", str(first), db=url)
    assert done.returncode == 0, done.stderr.decode()
    assert "files: 4 referenced, 4 copied" in done.stderr.decode()
    assert "0 linked," in done.stderr.decode()  # nothing earlier beside it

    done = newswire("backup", str(second), db=url)
    assert done.returncode == 0, done.stderr.decode()
    said = done.stderr.decode()
    assert (f"files: 4 referenced, 0 copied (0.0 MB), 4 linked to {first}.blobs,"
            " 0 already there") in said, said
    earlier, later = blob_files(first), blob_files(second)
    assert set(later) == keys
    assert all(os.path.samefile(earlier[k], later[k]) for k in keys)

    originals = blobs_for(url)
    try:
        expected = {k: originals.read(k) for k in keys}
    finally:
        originals.close()
    first.unlink()
    shutil.rmtree(f"{first}.blobs")
    assert {k: f.read_bytes() for k, f in blob_files(second).items()} == expected
    assert all(hashlib.sha256(f.read_bytes()).hexdigest() == k
               for k, f in blob_files(second).items())
    copies = blobs_for(f"sqlite:///{second}")
    try:
        assert {k: copies.read(k) for k in keys} == expected
    finally:
        copies.close()


def test_a_backup_links_to_the_folder_given_or_copies_everything(source, tmp_path):
    """--link-dest names the earlier folder (elsewhere than beside FILE); --no-link
    copies every file, sharing none."""
    url, _key, _picture, keys = source
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    old, given, copied = tmp_path / "old" / "a.db", tmp_path / "new" / "b.db", tmp_path / "c.db"
    assert newswire("backup", str(old), db=url).returncode == 0
    done = newswire("backup", str(given), "--link-dest", f"{old}.blobs", db=url)
    assert done.returncode == 0, done.stderr.decode()
    assert f"0 copied (0.0 MB), 4 linked to {old}.blobs" in done.stderr.decode()
    done = newswire("backup", str(copied), "--no-link", db=url)
    assert done.returncode == 0, done.stderr.decode()
    assert "4 copied" in done.stderr.decode() and "0 linked," in done.stderr.decode()
    linked, separate = blob_files(given), blob_files(copied)
    assert all(os.path.samefile(linked[k], blob_files(old)[k]) for k in keys)
    assert not any(os.path.samefile(separate[k], linked[k]) for k in keys)


def test_a_file_that_cannot_be_linked_is_copied(source, tmp_path, monkeypatch):
    """A link that fails (the earlier folder on another file system) falls back to a
    copy: the backup is whole either way."""
    url, _key, _picture, keys = source
    assert newswire("backup", str(tmp_path / "earlier.db"), db=url).returncode == 0
    store = open_store(url, create=False)
    from_, to = blobs_for(url), blobs_for(f"sqlite:///{tmp_path / 'later.db'}")

    def across(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", across)
    try:
        done = upkeep.copy(
            upkeep.referenced(store.transfer), from_, to,
            link=lambda key, size: to.link(key, tmp_path / "earlier.db.blobs", size),
        )
        assert (done.copied, done.linked, done.missing) == (4, 0, [])
        assert all(to.read(k) == from_.read(k) for k in keys)
    finally:
        store.close()
        from_.close()
        to.close()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--link-dest", "{tmp}/nowhere.blobs"], "--link-dest {tmp}/nowhere.blobs does not exist"),
        (["--link-dest", "{tmp}/earlier.db"],
         "--link-dest {tmp}/earlier.db is not a folder: give its files' folder,"
         " earlier.db.blobs"),
        (["--link-dest", "{tmp}/copy.db.blobs"], "is this backup's own folder"),
        (["--link-dest", "{tmp}/earlier.db.blobs", "--no-link"], "exclude each other"),
    ],
)
def test_a_bad_link_dest_is_a_usage_error_before_anything_is_written(
    source, tmp_path, args, said
):
    url = source[0]
    assert newswire("backup", str(tmp_path / "earlier.db"), db=url).returncode == 0
    (tmp_path / "copy.db.blobs").mkdir()
    done = newswire("backup", str(tmp_path / "copy.db"),
                    *(a.format(tmp=tmp_path) for a in args), db=url)
    assert done.returncode == 2
    assert said.format(tmp=tmp_path) in done.stderr.decode(), done.stderr.decode()
    assert not (tmp_path / "copy.db").exists()

"""``newswire ingest`` with pictures and video beside text files, run as a user runs it,
on every store backend."""

from __future__ import annotations

import shutil

import pytest

from newswire.store import open_store
from tests.conftest import SEED
from tests.helpers import newswire_here as newswire
from tests.media.files import picture, tag, video
from tests.media.ingest import ARABIC, blob_keys, desk_photo
from tests.media.test_refusals import SVG, jpeg_bytes


def items_of(db: str) -> dict:
    store = open_store(db)
    try:
        return {s.item.id: s.item for s in store.latest(limit=100)}
    finally:
        store.close()


def test_a_folder_of_pictures_video_and_text_is_one_item_each(store_url, tmp_path):
    folder = tmp_path / "desk"
    folder.mkdir()
    desk_photo(folder / "ankara.jpg")
    video(folder / "clip.mov", seconds=1, size="320x240", container="mov")
    shutil.copy(SEED, folder / "story.txt")
    done = newswire("ingest", str(folder), db=store_url)
    assert done.returncode == 0, done.stderr.decode()
    ids = done.stdout.decode().split()
    assert len(ids) == 3
    items = items_of(store_url)
    assert set(items) == set(ids)
    by_type = {item.type: item for item in items.values()}
    photo, clip = by_type["picture"], by_type["video"]
    assert photo.id.startswith("urn:newswire:media:")
    assert (photo.headline, photo.description, photo.byline, photo.credit) == (
        ARABIC["headline"], ARABIC["caption"], ARABIC["byline"], ARABIC["credit"])
    assert photo.dateline.place == ARABIC["city"] and photo.language == "ar"
    assert [(r.name, r.width, r.height) for r in photo.renditions] == [
        ("original", 1200, 800), ("web", 1200, 800), ("preview", 640, 427),
        ("thumbnail", 200, 133)]
    assert {r.blob for r in photo.renditions} | {r.blob for r in clip.renditions} <= blob_keys(
        store_url)
    assert clip.headline == "clip" and clip.renditions[1].name == "poster"
    assert abs(clip.renditions[0].duration - 1.0) < 0.2
    assert "3 files: 3 new versions stored" in done.stderr.decode()

    again = newswire("ingest", str(folder / "ankara.jpg"), db=store_url)
    assert again.returncode == 0, again.stderr.decode()
    assert again.stdout.decode().split() == [photo.id]
    assert "0 new versions stored, 1 item unchanged" in again.stderr.decode()
    assert items_of(store_url)[photo.id].version == 1


@pytest.mark.any_store
def test_the_editors_options_win(store_url, tmp_path):
    photo = desk_photo(tmp_path / "ankara.jpg")
    done = newswire(
        "ingest", str(photo), "--id", "urn:aa:photo:1", "--headline", "Talks in Ankara",
        "--caption", "Archive picture", "--lang", "en", "--credit", "AA", "--keyword", "a",
        "--keyword", "b", db=store_url,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().split() == ["urn:aa:photo:1"]
    item = items_of(store_url)["urn:aa:photo:1"]
    assert (item.headline, item.description, item.language, item.credit, item.keywords) == (
        "Talks in Ankara", "Archive picture", "en", "AA", ["a", "b"])
    assert item.byline == ARABIC["byline"]  # not overridden: the file's own


def test_bad_files_are_reported_by_name_and_nothing_of_them_is_stored(store_url, tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    whole = jpeg_bytes(tmp_path)
    (folder / "truncated.jpg").write_bytes(whole[: len(whole) * 2 // 3])
    (folder / "drawing.svg").write_bytes(SVG)
    (folder / "photo.jpg").write_bytes(picture(tmp_path / "p.png", 300, 200, fmt="PNG").read_bytes())
    picture(folder / "large.jpg", 2000, 1500)
    good = picture(tmp_path / "good.jpg", 200, 100)
    done = newswire("ingest", str(folder), str(good), db=store_url,
                    env={"NEWSWIRE_MAX_MEDIA_BYTES": "30000"})
    assert done.returncode == 1
    said = done.stderr.decode()
    assert "4 failed (5 files read)" in said
    for reason in ("truncated.jpg: ", "drawing.svg: SVG", "photo.jpg: the bytes are a PNG",
                   "large.jpg: "):
        assert reason in said, reason
    assert "more than the 30,000 accepted" in said
    items = items_of(store_url)
    assert len(items) == 1  # the good one
    assert blob_keys(store_url) == {r.blob for r in next(iter(items.values())).renditions}


@pytest.mark.any_store
def test_options_that_cannot_apply_are_usage_errors(store_url, tmp_path):
    one, two = picture(tmp_path / "1.jpg", 64, 48), picture(tmp_path / "2.jpg", 64, 48)
    both = newswire("ingest", str(one), str(two), "--id", "urn:x:1", db=store_url)
    assert both.returncode == 2 and "--id: one id for 2" in both.stderr.decode()
    text = newswire("ingest", str(SEED), "--headline", "x", db=store_url)
    assert text.returncode == 2 and "--headline: for picture and video files" in text.stderr.decode()
    bad = newswire("ingest", str(one), "--lang", "not a tag", db=store_url)
    assert bad.returncode == 2 and "--lang: " in bad.stderr.decode()
    # A caption typed longer than newswire keeps is refused, not cut mid-word unsaid.
    long = newswire("ingest", str(one), "--caption", "تعليق " * 2000, db=store_url)
    assert long.returncode == 2 and "--caption: at most 10,000 characters" in long.stderr.decode()
    assert items_of(store_url) == {}


@pytest.mark.any_store
def test_undeclared_iptc_is_read_in_the_character_set_the_setting_names(store_url, tmp_path):
    """IPTC text written by an older tool on Arabic Windows (code page 1256), with no
    character set declared: Windows-1252 by default (mojibake for Arabic), read right once
    NEWSWIRE_IPTC_CHARSET says so; a set exiftool does not know is refused by name."""
    legacy = tag(picture(tmp_path / "legacy.jpg", 300, 200), "-IPTC:Headline=صورة من غزة",
                 charset="cp1256")
    as_western = newswire("ingest", str(legacy), db=store_url)
    assert as_western.returncode == 0, as_western.stderr.decode()
    (item_id,) = as_western.stdout.decode().split()
    assert items_of(store_url)[item_id].headline == "ÕæÑÉ ãä ÛÒÉ"
    done = newswire("ingest", str(legacy), db=store_url, env={"NEWSWIRE_IPTC_CHARSET": "cp1256"})
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().split() == [item_id]
    assert items_of(store_url)[item_id].headline == "صورة من غزة"
    bad = newswire("ingest", str(legacy), db=store_url, env={"NEWSWIRE_IPTC_CHARSET": "klingon"})
    assert bad.returncode == 2 and "NEWSWIRE_IPTC_CHARSET='klingon'" in bad.stderr.decode()


@pytest.mark.any_store
def test_the_time_and_memory_a_file_may_take_are_settings(store_url, tmp_path):
    """An operator whose desk sends long 4K video raises NEWSWIRE_MEDIA_SECONDS; one on a
    small machine lowers it: past it the file is refused by name, nothing stored. A value
    that is not a number is refused as the setting it is."""
    slow = picture(tmp_path / "slow.png", 4000, 3000, fmt="PNG")
    hurried = newswire("ingest", str(slow), db=store_url, env={"NEWSWIRE_MEDIA_SECONDS": "0.05"})
    assert hurried.returncode == 1
    assert "slow.png" in hurried.stderr.decode() and "longer than 0.05 s" in hurried.stderr.decode()
    assert not items_of(store_url)
    for env in ({"NEWSWIRE_MEDIA_SECONDS": "soon"}, {"NEWSWIRE_MEDIA_MEMORY_BYTES": "0"}):
        bad = newswire("ingest", str(slow), db=store_url, env=env)
        assert bad.returncode == 2 and next(iter(env)) in bad.stderr.decode(), bad.stderr
    done = newswire("ingest", str(slow), db=store_url, env={"NEWSWIRE_MEDIA_SECONDS": "120"})
    assert done.returncode == 0, done.stderr.decode()


@pytest.mark.any_store
def test_pictures_and_sound_of_other_formats_are_refused_as_such_not_as_text(store_url, tmp_path):
    """A desk folder holds GIFs, phone AVIFs, voice memos: each refused saying it is a
    format newswire does not take (by its extension, or its bytes without one), never
    'binary data, not text'; the JPEG beside them is taken."""
    from PIL import Image

    folder = tmp_path / "desk"
    folder.mkdir()
    Image.new("RGB", (40, 30), (200, 0, 0)).save(folder / "anim.gif")
    avif = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + bytes(64)
    (folder / "IMG_2041").write_bytes(avif)  # no extension: its bytes tell
    (folder / "memo.m4a").write_bytes(b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A mp42" + bytes(64))
    picture(folder / "ok.jpg", 64, 48)
    done = newswire("ingest", str(folder), db=store_url)
    assert done.returncode == 1
    assert len(done.stdout.decode().split()) == 1
    said = done.stderr.decode()
    assert "binary data" not in said, said
    for name, what in (("anim.gif", "a GIF picture"), ("IMG_2041", "an AVIF picture"),
                       ("memo.m4a", "an MP4 sound file (M4A)")):
        assert f"{name}: {what} is not a format accepted here" in said, said


def test_show_links_the_files_by_the_servers_address_when_it_is_set(store_url, tmp_path):
    """``newswire show`` of a picture: its renditions with no href (the CLI does not know
    where the server is), unless NEWSWIRE_BASE_URL says; then the href the server gives."""
    import json

    done = newswire("ingest", str(picture(tmp_path / "p.jpg", 300, 200)), db=store_url)
    assert done.returncode == 0, done.stderr.decode()
    (item_id,) = done.stdout.decode().split()
    bare = json.loads(newswire("show", item_id, db=store_url).stdout)
    assert all("href" not in r for r in bare["renditions"])
    shown = newswire("show", item_id, db=store_url, env={"NEWSWIRE_BASE_URL": "https://wire.example/"})
    assert shown.returncode == 0, shown.stderr.decode()
    hrefs = [r["href"] for r in json.loads(shown.stdout)["renditions"]]
    assert hrefs == [f"https://wire.example/v1/items/{item_id}/versions/1/renditions/{name}"
                     for name in ("original", "web", "preview", "thumbnail")]


def test_a_file_is_ingested_under_embargo(store_url, tmp_path):
    photo = picture(tmp_path / "held.jpg", 300, 200)
    done = newswire("ingest", str(photo), "--embargo", "2099-01-01T00:00:00Z", db=store_url)
    assert done.returncode == 0, done.stderr.decode()
    (item_id,) = done.stdout.decode().split()
    assert items_of(store_url)[item_id].embargo_until.year == 2099
    bad = newswire("ingest", str(photo), "--embargo", "later", db=store_url)
    assert bad.returncode == 2 and "--embargo:" in bad.stderr.decode()
    # a time gone is refused, not taken as no embargo: the picture would go out at once
    gone = newswire("ingest", str(photo), "--id", "urn:test:gone", "--embargo",
                    "2020-01-01T00:00:00Z", db=store_url)
    assert gone.returncode == 2 and "--embargo:" in gone.stderr.decode()
    assert "has passed" in gone.stderr.decode() and "urn:test:gone" not in items_of(store_url)

"""Bad files are refused with an error naming the file and the reason; nothing of them is
stored, and the pipeline goes on taking the next file."""

from __future__ import annotations

import io
import os
import random
import subprocess

import pytest
from PIL import Image

from newswire.blobs import open_blobs
from newswire.errors import TooLarge, Unprocessable, UnsupportedFormat
from newswire.media import Limits, Pipeline
from tests.helpers import query
from tests.media.conftest import stored
from tests.media.files import picture, png_declaring, video

SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" onload="fetch('/steal')">
  <script>alert(document.cookie)</script><rect width="10" height="10"/>
</svg>"""


def jpeg_bytes(tmp_path, width=1200, height=800) -> bytes:
    return picture(tmp_path / "source.jpg", width, height).read_bytes()


def damaged_jpeg() -> bytes:
    """A whole JPEG (every marker, its end) whose scan has an end-of-image marker in its
    middle, as a glitch in transit leaves one: libjpeg only warns ("Corrupt JPEG data:
    premature end of data segment") and paints the rest of the picture grey."""
    noise = random.Random(13).randbytes(800 * 600 * 3)  # noise: a long scan
    out = io.BytesIO()
    Image.frombytes("RGB", (800, 600), noise).save(out, "JPEG", quality=85)
    data = bytearray(out.getvalue())
    middle = (data.find(b"\xff\xda") + len(data)) // 2
    data[middle : middle + 2] = b"\xff\xd9"
    return bytes(data)


def corrupt_video() -> bytes:
    box = b"isom\x00\x00\x02\x00isomiso2avc1mp41"
    return (8 + len(box)).to_bytes(4, "big") + b"ftyp" + box + os.urandom(50_000)


def cut_video(tmp_path, *, index_first: bool) -> bytes:
    """The first half of a real clip, as a transfer cut off leaves it; ``index_first``:
    its ``moov`` at the front (``+faststart``), which ffprobe and ffmpeg read without a
    word, then giving the half that arrived."""
    clip = video(tmp_path / "whole.mp4", seconds=2, size="320x240")
    if index_first:
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(clip), "-c", "copy",
                        "-movflags", "+faststart", "-y", str(tmp_path / "fast.mp4")],
                       check=True, capture_output=True, timeout=60)
        clip = tmp_path / "fast.mp4"
    data = clip.read_bytes()
    return data[: len(data) // 2]


CASES = {
    "truncated.jpg": (lambda t: jpeg_bytes(t)[: len(jpeg_bytes(t)) * 2 // 3],
                      Unprocessable, "cannot be decoded|cannot be read"),
    "corrupt.jpg": (lambda t: jpeg_bytes(t)[:400] + os.urandom(30_000),
                    Unprocessable, "cannot be decoded|cannot be read"),
    "damaged.jpg": (lambda t: damaged_jpeg(), Unprocessable, "Corrupt JPEG data"),
    "bomb.png": (lambda t: png_declaring(100_000, 100_000),
                 TooLarge, "100,000 × 100,000 pixels"),
    "broken.mp4": (lambda t: corrupt_video(), Unprocessable, "ffprobe cannot read it"),
    "cut.mp4": (lambda t: cut_video(t, index_first=False), Unprocessable,
                "it is cut short: its mdat box needs [0-9,]+ bytes more"),
    "cut-faststart.mp4": (lambda t: cut_video(t, index_first=True), Unprocessable,
                          "it is cut short: its mdat box needs [0-9,]+ bytes more"),
    "drawing.svg": (lambda t: SVG, UnsupportedFormat, "SVG"),
    "drawing-named.jpg": (lambda t: SVG, UnsupportedFormat, "SVG"),
    "photo.jpg": (lambda t: picture(t / "p.png", 300, 200, fmt="PNG").read_bytes(),
                  UnsupportedFormat, "a PNG picture, not the image/jpeg declared"),
    "empty.jpg": (lambda t: b"", UnsupportedFormat, "empty"),
}


@pytest.mark.parametrize("name", CASES)
def test_a_bad_file_is_refused_naming_it_and_nothing_is_stored(pipeline, blobs, tmp_path, name):
    make, error, reason = CASES[name]
    bad = tmp_path / name
    bad.write_bytes(make(tmp_path))
    before = stored(blobs)
    with pytest.raises(error, match=reason) as refused:
        pipeline.take(bad)
    assert refused.value.field == name
    assert str(refused.value).startswith(f"{name}: ")
    assert stored(blobs) == before
    # and the next file is taken as usual
    assert pipeline.take(picture(tmp_path / "next.jpg", 64, 48)).info.width == 64


def test_bytes_that_are_not_the_type_declared_by_the_sender_are_refused(pipeline, tmp_path):
    png = picture(tmp_path / "upload", 300, 200, fmt="PNG")
    with pytest.raises(UnsupportedFormat, match="not the image/jpeg declared") as refused:
        pipeline.take(png, name="upload", declared="image/jpeg")
    assert refused.value.field == "upload"


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(blobs, tmp_path):
    big = picture(tmp_path / "big.jpg", 800, 600)
    before = stored(blobs)
    with Pipeline(blobs, Limits(max_bytes=1000)) as small, pytest.raises(
        TooLarge, match=r"bytes, more than the 1,000 accepted"
    ) as refused:
        small.take(big)
    assert refused.value.field == "big.jpg"
    assert stored(blobs) == before


def test_a_picture_over_the_pixel_limit_is_refused_from_its_header(blobs, tmp_path):
    with Pipeline(blobs, Limits(max_pixels=1_000_000)) as small, pytest.raises(
        TooLarge, match="1,200 × 1,000 pixels, more than the 1,000,000 accepted"
    ):
        small.take(picture(tmp_path / "wide.jpg", 1200, 1000))


def test_a_file_that_needs_more_memory_than_its_limit_is_refused_and_work_goes_on(
    blobs, tmp_path
):
    """An interlaced PNG must be decoded whole: 8,000 × 8,000 RGB is 192 MB, over a cap of
    128 MiB; a JPEG is decoded shrunk and fits."""
    import pyvips

    heavy = tmp_path / "interlaced.png"
    pyvips.Image.black(8000, 8000, bands=3).pngsave(str(heavy), interlace=True, compression=1)
    before = stored(blobs)
    with Pipeline(blobs, Limits(memory=128 << 20)) as capped:
        with pytest.raises(TooLarge, match="needs more than 128 MiB of memory") as refused:
            capped.take(heavy)
        assert refused.value.field == "interlaced.png"
        assert stored(blobs) == before
        assert capped.take(picture(tmp_path / "fits.jpg", 3000, 2000)).info.width == 3000


def test_a_file_stopped_by_the_memory_cap_is_refused_for_its_memory_not_as_undecodable(
    blobs, tmp_path
):
    """Under the cap, libvips could not start its threads ("glib: Error creating thread")
    and x264 not allocate its frames ("malloc of size … failed", then "Error while opening
    encoder"): a picture and a video that decode anywhere were refused as files that
    "cannot be decoded" or that ffmpeg "failed on" (422), sending the desk after a fault
    in the file that was the server's limit. Both are the memory they need (413)."""
    import pyvips

    # Files that need several times the cap whatever the machine: an interlaced PNG is
    # decoded whole (432 MB), not a strip at a time, and a 4K clip's decoded frames alone
    # pass it. A 1080p clip and a sequential PNG fit under it on some machines (fewer
    # threads, each a smaller buffer), and were then taken in.
    wide = tmp_path / "panorama.png"
    pyvips.Image.black(12000, 12000, bands=3).pngsave(str(wide), compression=1, interlace=True)
    clip = video(tmp_path / "clip.mp4", seconds=1, size="3840x2160")
    before = stored(blobs)
    with Pipeline(blobs, Limits(memory=96 << 20)) as capped:
        for path in (wide, clip):
            with pytest.raises(TooLarge, match="needs more than 96 MiB of memory") as refused:
                capped.take(path)
            assert refused.value.field == path.name
    assert stored(blobs) == before


def test_metadata_that_inflates_past_the_memory_cap_is_refused_at_once(blobs, tmp_path):
    """A small PNG whose compressed text chunk inflates to 300 MB: exiftool, under the
    worker's cap, ends with "Out of memory!" in about a second, but the reader of its
    answers waited on for ever, spinning, and the file was refused only at its time
    limit (five minutes by default: a worker lost to every such upload) and as slow.
    It is refused for its memory, at once, and the next file is read by a new exiftool."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))

    packer = zlib.compressobj(9)
    text = b"".join(packer.compress(bytes(1 << 20)) for _ in range(300)) + packer.flush()
    png = picture(tmp_path / "plain.png", 40, 30, fmt="PNG").read_bytes()
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png[:-12] + chunk(b"zTXt", b"Description\0\0" + text) + png[-12:])
    assert bomb.stat().st_size < 1_000_000
    before = stored(blobs)
    with Pipeline(blobs, Limits(memory=128 << 20, seconds=30)) as capped:
        with pytest.raises(TooLarge, match="needs more than 128 MiB of memory") as refused:
            capped.take(bomb)
        assert refused.value.field == "bomb.png"
        assert stored(blobs) == before
        tagged = picture(tmp_path / "next.jpg", 300, 200)
        subprocess.run(["exiftool", "-q", "-overwrite_original", "-XMP-photoshop:Headline=Next",
                        str(tagged)], check=True, capture_output=True)
        assert capped.take(tagged).info.headline == "Next"


def test_a_file_that_takes_longer_than_its_time_limit_is_refused(blobs, tmp_path):
    slow = picture(tmp_path / "slow.png", 4000, 3000, fmt="PNG")
    before = stored(blobs)
    with Pipeline(blobs, Limits(seconds=0.05), grace=0) as hurried, pytest.raises(
        Unprocessable, match=r"took longer than 0.05 s"
    ) as refused:
        hurried.take(slow)
    assert refused.value.field == "slow.png"
    assert stored(blobs) == before


def test_renditions_are_made_in_a_scratch_folder_left_empty(blobs, tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with Pipeline(blobs, scratch=scratch) as p:
        p.take(picture(tmp_path / "ok.jpg", 500, 300))
        with pytest.raises(UnsupportedFormat):
            p.take(picture(tmp_path / "mislabelled.jpg", 50, 50, fmt="PNG"))
    assert list(scratch.iterdir()) == []


def test_either_blob_store_takes_the_files_and_keeps_nothing_of_a_refused_one(
    store_url, tmp_path
):
    from newswire.store import open_store

    open_store(store_url).close()
    blobs = open_blobs(store_url)
    try:
        with Pipeline(blobs) as p:
            media = p.take(picture(tmp_path / "kept.jpg", 1600, 1200))
            bomb = tmp_path / "bomb.png"
            bomb.write_bytes(png_declaring(100_000, 100_000))
            with pytest.raises(TooLarge):
                p.take(bomb)
        for r in media.renditions:
            assert blobs.size(r.blob) == r.size
        if store_url.startswith("sqlite:"):
            assert len({p.name for p in blobs.root.glob("??/??/*")}) == 4
        else:
            assert query(store_url, "SELECT count(*) FROM blobs") == [(4,)]
    finally:
        blobs.close()

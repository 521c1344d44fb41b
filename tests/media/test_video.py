"""Video taken in: duration, size and codecs read by ffprobe, a poster frame and a
low-bitrate preview made by ffmpeg (``newswire.media.Pipeline``)."""

from __future__ import annotations

import io
import json
import subprocess

from PIL import Image, ImageStat

from tests.media.files import tag, video


def probe(data: bytes) -> dict:
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", "-"],
        input=data, capture_output=True, check=True, timeout=60,
    )
    return json.loads(done.stdout)


def test_an_mp4_video_is_probed_and_rendered(pipeline, blobs, tmp_path):
    clip = video(tmp_path / "clip.mp4", seconds=2, size="960x540")
    tag(clip, "-XMP-dc:Title=مؤتمر صحفي", "-XMP-dc:Description=لقطات من أنقرة",
        "-XMP-dc:Creator=الأناضول")
    media = pipeline.take(clip)
    info = media.info
    assert (info.kind, info.content_type, info.width, info.height) == ("video", "video/mp4", 960, 540)
    assert abs(info.duration - 2.0) < 0.2
    assert info.codecs == ["h264", "aac"]
    assert info.headline == "مؤتمر صحفي"  # the title, when there is no headline
    assert info.caption == "لقطات من أنقرة"
    assert info.byline == "الأناضول"
    assert [r.name for r in media.renditions] == [
        "original", "poster", "previewPoster", "thumbnail", "preview"]

    poster = media.rendition("poster")
    assert (poster.content_type, poster.width, poster.height) == ("image/jpeg", 960, 540)
    assert Image.open(io.BytesIO(blobs.read(poster.blob))).size == (960, 540)
    assert (media.rendition("thumbnail").width, media.rendition("thumbnail").height) == (200, 113)

    preview = media.rendition("preview")
    assert (preview.content_type, preview.width, preview.height) == ("video/mp4", 640, 360)
    assert abs(preview.duration - 2.0) < 0.2
    streams = probe(blobs.read(preview.blob))["streams"]
    assert [s["codec_name"] for s in streams] == ["h264", "aac"]
    assert preview.size * 8 / preview.duration < 700_000  # bits a second, sound included


def test_a_phone_video_recorded_turned_is_shown_upright(pipeline, blobs, tmp_path):
    clip = video(tmp_path / "phone.mov", size="640x360", rotate=90, container="mov")
    media = pipeline.take(clip)
    assert (media.info.content_type, media.info.width, media.info.height) == (
        "video/quicktime", 360, 640)
    poster = Image.open(io.BytesIO(blobs.read(media.rendition("poster").blob)))
    assert poster.height > poster.width
    preview = media.rendition("preview")
    assert (preview.width, preview.height) == (360, 640)
    still = media.rendition("previewPoster")
    assert (still.width, still.height) == (360, 640)


def test_the_poster_of_a_clip_opening_on_black_is_a_frame_of_its_picture(
    pipeline, blobs, tmp_path
):
    """Footage often opens on black (a broadcast lead-in, a fade from black): the poster
    is the first frame past it, not a black rectangle standing for the clip."""
    clip = video(tmp_path / "lead-in.mp4", seconds=3, black=1.5)
    media = pipeline.take(clip)
    poster = Image.open(io.BytesIO(blobs.read(media.rendition("poster").blob))).convert("L")
    assert poster.getextrema()[1] > 200  # testsrc's white digits and bright bars
    assert ImageStat.Stat(poster).mean[0] > 60


def test_a_small_video_is_not_enlarged(pipeline, tmp_path):
    media = pipeline.take(video(tmp_path / "tiny.mp4", seconds=1, size="160x120"))
    assert {r.name: (r.width, r.height) for r in media.renditions} == {
        "original": (160, 120), "poster": (160, 120), "previewPoster": (160, 120),
        "thumbnail": (160, 120), "preview": (160, 120)}


def test_footage_of_non_square_pixels_is_shown_in_its_shape(pipeline, blobs, tmp_path):
    """Broadcast footage stores a 16:9 picture in 720 × 576 pixels drawn wider than tall
    (PAL widescreen, sample aspect 64:45; HDV's 1440 × 1080 likewise): the poster, its
    thumbnail and the preview are that picture as shown, 1024 × 576, not squeezed to 5:4."""
    clip = video(tmp_path / "pal.mp4", seconds=1, size="720x576", sar="64/45")
    media = pipeline.take(clip)
    assert (media.info.width, media.info.height) == (1024, 576)
    poster = Image.open(io.BytesIO(blobs.read(media.rendition("poster").blob)))
    assert poster.size == (1024, 576)
    assert (media.rendition("poster").width, media.rendition("poster").height) == (1024, 576)
    assert (media.rendition("thumbnail").width, media.rendition("thumbnail").height) == (200, 113)
    # The still a teaser's player shows: the poster's frame at the preview clip's size.
    still = media.rendition("previewPoster")
    assert (still.content_type, still.width, still.height) == ("image/jpeg", 640, 360)
    assert Image.open(io.BytesIO(blobs.read(still.blob))).size == (640, 360)
    preview = media.rendition("preview")
    assert (preview.width, preview.height) == (640, 360)
    shown = next(s for s in probe(blobs.read(preview.blob))["streams"]
                 if s["codec_type"] == "video")
    assert (shown["width"], shown["height"]) == (640, 360)
    assert shown.get("sample_aspect_ratio", "1:1") in ("1:1", "0:1", "N/A")


def test_a_phone_clip_is_dated_by_its_capture_not_by_its_export(pipeline, tmp_path):
    """A phone keeps the moment it shot a clip in its QuickTime ``Keys`` date
    (``com.apple.quicktime.creationdate``, local time and offset) and writes the moment a
    trimmed clip was exported into the movie header, the only date that was read: a
    clip shot in the morning and cut before it was sent was dated by the cut."""
    clip = video(tmp_path / "IMG_0042.MOV", seconds=1, size="320x240", container="mov")
    tag(clip, "-QuickTime:CreateDate=2024:05:01 15:45:00",
        "-Keys:CreationDate=2024:05:01 10:20:30+03:00")
    assert pipeline.take(clip).info.capture_time == "2024-05-01T10:20:30+03:00"
    exported = video(tmp_path / "export.mov", seconds=1, size="320x240", container="mov")
    tag(exported, "-QuickTime:CreateDate=2024:05:01 15:45:00")  # no Keys date: the header's
    assert pipeline.take(exported).info.capture_time == "2024-05-01T15:45:00.000000+00:00"

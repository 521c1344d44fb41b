"""Making the renditions of a picture (libvips) or a video (ffmpeg), in a folder.

Pictures: ``web``, ``preview`` and ``thumbnail`` JPEGs whose longest side is at most
1,400, 640 and 200 pixels (never enlarged), turned upright by their EXIF orientation,
converted to sRGB when they carry another colour profile, transparency laid on white,
and stripped of every tag: the item carries the picture's metadata, and a rendition's
EXIF would only repeat the camera's serial number and the photographer's GPS position.

libvips rather than Pillow: the two made these three JPEGs from a 12-megapixel photo in
the same time here (both decode the JPEG at a reduced scale), and libvips also reads
HEIC (through libheif), converts colour profiles and keeps its memory flat on large
PNG and TIFF files by streaming them. ``web`` is made from the file (libvips shrinks
while decoding); ``preview`` and ``thumbnail`` from ``web``, already decoded and small.

Video: a ``poster`` JPEG (the first frame that is not black from a little way in, as
large as ``web``), the same frame at the preview clip's size (``previewPoster``: the
still a teaser's player shows, no larger than the clip it stands for), its
``thumbnail``, and a ``preview`` MP4 (H.264 of constant quality
capped at 600 kbit/s, at most 640 pixels on its longest side, AAC sound, its index at
the front so that it plays while it downloads). ffmpeg applies the rotation a phone recorded; pixels that are not square
(broadcast footage's) are made square, so that every rendition is the picture as shown.

Only the loaders of the accepted formats may run (libvips' others, ImageMagick's among
them, are blocked), and any loader fails on a truncated or corrupt file rather than
filling the missing part with grey. For JPEG that takes failing on libjpeg's warnings
(``fail_on="warning"``, sharp's default): a scan damaged in transit ("Corrupt JPEG data:
premature end of data segment") is only a warning to libjpeg, which then paints the rest
grey. Not for the other formats, whose libraries warn about what is harmless and common
(libpng about a PNG's sRGB profile, libtiff about a TIFF's private tags).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import msgspec

from newswire.errors import TooLarge, Unprocessable
from newswire.media.probe import Video, ffprobe, run_tool, short_of_memory

PICTURE_SIZES = {"web": 1400, "preview": 640, "thumbnail": 200}
"""Rendition -> longest side in pixels."""
QUALITY = 82
"""JPEG quality of the renditions."""
VIDEO_PREVIEW = 640
VIDEO_BITRATE = "600k"
LOADERS = ("Jpeg", "Png", "Tiff", "Webp", "Heif")
"""The libvips loaders (``VipsForeignLoad<Name>``) allowed to run."""
FFMPEG = "ffmpeg"
POSTER_SEARCH = 15.0
"""Seconds of a video searched for a poster frame that is not black."""
NOT_BLACK = (
    "format=yuv420p,signalstats,"
    "metadata=mode=select:key=lavfi.signalstats.YHIGH:value=40:function=greater"
)
"""ffmpeg filters passing only frames that are not black: those whose brightest tenth
(``YHIGH``, signalstats' 90th percentile of luma, in 8 bits once ``format`` made them
so) is above 40, where black is 16 (video range) and a night street's lights pass."""


class Made(msgspec.Struct, kw_only=True):
    """A rendition written to a file, before it is stored."""

    name: str
    path: str
    content_type: str
    width: int
    height: int
    duration: float | None = None
    video_codec: str = ""
    frame_rate: float | None = None


_vips: Any = None


def vips() -> Any:
    """pyvips, set up: only the accepted formats' loaders, no operation cache (each file
    is seen once; the cache would only hold memory)."""
    global _vips
    if _vips is None:
        import pyvips

        pyvips.block_untrusted_set(True)
        pyvips.operation_block_set("VipsForeignLoad", True)
        for name in LOADERS:
            pyvips.operation_block_set(f"VipsForeignLoad{name}", False)
        pyvips.cache_set_max(0)
        _vips = pyvips
    return _vips


def picture_header(path: Path, *, max_pixels: int) -> tuple[int, int, int]:
    """(width, height, orientation) of the picture at ``path`` as libvips' decoder reads
    its header, before any pixel is decoded; ``TooLarge`` past ``max_pixels`` (the
    dimensions as stored: what decoding would have to hold)."""
    pyvips = vips()
    try:
        image = pyvips.Image.new_from_file(str(path), access="sequential", fail_on="truncated")
    except pyvips.Error as exc:
        if short_of_memory(str(exc)):
            raise MemoryError(_said(exc)) from None
        raise Unprocessable(f"the picture cannot be read: {_said(exc)}") from None
    width, height = image.width, image.height
    if width * height > max_pixels:
        raise TooLarge(
            f"the picture declares {width:,} × {height:,} pixels, more than the"
            f" {max_pixels:,} accepted"
        )
    orientation = image.get("orientation") if image.get_typeof("orientation") else 1
    return width, height, orientation if orientation in range(1, 9) else 1


def pictures(path: Path, out: Path) -> list[Made]:
    """The picture renditions of the file at ``path``, written into the folder ``out``."""
    pyvips = vips()
    try:
        header = pyvips.Image.new_from_file(str(path), access="sequential", fail_on="truncated")
        strict = str(header.get("vips-loader")).startswith("jpegload")
        options: dict[str, Any] = {"size": "down", "fail_on": "warning" if strict else "truncated"}
        if header.get_typeof("icc-profile-data"):
            options["export_profile"] = "srgb"
        elif header.interpretation == "cmyk":
            options.update(import_profile="cmyk", export_profile="srgb")
        side = PICTURE_SIZES["web"]
        pages = header.get("n-pages") if header.get_typeof("n-pages") else 1
        if str(header.get("vips-loader")).startswith("tiffload") and pages > 1:
            # A TIFF of several pages is the picture (its first page) and others: a scan's
            # further pages, a reduced copy. ``thumbnail`` takes pages that each halve the
            # one before for a pyramid and shrinks the smallest that is large enough, or,
            # none being, the smallest of all: a 1,200-pixel picture with a 600-pixel
            # second page got a 600-pixel ``web`` of that second page. Its first page
            # alone is read, then shrunk (a TIFF has no shrink-on-load to lose).
            first = pyvips.Image.new_from_file(
                str(path), page=0, n=1, access="sequential", fail_on=options.pop("fail_on"))
            options.pop("size")
            web = _displayable(first.thumbnail_image(side, height=side, size="down", **options))
        else:
            web = _displayable(pyvips.Image.thumbnail(str(path), side, height=side, **options))
        web = web.copy_memory()  # decoded once; the smaller ones are made from it
        made = []
        for name, side in PICTURE_SIZES.items():
            image = web if name == "web" else web.thumbnail_image(side, height=side, size="down")
            made.append(_save_jpeg(image, out / f"{name}.jpg", name))
        return made
    except pyvips.Error as exc:
        said = _said(exc)
        if short_of_memory(str(exc)):
            raise MemoryError(said) from None
        raise Unprocessable(f"the picture cannot be decoded: {said}") from None


def _displayable(image: Any) -> Any:
    """8-bit sRGB (or grey) without transparency: what every JPEG reader shows alike."""
    if image.hasalpha():
        image = image.flatten(background=[255] * (image.bands - 1))
    if image.interpretation not in ("srgb", "b-w") or image.format != "uchar":
        image = image.colourspace("srgb").cast("uchar")
    return image


def _save_jpeg(image: Any, file: Path, name: str) -> Made:
    image.jpegsave(str(file), Q=QUALITY, strip=True, optimize_coding=True)
    return Made(
        name=name, path=str(file), content_type="image/jpeg",
        width=image.width, height=image.height,
    )


def _said(exc: Exception) -> str:
    """libvips' message, without its call stack of operation names."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    useful = [line for line in lines if not line.startswith("unable to ")]
    return "; ".join(useful or lines)[:300]


def videos(path: Path, out: Path, video: Video, *, deadline: float) -> list[Made]:
    """The poster, its thumbnail and the preview of the video at ``path``, into ``out``;
    each ffmpeg run is killed at ``deadline`` (``time.monotonic``)."""
    common = [FFMPEG, "-nostdin", "-v", "error", "-protocol_whitelist", "file", "-f", "mov"]
    source = f"file:{path.resolve()}"
    at = 0.0 if video.duration < 2 else min(video.duration / 10, 3.0)
    # Square pixels first: broadcast footage's are drawn wider (PAL widescreen's 720 × 576
    # is a 16:9 picture), which a JPEG poster cannot say and players of the preview may
    # not honour. A no-op for square pixels (``sar`` is 1, or unknown).
    square = "scale=w='round(iw*sar)':h=ih,setsar=1,"
    side = PICTURE_SIZES["web"]
    fit = (f"{square}scale=w='min({side},iw)':h='min({side},ih)'"
           ":force_original_aspect_ratio=decrease")
    frame = out / "frame.png"  # lossless: it is encoded once, as the poster
    # The first frame from ``at`` on that is not black: footage often opens on seconds of
    # black (a broadcast lead-in, a fade), and a black poster tells a subscriber nothing.
    # Only the next POSTER_SEARCH seconds are decoded; a clip dark all through them (a
    # night shot) has the frame at ``at`` as before.
    window = min(POSTER_SEARCH, max(video.duration - at, 0.1))
    run_tool(
        [*common, "-ss", f"{at:.3f}", "-t", f"{window:.3f}", "-i", source, "-frames:v", "1",
         "-map_metadata", "-1", "-vf", f"{fit},{NOT_BLACK}", "-y", f"file:{frame}"],
        timeout=deadline - time.monotonic(), what="ffmpeg (poster frame)",
    )
    if not frame.exists():
        run_tool(
            [*common, "-ss", f"{at:.3f}", "-i", source, "-frames:v", "1", "-map_metadata", "-1",
             "-vf", fit, "-y", f"file:{frame}"],
            timeout=deadline - time.monotonic(), what="ffmpeg (poster frame)",
        )
    if not frame.exists():
        raise Unprocessable("ffmpeg found no frame to make a poster of")
    still = _displayable(vips().Image.new_from_file(str(frame), fail_on="truncated"))
    small = PICTURE_SIZES["thumbnail"]
    made = [
        _save_jpeg(still, out / "poster.jpg", "poster"),
        # The preview clip's first look, fitted in the clip's box as ffmpeg fits the clip:
        # a teaser (the public page, teaser access) gets the clip, so a frame of it at
        # its size gives nothing more away; the full-size poster it does not get.
        _save_jpeg(still.thumbnail_image(VIDEO_PREVIEW, height=VIDEO_PREVIEW, size="down"),
                   out / "preview-poster.jpg", "previewPoster"),
        _save_jpeg(still.thumbnail_image(small, height=small, size="down"),
                   out / "thumbnail.jpg", "thumbnail"),
    ]
    preview = out / "preview.mp4"
    box = VIDEO_PREVIEW
    run_tool(
        [*common, "-i", source, "-map", "0:v:0", "-map", "0:a:0?", "-map_metadata", "-1",
         "-vf", f"{square}scale=w='min({box},iw)':h='min({box},ih)'"
                ":force_original_aspect_ratio=decrease:force_divisible_by=2",
         "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-maxrate", VIDEO_BITRATE,
         "-bufsize", "1200k", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-b:a", "64k", "-ac", "2", "-movflags", "+faststart",
         "-threads", "2", "-y", f"file:{preview}"],
        timeout=deadline - time.monotonic(), what="ffmpeg (preview)",
    )
    shown = ffprobe(preview, timeout=deadline - time.monotonic())
    made.append(Made(name="preview", path=str(preview), content_type="video/mp4",
                     width=shown.width, height=shown.height, duration=shown.duration,
                     video_codec=shown.codecs[0], frame_rate=shown.frame_rate))
    return made

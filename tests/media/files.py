"""Real files for the media tests, made by the tools a photo desk's would be: Pillow and
libvips write the pictures, ffmpeg the videos, exiftool their IPTC, XMP and EXIF tags."""

from __future__ import annotations

import struct
import subprocess
import zlib
from pathlib import Path

from PIL import Image

RED, BLUE, WHITE = (220, 20, 20), (20, 20, 220), (255, 255, 255)


def picture(path: Path, width: int, height: int, *, fmt: str = "JPEG",
            orientation: int | None = None, mode: str = "RGB") -> Path:
    """A picture whose top rows (as stored) are red and the rest blue, so that where the
    red ends up after rotation shows which way it was turned."""
    fill = (*BLUE, 255) if mode == "RGBA" else BLUE
    image = Image.new(mode, (width, height), fill)
    image.paste(RED, (0, 0, width, max(1, height // 10)))
    options: dict = {}
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif
    image.save(path, fmt, **options)
    return path


def transparent_png(path: Path, width: int, height: int) -> Path:
    """A PNG that is transparent but for a red square in the middle."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    image.paste((*RED, 255), (width // 4, height // 4, 3 * width // 4, 3 * height // 4))
    image.save(path, "PNG")
    return path


def heic(path: Path, width: int, height: int) -> Path:
    import pyvips

    (pyvips.Image.black(width, height, bands=3) + list(BLUE)).cast("uchar").copy(
        interpretation="srgb"
    ).heifsave(str(path), compression="hevc")
    return path


def display_p3_jpeg(path: Path, rgb: tuple[int, int, int]) -> Path:
    """A flat JPEG whose pixels are ``rgb`` in sRGB, stored as Display P3 numbers with the
    P3 profile embedded: a reader that ignores the profile shows other colours."""
    import pyvips

    flat = (pyvips.Image.black(300, 200, bands=3) + list(rgb)).cast("uchar")
    flat.copy(interpretation="srgb").icc_transform("p3", input_profile="srgb").jpegsave(
        str(path), Q=95
    )
    return path


def video(path: Path, *, seconds: float = 2.0, size: str = "320x240", rotate: int = 0,
          container: str = "mp4", sar: str = "", black: float = 0.0) -> Path:
    """A test pattern with a tone, H.264 and AAC; ``rotate``: the display rotation a phone
    records (written by remuxing: ffmpeg 5 drops it when it encodes); ``sar``: the shape of
    its pixels (``64/45``: PAL widescreen, 720 × 576 shown 16:9), else square; ``black``:
    seconds of black the pattern opens with, as a broadcast clip's lead-in."""
    encoded = path.with_name(f"encoded-{path.name}") if rotate else path
    filters = [f"setsar={sar}"] if sar else []
    if black:
        filters.append(f"drawbox=t=fill:c=black:enable='lt(t,{black})'")
    shape = ["-vf", ",".join(filters)] if filters else []
    _ffmpeg("-f", "lavfi", "-i", f"testsrc=duration={seconds}:size={size}:rate=25",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", *shape,
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-shortest", "-f", container, "-y", str(encoded))
    if rotate:
        _ffmpeg("-i", str(encoded), "-c", "copy", "-metadata:s:v:0", f"rotate={rotate}",
                "-f", container, "-y", str(path))
        encoded.unlink()
    return path


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", *args],
                   check=True, capture_output=True, timeout=120)


def tag(path: Path, *assignments: str, charset: str | None = None) -> Path:
    """Write tags with exiftool (``-IPTC:Headline=...``); ``charset``: exiftool's
    ``-charset iptc=`` for IPTC text written without declaring its character set."""
    options = ["-charset", f"iptc={charset}"] if charset else []
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", *options, *assignments, str(path)],
        check=True, capture_output=True, timeout=60,
    )
    return path


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` × ``height`` pixels: a decompression
    bomb's header, with a few bytes of image data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))

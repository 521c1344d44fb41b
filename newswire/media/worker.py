"""The worker side: what runs in a process of its own, under the limits of one file.

``Pipeline`` (``newswire.media.pipeline``) hands each file to a pool of these processes.
Each starts with ``start``, which caps the memory it and every tool it runs may write to
(``RLIMIT_DATA``: the heap and private mappings a process touches, not the address space
libraries and thread stacks merely reserve, which is why it and not ``RLIMIT_AS``), and
keeps one exiftool running. ``work`` reads a file's facts, refuses it when it is larger
than allowed, makes its renditions into a folder and returns what it made; a refusal
comes back as a value (error class, reason), since the file's name, which the error
names, is the caller's.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

import msgspec

from newswire.errors import NewswireError, TooLarge
from newswire.media.detect import FORMATS
from newswire.media.metadata import fields, iso_date
from newswire.media.model import Limits, MediaInfo
from newswire.media.probe import Exiftool, ffprobe, whole
from newswire.media.renditions import Made, picture_header, pictures, videos

_exiftool = Exiftool()


class Outcome(msgspec.Struct, kw_only=True):
    info: MediaInfo | None = None
    made: list[Made] = []
    refused: tuple[str, str] | None = None
    """(``newswire.errors`` class name, reason) when the file is refused."""


def start(limits: Limits) -> None:
    """Set up a worker process: its memory cap (inherited by the tools it runs), no core
    files."""
    resource.setrlimit(resource.RLIMIT_DATA, (limits.memory, limits.memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def work(path: str, format_name: str, out: str, limits: Limits) -> Outcome:
    """Probe the file at ``path`` (sniffed as ``format_name``) and make its renditions in
    the folder ``out``."""
    try:
        info, made = _work(Path(path), format_name, Path(out), limits)
    except NewswireError as exc:
        # The tools name the file by its path here, a temporary one the sender never saw.
        said = exc.detail.replace(f"file:{Path(path).resolve()}", "the file")
        return Outcome(refused=(type(exc).__name__, said.replace(path, "the file")))
    except TimeoutError:
        return Outcome(refused=("Unprocessable", f"took longer than {limits.seconds:g} s to process"))
    except MemoryError:
        return Outcome(refused=("TooLarge", f"needs more than {limits.memory >> 20} MiB of memory"))
    return Outcome(info=info, made=made)


def _work(path: Path, format_name: str, out: Path, limits: Limits) -> tuple[MediaInfo, list[Made]]:
    deadline = time.monotonic() + limits.seconds
    fmt = FORMATS[format_name]
    if fmt.kind == "video":
        whole(path)  # before any tool reads what is there of it
    tags = _exiftool.tags(path, iptc_charset=limits.iptc_charset)
    text = fields(tags)
    _check_pixels(str(tags.get("Composite:ImageSize", "")), limits.max_pixels)
    _in_time(deadline)
    if fmt.kind == "video":
        video = ffprobe(path, timeout=deadline - time.monotonic())
        _check_pixels(f"{video.width} {video.height}", limits.max_pixels)
        made = videos(path, out, video, deadline=deadline)
        _in_time(deadline)
        text["capture_time"] = text["capture_time"] or iso_date(video.creation_time)
        info = MediaInfo(
            kind=fmt.kind, content_type=fmt.content_type, width=video.width,
            height=video.height, duration=video.duration, codecs=video.codecs,
            frame_rate=video.frame_rate, **text,
        )
        return info, made
    width, height, orientation = picture_header(path, max_pixels=limits.max_pixels)
    _in_time(deadline)
    made = pictures(path, out)
    _in_time(deadline)
    if orientation >= 5:  # a quarter turn: shown taller than stored, or wider
        width, height = height, width
    info = MediaInfo(
        kind=fmt.kind, content_type=fmt.content_type, width=width, height=height,
        orientation=orientation, **text,
    )
    return info, made


def _in_time(deadline: float) -> None:
    """Between two steps: past the deadline, the file is refused (within a step, the
    tools are killed at it, and libvips' work by the pool ending the worker)."""
    if time.monotonic() > deadline:
        raise TimeoutError


def _check_pixels(size: str, max_pixels: int) -> None:
    """``TooLarge`` when exiftool's ``ImageSize`` (``"W H"``) is past the limit: before any
    decoder sees the file."""
    parts = size.replace("x", " ").split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        width, height = int(parts[0]), int(parts[1])
        if width * height > max_pixels:
            raise TooLarge(
                f"it declares {width:,} × {height:,} pixels, more than the {max_pixels:,}"
                " accepted"
            )

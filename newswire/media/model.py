"""What the media library tells about a file: its facts, its renditions, its limits."""

from __future__ import annotations

import msgspec

from newswire.media.detect import Kind
from newswire.model import Rendition


class MediaInfo(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A picture's or a video's facts, read from the file (``newswire.media.probe``).

    Dimensions are as the picture is shown, after its orientation is applied (a portrait
    photo from a camera held upright is taller than wide, whatever the sensor wrote). The
    text fields come from IPTC-IIM, XMP and EXIF (QuickTime tags for video), sanitised
    like every text newswire takes in; an absent field is empty.
    """

    kind: Kind
    content_type: str
    width: int
    height: int
    orientation: int = 1
    """EXIF orientation of the original (1 upright; 5-8 turned a quarter)."""
    duration: float | None = None
    """Seconds, for video."""
    codecs: list[str] = msgspec.field(default_factory=list)
    """Video then audio codec (``h264``, ``aac``), for video."""
    frame_rate: float | None = None
    """Frames a second, for video."""
    headline: str = ""
    caption: str = ""
    byline: str = ""
    credit: str = ""
    copyright_notice: str = ""
    city: str = ""
    country: str = ""
    keywords: list[str] = msgspec.field(default_factory=list)
    instructions: str = ""
    """IPTC's Instructions (an embargo, "MANDATORY CREDIT"): the item's ``ednote``."""
    subject_codes: list[str] = msgspec.field(default_factory=list)
    """The IPTC Subject Codes embedded (XMP ``Iptc4xmpCore:SubjectCode``, IPTC-IIM 2:12),
    as ``subj:`` QCodes."""
    date_created: str | None = None
    """When the content was created (IPTC/XMP), ISO 8601: a date, or a date and time with
    the offset when the file gives one."""
    capture_time: str | None = None
    """When the camera took it (EXIF ``DateTimeOriginal``; a video's creation time), ISO
    8601, with the offset when the file gives one."""


class Media(msgspec.Struct, kw_only=True):
    """A file taken in: its facts and its renditions (the item's own ``Rendition``, with
    its ``blob`` key and no ``href``), the original first: ``original``, then ``web``,
    ``preview``, ``thumbnail`` for a picture, ``poster``, ``thumbnail``, ``preview`` for
    a video."""

    info: MediaInfo
    renditions: list[Rendition]

    def rendition(self, name: str) -> Rendition:
        return next(r for r in self.renditions if r.name == name)


class Limits(msgspec.Struct, kw_only=True, frozen=True):
    """What one file may cost. Past any of them the file is refused, and nothing is kept."""

    max_bytes: int = 1024**3
    """Largest file taken in (a minute of 4K video from a phone is about 400 MB)."""
    max_pixels: int = 200_000_000
    """Largest picture, in pixels, read from its header before anything is decoded (the
    largest camera sensors are about 150 million)."""
    seconds: float = 300.0
    """Wall-clock time to probe a file and make its renditions (video transcoding is what
    takes long)."""
    memory: int = 1024**3
    """Memory each process working on the file may write to (``RLIMIT_DATA``): the worker,
    and exiftool, ffprobe and ffmpeg under it."""
    iptc_charset: str = "cp1252"
    """The character set of IPTC-IIM text in files that do not declare one (IPTC record
    1:90) and whose text is not all valid UTF-8 (which is then read as UTF-8); exiftool's
    name for it (``cp1256`` for Arabic Windows, ``latin``, ``utf8``)."""

"""Reading a file's facts with the tools made for it: exiftool and ffprobe.

exiftool (Debian's ``libimage-exiftool-perl``) reads IPTC-IIM, XMP, EXIF and QuickTime
tags of every accepted format. It runs as one long-lived process per worker (its
``-stay_open`` mode): starting Perl and its modules costs about 130 ms a file, a question
to a running exiftool about 5 ms (bench/renditions.py's figures are in
docs/benchmarks.md). Its answers are read here rather than through pyexiftool, whose
reader waits for the next answer forever once exiftool has died: a PNG whose text chunk
inflates to gigabytes makes exiftool end with "Out of memory!" under the worker's cap in
two seconds, and the worker then spun until the file's time limit (five minutes by
default) and refused it as slow. An exiftool that ends is noticed at once, its last
words read, and the next file starts another. An exiftool whose worker ends is ended
with it (``_with_parent``): with ``-stay_open`` it does not stop when its input closes,
but polls it for ever.

ffprobe (Debian's ``ffmpeg``) reads a video's streams: size, rotation, duration, codecs.
It is told the container (``-f mov``, the demuxer of MP4 and QuickTime) and may open
nothing but the file itself, so that no byte of an upload chooses a demuxer or a
protocol for it.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from newswire.errors import Unprocessable
from newswire.media.metadata import IPTC_TEXT, TAGS

FFPROBE = "ffprobe"
EXIFTOOL = "exiftool"

SHORT_OF_MEMORY = re.compile(
    r"out of memory|cannot allocate memory|malloc of size \d+ failed"
    r"|error creating thread|thread_encoder_init failed|resource temporarily unavailable",
    re.IGNORECASE,
)
"""What the tools and libraries say when the worker's memory cap (``media_memory_bytes``)
stops them: an allocation refused (x264's ``malloc of size … failed``, ``ENOMEM``), or a
thread whose stack could not be mapped (glib's ``Error creating thread``, ffmpeg's
``EAGAIN`` or its encoder's threads not started). None of it is about the file, which is refused for the memory it needs
(``MemoryError``), not as one that cannot be decoded."""


def short_of_memory(said: str) -> bool:
    """Whether a tool's or library's words say it ran out of memory (``SHORT_OF_MEMORY``)."""
    return SHORT_OF_MEMORY.search(said) is not None


def _prctl() -> Callable[..., int] | None:
    """Linux's ``prctl``, looked up once, before any process is started: not in a child
    between fork and exec, where nothing but what is ready may run."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _prctl()
PR_SET_PDEATHSIG = 1


def _with_parent(parent: int) -> Callable[[], None] | None:
    """For a tool's child process: killed when the thread that starts it ends
    (``PR_SET_PDEATHSIG``; the worker's tasks run on its main thread, so when the worker
    ends), and not started at all when its parent is already gone. An exiftool left behind
    by a worker killed at its time limit, or recycled by its pool, would otherwise poll its
    closed input for ever: a process and a little CPU for each, for as long as the machine
    runs. None where there is no ``prctl``: the tool then outlives a worker that did not
    close it."""
    prctl = _PRCTL
    if prctl is None:
        return None

    def bind() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(1)

    return bind


class Exiftool:
    """One exiftool process answering questions until ``close`` (``-stay_open``), or
    until the process that started it ends."""

    def __init__(self) -> None:
        self._tool: subprocess.Popen[bytes] | None = None
        self._number = 0
        self._said: Any = None

    def tags(self, path: Path, *, iptc_charset: str) -> dict[str, Any]:
        """The tags of ``TAGS`` the file has, named ``Group:Tag`` (exiftool's ``-G1``),
        numbers as numbers (``-n``). IPTC-IIM text whose character set the file does not
        declare is read as ``iptc_charset`` unless all of it is valid UTF-8
        (``undeclared_iptc``)."""
        name = str(path.resolve())
        charset = self.undeclared_iptc(name, iptc_charset)
        return self._json("-use", "MWG", "-charset", f"iptc={charset}", "-charset", "utf8",
                          *(f"-{tag}" for tag in TAGS), name)

    def undeclared_iptc(self, name: str, fallback: str) -> str:
        """The character set to read the file's IPTC-IIM text in, when the file does not
        declare one (record 1:90): UTF-8 if all of its IPTC text (``IPTC_TEXT``) is valid
        UTF-8, which is what today's tools write, Arabic included, without always
        declaring it; ``fallback`` otherwise (what older desktop tools wrote: Windows-1252,
        or 1256 for Arabic), as other metadata readers do. A file that declares its set is read in it whatever
        ``-charset iptc`` says. Asked of exiftool with ``-b``, which gives a value that is
        not valid UTF-8 as ``base64:`` and its bytes."""
        if fallback.lower().replace("-", "") == "utf8":
            return fallback
        found = self._json("-b", "-charset", "iptc=UTF8", "-IPTC:CodedCharacterSet",
                           *(f"-{tag}" for tag in IPTC_TEXT), name)
        if "IPTC:CodedCharacterSet" in found:
            return fallback
        for value in found.values():
            for one in value if isinstance(value, list) else [value]:
                if isinstance(one, str) and one.startswith("base64:"):
                    return fallback
        return "UTF8"

    def _json(self, *params: str) -> dict[str, Any]:
        """exiftool's ``-j`` answer for ``params``; ``MemoryError`` when it ran out of memory
        on them, ``Unprocessable`` when it ended otherwise or answered no JSON."""
        if self._tool is None or self._tool.poll() is not None:
            self._start()
        tool = self._tool
        assert tool is not None and tool.stdin is not None and tool.stdout is not None
        self._number += 1
        ready = f"{{ready{self._number}}}".encode()
        self._said.seek(0)
        self._said.truncate()
        try:
            tool.stdin.write("\n".join(("-j", *params, f"-execute{self._number}", "")).encode())
            tool.stdin.flush()
            answer = b""
            while not answer.rstrip().endswith(ready):
                chunk = os.read(tool.stdout.fileno(), 1 << 16)
                if not chunk:  # it ended: no answer is coming
                    raise BrokenPipeError
                answer += chunk
        except BrokenPipeError:
            tool.wait()
            self._tool = None
            self._said.seek(0)
            said = self._said.read().decode("utf-8", "replace")
            if short_of_memory(said):
                raise MemoryError("exiftool") from None
            raise Unprocessable(
                f"exiftool cannot read it: {_last_line(said.encode()) or 'it ended'}"
            ) from None
        text = answer.rstrip()[: -len(ready)].strip()
        try:
            found = json.loads(text) if text else []
        except ValueError as exc:
            raise Unprocessable(f"exiftool cannot read it: {exc}") from None
        return found[0] if found else {}

    def _start(self) -> None:
        self.close()
        # What it says on stderr goes to a file of its own, read when it ends: a pipe
        # nobody read while waiting for stdout would fill and stop it.
        self._said = tempfile.TemporaryFile()
        self._tool = subprocess.Popen(
            [EXIFTOOL, "-stay_open", "True", "-@", "-", "-common_args", "-G1", "-n"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._said,
            preexec_fn=_with_parent(os.getpid()),  # see _with_parent
        )

    @property
    def pid(self) -> int | None:
        """The running exiftool's process id (None before the first question)."""
        return self._tool.pid if self._tool is not None else None

    def close(self) -> None:
        if self._tool is not None:
            tool, self._tool = self._tool, None
            try:
                if tool.poll() is None and tool.stdin is not None:
                    tool.stdin.write(b"-stay_open\nFalse\n")
                    tool.stdin.flush()
                tool.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                tool.kill()
                tool.wait()
            for pipe in (tool.stdin, tool.stdout):
                if pipe is not None:
                    pipe.close()
        if self._said is not None:
            self._said.close()
            self._said = None


class Stream(msgspec.Struct, kw_only=True):
    codec_type: str = ""
    codec_name: str = ""
    avg_frame_rate: str = ""
    """Frames a second as a fraction (``30000/1001``; ``0/0`` when unknown)."""
    width: int = 0
    height: int = 0
    sample_aspect_ratio: str = ""
    """The shape of a pixel, ``64:45`` (PAL widescreen: 720 × 576 shown 16:9); ``1:1``,
    ``0:1`` or absent for square ones."""
    tags: dict[str, str] = {}
    side_data_list: list[dict[str, Any]] = []


class Container(msgspec.Struct, kw_only=True):
    duration: float | None = None
    tags: dict[str, str] = {}


class Probed(msgspec.Struct, kw_only=True):
    streams: list[Stream] = []
    format: Container = msgspec.field(default_factory=Container)


class Video(msgspec.Struct, kw_only=True):
    """What ffprobe says of a video: its size as shown (rotation applied, pixels that are
    not square drawn in their shape: 720 × 576 of PAL widescreen is 1024 × 576)."""

    width: int
    height: int
    rotation: int
    duration: float
    codecs: list[str]
    creation_time: str | None
    frame_rate: float | None = None
    """Frames a second (``29.97``), None when ffprobe does not know."""


def whole(path: Path) -> None:
    """``Unprocessable`` when the MP4 or QuickTime file at ``path`` is cut short: one of its
    top-level boxes (ISO/IEC 14496-12: a 32-bit size, or 1 and a 64-bit one, and four
    letters) says it runs past the file's end. A transfer cut off in the middle leaves
    such a file, and ffprobe and ffmpeg read what is there without a word: with its index
    (``moov``) at the front, the clip was taken in with the duration the index says and
    a preview of the half that arrived. The walk stops at what is not a box header (four
    letters): a box of size 0 runs to the end, as the last one may, and what follows the
    boxes is ffprobe's to judge."""
    end = path.stat().st_size
    with open(path, "rb") as file:
        at = 0
        while at + 8 <= end:
            file.seek(at)
            head = file.read(16)
            size, kind = int.from_bytes(head[:4], "big"), head[4:8]
            if not all(0x20 <= b < 0x7F for b in kind):
                return
            if size == 1 and len(head) == 16:
                size = int.from_bytes(head[8:16], "big")
            if size < 8:  # 0: to the end of the file; less than a header: no box
                return
            if at + size > end:
                name = kind.decode("ascii").strip()
                raise Unprocessable(
                    f"it is cut short: its {name} box needs {at + size - end:,} bytes more"
                    f" than the {end:,} the file has (a transfer that did not end?)"
                )
            at += size


def ffprobe(path: Path, *, timeout: float) -> Video:
    """The facts of the video at ``path``; ``Unprocessable`` when ffprobe cannot read it
    or it has no picture."""
    done = _run(
        [FFPROBE, "-v", "error", "-protocol_whitelist", "file", "-f", "mov",
         "-print_format", "json", "-show_format", "-show_streams", f"file:{path.resolve()}"],
        timeout=timeout, what="ffprobe",
    )
    if done.returncode != 0:
        if short_of_memory(done.stderr.decode("utf-8", "replace")):
            raise MemoryError("ffprobe")
        said = _last_line(done.stderr) or f"exit status {done.returncode}"
        raise Unprocessable(f"ffprobe cannot read it: {said}")
    try:
        # ffprobe writes durations as strings ("2.000000"): strict=False reads them as numbers.
        probed = msgspec.json.decode(done.stdout, type=Probed, strict=False)
    except msgspec.ValidationError as exc:
        raise Unprocessable(f"ffprobe cannot read it: {exc}") from None
    video = next((s for s in probed.streams if s.codec_type == "video" and s.width), None)
    if video is None:
        raise Unprocessable("it has no video stream ffprobe can read")
    rotation = _rotation(video)
    stored = (round(video.width * _pixel_shape(video.sample_aspect_ratio)), video.height)
    width, height = (stored[1], stored[0]) if rotation % 180 else stored
    audio = [s.codec_name for s in probed.streams if s.codec_type == "audio" and s.codec_name]
    duration = probed.format.duration
    if duration is None or duration <= 0:
        raise Unprocessable("ffprobe finds no duration in it")
    return Video(
        width=width, height=height, rotation=rotation, duration=duration,
        codecs=[video.codec_name, *audio[:1]],
        creation_time=probed.format.tags.get("creation_time") or video.tags.get("creation_time"),
        frame_rate=_rate(video.avg_frame_rate),
    )


def _rate(fraction: str) -> float | None:
    """``30000/1001`` -> 29.97 (two decimals); None for ``0/0`` or what is not a rate."""
    top, _, bottom = fraction.partition("/")
    try:
        rate = float(top) / float(bottom or 1)
    except (ValueError, ZeroDivisionError):
        return None
    return round(rate, 2) if 0 < rate < 1000 else None


def _pixel_shape(ratio: str) -> float:
    """How much wider than tall a pixel is shown (``64:45`` -> 1.42); 1 for square pixels
    and for a ratio ffprobe does not know (``0:1``, ``N/A``)."""
    across, _, up = ratio.partition(":")
    try:
        shape = float(across) / float(up)
    except (ValueError, ZeroDivisionError):
        return 1.0
    return shape if 0.1 < shape < 10 else 1.0


def _rotation(stream: Stream) -> int:
    """Degrees the picture is turned when shown: the display matrix, or the old ``rotate``
    tag."""
    for side in stream.side_data_list:
        if "rotation" in side:
            return round(float(side["rotation"])) % 360
    try:
        return int(stream.tags.get("rotate", "0")) % 360
    except ValueError:
        return 0


def _run(command: list[str], *, timeout: float, what: str) -> subprocess.CompletedProcess[bytes]:
    """A tool, with no input, killed when it takes longer than ``timeout`` seconds."""
    try:
        return subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, timeout=max(timeout, 0.01)
        )
    except subprocess.TimeoutExpired:
        raise TimeoutError(what) from None


def _last_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1][:300] if lines else ""


def run_tool(command: list[str], *, timeout: float, what: str) -> None:
    """Run ``command`` (ffmpeg); ``Unprocessable`` with its last words when it fails."""
    done = _run(command, timeout=timeout, what=what)
    if done.returncode != 0:
        # The whole of what it said: its last line is often the consequence ("Error
        # while opening encoder"), the refused allocation a line before.
        if short_of_memory(done.stderr.decode("utf-8", "replace")):
            raise MemoryError(what)
        said = _last_line(done.stderr) or f"exit status {done.returncode}"
        raise Unprocessable(f"{what} failed on it: {said}")


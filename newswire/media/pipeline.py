"""Taking a picture or video file in: checked, probed, rendered, stored, or refused whole.

``Pipeline(blobs, limits).take(path, name=..., declared=...)`` is the one call: it
refuses a file over ``limits.max_bytes`` or whose first bytes are no accepted format (or
not the one declared) before any tool opens it, hands the rest to a worker process
(``newswire.media.worker``) that reads its metadata and makes its renditions under the
file's time and memory limits, and only then puts the original and the renditions into
the blob store. A refusal raises the error of ``newswire.errors`` that says why, with
the file's name as its ``field``; nothing is stored, and the caller's process is not
touched by what the worker met (a decoder that crashes or a file that exhausts the
memory cap ends the worker, which is replaced).

The workers are a pebble ``ProcessPool``: a file past its time has its worker ended and
replaced without disturbing the files other workers are on, and a worker is replaced
after ``RECYCLE`` files so that no memory lost by a library builds up.
"""

from __future__ import annotations

import multiprocessing
import shutil
import tempfile
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from pebble import ProcessExpired, ProcessPool

from newswire import errors
from newswire.blobs import Blobs
from newswire.errors import NewswireError, TooLarge, Unprocessable
from newswire.media import spool
from newswire.media.detect import HEAD, declared_type, detect
from newswire.media.model import Limits, Media, MediaInfo
from newswire.media.worker import Outcome, start, work
from newswire.model import Rendition

RECYCLE = 200
"""Files a worker process takes before it is replaced by a fresh one."""
GRACE = 5.0
"""Seconds past a file's time limit before its worker is ended: the worker stops the
tools it runs at the limit itself, and says so."""


class Pipeline:
    """Takes files in, ``workers`` at a time; ``close`` (or ``with``) ends the workers.

    ``scratch``: the folder where renditions are made before they are stored (by
    default this process's spool folder, which a server starting later empties if this
    process is killed: ``newswire.media.spool``); ``grace``: seconds past a file's time limit
    before its worker is ended.

    The workers are started by ``spawn`` (a fresh interpreter, not a fork of a process
    that may run threads), so a script that makes a ``Pipeline`` guards its main code
    with ``if __name__ == "__main__":``, as ``multiprocessing`` asks.
    """

    def __init__(
        self, blobs: Blobs, limits: Limits | None = None, *, workers: int = 1,
        scratch: Path | None = None, grace: float = GRACE,
    ):
        self.blobs = blobs
        self.limits = limits or Limits()
        self.scratch = scratch
        self.grace = grace
        self._pool = ProcessPool(
            max_workers=workers, max_tasks=RECYCLE, initializer=start,
            initargs=(self.limits,), context=multiprocessing.get_context("spawn"),
        )

    def take(self, path: Path, *, name: str | None = None, declared: str | None = None) -> Media:
        """Take in the file at ``path``, called ``name`` (its file name, by default: the
        field of the errors); ``declared`` is the type the sender gave, if any (else the
        name's extension declares one)."""
        name = name or path.name
        try:
            return self._take(path, name, declared or declared_type(name))
        except NewswireError as exc:
            exc.field = name
            raise

    def _take(self, path: Path, name: str, declared: str | None) -> Media:
        try:
            size = path.stat().st_size
            if size > self.limits.max_bytes:
                raise TooLarge(f"{size:,} bytes, more than the {self.limits.max_bytes:,} accepted")
            with open(path, "rb") as file:
                head = file.read(HEAD)
        except OSError as exc:
            raise errors.BadInput(f"cannot read it: {exc.strerror}") from None
        fmt = detect(head, declared=declared)
        out = Path(tempfile.mkdtemp(prefix="newswire-media-", dir=self.scratch or spool.folder()))
        try:
            outcome = self._run(path, fmt.name, out)
            if outcome.refused is not None or outcome.info is None:
                kind, reason = outcome.refused or ("Unprocessable", "no outcome")
                error = getattr(errors, kind, Unprocessable)
                raise error(reason)
            return self._store(path, size, outcome.info, outcome)
        finally:
            shutil.rmtree(out, ignore_errors=True)

    def _run(self, path: Path, format_name: str, out: Path) -> Outcome:
        future = self._pool.schedule(
            work, args=(str(path), format_name, str(out), self.limits),
            timeout=self.limits.seconds + self.grace,
        )
        try:
            result: Outcome = future.result()
        except FutureTimeout:
            raise Unprocessable(f"took longer than {self.limits.seconds:g} s to process") from None
        except ProcessExpired as exc:
            raise Unprocessable(
                f"the process working on it ended ({_how(exc.exitcode)}): the file is"
                " corrupt or needs more than its memory limit"
            ) from None
        return result

    def _store(self, path: Path, size: int, info: MediaInfo, outcome: Outcome) -> Media:
        """Every check passed: the original and its renditions go into the blob store."""
        original = Rendition(
            name="original", blob=self.blobs.put(path), content_type=info.content_type,
            width=info.width, height=info.height, size=size, duration=info.duration,
            video_codec=info.codecs[0] if info.kind == "video" and info.codecs else "",
            frame_rate=info.frame_rate,
        )
        renditions = [original]
        for made in outcome.made:
            file = Path(made.path)
            renditions.append(
                Rendition(
                    name=made.name, blob=self.blobs.put(file), content_type=made.content_type,
                    width=made.width, height=made.height, size=file.stat().st_size,
                    duration=made.duration, video_codec=made.video_codec,
                    frame_rate=made.frame_rate,
                )
            )
        return Media(info=info, renditions=renditions)

    def close(self) -> None:
        self._pool.close()  # type: ignore[no-untyped-call]  # unannotated in pebble
        self._pool.join()

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _how(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        return f"signal {-exitcode}"
    return f"exit status {exitcode}"

"""Where uploads are spooled and renditions made, and what a killed process left there.

An upload is written to a temporary file (up to ``max_media_bytes``) before the pipeline
takes it, and the pipeline makes its renditions in a temporary folder: both are removed
when the file is done, but not when the process is killed (the OOM killer, ``kill -9``)
meanwhile, and a node taking many uploads would fill its disk with them over weeks. So
each process puts them in a folder of its own, named by its process id and the time it
started, under one folder of newswire's in the system's temporary folder::

    $TMPDIR/newswire-spool-<uid>/<pid>-<start>/

and each server process, when it starts (a worker restarted by ``--workers N``'s
supervisor too), removes the folders of processes that no longer run (``sweep``).

A folder is another live process's as long as a process with its id runs *and* started
at the same moment (Linux's ``/proc/<pid>/stat``, in clock ticks since boot): a process
id the kernel gave again to a newer process does not keep a dead one's folder. Where the
system does not say when a process started, the id alone decides: a reused id then keeps
a folder until that process ends too, which only leaks; a live process's folder is never
removed. The processes sharing a temporary folder are taken to see each other's ids
(one machine, or one container): containers with pid namespaces of their own do not
share one temporary folder.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import stat
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("newswire.media")

PREFIX = "newswire-spool-"
"""The spool folder's name in the temporary folder, before the user id: processes of
two users on one machine keep apart, as neither may remove the other's files."""

_lock = threading.Lock()
_mine: dict[tuple[int, Path], Path | None] = {}
"""This process's folder, by process id (a forked child makes its own) and spool folder
(``TMPDIR`` read again: tests)."""


@dataclass(frozen=True)
class Swept:
    """What ``sweep`` removed: folders of stopped processes, the files in them, bytes."""

    folders: int = 0
    files: int = 0
    bytes: int = 0


def root() -> Path:
    """The folder of every newswire process of this user, in the temporary folder
    (``TMPDIR``, else the system's)."""
    return Path(tempfile.gettempdir()) / f"{PREFIX}{os.getuid()}"


def folder() -> Path | None:
    """This process's spool folder, made at the first call; None when the spool folder
    cannot be used safely (not a folder of this user's: the temporary folder itself is
    used then, as before, and nothing is swept), said once in the log."""
    pid, top = os.getpid(), root()
    with _lock:
        if (pid, top) not in _mine:
            _mine[pid, top] = _make(pid, top)
        return _mine[pid, top]


def _make(pid: int, top: Path) -> Path | None:
    try:
        with contextlib.suppress(FileExistsError):
            os.mkdir(top, 0o700)
        # /tmp is everyone's: a folder (or a link) another user made in its place would
        # hand them our uploads, or our sweep their files.
        found = os.lstat(top)
        if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid():
            log.warning("%s is not a folder of this user's: uploads are spooled beside it", top)
            return None
        own = top / _name(pid, _started(pid) or "")
        own.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        log.warning("cannot make the upload spool folder %s: %s", top, exc.strerror or exc)
        return None
    return own


def sweep() -> Swept:
    """Remove the spool folders of processes that no longer run (never a live process's)
    and say so in the log when there were some. Safe while other processes sweep or
    spool: a folder is first moved into this process's own, so one process removes it
    (and, if this one is killed meanwhile, the next sweep removes it with this one's)."""
    own = folder()
    if own is None:
        return Swept()
    folders = files = size = 0
    try:
        names = os.listdir(own.parent)
    except OSError:
        return Swept()
    for name in names:
        owner = _owner(name)
        if owner is None or name == own.name or _runs(*owner):
            continue
        claimed = own / f"stopped-{name}"
        try:
            os.rename(own.parent / name, claimed)
        except OSError:  # another process took it first
            continue
        count, total = _measure(claimed)
        shutil.rmtree(claimed, ignore_errors=True)
        folders, files, size = folders + 1, files + count, size + total
    if files:  # the empty folders of processes killed between files go unsaid
        log.info(
            "removed what stopped processes left in the upload spool: %d file(s), %.1f MB, %d folder(s) in %s",
            files, size / 1e6, folders, own.parent,
        )
    return Swept(folders=folders, files=files, bytes=size)


def leave() -> None:
    """Remove this process's folder if nothing is left in it (a process stopping)."""
    with _lock:
        own = _mine.pop((os.getpid(), root()), None)
    if own is not None:
        with contextlib.suppress(OSError):  # a file still in it: the next sweep takes it
            own.rmdir()


def name_of(pid: int) -> str:
    """The name of the spool folder of the process ``pid`` (running now)."""
    return _name(pid, _started(pid) or "")


def _name(pid: int, started: str) -> str:
    return f"{pid}-{started}" if started else str(pid)


def _owner(name: str) -> tuple[int, str] | None:
    """(process id, start) of a spool folder's name; None for a name not of that form
    (left alone: not ours to judge)."""
    pid, _, started = name.partition("-")
    if not pid.isdigit() or not (started.isdigit() or not started):
        return None
    return int(pid), started


def _runs(pid: int, started: str) -> bool:
    """Whether the process that made the folder named (``pid``, ``started``) still runs."""
    now = _started(pid)
    if now is None:
        return False
    return not started or not now or now == started


def _started(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, as a string); None when no
    such process runs (a zombie, killed and not yet reaped, does not); "" when it runs
    but the system does not say when it started."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as file:
            fields = file.read().rsplit(b")", 1)[1].split()
    except FileNotFoundError:
        if os.path.isdir("/proc/self"):
            return None
        return _signalled(pid)
    except (OSError, IndexError):
        return _signalled(pid)
    if fields[0] in (b"Z", b"X"):  # state: dead, only its exit status is left
        return None
    return fields[19].decode()  # field 22 of stat(5); the first two are before ")"


def _signalled(pid: int) -> str | None:
    """Whether ``pid`` runs, by the kernel's answer to signal 0: "" if so, else None."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # another user's process: it runs
        return ""
    return ""


def _measure(path: Path) -> tuple[int, int]:
    """Files under ``path`` and their bytes."""
    files = size = 0
    for top, _, names in os.walk(path):
        for name in names:
            try:
                size += os.lstat(os.path.join(top, name)).st_size
            except OSError:
                continue
            files += 1
    return files, size

"""What a process builds before its first enriched item, kept on disk for the next one.

Every process that enriches builds the same two things first: the entities step's
automaton of names (the vocabulary's and the gazetteer's names with their Arabic
proclitic forms, about 50,000 patterns: 0.15-0.2 s of CPU with the names' normalisation)
and the table of the frequent words' terms (``terms.Table.know``: 0.1 s). A bulk ingest
builds them before it forks its workers, on the run's critical path while its folder is
read (``newswire.ingest.list_files_warm``); a server process and every ``newswire ingest``
of a drop folder before their first item. Loading them back is four times faster, so the
first process to build them keeps them here, as a pickle, for the next.

A file is named by a digest of everything its contents are made of: the code that makes
them (every source file of ``newswire.enrich`` and ``newswire.text``), the shipped data
(``newswire/data``: each file's name, size and time), Python's version and those of the
libraries whose objects it holds (numpy, pyahocorasick, msgspec: their files' sizes and
times), and what the caller names (the vocabulary's terms). Anything that changes one of
them names another file: a stale one is never read, and only the newest ``KEEP`` of a
kind stay. A process that finds one of those files changed since it started (an upgrade
in place, before the restart) keeps and loads nothing: what it builds may be made of the
code it imported before, which the digest of the files on disk would not name.

It is trusted as the code Python imports is: it is read only from a folder this user
owns that nobody else may write, only when it is a regular file this user owns that
nobody else may write (a pickle runs code when it is loaded). Anything else, a file
missing, cut short, another user's or written by another release, is a miss: the thing is
built as if there were no cache, and nothing fails for it. ``cache_dir`` (the setting)
says where; ``off`` keeps nothing.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import os
import pickle
import stat
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from newswire import IMPORTED_NS
from newswire.settings import setting

FORMAT = 1
"""What a file holds, as this module writes it: part of every digest."""

KEEP = 3
"""Files of a kind kept (the newest): a vocabulary edited and edited back finds its own."""

_PACKAGES = ("enrich", "text")
"""The subpackages of ``newswire`` whose code makes what is kept."""

_LIBRARIES = ("numpy", "ahocorasick", "msgspec", "Stemmer")
"""The libraries whose objects are kept, or that make them (PyStemmer's stems would be
the terms of a table of words in a language Snowball stems), by their files' sizes and
times (pyahocorasick names no version of its own)."""

_TEMPORARY_SECONDS = 3600
"""Age past which a temporary file of ``save`` is one a process killed while writing it
left (writing one takes a fraction of a second): ``_prune`` removes it."""


def directory() -> Path | None:
    """The folder of the cache (``cache_dir``), None when it is ``off``."""
    value = setting("cache_dir").strip()
    if value.lower() == "off":
        return None
    if value:
        return Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # unset, or relative: ignored, as the specification says
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "newswire"


@functools.cache
def _made_of() -> bytes | None:
    """The digest of what every kept thing is made of, whatever the caller names: read
    once a process (the sources, about 0.4 MB: a millisecond or two). None when one of
    those files changed after the process imported newswire (its status changes with
    any write or rename, whatever time a copy gives the file): the process may run the
    code or library it imported before, which this digest would not name."""
    digest = hashlib.sha256(f"{FORMAT}\0{sys.version}\0{sys.platform}\0".encode())
    changed = False
    for name in _LIBRARIES:
        module = sys.modules.get(name) or __import__(name)
        changed |= _stat_into(digest, Path(getattr(module, "__file__", "") or name))
    root = Path(__file__).resolve().parent.parent
    for package in _PACKAGES:
        for source in sorted((root / package).glob("*.py")):
            changed |= source.stat().st_ctime_ns > IMPORTED_NS
            digest.update(source.name.encode() + b"\0")
            digest.update(source.read_bytes())
    for data in sorted((root / "data").iterdir()):
        if data.is_file():
            changed |= _stat_into(digest, data)
    return None if changed else digest.digest()


def _stat_into(digest: Any, path: Path) -> bool:
    """``path``'s name, size and time into ``digest``; whether it changed after the
    process imported newswire."""
    try:
        found = path.stat()
    except OSError:
        digest.update(f"{path.name}\0-\0".encode())
        return False
    digest.update(f"{path.name}\0{found.st_size}\0{found.st_mtime_ns}\0".encode())
    return found.st_ctime_ns > IMPORTED_NS


def _file(folder: Path, kind: str, parts: Iterable[bytes]) -> Path | None:
    """The file of ``kind`` and ``parts`` in ``folder``, None when this process may not
    run the code the files on disk hold (``_made_of``)."""
    made_of = _made_of()
    if made_of is None:
        return None
    digest = hashlib.sha256(made_of)
    digest.update(kind.encode() + b"\0")
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part)
    return folder / f"{kind}-{digest.hexdigest()[:40]}.pickle"


def _safe(found: os.stat_result, kind: int) -> bool:
    """Whether a folder or file (``kind``: ``stat.S_IFDIR`` or ``S_IFREG``, not a link)
    is this user's and nobody else may write it."""
    return (
        stat.S_IFMT(found.st_mode) == kind
        and found.st_uid == os.geteuid()
        and not found.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def load(kind: str, parts: Iterable[bytes]) -> Any | None:
    """What ``save`` kept under ``kind`` and ``parts``, None when there is nothing to
    trust (see the module docs)."""
    try:
        folder = directory()
        if folder is None or not _safe(os.lstat(folder), stat.S_IFDIR):
            return None
        path = _file(folder, kind, parts)
        if path is None:
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except Exception:  # no such file; no folder; no owner to tell (no ``geteuid``)
        return None
    try:
        with os.fdopen(fd, "rb") as file:
            if not _safe(os.fstat(file.fileno()), stat.S_IFREG):
                return None
            data = file.read()
    except Exception:
        return None
    try:
        with no_collection():
            return pickle.loads(data)
    except Exception:  # cut short, another release's classes: built again instead
        # And kept again: ``save`` writes no file whose name is there already, so a file
        # left damaged (a crash as it was written) would be read and built again by
        # every process for as long as its name lasts.
        with contextlib.suppress(OSError):
            os.unlink(path)
        return None


def save(kind: str, parts: Iterable[bytes], value: object) -> None:
    """Keep ``value`` under ``kind`` and ``parts`` for the next process, unless a file
    of that name is there already (each of a server's processes builds the automaton
    again after an editor's change: the first to finish keeps it); the older files of
    ``kind`` past the newest ``KEEP`` removed. Nothing is kept, and nothing fails, when
    the folder cannot be made or is not safe to read back."""
    try:
        folder = directory()
        if folder is None:
            return
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _safe(os.lstat(folder), stat.S_IFDIR):
            return
        path = _file(folder, kind, parts)
        # None: this process may run other code than the files'. A file there: another
        # process kept the same (its name says what it holds).
        if path is None or path.exists():
            return
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{kind}-")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.replace(temporary, path)  # whole or not at all, for a process reading it
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        _prune(folder, kind)
    except Exception:  # a full disk, a read-only home: the next process builds it too
        return


def _prune(folder: Path, kind: str) -> None:
    kept = []
    for path in folder.glob(f"{kind}-*.pickle"):
        with contextlib.suppress(OSError):
            kept.append((path.stat().st_mtime_ns, path))
    for _, path in sorted(kept, reverse=True)[KEEP:]:
        with contextlib.suppress(OSError):
            path.unlink()
    # The temporary files of processes killed while they wrote (18 MB a pair), which
    # nothing else would ever remove.
    old = time.time() - _TEMPORARY_SECONDS
    for path in folder.glob(f".{kind}-*"):
        with contextlib.suppress(OSError):
            if path.lstat().st_mtime < old:
                path.unlink()


@contextlib.contextmanager
def no_collection() -> Iterator[None]:
    """The cyclic collector paused while many objects that all stay alive are made (a
    file's here, the gazetteer's): each collection meanwhile would walk the growing heap,
    hundreds of times."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

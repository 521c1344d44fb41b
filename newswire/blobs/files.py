"""Blobs as files: the embedded default, beside the SQLite database.

``sqlite:///news.db`` keeps its blobs in ``news.db.blobs/``; ``file:///some/folder`` in
that folder. A blob is the file ``ab/cd/<key>`` (the key's first two pairs of hex digits
as folders, so that no folder holds more than 65,536 names of the next level).

A put writes to a temporary file in ``tmp/`` of the same folder (same file system),
fsyncs it, renames it to its key and fsyncs the folder: a blob appears whole or not at
all, and survives a power cut once ``put`` returned. Two processes putting the same bytes
both rename onto the same name with the same content, which is harmless.

A blob's time is its file's modification time: a put of bytes already stored touches the
file, then checks that its name still names a file (a touch that found the file just
before a delete moved it away renews nothing; the put stores the bytes again). A delete
opens the file, renames it into ``tmp/`` (atomic), then reads its time from the open file:
a put that touched it before the rename shows there, and the file goes back; a put after
the rename finds no file and stores the bytes again.

Whoever writes a file into ``tmp/`` (a put, a delete's moved file) holds a ``flock`` on
it until it is gone from there. A process killed meanwhile leaves the file behind, and
its lock goes with the process: ``leftovers`` removes such files once older than the
sweep's grace, and never one still locked, however old.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
import shutil
import stat
import tempfile
import weakref
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from newswire.blobs import CHUNK, check_key, is_key, span
from newswire.errors import BadInput, NotFound


def folder_of(url: str) -> Path:
    """The folder of the blobs of ``url`` (a store's ``sqlite:`` URL or a ``file:`` one)."""
    if url.startswith("file:"):
        parts = urlsplit(url)
        path = unquote(parts.path)
        # ``file://srv/blobs`` (two slashes) names the host ``srv`` and the folder
        # ``/blobs``: taken as it was, the blobs went to a folder nobody meant, made at
        # the root, while the server started as if all were well.
        if parts.netloc not in ("", "localhost"):
            raise BadInput(
                f"{url!r} names the host {parts.netloc!r}, and a blob folder is on this"
                f" machine: file:///{parts.netloc}{parts.path} (three slashes) names the"
                f" folder /{parts.netloc}{path}",
                field="blobs",
            )
        if not path:
            raise BadInput(f"a file:// blob store URL names a folder: {url!r}", field="blobs")
        return Path(path)
    # The SQLite store's URL forms (``newswire.store.sqlite.connection.database_path``):
    # ``sqlite:///relative.db``, ``sqlite:////absolute.db``; in memory there is no beside.
    rest = url.removeprefix("sqlite:")
    if rest in ("", "//", "///:memory:", "//:memory:", ":memory:") or not rest.startswith("///"):
        raise BadInput(
            f"the database {url!r} is not a file: give the blobs a folder (file:///...)",
            field="blobs",
        )
    database = Path(rest[3:]).expanduser()
    return database.with_name(database.name + ".blobs")


class FileBlobs:
    def __init__(self, url: str):
        self.root = folder_of(url)
        self._tmp = self.root / "tmp"
        try:
            self._tmp.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BadInput(f"cannot make the blob folder {self.root}: {exc}", field="blobs") from None

    def _file(self, key: str) -> Path:
        key = check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes | Path | Iterable[bytes]) -> str:
        if isinstance(data, bytes):
            key = hashlib.sha256(data).hexdigest()
            return key if self._renew(key) else self._store([data])
        if isinstance(data, Path):
            with open(data, "rb") as source:
                return self._store(iter(lambda: source.read(CHUNK), b""))
        return self._store(data)

    def _renew(self, key: str) -> bool:
        """Touch the blob ``key`` (its time is now); False when there is none.

        A touch finds the file by its name, then sets its time: a delete may move the file
        away in between, and the touch lands on the moved file after the delete has read
        its time. So the name is looked at again after the touch: if it names no file
        then, the blob may be gone and the caller stores the bytes again."""
        file = self._file(key)
        try:
            os.utime(file)
        except FileNotFoundError:
            return False
        return file.exists()

    def _store(self, pieces: Iterable[bytes]) -> str:
        digest = hashlib.sha256()
        fd, name = tempfile.mkstemp(dir=self._tmp, prefix="put-")
        try:
            with os.fdopen(fd, "wb") as out:
                fcntl.flock(out.fileno(), fcntl.LOCK_EX)  # in progress: ``leftovers`` keeps it
                for piece in pieces:
                    digest.update(piece)
                    out.write(piece)
                out.flush()
                os.fsync(out.fileno())
                key = digest.hexdigest()
                target = self._file(key)
                if self._renew(key):
                    os.unlink(name)
                    return key
                target.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(name, 0o444)  # a blob never changes
                os.replace(name, target)  # before the file (and its lock) is closed
            _fsync_folder(target.parent)
            return key
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(name)
            raise

    def exists(self, key: str) -> bool:
        try:
            return self._file(key).is_file()
        except NotFound:
            return False

    def size(self, key: str) -> int:
        try:
            return self._file(key).stat().st_size
        except FileNotFoundError:
            raise _missing(key) from None

    def read(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        return b"".join(self.chunks(key, start, end))

    def chunks(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        first, stop = span(start, end, self.size(key))
        return _pieces(self._file(key), first, stop)

    def path(self, key: str) -> Path | None:
        file = self._file(key)
        if not file.is_file():
            raise _missing(key)
        return file

    def keys(self, before: datetime | None = None) -> Iterator[str]:
        limit = None if before is None else before.timestamp()
        for file in self.root.glob("??/??/*"):
            if not is_key(file.name):
                continue
            try:
                if limit is None or file.stat().st_mtime < limit:
                    yield file.name
            except FileNotFoundError:  # deleted while listed
                continue

    def delete(self, key: str, before: datetime | None = None) -> bool:
        file = self._file(key)
        grave = self._tmp / f"delete-{key}-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            fd = os.open(file, os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)  # in ``tmp/`` while locked: ``leftovers`` keeps it
            try:
                os.rename(file, grave)
            except FileNotFoundError:  # deleted meanwhile (another sweep)
                return False
            try:
                # Its time from the open file: a touch before the rename shows here, and
                # one after it found no file (the put stores the bytes again).
                if before is not None and os.fstat(fd).st_mtime >= before.timestamp():
                    # Put again before the rename: it goes back, unless a put after the
                    # rename has already stored the same bytes again.
                    with contextlib.suppress(FileExistsError):
                        os.link(grave, file)
                    return False
                _fsync_folder(file.parent)
                return True
            finally:
                os.unlink(grave)
        finally:
            os.close(fd)

    def link(self, key: str, folder: Path, size: int) -> bool:
        """Store the blob ``key`` as a hard link to its file in another blob folder of
        this kind (an earlier backup's), if that has one of ``size`` bytes: a blob never
        changes, so both can share its bytes. False when it has none, or the link fails
        (another file system, links not allowed): then copy it."""
        source = folder / key[:2] / key[2:4] / check_key(key)
        target = self._file(key)
        try:
            info = source.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or info.st_size != size:
                return False
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(source, target, follow_symlinks=False)
        except OSError:
            return False
        _fsync_folder(target.parent)
        return True

    def leftovers(self, before: datetime, *, dry_run: bool = False) -> tuple[int, int]:
        """Remove the files a put or a delete left in ``tmp/`` when its process was
        killed: those last written before ``before`` that no one holds (a put in progress,
        however slow, holds its file). Returns how many, and their bytes; with
        ``dry_run``, only counts them."""
        count = size = 0
        limit = before.timestamp()
        for entry in os.scandir(self._tmp):
            if not entry.name.startswith(("put-", "delete-")):
                continue
            try:
                if entry.stat(follow_symlinks=False).st_mtime >= limit:
                    continue  # young: perhaps in progress, whoever holds it
                fd = _open_to_lock(entry.path)
            except (FileNotFoundError, PermissionError):  # gone meanwhile; not ours
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                info = os.fstat(fd)
                if info.st_mtime >= limit or os.stat(entry.path).st_ino != info.st_ino:
                    continue  # written to, or renamed away (a put done) since listed
                if not dry_run:
                    os.unlink(entry.path)
                count += 1
                size += info.st_size
            except OSError:  # held (in progress), or gone meanwhile
                continue
            finally:
                os.close(fd)
        return count, size

    def close(self) -> None:
        pass


class TemporaryFileBlobs(FileBlobs):
    """``FileBlobs`` in a temporary folder of their own, which goes when they are closed (a
    server's shutdown, a command's end) or, if they never are, when the process exits: the
    blobs of a store in memory, which go with it. Removing it at exit alone left it behind
    whenever a server was stopped (uvicorn ends the process by the signal it was sent, and
    no exit handler runs then)."""

    def __init__(self) -> None:
        folder = tempfile.mkdtemp(prefix="newswire-blobs-")
        super().__init__(Path(folder).as_uri())
        self._remove = weakref.finalize(self, shutil.rmtree, folder, True)  # ignore_errors

    def close(self) -> None:
        self._remove()


def _pieces(file: Path, first: int, stop: int) -> Iterator[bytes]:
    with open(file, "rb") as source:
        source.seek(first)
        left = stop - first
        while left > 0:
            piece = source.read(min(CHUNK, left))
            if not piece:
                return
            left -= len(piece)
            yield piece


def _missing(key: str) -> NotFound:
    return NotFound(f"no blob {key}", field="blob")


def _open_to_lock(path: str) -> int:
    """``path`` opened to take a lock on: for writing when allowed (an exclusive lock over
    NFS needs it), else for reading (a moved blob is read-only)."""
    try:
        return os.open(path, os.O_RDWR | os.O_NOFOLLOW)
    except PermissionError:
        return os.open(path, os.O_RDONLY | os.O_NOFOLLOW)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# The contract, checked: mypy verifies that the backend structurally satisfies it.
if TYPE_CHECKING:
    from newswire.blobs import Blobs

    _blobs: type[Blobs] = FileBlobs

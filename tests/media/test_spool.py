"""What a killed server left in the upload spool is removed when a server starts, through
real servers: an upload cut off by ``kill -9``, and folders planted as a dead process, a
live one and a process whose id the kernel gave again would leave them."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys

import pytest

from newswire.media import spool
from tests.helpers import Server, make_key, retry_until
from tests.media.test_refusals import jpeg_bytes


@pytest.fixture
def tmp(tmp_path, monkeypatch):
    """The temporary folder of the test and of its servers (``TMPDIR``): its spool is
    this test's alone."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr("tempfile.tempdir", None)  # read TMPDIR again
    return folder


def dead_pid() -> int:
    """The id of a process that ran and ended (and was reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)
    child.stdin.close()
    child.wait()
    return child.pid


def plant(folder, name: str, size: int) -> None:
    """A folder as a process leaves it: an upload spooled and a renditions folder."""
    folder.mkdir(parents=True)
    (folder / "newswire-upload-x1").write_bytes(b"\xff" * size)
    (folder / "newswire-media-x2").mkdir()
    (folder / "newswire-media-x2" / name).write_bytes(b"\0" * 10)


def removed_line(log) -> str | None:
    said = log.read_text() if log.exists() else ""
    found = re.search(r"removed what stopped processes left in the upload spool.*", said)
    return found.group(0) if found else None


def test_a_killed_upload_is_removed_when_a_server_starts(tmp, tmp_path):
    db = f"sqlite:///{tmp_path / 'news.db'}"
    key = make_key(db, "--scope", "publish", "--name", "PHOTODESK")
    first = Server(db, log=tmp_path / "first.log")
    try:
        own = spool.root() / spool.name_of(first.proc.pid)
        head = jpeg_bytes(tmp_path)
        with socket.create_connection(("127.0.0.1", first.port)) as upload:
            upload.sendall(
                b"POST /v1/items HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\n"
                + f"Authorization: Bearer {key}\r\nContent-Length: {10 << 20}\r\n\r\n".encode()
                + head + b"\0" * (3 << 20)
            )
            spooled = retry_until(
                lambda: [p for p in own.glob("newswire-upload-*") if p.stat().st_size >= 1 << 20],
                "the upload to be spooled in the server's own folder",
            )
            first.proc.send_signal(signal.SIGKILL)
            first.proc.wait(10)
    finally:
        first.close()
    assert spooled[0].exists()  # the defect: nothing removes it now
    assert not list(tmp.glob("newswire-upload-*"))  # not loose in the temporary folder

    log = tmp_path / "second.log"
    second = Server(db, log=log)
    try:
        said = retry_until(lambda: removed_line(log), "the sweep's log line")
        assert not own.exists()
        assert said.startswith("removed what stopped processes left in the upload spool: 1 file(s), ")
        assert float(said.split(", ")[1].split(" MB")[0]) >= 1.0
    finally:
        second.close()
    # A server that stops in order leaves no folder of its own behind.
    assert [p.name for p in spool.root().iterdir()] == []


def test_only_stopped_processes_folders_are_removed(tmp, tmp_path):
    root = spool.root()
    gone = dead_pid()
    dead = root / str(gone)  # made where the system did not say when a process started
    plant(dead, "thumbnail.jpg", 300_000)
    live = root / spool.name_of(os.getpid())  # this test's process: it runs
    plant(live, "web.jpg", 1000)
    # This process's id, but a process that started at boot: an earlier one, dead, whose
    # id the kernel gave again.
    again = root / f"{os.getpid()}-1"
    plant(again, "preview.jpg", 200_000)
    other = root / "not-a-process"  # not a name of ours: left alone
    other.mkdir()

    log = tmp_path / "server.log"
    server = Server(f"sqlite:///{tmp_path / 'news.db'}", log=log)
    try:
        said = retry_until(lambda: removed_line(log), "the sweep's log line")
        assert not dead.exists()
        assert not again.exists()
        assert (live / "newswire-upload-x1").stat().st_size == 1000
        assert (live / "newswire-media-x2" / "web.jpg").exists()
        assert other.exists()
        # 2 files in each stopped process's folder; 500,020 bytes.
        assert said.startswith("removed what stopped processes left in the upload spool: 4 file(s), 0.5 MB, 2 folder(s)")
    finally:
        server.close()


def test_a_process_id_in_use_keeps_its_folder_where_start_times_are_unknown(tmp):
    assert spool.sweep() == spool.Swept()
    mine = spool.root() / str(os.getppid())  # a running process, its start not in the name
    plant(mine, "poster.jpg", 10)
    assert spool.sweep() == spool.Swept()
    assert mine.exists()

"""Running the real ``newswire`` command and server from tests."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import httpx
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")

LONG = os.environ.get("NEWSWIRE_LONG_TESTS", "") not in ("", "0")
"""The long mode (``make test-long``): the property tests try the number of examples each
names (``examples``) and schemathesis runs every phase with every key; ``make test`` tries
a third of them, which keeps the suite within its time on two cores. Hypothesis draws
new examples on every run either way, so the shorter runs still cover more over time."""


def examples(n: int) -> int:
    """How many examples a property test named for ``n`` tries in this mode (``LONG``)."""
    return n if LONG else max(20, n // 3)


RETRY_EVERY = 0.05
"""Seconds between two calls of ``retry_until``'s check."""


def retry_until(check: Callable[[], T], what: str, timeout: float = 30.0,
                every: float = RETRY_EVERY) -> T:
    """The tests' one bounded retry loop: call ``check`` until it returns something true
    (returned), and fail saying ``what`` was waited for once ``timeout`` seconds passed.

    Only for conditions nothing announces: a server's port opening, a row a periodic flush
    writes, the search index taking an item in, a metric moving. What a stream, a long
    poll, a receiver of the test's own or a published sentinel item can tell is waited
    for that way instead; no test sleeps otherwise (``tests/test_no_sleeps.py``)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}")
        time.sleep(every)


def metric(url: str, name: str, **labels: str) -> float:
    """A sample of ``GET /metrics`` on the server at ``url`` (0 when absent)."""
    text = httpx.get(f"{url}/metrics", timeout=30).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


_INDEXES: list[Path] = []


def search_index(db: str) -> Path:
    """Where the servers and commands of the tests keep the search index of database ``db``.

    An SQLite store's is beside its file, where newswire puts it. A PostgreSQL node's is a
    folder of its working directory, named after the database: here that is the
    repository, so it goes into a scratch folder of this test session instead (removed
    when the session ends), under the same name."""
    if db.startswith("sqlite:///"):
        return Path(db.removeprefix("sqlite:///") + ".search")
    if not _INDEXES:
        _INDEXES.append(Path(tempfile.mkdtemp(prefix="newswire-indexes-")))
        atexit.register(shutil.rmtree, _INDEXES[0], True)
    return _INDEXES[0] / f"{urlsplit(db).path.strip('/')}.search"


def index_setting(db: str) -> str:
    """``NEWSWIRE_SEARCH_INDEX`` for a node of the tests on ``db`` ("" for the default)."""
    return "" if db.startswith("sqlite:") else str(search_index(db))


def forget_index(db: str) -> None:
    """Remove the search index of a PostgreSQL database dropped (an SQLite one goes with
    its folder)."""
    if not db.startswith("sqlite:"):
        shutil.rmtree(search_index(db), ignore_errors=True)


def node_env(db: str) -> dict[str, str]:
    """The environment of a server or command of the tests on ``db``."""
    index = index_setting(db)
    return {"NEWSWIRE_DB": db, **({"NEWSWIRE_SEARCH_INDEX": index} if index else {})}


def query(db: str, sql: str, args: tuple = ()) -> list[tuple]:
    """The rows of ``sql`` (``?`` placeholders) run on database ``db`` itself: what a store
    keeps in its tables, which are the same on both backends."""
    if db.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(db.removeprefix("sqlite:///"))) as con:
            return con.execute(sql, args).fetchall()
    import psycopg

    with psycopg.connect(db) as conn:
        return conn.execute(sql.replace("?", "%s"), args).fetchall()


def everything_stored(db: str) -> str:
    """Every row of every table of database ``db``, as text: to check that a secret is
    stored nowhere."""
    if db.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(db.removeprefix("sqlite:///"))) as con:
            return "\n".join(con.iterdump())
    tables = query(db, "SELECT table_name FROM information_schema.tables"
                       " WHERE table_schema = 'public'")
    return "\n".join(
        row[0]
        for (table,) in tables
        for row in query(db, f'SELECT row_to_json(t)::text FROM "{table}" t')
    )


def newswire(
    *args: str, db: str | None = None, input: bytes | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    """``newswire ARGS`` in a subprocess, as a user would run it (bytes out)."""
    on_db = node_env(db) if db is not None else {}
    full_env = {**os.environ, "COLUMNS": "200", **on_db, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "newswire.cli", *args],
        capture_output=True,
        input=input,
        env=full_env,
        cwd=ROOT,
        timeout=120,
    )


def newswire_here(
    *args: str, db: str | None = None, input: bytes | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    """``newswire ARGS`` run in this process (typer's ``CliRunner``), answered as
    ``newswire`` answers: the same command, its options read and checked, its store opened
    and closed, with no process started for it.

    A process for each command took 0.2-0.6 s of CPU (Python's start, the imports, the
    enrichment's data loaded again): in a run of the suite the processes it started used
    three quarters of its CPU (909 of 1,235 s), tests/test_cli.py's commands 150 s of it.
    The set-ups (products, subscribers, keys and accounts) and the tests of the commands
    themselves run them here. What only a process shows is tested
    through ``newswire``: ``serve`` and ``demo`` (a server: and one that should have
    refused to start would never return here), a bulk ingest (it forks its workers from
    the process it runs in), a file named ``/dev/stdin``, a closed pipe, Ctrl-C, a
    terminal (``newswire_on_terminal``). Not for two threads at once: the runner swaps
    the process's standard streams and environment while it runs."""
    from typer.testing import CliRunner

    from newswire.cli import app_for

    on_db = node_env(db) if db is not None else {}
    done = CliRunner().invoke(
        app_for(list(args)), list(args), input=input, env={"COLUMNS": "200", **on_db, **(env or {})},
        catch_exceptions=False,
    )
    return subprocess.CompletedProcess(
        ["newswire", *args], done.exit_code, done.stdout_bytes, done.stderr_bytes
    )


def cli(db: str, *args: str, input: bytes | None = None, process: bool = False) -> str:
    """What ``newswire ARGS`` on ``db`` prints; it must succeed. Run in this process
    (``newswire_here``: a test's set-up), or with ``process`` in a process of its own
    (``newswire``), as a test of the command itself runs it."""
    result = (newswire if process else newswire_here)(*args, db=db, input=input)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def set_up(db: str, *commands: tuple[str, ...]) -> None:
    """Run each of ``commands`` (``newswire`` arguments) on ``db``, as an operator sets a
    deployment up; each must succeed (``newswire_here``: set-up, not what is tested)."""
    for args in commands:
        result = newswire_here(*args, db=db)
        assert result.returncode == 0, (args, result.stderr.decode())


def newswire_on_terminal(*args: str, db: str, columns: int = 80) -> str:
    """``newswire ARGS`` with its output on a terminal ``columns`` wide (a pseudo-terminal,
    as an operator's): what it shows there, colours removed."""
    import fcntl
    import pty
    import re
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "newswire.cli", *args],
        stdin=subprocess.DEVNULL, stdout=follower, stderr=follower,
        env={**env, **node_env(db), "NO_COLOR": "1"}, cwd=ROOT,
    )
    os.close(follower)
    shown = b""
    try:
        while chunk := os.read(leader, 65536):
            shown += chunk
    except OSError:  # the command ended: its terminal is gone
        pass
    finally:
        os.close(leader)
        proc.wait(120)
    return re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", shown.decode()).replace("\r\n", "\n")


def make_key(db: str, *args: str) -> str:
    """``newswire key create ARGS``: the new key (printed alone on the last line). Run in
    this process (``newswire_here``): a key is a test's set-up."""
    result = newswire_here("key", "create", *args, db=db)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode().strip().splitlines()[-1]


def services(*names: str) -> None:
    """Start what the tests use, if it is not running (``scripts/services.sh NAME...``:
    ``postgres``, ``nats``, ``chromium``, ``axe``); a failure fails the test, with why."""
    import pytest

    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "services.sh"), *names],
        capture_output=True, text=True, timeout=600, check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"scripts/services.sh {' '.join(names)} failed:\n{done.stdout}{done.stderr}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``newswire serve`` on a free port of 127.0.0.1, stopped on ``close``; ``env`` adds
    settings (``{"NEWSWIRE_HEARTBEAT": "1"}``) to the server's environment. ``http``
    (``"h11"``) serves the same application with that HTTP implementation of uvicorn's
    instead (``newswire serve`` runs httptools). ``log``: a file the server's stderr (its
    log) goes to, for a test to read."""

    def __init__(
        self,
        db: str,
        *args: str,
        env: dict | None = None,
        http: str | None = None,
        port: int | None = None,
        log: Path | None = None,
    ):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = ["-m", "newswire.cli", "serve", "--port", str(self.port), *args]
        if http is not None:
            command = ["-m", "uvicorn", "--factory", "newswire.api.app:create_app",
                       "--http", http, "--port", str(self.port), *args]
        self.log_path = log
        self.log = log.open("wb") if log is not None else None
        self.proc = subprocess.Popen(
            [sys.executable, *command],
            # One process unless a test asks for more (--workers): tests/delivery/test_workers.py
            # A test's server stops in 2 s at most (its requests under way answered 503):
            # close() waits 10 s, and a request left open must not cost the suite 30.
            env={
                **os.environ,
                "NEWSWIRE_WORKERS": "1",
                "NEWSWIRE_SHUTDOWN_SECONDS": "2",
                **node_env(db),
                **(env or {}),
            },
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self.log or subprocess.PIPE,
        )
        try:
            retry_until(self._answers, "the server to answer /health")
        except BaseException:
            self.close()
            raise

    def _answers(self) -> bool:
        if self.proc.poll() is not None:
            said = self.proc.stderr.read() if self.log_path is None else self.log_path.read_bytes()
            raise RuntimeError(f"server exited: {said.decode()}")
        try:
            return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        # httpx's own pool, as a subscriber's: it reuses an idle connection for 5 s, and
        # the server keeps one for ``keepalive_seconds`` (75 s), so none is closing then.
        return httpx.Client(base_url=self.url, timeout=30, headers=headers)

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        if self.log is None:
            self.proc.stderr.close()
        else:
            self.log.close()

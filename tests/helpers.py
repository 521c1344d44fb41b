"""Running the real ``newswire`` command and server from tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")

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


def newswire(
    *args: str, db: str | None = None, input: bytes | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    """``newswire ARGS`` in a subprocess, as a user would run it (bytes out)."""
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    if db is not None:
        full_env["NEWSWIRE_DB"] = db
    return subprocess.run(
        [sys.executable, "-m", "newswire.cli", *args],
        capture_output=True,
        input=input,
        env=full_env,
        cwd=ROOT,
        timeout=120,
    )


def make_key(db: str, *args: str) -> str:
    """``newswire key create ARGS``: the new key (printed alone on the last line)."""
    result = newswire("key", "create", *args, db=db)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode().strip().splitlines()[-1]


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
        self.log = log.open("wb") if log is not None else None
        self.proc = subprocess.Popen(
            [sys.executable, *command],
            # One process unless a test asks for more (--workers): tests/delivery/test_workers.py
            env={**os.environ, "NEWSWIRE_WORKERS": "1", "NEWSWIRE_DB": db, **(env or {})},
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
            said = self.proc.stderr.read() if self.log is None else b"(see its log file)"
            raise RuntimeError(f"server exited: {said.decode()}")
        try:
            return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
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

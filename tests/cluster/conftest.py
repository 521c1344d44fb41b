"""Several nodes sharing PostgreSQL and NATS JetStream, for real, on 127.0.0.1.

Each test module gets a database and a JetStream stream of its own (dropped afterwards),
so that runs never see each other's items or events. The services are started by
``scripts/services.sh`` when they are not running."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.helpers import Server, free_port, make_key, newswire, retry_until

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
NATS = "nats://127.0.0.1:4222"


def services(*names: str) -> None:
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "services.sh"), *names],
        capture_output=True, text=True, timeout=600, check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"scripts/services.sh {' '.join(names)} failed:\n{done.stdout}{done.stderr}")


def fresh_database() -> tuple[str, callable]:
    """A new, empty PostgreSQL database: its URL and what drops it."""
    import psycopg

    name = f"newswire_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{POSTGRES}/{name}", drop


def stream_url(base: str = NATS) -> str:
    token = uuid.uuid4().hex[:12]
    return f"{base}?stream=TEST_{token}&subject=test.{token}.items"


class Cluster:
    """Two ``newswire serve`` nodes on their own ports, one database, one bus; a full
    subscriber ``alpha`` and a publishing desk."""

    def __init__(self, folder: Path, db: str, bus: str, env: dict | None = None):
        self.db, self.bus, self.folder = db, bus, folder
        self.env = {"NEWSWIRE_WEBHOOK_ALLOW_PRIVATE": "yes", **(env or {})}
        for args in (
            ("product", "add", "ar-full", "--access", "full", "--lang", "ar"),
            ("subscriber", "add", "alpha", "--product", "ar-full"),
        ):
            result = newswire(*args, db=db)
            assert result.returncode == 0, result.stderr.decode()
        self.keys = {
            "alpha": make_key(db, "--subscriber", "alpha"),
            "desk": make_key(db, "--scope", "publish", "--name", "DESK"),
        }
        self.nodes = [self.start(n) for n in range(2)]

    def start(self, n: int, port: int | None = None) -> Server:
        env = {**self.env, "NEWSWIRE_SEARCH_INDEX": str(self.folder / f"node{n}.search")}
        return Server(self.db, "--bus", self.bus, env=env, port=port)

    def close(self) -> None:
        for node in self.nodes:
            node.close()


class PrivateNats:
    """A NATS server with JetStream of this test's own, on a free port, that the test may
    stop and start again (the shared one on 4222 is left alone)."""

    def __init__(self, folder: Path):
        binary = shutil.which("nats-server") or shutil.which(
            "nats-server", path=os.pathsep.join(("/usr/sbin", "/usr/local/sbin"))
        )
        if binary is None:
            services("nats")  # installs it
            binary = shutil.which("nats-server", path="/usr/sbin")
        self.binary, self.folder, self.port = binary, folder, free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        retry_until(self._listening, "the private NATS server to listen")

    def _listening(self) -> bool:
        import socket

        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None


@pytest.fixture(scope="module")
def postgres_and_nats():
    services("postgres", "nats")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, postgres_and_nats):
    db, drop = fresh_database()
    cluster = Cluster(tmp_path_factory.mktemp("cluster"), db, stream_url())
    yield cluster
    cluster.close()
    drop()

"""Several nodes sharing PostgreSQL and NATS JetStream, for real, on 127.0.0.1.

Each test module gets a database and a JetStream stream of its own (dropped afterwards),
so that runs never see each other's items or events. The services are started by
``scripts/services.sh`` when they are not running."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import uuid
from pathlib import Path

import pytest

from newswire.access.keys import ApiKey, new_key
from newswire.access.products import Product
from newswire.access.subscribers import Subscriber
from newswire.store import open_store
from tests.conftest import fresh_database
from tests.helpers import Server, free_port, retry_until, services

NATS = "nats://127.0.0.1:4222"


def stream_url(base: str = NATS) -> str:
    token = uuid.uuid4().hex[:12]
    return f"{base}?stream=TEST_{token}&subject=test.{token}.items"


def add_key(store, *, scope: str = "read", subscriber: str | None = None, name: str = "") -> str:
    key, key_id, key_hash = new_key()
    store.keys.add(ApiKey(id=key_id, scope=scope, subscriber=subscriber, name=name), key_hash)
    return key


class Cluster:
    """Two ``newswire serve`` nodes on their own ports, one database, one bus; a full
    subscriber ``alpha`` and a publishing desk."""

    def __init__(self, folder: Path, db: str, bus: str, env: dict | None = None):
        self.db, self.bus, self.folder = db, bus, folder
        self.env = {"NEWSWIRE_WEBHOOK_ALLOW_PRIVATE": "yes", **(env or {})}
        # Through the store, in this process: the CLI does the same in a process each.
        store = open_store(db)
        try:
            store.products.add(Product(name="ar-full", access="full", languages=["ar"]))
            for name, limit in (("alpha", None), ("limited", 10), ("metered", None)):
                extra = {"rate_limit": limit} if limit else {}
                store.subscribers.add(Subscriber(name=name, products=["ar-full"], **extra))
            self.keys = {
                who: add_key(store, subscriber=subscriber)
                for who, subscriber in (
                    ("alpha", "alpha"), ("revoked", "alpha"), ("limited", "limited"),
                    ("metered", "metered"),
                )
            }
            self.keys["desk"] = add_key(store, scope="publish", name="DESK")
        finally:
            store.close()
        self.nodes = [self.start(n) for n in range(2)]

    def start(self, n: int, port: int | None = None) -> Server:
        env = {**self.env, "NEWSWIRE_SEARCH_INDEX": str(self.folder / f"node{n}.search")}
        # The log in a file, for a test to read (and a pipe nobody reads never fills).
        log = self.folder / f"node{n}.log"
        return Server(self.db, "--bus", self.bus, env=env, port=port, log=log)

    def close(self) -> None:
        for node in self.nodes:
            node.close()


class TcpGate:
    """A TCP relay from a port of its own to ``target``, that a test can cut (every open
    connection closed, new ones refused) and mend: a network between a node and its
    database that fails and comes back, with the real database on the other side."""

    def __init__(self, target: tuple[str, int]):
        import socket

        self.target = target
        self.open = threading.Event()
        self.open.set()
        self.flowing = threading.Event()  # cleared: bytes are held, nothing is closed
        self.flowing.set()
        self._pairs: list = []
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket

        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return  # closed
            if not self.open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                # Cut while this one was connecting upstream: ``cut`` clears ``open`` before
                # it takes the lock, so a pair added after its sweep is closed here.
                if not self.open.is_set():
                    client.close()
                    upstream.close()
                    continue
                self._pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source, sink) -> None:
        try:
            while data := source.recv(65536):
                self.flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.close()

    def cut(self) -> None:
        import socket

        self.open.clear()
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in pair:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
                except OSError:
                    pass

    def silence(self) -> None:
        """The network goes silent: connections stay open, nothing gets through (a cable
        pulled, a firewall dropping packets), until ``mend``."""
        self.flowing.clear()

    def mend(self) -> None:
        self.open.set()
        self.flowing.set()

    def close(self) -> None:
        self.cut()
        self._server.close()


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
    folder = tmp_path_factory.mktemp("cluster")
    with fresh_database("postgres", folder) as db:
        cluster = Cluster(folder, db, stream_url())
        yield cluster
        cluster.close()

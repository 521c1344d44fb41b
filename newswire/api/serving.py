"""``newswire serve``: one server process, or N sharing the port (``--workers N``).

With N > 1, uvicorn's supervisor starts N processes that accept connections on one
listening socket (the kernel hands each new connection to one of them) and starts a
process again when it dies; the clients of the others are not affected. Nothing else is
added to the deployment: the processes coordinate through the store, exactly as several
nodes do on a shared database.

- Each process follows the store's event log (``Hub``: SQLite tells it within 10 ms
  that another process wrote), so its streams, long polls and feed pages see every
  process's publishes, in sequence order; a cursor is the same on every process.
- Keys are resolved from each process's memory; a revocation or suspension moves the
  store's access generation, which every process watches (closing the key's streams).
- Rate limits take tokens from buckets in the store; usage counts are added, not set.
- Webhook deliveries are claimed in the store before they are sent: each is sent once.
- Embargo lifts are logged in one transaction that skips what another process lifted.
- One process writes the search index (tantivy's writer lock decides which; another
  takes over when it dies); the others search the same folder and reload when it moves.
- ``/metrics`` sums every process's figures (``newswire.delivery.shared_metrics``).

The supervisor prepares what the processes share before they start (the database's
migrations, the metrics folder), so that N processes never race to create them.
"""

from __future__ import annotations

import asyncio
import errno
import gc
import os
import shutil
import socket
import tempfile
from typing import TYPE_CHECKING, Any, TypedDict

from newswire.errors import BadInput
from newswire.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

WORKER_ENV = "NEWSWIRE_SERVING_WORKERS"
"""Set by the supervisor in the processes it starts: how many there are."""


def tune_gc() -> None:
    """Thousands of live connections keep many objects alive: with the default thresholds
    full collections ran every few seconds and each stopped the loop ~0.3 s (p99 of live
    delivery halved with these; see docs/benchmarks.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


HEALTHCHECK_SECONDS = 30
"""How long the supervisor of ``--workers N`` waits for a process to answer its ping
before it kills the process as hung and starts another."""


class _ServerOptions(TypedDict):
    """uvicorn's options, as ``server_options`` gives them."""

    host: str
    port: int
    http: type[asyncio.Protocol]
    log_config: dict[str, Any]
    log_level: str
    access_log: bool
    timeout_graceful_shutdown: int
    timeout_keep_alive: int


def worker_app() -> FastAPI:
    """The application of one of N processes (uvicorn's factory, in each process)."""
    from newswire.api.app import create_app

    application = create_app(Settings())
    tune_gc()
    return application


def server_options(settings: Settings, host: str, port: int) -> _ServerOptions:
    """What ``serve`` gives ``uvicorn.run`` in either mode."""
    from newswire.api.protocol import Protocol
    from newswire.logs import logging_config

    return {
        "host": host,
        "port": port,
        # uvicorn's httptools protocol, answering what is in memory as it is parsed.
        "http": Protocol,
        "log_config": logging_config(settings.log_format),
        "log_level": "info",
        # The application writes the access lines itself (``access_log``), with the
        # request id and the duration, which uvicorn's do not have.
        "access_log": False,
        # The requests under way (an upload being taken in) get this long, then a 503
        # (``NewswireApp``); streams and long polls end at once by themselves.
        "timeout_graceful_shutdown": settings.shutdown_seconds,
        # uvicorn's 5 s is the idle time httpx keeps a connection for: a subscriber
        # polling every 5 s sent its request as the server closed the connection, and got
        # "Server disconnected" now and then. nginx keeps them 75 s.
        "timeout_keep_alive": settings.keepalive_seconds,
    }


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    from newswire.api.app import create_app
    from newswire.store import in_memory, open_store

    common = server_options(settings, host, port)
    check_address(host, port)
    _check_index_folder(settings)
    if workers <= 1 or in_memory(settings.db):
        application = create_app(settings)
        tune_gc()
        uvicorn.run(application, **common)
        return
    open_store(settings.db).close()  # migrations, once, before N processes open it
    made = ""
    metrics_dir = settings.metrics_dir
    if not metrics_dir:
        metrics_dir = made = tempfile.mkdtemp(prefix="newswire-metrics-")
    else:
        try:
            os.makedirs(metrics_dir, exist_ok=True)
            for name in os.listdir(metrics_dir):  # figures of an earlier run are not this one's
                if name.endswith(".json"):
                    os.unlink(os.path.join(metrics_dir, name))
        except OSError as exc:
            where = exc.filename or metrics_dir
            raise BadInput(
                f"the metrics folder cannot be used: {where}: {exc.strerror or exc}"
                " (NEWSWIRE_METRICS_DIR)",
                field="metrics_dir",
            ) from None
    # The processes read their settings from the environment (uvicorn starts them afresh).
    os.environ.update(
        {
            "NEWSWIRE_DB": settings.db,
            "NEWSWIRE_BUS": settings.bus,
            "NEWSWIRE_METRICS_DIR": metrics_dir,
            "NEWSWIRE_LOG_FORMAT": settings.log_format,
            "NEWSWIRE_ACCESS_LOG": "yes" if settings.access_log else "no",
            WORKER_ENV: str(workers),
        }
    )
    try:
        uvicorn.run(
            "newswire.api.serving:worker_app",
            factory=True,
            workers=workers,
            # A process that does not answer the supervisor's ping in this time is killed
            # and started again: uvicorn's 5 s killed healthy processes still starting on a
            # loaded machine (imports, the store, the search index), and the server took
            # 24 s to answer. A process that dies is started again at once whatever this is.
            timeout_worker_healthcheck=HEALTHCHECK_SECONDS,
            **common,
        )
    finally:
        if made:
            shutil.rmtree(made, ignore_errors=True)


def check_address(host: str, port: int) -> None:
    """``BadInput`` (field ``--port`` or ``--host``) when the server could not listen on
    ``host:port``: a port another server has, an address not this machine's, a host name
    not known. Tried as uvicorn binds (``SO_REUSEADDR``) and released at once, before any
    process starts: uvicorn said it in a log line (``[Errno 98] ...``) and exited 3, with
    ``--workers N`` after its supervisor had started."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    where = f"[{host}]:{port}" if family == socket.AF_INET6 else f"{host}:{port}"
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except socket.gaierror as exc:
            raise BadInput(
                f"{host!r} is neither an address nor a host name known here ({exc.strerror})",
                field="--host",
            ) from None
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise BadInput(
                    f"{where} is already in use (another server?)", field="--port"
                ) from None
            if exc.errno == errno.EACCES:
                raise BadInput(
                    f"{where}: a port below 1024 needs privileges (the proxy in front"
                    " listens there; newswire on a higher port)",
                    field="--port",
                ) from None
            if exc.errno == errno.EADDRNOTAVAIL:
                raise BadInput(
                    f"{host} is not an address of this machine: cannot listen on {where}",
                    field="--host",
                ) from None
            raise BadInput(
                f"cannot listen on {where}: {exc.strerror or exc}", field="--host"
            ) from None


def _check_index_folder(settings: Settings) -> None:
    """A search index folder that cannot be made is a usage error before any process
    starts (``BadInput``), not a traceback in each one as its application starts."""
    from newswire.search.index import prepare_folder
    from newswire.search.service import index_path
    from newswire.store import open_store

    store = open_store(settings.db)
    try:
        path = index_path(settings.search_index, store)
    finally:
        store.close()
    if path is not None:
        prepare_folder(path)

"""Logs: the request id every line carries, text or JSON lines, the access log.

Each HTTP request gets a request id: the caller's ``X-Request-Id`` when it is a sane one
(up to 128 letters, digits, ``.``, ``_``, ``-``: a proxy's or a client's own id, so one
request can be followed through every hop), else a new one. It is answered in the
``X-Request-Id`` response header and kept in a context variable while the request is
handled, so that every line logged meanwhile carries it: in this task, and in the worker
threads it hands work to (which copy the context).

``newswire serve --log-format json`` (``NEWSWIRE_LOG_FORMAT``) writes one JSON object a
line: ``time``, ``level``, ``logger``, ``message``, ``request_id`` (null outside a
request), ``process``, and any fields the line was logged with; an access line (``access_log``) adds
``method``, ``path``, ``query``, ``status``, ``duration_ms`` and ``client``. ``text``
writes the same lines for people.

Kept cheap, as every request pays for it: a new id is a per-process random prefix and a
counter (no system call); the header is looked up in the list the server already parsed.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from starlette.types import Message, Receive, Scope, Send

import msgspec

from newswire.errors import BadInput

T = TypeVar("T")

REQUEST_ID: ContextVar[str | None] = ContextVar("newswire_request_id", default=None)
"""The id of the request being handled (None outside one)."""

HEADER = b"x-request-id"
FORMATS = ("text", "json")

_SANE = re.compile(rb"[A-Za-z0-9._-]{1,128}").fullmatch
_prefix = ""
_counter: Any = None


def _new_process() -> None:
    """A prefix of 48 random bits per process (a forked child takes its own), so ids made
    by the processes and nodes of one deployment do not meet."""
    global _prefix, _counter
    _prefix = secrets.token_hex(6) + "-"
    _counter = itertools.count(1)


_new_process()
os.register_at_fork(after_in_child=_new_process)


def request_id(headers: list[tuple[bytes, bytes]]) -> str:
    """The request's id: its ``X-Request-Id`` if sane, else a new one."""
    for name, value in headers:
        if name == HEADER:
            if _SANE(value):
                return value.decode("ascii")
            break
    return f"{_prefix}{next(_counter):x}"


def begin(headers: list[tuple[bytes, bytes]]) -> str:
    """Take the request's id and make it the current one (for this task and what it
    starts); the id."""
    rid = request_id(headers)
    REQUEST_ID.set(rid)
    return rid


class Tagged:
    """``send`` that adds ``X-Request-Id`` to the response's start. ``__wrapped__`` is the
    server's own ``send``: what writes to the connection directly (``direct_writer``)
    finds it there."""

    __slots__ = ("__wrapped__", "header")

    def __init__(self, send: Send, rid: str):
        self.__wrapped__ = send
        self.header = (HEADER, rid.encode("ascii"))

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            # A new message and list: a response may send the same header list again.
            message = {**message, "headers": [*message.get("headers", ()), self.header]}
        await self.__wrapped__(message)


# --- the access log ------------------------------------------------------------------------

access_log = logging.getLogger("newswire.access")


class Timed:
    """``send`` that notes the response's status, for the access line."""

    __slots__ = ("__wrapped__", "status")

    def __init__(self, send: Send):
        self.__wrapped__ = send
        self.status = 0

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self.__wrapped__(message)


def answered_with(send: Send, status: int) -> None:
    """Tell the ``Timed`` behind ``send`` the status of a response written past it,
    straight to the connection (a long poll answered by the waiters' round), for the
    access line and the request's count."""
    wrapper: Any = send
    while wrapper is not None:
        if isinstance(wrapper, Timed) and not wrapper.status:
            wrapper.status = status
        wrapper = getattr(wrapper, "__wrapped__", None)


async def logged(
    handle: Callable[[Scope, Receive, Send], Awaitable[T]], scope: Scope, receive: Receive, send: Send
) -> T:
    """``handle(scope, receive, send)``, then an access line: when the response is done
    (for a stream, when it ends), with how long it took. ``handle``'s result."""
    timed = send if isinstance(send, Timed) else Timed(send)
    start = time.perf_counter()
    try:
        return await handle(scope, receive, timed)
    finally:
        client = scope.get("client")
        query = scope.get("query_string", b"").decode("latin-1")
        duration = round((time.perf_counter() - start) * 1000, 2)
        # 0: the application sent no answer (it failed first; the server answers 500).
        status = timed.status or 500
        access_log.info(
            '%s "%s %s%s HTTP/%s" %d %.2f ms',
            f"{client[0]}:{client[1]}" if client else "-",
            scope["method"],
            scope["path"],
            f"?{query}" if query else "",
            scope.get("http_version", "1.1"),
            status,
            duration,
            extra={
                "method": scope["method"],
                "path": scope["path"],
                "query": query,
                "status": status,
                "duration_ms": duration,
                "client": client[0] if client else None,
            },
        )


# --- formats -------------------------------------------------------------------------------

# What every LogRecord has; anything else on a record was given as ``extra``. uvicorn's
# ``color_message`` is its message again, with terminal colours.
_STANDARD = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()
    | {"message", "asctime", "color_message", "taskName"}
)
# A value logged as ``extra`` that JSON has no form for is written as its str().
_encode = msgspec.json.Encoder(enc_hook=str).encode


def _time(record: logging.LogRecord) -> str:
    return (
        datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
    )


class JsonFormatter(logging.Formatter):
    """One JSON object a line (see the module's docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": REQUEST_ID.get(),
            "process": record.process,  # which of serve --workers N
        }
        for name, value in vars(record).items():
            if name not in _STANDARD and name not in line:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return _encode(line).decode()


class TextFormatter(logging.Formatter):
    """``time level logger: message [request id]``."""

    def format(self, record: logging.LogRecord) -> str:
        rid = REQUEST_ID.get()
        text = f"{_time(record)} {record.levelname} {record.name}: {record.getMessage()}"
        if rid is not None:
            text += f" [{rid}]"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            text += "\n" + self.formatStack(record.stack_info)
        return text


def log_format(value: str) -> str:
    """``text`` or ``json``; ``BadInput`` for anything else."""
    name = value.strip().lower()
    if name not in FORMATS:
        raise BadInput(
            f"log format {value!r} (--log-format, NEWSWIRE_LOG_FORMAT): say text or json",
            field="log_format",
        )
    return name


class NotAgain(logging.Filter):
    """Drops a line whose exception was logged where it arose (``Unavailable.logged``): a
    database out of reach is said once, not with a traceback by every loop that retries
    every few seconds (about fifty lines a second per process, for as long as it lasts)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not getattr(error, "logged", False)


_POOL_FAILURES = ("error connecting in ", "reconnection attempt in pool ")
"""How psycopg's pool begins a line about a failed try to connect, and one about a round
of tries given up."""
_failing: set[object] = set()
"""The pools (by name) whose first line of an outage was written."""
_failing_lock = threading.Lock()


class PoolOnce(logging.Filter):
    """Keeps psycopg's pool from saying again, at each try, that it cannot connect: while
    the database is out of reach it logs every failed try (``error connecting in
    'newswire': ...``, about one a second per process) and every round of tries it gives
    up. The first such line of an outage is kept (it says why: the server's ``FATAL``, a
    refused connection), the others are dropped until the pool connects again
    (``pool_connected``); newswire itself says once that the database cannot be reached,
    and once that it answers again. Installed on the ``psycopg.pool`` logger: its other
    lines pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not isinstance(record.msg, str) or not record.msg.startswith(_POOL_FAILURES):
            return True
        pool = record.args[0] if isinstance(record.args, tuple) and record.args else None
        with _failing_lock:
            if pool in _failing:
                return False
            _failing.add(pool)
        return True


def pool_connected(pool: str) -> None:
    """The pool named ``pool`` has a new connection: its next failure to connect is the
    first of another outage, and is logged (``PoolOnce``)."""
    if pool in _failing:
        with _failing_lock:
            _failing.discard(pool)


def logging_config(fmt: str) -> dict[str, Any]:
    """The ``logging.config.dictConfig`` of a server (uvicorn's ``log_config``): every
    line, uvicorn's and newswire's, on stderr in ``fmt``."""
    formatter = {"json": JsonFormatter, "text": TextFormatter}[log_format(fmt)]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"newswire": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "filters": {
            "not_again": {"()": f"{NotAgain.__module__}.{NotAgain.__qualname__}"},
            "pool_once": {"()": f"{PoolOnce.__module__}.{PoolOnce.__qualname__}"},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "newswire",
                "filters": ["not_again"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"level": "INFO"},
            "uvicorn.error": {"level": "INFO"},
            # newswire writes its own access lines (with the request id and duration).
            "uvicorn.access": {"level": "WARNING", "propagate": False},
            "newswire": {"level": "INFO"},
            # psycopg's pool: one line of each outage's tries to connect, not one a try.
            "psycopg.pool": {"filters": ["pool_once"]},
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }
